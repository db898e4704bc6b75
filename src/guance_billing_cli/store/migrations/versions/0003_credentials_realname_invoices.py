"""Password attempts, real-name authentication and invoices (issue 4).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # reserved slot: filled by its issue


def downgrade() -> None:
    pass
