"""The append-only, hash-chained audit table (written by ``services/audit.py``)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from guance_billing_cli.store.types import UTCDateTime


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_events"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    actor: str = Field(max_length=128)
    actor_role: str = Field(max_length=16)
    action: str = Field(max_length=64, index=True)
    target: str = Field(max_length=128)
    account_id: str | None = Field(default=None, max_length=32, index=True)
    before: str = Field(default="{}")
    after: str = Field(default="{}")
    request_id: str | None = Field(default=None, max_length=64)
    ci_run: str | None = Field(default=None, max_length=128)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)
