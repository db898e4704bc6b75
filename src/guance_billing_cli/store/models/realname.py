"""Real-name authentication submissions (one row per submission; the latest is current)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from guance_billing_cli.store.types import UTCDateTime


class RealnameSubmission(SQLModel, table=True):
    __tablename__ = "realname_submissions"
    __table_args__ = (UniqueConstraint("account_id", "revision"),)

    id: str = Field(primary_key=True, max_length=32)
    account_id: str = Field(foreign_key="accounts.id", index=True, max_length=32)
    revision: int  # 1, 2, ... per account; the highest is the current submission
    type: str = Field(max_length=16)  # enterprise | individual
    name: str = Field(max_length=128)
    tax_id: str | None = Field(default=None, max_length=18)
    id_number: str | None = Field(default=None, max_length=18)
    status: str = Field(max_length=16)  # pending | approved | rejected
    reason: str | None = Field(default=None, max_length=500)
    license_name: str | None = Field(default=None, max_length=255)
    license_size: int | None = Field(default=None)
    license_sha256: str | None = Field(default=None, max_length=64)
    license_path: str | None = Field(default=None, max_length=1024)
    submitted_at: datetime = Field(sa_type=UTCDateTime)
    reviewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reviewed_by: str | None = Field(default=None, max_length=128)
