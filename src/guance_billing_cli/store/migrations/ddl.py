"""Column and index shapes the revisions in ``versions/`` share.

A revision is history: a store made by ``0005`` long ago and one made today must end
up the same. So what is here is frozen — changing a helper changes every revision
that calls it; a new shape gets a new helper (or is written out in its revision).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from guance_billing_cli.store.types import UTCDateTime


def string_id(length: int = 32) -> sa.Column[Any]:
    """``id``: the primary key, a string (``services/ids.py``, or a workspace's own id)."""
    return sa.Column("id", sa.String(length), primary_key=True)


def serial_id() -> sa.Column[Any]:
    """``id``: the primary key, an integer the database counts up."""
    return sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True)


def refers(name: str, table: str, length: int = 32, *, nullable: bool = False) -> sa.Column[Any]:
    """A column holding the string ``id`` of a row of ``table`` (a foreign key)."""
    return sa.Column(name, sa.String(length), sa.ForeignKey(f"{table}.id"), nullable=nullable)


def account_id(*, nullable: bool = False) -> sa.Column[Any]:
    """``account_id``: the billing account a row belongs to."""
    return refers("account_id", "accounts", nullable=nullable)


def stamps() -> tuple[sa.Column[Any], sa.Column[Any]]:
    """``created_at`` and ``updated_at``, both required."""
    return (
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )


def index(table: str, *columns: str, unique: bool = False, name: str | None = None) -> None:
    """``ix_<table>_<columns>`` (or ``name``) on ``columns``, in that order."""
    op.create_index(name or f"ix_{table}_{'_'.join(columns)}", table, list(columns), unique=unique)
