"""Billing account schemas: create, profile update, support update, public view."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from guance_billing_cli.schemas import wire_rules as rules

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


class ProfileFields(rules.WireRequest):
    """The editable profile; every field optional so it doubles as an update."""

    company_name: str | None = rules.text(128, None, blank=False)  # never blank once given
    industry: str | None = rules.enum(INDUSTRIES, None)
    region: str | None = rules.text(64, None)
    description: str | None = rules.text(500, None)
    contact_name: str | None = rules.text(64, None)
    #: language of emails and SMS to the account: ``en`` or ``zh-CN`` (the service
    #: also takes ``zh``, ``zh_CN``, ``en-US``... and stores the tag)
    # the length is the wire's (maxLength), not pydantic's: the service refuses a bad
    # language with its own words, so a CLI building this model never meets a
    # ValidationError (the hostile-input campaign found one)
    language: str | None = rules.rule({"pattern": rules.LANGUAGE, "maxLength": 16}, None)


class AccountCreate(ProfileFields):
    model_config = ConfigDict(
        json_schema_extra={"required": ["username", "company_name", "email", "phone"]}
    )

    username: str = rules.pattern(rules.USERNAME)
    company_name: str | None = rules.text(128, None, required=True)
    email: str = rules.pattern(rules.EMAIL)
    phone: str = rules.pattern(rules.PHONE)
    password: SecretStr | None = rules.rule(rules.PASSWORD, None)


class ProfileUpdate(ProfileFields):
    model_config = ConfigDict(
        json_schema_extra={  # at least one field to change
            "anyOf": [
                {"required": [name], "properties": {name: {"type": "string"}}}
                for name in ("company_name", "industry", "region", "description", "contact_name")
            ]
        }
    )

    def changes(self) -> dict[str, str]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


class AccountAdminUpdate(rules.WireRequest):
    """Support-only fields."""

    model_config = ConfigDict(json_schema_extra={"required": ["arbitrary_settlement"]})

    arbitrary_settlement: rules.WireBool | None = Field(
        default=None, json_schema_extra={"type": "boolean"}
    )


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
