"""Change requests (email / phone) with their code state, and the store's secrets."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from guance_billing_cli.store.types import UTCDateTime


class StoreSecret(SQLModel, table=True):
    """Per-store secrets, e.g. the HMAC key for verification codes. Never printed."""

    __tablename__ = "store_secrets"

    name: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=128)
    created_at: datetime = Field(sa_type=UTCDateTime)


class ChangeRequest(SQLModel, table=True):
    """One email or phone change. Rate and attempt state live here, so the rules
    hold across processes and server workers."""

    __tablename__ = "change_requests"

    id: str = Field(primary_key=True, max_length=32)
    account_id: str = Field(foreign_key="accounts.id", index=True, max_length=32)
    kind: str = Field(max_length=8)
    state: str = Field(max_length=32, index=True)
    current_address: str = Field(max_length=254)
    new_address: str | None = Field(default=None, max_length=254)
    # HMAC-SHA256 of the outstanding code (hex); None when no code is out
    code_hash: str | None = Field(default=None, max_length=64)
    code_target: str | None = Field(default=None, max_length=8)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = Field(default=0)  # wrong codes over the whole request
    sends: int = Field(default=0)  # codes sent to the current target address
    last_sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
