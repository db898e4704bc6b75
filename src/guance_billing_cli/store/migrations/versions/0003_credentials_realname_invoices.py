"""Password attempts, real-name authentication and invoices (issue 4)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from guance_billing_cli.store.migrations.ddl import (
    account_id,
    index,
    refers,
    serial_id,
    stamps,
    string_id,
)
from guance_billing_cli.store.types import UTCDateTime

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table(
        "password_attempts",
        serial_id(),
        account_id(),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    index("password_attempts", "account_id")
    op.create_table(
        "password_resets",
        string_id(),
        account_id(),
        sa.Column("via", sa.String(8), nullable=False),
        sa.Column("address", sa.String(254), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=True),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sends", sa.Integer(), nullable=False),
        sa.Column("last_sent_at", UTCDateTime(), nullable=True),
        *stamps(),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
    )
    index("password_resets", "account_id")

    op.create_table(
        "realname_submissions",
        string_id(),
        account_id(),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("tax_id", sa.String(18), nullable=True),
        sa.Column("id_number", sa.String(18), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("license_name", sa.String(255), nullable=True),
        sa.Column("license_size", sa.Integer(), nullable=True),
        sa.Column("license_sha256", sa.String(64), nullable=True),
        sa.Column("license_path", sa.String(1024), nullable=True),
        sa.Column("submitted_at", UTCDateTime(), nullable=False),
        sa.Column("reviewed_at", UTCDateTime(), nullable=True),
        sa.Column("reviewed_by", sa.String(128), nullable=True),
        sa.UniqueConstraint("account_id", "revision"),
    )
    index("realname_submissions", "account_id")

    op.create_table(
        "invoice_titles",
        string_id(),
        account_id(),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("title", sa.String(128), nullable=False),
        sa.Column("tax_id", sa.String(18), nullable=True),
        sa.Column("bank_name", sa.String(128), nullable=True),
        sa.Column("bank_account", sa.String(40), nullable=True),
        sa.Column("address", sa.String(256), nullable=True),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    index("invoice_titles", "account_id")

    op.create_table(
        "invoice_addresses",
        string_id(),
        account_id(),
        sa.Column("recipient", sa.String(64), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("address", sa.String(256), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    index("invoice_addresses", "account_id")

    op.create_table(
        "invoice_requests",
        string_id(),
        account_id(),
        refers("title_id", "invoice_titles"),
        refers("address_id", "invoice_addresses"),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    index("invoice_requests", "account_id")


def downgrade() -> None:
    op.drop_table("invoice_requests")
    op.drop_table("invoice_addresses")
    op.drop_table("invoice_titles")
    op.drop_table("realname_submissions")
    op.drop_table("password_resets")
    op.drop_table("password_attempts")
