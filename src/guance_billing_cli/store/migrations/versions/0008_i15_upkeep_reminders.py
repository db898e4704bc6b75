"""Invoice upkeep and lock-countdown reminders (issue 15).

Invoice titles and addresses can be deleted (kept, marked ``deleted_at``, because
past requests refer to them); a pending invoice request can be cancelled
(``cancelled_at``); ``workspace_reminders`` records each countdown reminder sent
(one per workspace, countdown and stage), so ``workspace remind`` is idempotent.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from guance_billing_cli.store.migrations.ddl import account_id, index, refers, string_id
from guance_billing_cli.store.types import UTCDateTime

revision = "0008_i15"
down_revision = "0007_i11"


def upgrade() -> None:
    with op.batch_alter_table("invoice_titles") as batch:
        batch.add_column(sa.Column("deleted_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("invoice_addresses") as batch:
        batch.add_column(sa.Column("deleted_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("invoice_requests") as batch:
        batch.add_column(sa.Column("cancelled_at", UTCDateTime(), nullable=True))
    op.create_table(
        "workspace_reminders",
        string_id(),
        refers("workspace_id", "workspaces", 64),
        account_id(),
        sa.Column("countdown_started_at", UTCDateTime(), nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("sent_to", sa.String(254), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint(
            "workspace_id", "countdown_started_at", "stage", name="uq_workspace_reminders_once"
        ),
    )
    index("workspace_reminders", "account_id")


def downgrade() -> None:
    op.drop_index("ix_workspace_reminders_account_id", table_name="workspace_reminders")
    op.drop_table("workspace_reminders")
    with op.batch_alter_table("invoice_requests") as batch:
        batch.drop_column("cancelled_at")
    with op.batch_alter_table("invoice_addresses") as batch:
        batch.drop_column("deleted_at")
    with op.batch_alter_table("invoice_titles") as batch:
        batch.drop_column("deleted_at")
