"""Passwords: change one, reset one with a code (issue 4), declared once.

Resetting a forgotten password without a token is in ``api/auth.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from guance_billing_cli.api.declare import NONE, READ, WRITE, operation

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
    @operation(
        "POST",
        "/v1/accounts/{ref}/password",
        tx=NONE,  # hashes outside any write transaction
        service="credentials:change",
        args={"data": "change"},
        command="password change",
        description="Change an account's password (the current one is required).",
    )
    def change_password(self, ref: str, data: PasswordChange) -> PasswordChanged: ...

    @operation(
        "POST",
        "/v1/accounts/{ref}/password-resets",
        created="/v1/password-resets/{request_id}",
        tx=WRITE,
        service="password_reset:start_reset",
        command="password reset",
        description="Start a password reset for an account (support): a code goes to its "
        "email or phone. 201 with the request's Location.",
    )
    def start_password_reset(self, ref: str, data: PasswordResetStart) -> PasswordResetPublic: ...

    @operation(
        "POST",
        "/v1/password-resets/{request_id}/complete",
        tx=WRITE,
        service="password_reset:complete_reset",
        command="password reset",
        description="Complete a password reset with its code and a new password.",
    )
    def complete_password_reset(
        self, request_id: str, data: PasswordResetComplete, *, account: str | None = None
    ) -> PasswordResetPublic: ...

    @operation(
        "POST",
        "/v1/password-resets/{request_id}/resend",
        tx=WRITE,
        service="password_reset:resend_reset",
        command="password reset",
        description="Send a password reset's code again (after the cooldown).",
    )
    def resend_password_reset(
        self, request_id: str, *, account: str | None = None
    ) -> PasswordResetPublic: ...

    @operation(
        "GET",
        "/v1/password-resets/{request_id}",
        tx=READ,
        service="password_reset:get_reset",
        command="password reset",
        description="Read one password reset request.",
    )
    def get_password_reset(
        self, request_id: str, *, account: str | None = None
    ) -> PasswordResetPublic: ...
