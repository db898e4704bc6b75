"""Password change and reset schemas. Passwords travel only as ``SecretStr``."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, SecretStr

from guance_billing_cli.schemas import wire_rules as rules


class PasswordChange(rules.WireRequest):
    current_password: SecretStr
    new_password: SecretStr = rules.rule(rules.PASSWORD)


class PasswordChanged(BaseModel):
    account_id: str
    changed_at: datetime
    #: other sessions of the account ended by the change
    sessions_revoked: int = 0


RESET_CHANNELS: tuple[str, ...] = ("email", "phone")
RESET_STATES: tuple[str, ...] = ("awaiting_code", "completed", "cancelled", "failed", "expired")


class PasswordResetStart(rules.WireRequest):
    """Send a reset code to the account's login email (default) or phone."""

    via: str = rules.enum(RESET_CHANNELS, "email")


class PasswordResetComplete(rules.WireRequest):
    code: SecretStr = rules.pattern(rules.CODE)
    new_password: SecretStr = rules.rule(rules.PASSWORD)


class PasswordResetPublic(BaseModel):
    """A password reset request. ``sent_to`` is masked, in JSON too."""

    request_id: str
    kind: str = "password_reset"
    state: str
    account_id: str
    via: str
    sent_to: str
    #: the code's expiry while the request is open; None once finished
    expires_at: datetime | None
    attempts_left: int
    sends_left: int
    resend_available_at: datetime | None
    created_at: datetime
    updated_at: datetime
    #: other sessions of the account ended when the reset completed
    sessions_revoked: int = 0
