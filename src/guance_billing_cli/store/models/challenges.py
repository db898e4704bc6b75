"""One-time codes of every purpose (``services/challenges.py``) and failure records
for the throttles (``services/throttles.py``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from guance_billing_cli.store.types import UTCDateTime


class Challenge(SQLModel, table=True):
    """One code sent (or, for an address without an account, pretended to be sent).

    ``address_key`` is a keyed hash of the normalised address, so the table names no
    address; ``code_hash`` is a keyed hash bound to the row id, cleared once the code
    is used, voided or failed. The rows are also the send log of the per-address
    cooldown and send cap."""

    __tablename__ = "challenges"
    __table_args__ = (
        Index("ix_challenges_address", "address_key", "created_at"),
        Index("ix_challenges_subject", "subject"),
    )

    id: str = Field(primary_key=True, max_length=32)
    purpose: str = Field(max_length=32)  # login | password_reset | email_change | phone_change
    subject: str = Field(max_length=32)  # the request the code belongs to
    step: str | None = Field(default=None, max_length=8)  # current | new (address changes)
    account_id: str | None = Field(default=None, max_length=32, index=True)  # None: phantom
    channel: str = Field(max_length=8)  # email | phone
    address_key: str = Field(max_length=80)
    code_hash: str | None = Field(default=None, max_length=64)
    state: str = Field(default="open", max_length=16)  # open used voided failed expired
    attempts: int = Field(default=0)
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ThrottleFailure(SQLModel, table=True):
    """One wrong guess (code or password), counted per key: ``addr:…`` and ``client:…``."""

    __tablename__ = "throttle_failures"
    __table_args__ = (Index("ix_throttle_failures_key_at", "key", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=80)
    at: datetime = Field(sa_type=UTCDateTime)
