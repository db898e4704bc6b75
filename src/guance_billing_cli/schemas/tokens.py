"""Server API tokens and login: create, public view, login request, who-am-I."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from guance_billing_cli.schemas import wire_rules as rules

TOKEN_ROLES: tuple[str, ...] = ("owner", "support")
# Scopes a token can be limited to. `bindings`: list workspaces and cloud
# accounts, bind and unbind, nothing else (a CI token).
TOKEN_SCOPES: tuple[str, ...] = ("bindings",)
MAX_TOKEN_DAYS = 3650


class TokenCreate(rules.WireRequest):
    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [  # an owner token reaches one account; a support token every one
                {
                    "properties": {
                        "role": {"const": "owner"},
                        "account": {"type": "string", "minLength": 1},
                    },
                    "required": ["account"],
                },
                {"properties": {"role": {"const": "support"}, "account": {"type": "null"}}},
            ]
        }
    )

    #: the CLI's --scope and --expires-days, as the service names them in its refusals
    refusal_fields: ClassVar[dict[str, str]] = {"scopes": "scope", "expires_in_days": "expires"}

    name: str = rules.text(64)
    role: str = rules.enum(TOKEN_ROLES)
    account: str | None = None  # id, username, email or phone; required for owner
    scopes: list[Annotated[str, rules.enum(TOKEN_SCOPES)]] = Field(default=[], max_length=8)
    expires_in_days: int | None = Field(default=None, ge=1, le=MAX_TOKEN_DAYS)


class TokenPublic(BaseModel):
    """A token as listed: never the secret, never its hash."""

    id: str
    name: str
    role: str
    account_id: str | None
    scopes: list[str]
    prefix: str
    created_at: datetime
    created_by: str
    expires_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenPublic):
    """The one response that carries the secret: shown once, stored only hashed."""

    token: SecretStr = Field(json_schema_extra={"writeOnly": False})


def _login_variant(title: str, given: tuple[str, ...], absent: tuple[str, ...]) -> dict[str, Any]:
    """One way to log in, for the API document: the fields it needs, and the others null."""
    return {
        "title": title,  # names the variant in the API document
        "required": list(given),
        "properties": {
            **{name: {"type": "string"} for name in given},
            **{name: {"type": "null"} for name in absent},
        },
    }


class LoginRequest(rules.WireRequest):
    """A password login, or a code login (``request_id`` + ``code`` from ``send_login_code``)."""

    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                _login_variant(
                    "email_password", ("email", "password"), ("phone", "request_id", "code")
                ),
                _login_variant(
                    "phone_password", ("phone", "password"), ("email", "request_id", "code")
                ),
                _login_variant(
                    "email_code", ("email", "request_id", "code"), ("password", "phone")
                ),
                _login_variant(
                    "phone_code", ("phone", "request_id", "code"), ("password", "email")
                ),
            ]
        }
    )

    email: str | None = rules.pattern(rules.EMAIL, None)
    phone: str | None = rules.pattern(rules.PHONE, None)
    password: SecretStr | None = Field(
        default=None, json_schema_extra={"minLength": 1, "maxLength": 1024}
    )
    request_id: str | None = rules.pattern(rules.REQUEST_ID, None)
    code: SecretStr | None = rules.pattern(rules.CODE, None)
    token_name: str | None = rules.text(64, None)


class LoginCodeRequest(rules.WireRequest):
    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [  # exactly one address ("" counts as not given)
                {
                    "required": ["email"],
                    "properties": {
                        "email": {"type": "string", "minLength": 1},
                        "phone": {"enum": [None, ""]},
                    },
                },
                {
                    "required": ["phone"],
                    "properties": {
                        "phone": {"type": "string", "minLength": 1},
                        "email": {"enum": [None, ""]},
                    },
                },
            ]
        }
    )

    email: str | None = rules.pattern(f"^$|{rules.EMAIL}", None)  # "": not given
    phone: str | None = rules.pattern(f"^$|{rules.PHONE}", None)


class LoginCodeSent(BaseModel):
    """Always the same shape, whether or not the address belongs to an account."""

    request_id: str
    sent_to: str  # masked
    expires_at: datetime


class WhoAmI(BaseModel):
    actor: str
    role: str
    account_id: str | None
    username: str | None
    scopes: list[str]
    token_id: str | None = None


class SessionPublic(TokenPublic):
    """One of the account's active sessions; ``current`` marks the caller's own."""

    current: bool


class SessionsRevoked(BaseModel):
    revoked: int
    kept: str | None = None  # the caller's token, which stays valid


class PasswordForgotten(LoginCodeRequest):
    """Start a password reset by login address, without a token (``forgot``): exactly
    one address, as for a login code."""


class ForgottenPasswordReset(rules.WireRequest):
    """Finish a reset started by address: the request id, the code, the new password."""

    request_id: str
    code: SecretStr = rules.pattern(rules.CODE)
    new_password: SecretStr = rules.rule(rules.PASSWORD)


class PasswordResetDone(BaseModel):
    request_id: str
    state: str
    sessions_revoked: int
