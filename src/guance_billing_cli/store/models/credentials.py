"""Failed password attempts, kept in the store so the limit holds across processes."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from guance_billing_cli.store.types import UTCDateTime


class PasswordAttempt(SQLModel, table=True):
    """One wrong current password given to ``password change``."""

    __tablename__ = "password_attempts"

    id: int | None = Field(default=None, primary_key=True)
    account_id: str = Field(foreign_key="accounts.id", index=True, max_length=32)
    at: datetime = Field(sa_type=UTCDateTime)
