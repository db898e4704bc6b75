"""The append-only audit trail, keyed-chained, and its checkpoints (``services/audit.py``)."""

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


class AuditMeta(SQLModel, table=True):
    """Facts about the trail: ``store_id``, and where the unkeyed (pre-0006) chain ends."""

    __tablename__ = "audit_meta"

    name: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=128)


class AuditCheckpoint(SQLModel, table=True):
    """The store's copy of each signed checkpoint (the authoritative copies live elsewhere)."""

    __tablename__ = "audit_checkpoints"

    sequence: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    created_at: datetime = Field(sa_type=UTCDateTime)
    last_event_id: int | None = Field(default=None)
    event_count: int
    digest: str = Field(max_length=64)
    statement: str
    signature: str = Field(max_length=128)
