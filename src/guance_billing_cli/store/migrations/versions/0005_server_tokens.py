"""Server API tokens, failed logins and login codes (issue 6)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from guance_billing_cli.store.migrations.ddl import account_id, index, serial_id, string_id
from guance_billing_cli.store.types import UTCDateTime

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        string_id(),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        account_id(nullable=True),
        sa.Column("scopes", sa.String(255), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
    )
    index("api_tokens", "token_hash", unique=True)
    index("api_tokens", "account_id")
    op.create_table(
        "login_failures",
        serial_id(),
        account_id(),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    index("login_failures", "account_id")
    op.create_table(
        "login_codes",
        string_id(),
        account_id(),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("address", sa.String(254), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=True),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("sends", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_sent_at", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
    )
    index("login_codes", "account_id")


def downgrade() -> None:
    op.drop_table("login_codes")
    op.drop_table("login_failures")
    op.drop_table("api_tokens")
