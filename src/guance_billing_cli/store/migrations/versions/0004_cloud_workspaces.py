"""Cloud accounts and workspaces (issue 5)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from guance_billing_cli.store.migrations.ddl import account_id, index, refers, stamps, string_id
from guance_billing_cli.store.types import UTCDateTime

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.create_table(
        "cloud_accounts",
        string_id(),
        account_id(),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("provider_account_id", sa.String(64), nullable=False),
        sa.Column("instance_id", sa.String(128), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        *stamps(),
        sa.Column("unsubscribed_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("provider", "provider_account_id", name="uq_cloud_accounts_provider"),
    )
    index("cloud_accounts", "account_id")

    op.create_table(
        "workspaces",
        string_id(64),
        account_id(),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("site", sa.String(8), nullable=False),
        sa.Column("settlement", sa.String(16), nullable=False),
        refers("cloud_account_id", "cloud_accounts", nullable=True),
        sa.Column("settlement_changed_at", UTCDateTime(), nullable=True),
        sa.Column("countdown_started_at", UTCDateTime(), nullable=True),
        sa.Column("dissolved_at", UTCDateTime(), nullable=True),
        *stamps(),
    )
    # `workspace list` walks one account's workspaces in id order.
    index("workspaces", "account_id", "id")
    # `cloud unsubscribe` and `--cloud-account` find a cloud account's workspaces.
    index("workspaces", "cloud_account_id")


def downgrade() -> None:
    op.drop_table("workspaces")
    op.drop_table("cloud_accounts")
