"""Billing account schemas: create, profile update, support update, public view."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, SecretStr

# The documented industry list (docs/account.md). `other` is the catch-all.
INDUSTRIES: tuple[str, ...] = (
    "internet",
    "software",
    "finance",
    "manufacturing",
    "retail",
    "education",
    "healthcare",
    "government",
    "energy",
    "transportation",
    "telecommunications",
    "media",
    "gaming",
    "real_estate",
    "other",
)

REALNAME_STATUSES: tuple[str, ...] = ("unverified", "pending", "approved", "rejected")


class ProfileFields(BaseModel):
    """The editable profile; every field optional so it doubles as an update."""

    company_name: str | None = None
    industry: str | None = None
    region: str | None = None
    description: str | None = None
    contact_name: str | None = None
    #: language of emails and SMS to the account: ``en`` or ``zh-CN``
    language: str | None = None


class AccountCreate(ProfileFields):
    username: str
    company_name: str | None = None
    email: str
    phone: str
    password: SecretStr | None = None


class ProfileUpdate(ProfileFields):
    def changes(self) -> dict[str, str]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


class AccountAdminUpdate(BaseModel):
    """Support-only fields."""

    arbitrary_settlement: bool | None = None


class AccountPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    username: str
    company_name: str
    industry: str
    region: str
    description: str
    contact_name: str
    email: str
    phone: str
    has_password: bool
    realname_status: str
    arbitrary_settlement: bool
    language: str = "en"
    created_at: datetime
    updated_at: datetime
