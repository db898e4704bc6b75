"""Audit trail: keyed chain boundary, store id and signed checkpoints (issue 13).

Events written before this migration keep their plain SHA-256 chain: they are
*marked* as the legacy segment (``audit_meta.legacy_until`` = the last such id,
``legacy_head`` = its hash), not re-linked — re-linking would bless whatever was
in them. Events after it are linked with HMAC under the audit-chain key.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

from guance_billing_cli.store.types import UTCDateTime

revision = "0006_i13"
down_revision = "0005"

GENESIS = "0" * 64


def upgrade() -> None:
    meta = op.create_table(
        "audit_meta",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(128), nullable=False),
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("sequence", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=True),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
    )
    bind = op.get_bind()
    last = bind.execute(
        sa.text("SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1")
    ).first()
    op.bulk_insert(
        meta,
        [
            {"name": "store_id", "value": secrets.token_hex(8)},
            {"name": "legacy_until", "value": str(last[0] if last else 0)},
            {"name": "legacy_head", "value": last[1] if last else GENESIS},
        ],
    )


def downgrade() -> None:
    op.drop_table("audit_checkpoints")
    op.drop_table("audit_meta")
