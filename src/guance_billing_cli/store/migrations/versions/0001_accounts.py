"""Accounts and the audit trail."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from guance_billing_cli.store.migrations.ddl import index, serial_id, stamps, string_id
from guance_billing_cli.store.types import UTCDateTime

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        string_id(),
        sa.Column("username", sa.String(32), nullable=False),
        sa.Column("company_name", sa.String(128), nullable=False),
        sa.Column("industry", sa.String(32), nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("contact_name", sa.String(64), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("realname_status", sa.String(16), nullable=False),
        sa.Column("arbitrary_settlement", sa.Boolean(), nullable=False),
        *stamps(),
    )
    index("accounts", "username", unique=True)
    index("accounts", "email", unique=True)
    index("accounts", "phone", unique=True)
    op.create_table(
        "audit_events",
        serial_id(),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("actor_role", sa.String(16), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(128), nullable=False),
        sa.Column("account_id", sa.String(32), nullable=True),
        sa.Column("before", sa.Text(), nullable=False),
        sa.Column("after", sa.Text(), nullable=False),
        sa.Column("request_id", sa.String(64), nullable=True),
        sa.Column("ci_run", sa.String(128), nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    index("audit_events", "at")
    index("audit_events", "action")
    index("audit_events", "account_id")


def downgrade() -> None:
    op.drop_table("audit_events")
    op.drop_table("accounts")
