"""Answers kept for ``Idempotency-Key`` replays (issue 24; ``server/idempotency.py``).

One row per (caller, key): the operation and a hash of its arguments, then the
answer's status, JSON body and ``Location`` once it succeeded (``status`` NULL: the
first request is still running). Rows older than 24 hours are void and pruned."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from guance_billing_cli.store.types import UTCDateTime


class IdempotencyKey(SQLModel, table=True):
    __tablename__ = "idempotency_keys"
    __table_args__ = (Index("ix_idempotency_keys_created_at", "created_at"),)

    principal: str = Field(primary_key=True, max_length=200)  # role:account:token
    key: str = Field(primary_key=True, max_length=255)
    operation: str = Field(max_length=64)
    fingerprint: str = Field(max_length=64)  # sha256 of the operation's arguments
    status: int | None = Field(default=None)
    body: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    location: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(sa_type=UTCDateTime)
