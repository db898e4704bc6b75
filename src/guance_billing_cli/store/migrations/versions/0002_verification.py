"""Verification codes, change requests and the store's secrets (issue 3)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from guance_billing_cli.store.migrations.ddl import account_id, index, stamps, string_id
from guance_billing_cli.store.types import UTCDateTime

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    store_secrets = op.create_table(
        "store_secrets",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(128), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    # The key for code hashes is born with the store (services also create it if missing).
    op.bulk_insert(
        store_secrets,
        [
            {
                "name": "verification_hmac_key",
                "value": secrets.token_hex(32),
                "created_at": datetime.now(UTC),
            }
        ],
    )
    op.create_table(
        "change_requests",
        string_id(),
        account_id(),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("current_address", sa.String(254), nullable=False),
        sa.Column("new_address", sa.String(254), nullable=True),
        sa.Column("code_hash", sa.String(64), nullable=True),
        sa.Column("code_target", sa.String(8), nullable=True),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sends", sa.Integer(), nullable=False),
        sa.Column("last_sent_at", UTCDateTime(), nullable=True),
        *stamps(),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
    )
    index("change_requests", "account_id")
    index("change_requests", "state")


def downgrade() -> None:
    op.drop_table("change_requests")
    op.drop_table("store_secrets")
