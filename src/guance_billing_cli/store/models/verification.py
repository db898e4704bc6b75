"""Change requests (email / phone). Their codes live in ``challenges``."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from guance_billing_cli.store.types import UTCDateTime


class ChangeRequest(SQLModel, table=True):
    """One email or phone change: the state machine on top of the challenge engine."""

    __tablename__ = "change_requests"

    id: str = Field(primary_key=True, max_length=32)
    account_id: str = Field(foreign_key="accounts.id", index=True, max_length=32)
    kind: str = Field(max_length=8)
    state: str = Field(max_length=32, index=True)
    current_address: str = Field(max_length=254)
    new_address: str | None = Field(default=None, max_length=254)
    # which address the current step's code goes to: current | new (None: none yet)
    code_target: str | None = Field(default=None, max_length=8)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # step deadline
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
