"""Cloud accounts and workspaces (issue 5).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from guance_billing_cli.store.types import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cloud_accounts",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("account_id", sa.String(32), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("provider_account_id", sa.String(64), nullable=False),
        sa.Column("instance_id", sa.String(128), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("unsubscribed_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("provider", "provider_account_id", name="uq_cloud_accounts_provider"),
    )
    op.create_index("ix_cloud_accounts_account_id", "cloud_accounts", ["account_id"])

    op.create_table(
        "workspaces",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("account_id", sa.String(32), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("site", sa.String(8), nullable=False),
        sa.Column("settlement", sa.String(16), nullable=False),
        sa.Column(
            "cloud_account_id", sa.String(32), sa.ForeignKey("cloud_accounts.id"), nullable=True
        ),
        sa.Column("settlement_changed_at", UTCDateTime(), nullable=True),
        sa.Column("countdown_started_at", UTCDateTime(), nullable=True),
        sa.Column("dissolved_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    # `workspace list` walks one account's workspaces in id order.
    op.create_index("ix_workspaces_account_id_id", "workspaces", ["account_id", "id"])
    # `cloud unsubscribe` and `--cloud-account` find a cloud account's workspaces.
    op.create_index("ix_workspaces_cloud_account_id", "workspaces", ["cloud_account_id"])


def downgrade() -> None:
    op.drop_table("workspaces")
    op.drop_table("cloud_accounts")
