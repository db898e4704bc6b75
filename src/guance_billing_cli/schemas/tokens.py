"""Server API tokens and login: create, public view, login request, who-am-I."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, SecretStr

TOKEN_ROLES: tuple[str, ...] = ("owner", "support")
# Scopes a token can be limited to. `bindings`: list workspaces and cloud
# accounts, bind and unbind, nothing else (a CI token).
TOKEN_SCOPES: tuple[str, ...] = ("bindings",)


class TokenCreate(BaseModel):
    name: str
    role: str
    account: str | None = None  # id, username, email or phone; required for owner
    scopes: list[str] = []
    expires_in_days: int | None = None


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

    token: SecretStr


class LoginRequest(BaseModel):
    """A password login, or a code login (``request_id`` + ``code`` from ``send_login_code``)."""

    email: str | None = None
    phone: str | None = None
    password: SecretStr | None = None
    request_id: str | None = None
    code: SecretStr | None = None
    token_name: str | None = None


class LoginCodeRequest(BaseModel):
    email: str | None = None
    phone: str | None = None


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


class PasswordForgotten(BaseModel):
    """Start a password reset by login address, without a token (``forgot``)."""

    email: str | None = None
    phone: str | None = None


class ForgottenPasswordReset(BaseModel):
    """Finish a reset started by address: the request id, the code, the new password."""

    request_id: str
    code: SecretStr
    new_password: SecretStr


class PasswordResetDone(BaseModel):
    request_id: str
    state: str
    sessions_revoked: int
