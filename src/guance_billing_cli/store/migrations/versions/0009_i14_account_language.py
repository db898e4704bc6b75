"""The language of messages to an account: emails and SMS (issue 14).

Existing accounts get ``en``, what they were sent so far.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_i14"
down_revision = "0008_i15"


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("language", sa.String(8), nullable=False, server_default="en"))


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("language")
