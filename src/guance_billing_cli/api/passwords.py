"""Passwords: change one, reset one with a code (issue 4), declared once.

Resetting a forgotten password without a token is in ``api/auth.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from guance_billing_cli.api.declare import NONE, operation

if TYPE_CHECKING:
    from guance_billing_cli.schemas.credentials import (
        PasswordChange,
        PasswordChanged,
        PasswordResetComplete,
        PasswordResetPublic,
        PasswordResetStart,
    )

#: the schema modules the annotations below name (read when an operation is described)
SCHEMAS = ("credentials",)


class Passwords(Protocol):
    # one declaration, one or two lines: route and service, then the rest (api/declare.py)
    # fmt: off
    # NONE: hashes outside any write transaction
    @operation("POST /v1/accounts/{ref}/password", "credentials:change", NONE,
               command="password change")
    def change_password(self, ref: str, data: PasswordChange) -> PasswordChanged:
        """Change an account's password (the current one is required)."""

    @operation("POST /v1/accounts/{ref}/password-resets", "password_reset:start_reset",
               created="/v1/password-resets/{request_id}", idempotent=False,
               command="password reset")
    def start_password_reset(self, ref: str, data: PasswordResetStart) -> PasswordResetPublic:
        """Start a password reset for an account (support): a code goes to its email or
        phone. 201 with the request's Location."""

    @operation("POST /v1/password-resets/{request_id}/complete", "password_reset:complete_reset",
               command="password reset")
    def complete_password_reset(
        self, request_id: str, data: PasswordResetComplete, *, account: str | None = None
    ) -> PasswordResetPublic:
        """Complete a password reset with its code and a new password."""

    @operation("POST /v1/password-resets/{request_id}/resend", "password_reset:resend_reset",
               command="password reset")
    def resend_password_reset(
        self, request_id: str, *, account: str | None = None
    ) -> PasswordResetPublic:
        """Send a password reset's code again (after the cooldown)."""

    @operation("GET /v1/password-resets/{request_id}", "password_reset:get_reset",
               command="password reset")
    def get_password_reset(
        self, request_id: str, *, account: str | None = None
    ) -> PasswordResetPublic:
        """Read one password reset request."""
