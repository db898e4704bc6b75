"""Verification codes, change requests and the store's secrets (issue 3).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # reserved slot: filled by its issue


def downgrade() -> None:
    pass
