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


class PasswordReset(SQLModel, table=True):
    """One password reset: a code (``challenges``) to the login email or phone, then a
    new password."""

    __tablename__ = "password_resets"

    id: str = Field(primary_key=True, max_length=32)
    account_id: str = Field(foreign_key="accounts.id", index=True, max_length=32)
    via: str = Field(max_length=8)  # email | phone
    address: str = Field(max_length=254)
    state: str = Field(max_length=16)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
