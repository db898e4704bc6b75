"""The billing account table."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from guance_billing_cli.store.types import UTCDateTime


class Account(SQLModel, table=True):
    __tablename__ = "accounts"

    id: str = Field(primary_key=True, max_length=32)
    username: str = Field(unique=True, index=True, max_length=32)
    company_name: str = Field(max_length=128)
    industry: str = Field(default="other", max_length=32)
    region: str = Field(default="", max_length=64)
    description: str = Field(default="", max_length=500)
    contact_name: str = Field(default="", max_length=64)
    email: str = Field(unique=True, index=True, max_length=254)
    phone: str = Field(unique=True, index=True, max_length=20)
    password_hash: str | None = Field(default=None, max_length=255)
    realname_status: str = Field(default="unverified", max_length=16)
    arbitrary_settlement: bool = Field(default=False)
    #: language of emails and SMS to the account: ``en`` or ``zh-CN`` (docs/languages.md)
    language: str = Field(default="en", max_length=8, sa_column_kwargs={"server_default": "en"})
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None
