"""One challenge engine (issue 11): ``challenges`` and ``throttle_failures`` replace the
three code tables, and the code key leaves the store.

Open email/phone change requests and password resets stay open, but the code that
was outstanding stops working (it was hashed with the key this migration deletes):
``resend`` sends a new one. Outstanding login codes (``login_codes``) expire.
``store_secrets`` (the HMAC key kept beside the hashes) is dropped: codes are now
keyed with ``keys.purpose_key("codes")``, which lives outside the store.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from guance_billing_cli.store.migrations.ddl import index, serial_id, string_id
from guance_billing_cli.store.types import UTCDateTime

revision = "0007_i11"
down_revision = "0006_i13"

OLD_CODE_COLUMNS = ("code_hash", "attempts", "sends", "last_sent_at")


def upgrade() -> None:
    op.create_table(
        "challenges",
        string_id(),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(32), nullable=False),
        sa.Column("step", sa.String(8), nullable=True),
        sa.Column("account_id", sa.String(32), nullable=True),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("address_key", sa.String(80), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
    )
    index("challenges", "address_key", "created_at", name="ix_challenges_address")
    index("challenges", "subject")
    index("challenges", "account_id")
    op.create_table(
        "throttle_failures",
        serial_id(),
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    index("throttle_failures", "key", "at")
    for table in ("change_requests", "password_resets"):
        with op.batch_alter_table(table) as batch:
            for column in OLD_CODE_COLUMNS:
                batch.drop_column(column)
    op.drop_table("login_codes")
    op.drop_table("login_failures")
    op.drop_table("store_secrets")


def downgrade() -> None:
    raise NotImplementedError("the code key left the store; downgrading past 0006 is not supported")
