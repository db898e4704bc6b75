"""Logging in, tokens and sessions (issues 6, 11), declared once.

The calls that take no token (``auth=False``) answer no sooner than their floor,
whatever happened, so the time an answer takes does not tell whether an address has
an account (``api/declare.py``: ``LOGIN_FLOOR``, ``SEND_FLOOR``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol

from guance_billing_cli.api.declare import (
    ANY,
    LOGIN_FLOOR,
    NONE,
    READ,
    SEND_FLOOR,
    WRITE,
    operation,
)

if TYPE_CHECKING:
    from guance_billing_cli.schemas.tokens import (
        ForgottenPasswordReset,
        LoginCodeRequest,
        LoginCodeSent,
        LoginRequest,
        PasswordForgotten,
        PasswordResetDone,
        SessionPublic,
        SessionsRevoked,
        TokenCreate,
        TokenCreated,
        TokenPublic,
        WhoAmI,
    )

#: the schema modules the annotations below name (read when an operation is described)
SCHEMAS = ("tokens",)


class Auth(Protocol):
    # -- logging in, without a token --------------------------------------------------
    @operation(
        "POST",
        "/v1/auth/login",
        auth=False,
        tx=NONE,  # a password login hashes outside any write transaction
        service="login:log_in",
        floor=LOGIN_FLOOR,
        command="auth login --server {server}",
        description="Log in with a password or a one-time code; answers a new session token.",
    )
    def login(self, data: LoginRequest) -> TokenCreated: ...

    @operation(
        "POST",
        "/v1/auth/login-code",
        auth=False,
        tx=WRITE,
        service="login:send_code",
        floor=SEND_FLOOR,
        command="auth login",
        description="Send a one-time login code to an email or phone.",
    )
    def send_login_code(self, data: LoginCodeRequest) -> LoginCodeSent: ...

    @operation(
        "POST",
        "/v1/auth/password-reset",
        auth=False,
        tx=WRITE,
        service="password_reset:forgot",
        floor=SEND_FLOOR,
        description="Start a password reset without a token: a code goes to the address.",
    )
    def forgot_password(self, data: PasswordForgotten) -> LoginCodeSent: ...

    @operation(
        "POST",
        "/v1/auth/password-reset/complete",
        auth=False,
        tx=WRITE,
        service="password_reset:complete_forgotten",
        floor=LOGIN_FLOOR,
        description="Set a new password with the code from forgot_password.",
    )
    def reset_forgotten_password(self, data: ForgottenPasswordReset) -> PasswordResetDone: ...

    # -- the token in use -------------------------------------------------------------
    @operation(
        "GET",
        "/v1/auth/whoami",
        scope=ANY,
        tx=READ,
        service="tokens:who",
        command="auth status",
        description="Who the token acts for: role, account, scopes, expiry.",
    )
    def whoami(self) -> WhoAmI: ...

    @operation(
        "POST",
        "/v1/auth/logout",
        scope=ANY,
        tx=WRITE,
        service="tokens:revoke_current",
        command="auth logout",
        description="Revoke the token used for this request.",
    )
    def logout(self) -> TokenPublic: ...

    # -- API tokens ---------------------------------------------------------------------
    @operation(
        "POST",
        "/v1/tokens",
        created="/v1/tokens/{id}",
        tx=WRITE,
        service="tokens:create",
        command="server token create",
        description="Create an API token (its secret is shown once). 201; no Idempotency-Key "
        "(the secret is never stored for a replay).",
    )
    def create_token(self, data: TokenCreate) -> TokenCreated: ...

    @operation(
        "GET",
        "/v1/tokens",
        tx=READ,
        service="tokens:list_all",
        command="server token list",
        description="List API tokens (never their secrets), as pages.",
    )
    def list_tokens(self) -> Iterator[TokenPublic]: ...

    @operation(
        "GET",
        "/v1/tokens/{ref}",
        tx=READ,
        service="tokens:get",
        command="server token list",
        description="Read one API token by id or name (never its secret); the Location "
        "create_token answers.",
    )
    def get_token(self, ref: str) -> TokenPublic: ...

    @operation(
        "DELETE",
        "/v1/tokens/{ref}",
        tx=WRITE,
        service="tokens:revoke",
        command="server token revoke",
        description="Revoke an API token by id or name.",
    )
    def revoke_token(self, ref: str) -> TokenPublic: ...

    # -- login sessions of the caller's account ---------------------------------------
    @operation(
        "GET",
        "/v1/auth/sessions",
        scope=ANY,
        tx=READ,
        service="sessions:list_own",
        description="List the caller's account's login sessions, as pages.",
    )
    def list_sessions(self) -> Iterator[SessionPublic]: ...

    @operation(
        "DELETE",
        "/v1/auth/sessions/{token_id}",
        scope=ANY,
        tx=WRITE,
        service="sessions:revoke_one",
        description="End one login session of the caller's account.",
    )
    def revoke_session(self, token_id: str) -> SessionsRevoked: ...

    @operation(
        "POST",
        "/v1/auth/sessions/revoke-others",
        scope=ANY,
        tx=WRITE,
        service="sessions:revoke_all_others",
        description="End every session of the caller's account but this one.",
    )
    def revoke_other_sessions(self) -> SessionsRevoked: ...

    @operation(
        "POST",
        "/v1/auth/logout-all",
        scope=ANY,
        tx=WRITE,
        service="sessions:revoke_all_sessions",
        description="End every session of the caller's account, this one included.",
    )
    def logout_all(self) -> SessionsRevoked: ...
