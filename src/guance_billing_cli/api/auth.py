"""Logging in, tokens and sessions (issues 6, 11), declared once.

The calls that take no token (``PUBLIC_LOGIN``, ``PUBLIC_SEND``) answer no sooner than
their floor, whatever happened, so the time an answer takes does not tell whether an
address has an account (``api/declare.py``: ``LOGIN_FLOOR``, ``SEND_FLOOR``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol

from guance_billing_cli.api.declare import ANY, NONE, PUBLIC_LOGIN, PUBLIC_SEND, operation

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
    # one declaration, one or two lines: route and service, then the rest (api/declare.py)
    # fmt: off
    # -- logging in, without a token --------------------------------------------------
    # NONE: a password login hashes outside any write transaction
    @operation("POST /v1/auth/login", "login:log_in", NONE,
               **PUBLIC_LOGIN, command="auth login --server {server}")
    def login(self, data: LoginRequest) -> TokenCreated:
        """Log in with a password or a one-time code; answers a new session token."""

    @operation("POST /v1/auth/login-code", "login:send_code", **PUBLIC_SEND, command="auth login")
    def send_login_code(self, data: LoginCodeRequest) -> LoginCodeSent:
        """Send a one-time login code to an email or phone."""

    @operation("POST /v1/auth/password-reset", "password_reset:forgot", **PUBLIC_SEND)
    def forgot_password(self, data: PasswordForgotten) -> LoginCodeSent:
        """Start a password reset without a token: a code goes to the address."""

    @operation("POST /v1/auth/password-reset/complete", "password_reset:complete_forgotten",
               **PUBLIC_LOGIN)
    def reset_forgotten_password(self, data: ForgottenPasswordReset) -> PasswordResetDone:
        """Set a new password with the code from forgot_password."""

    # -- the token in use -------------------------------------------------------------
    @operation("GET /v1/auth/whoami", "tokens:who", scope=ANY, command="auth status")
    def whoami(self) -> WhoAmI:
        """Who the token acts for: role, account, scopes, expiry."""

    @operation("POST /v1/auth/logout", "tokens:revoke_current", scope=ANY, command="auth logout")
    def logout(self) -> TokenPublic:
        """Revoke the token used for this request."""

    # -- API tokens ---------------------------------------------------------------------
    @operation("POST /v1/tokens", "tokens:create",
               created="/v1/tokens/{id}", idempotent=False, command="server token create")
    def create_token(self, data: TokenCreate) -> TokenCreated:
        """Create an API token (its secret is shown once). 201; no Idempotency-Key (the
        secret is never stored for a replay)."""

    @operation("GET /v1/tokens", "tokens:list_all", command="server token list")
    def list_tokens(self) -> Iterator[TokenPublic]:
        """List API tokens (never their secrets), as pages."""

    @operation("GET /v1/tokens/{ref}", "tokens:get", command="server token list")
    def get_token(self, ref: str) -> TokenPublic:
        """Read one API token by id or name (never its secret); the Location create_token
        answers."""

    @operation("DELETE /v1/tokens/{ref}", "tokens:revoke", command="server token revoke")
    def revoke_token(self, ref: str) -> TokenPublic:
        """Revoke an API token by id or name."""

    # -- login sessions of the caller's account ---------------------------------------
    @operation("GET /v1/auth/sessions", "sessions:list_own", scope=ANY)
    def list_sessions(self) -> Iterator[SessionPublic]:
        """List the caller's account's login sessions, as pages."""

    @operation("DELETE /v1/auth/sessions/{token_id}", "sessions:revoke_one", scope=ANY)
    def revoke_session(self, token_id: str) -> SessionsRevoked:
        """End one login session of the caller's account."""

    @operation("POST /v1/auth/sessions/revoke-others", "sessions:revoke_all_others", scope=ANY)
    def revoke_other_sessions(self) -> SessionsRevoked:
        """End every session of the caller's account but this one."""

    @operation("POST /v1/auth/logout-all", "sessions:revoke_all_sessions", scope=ANY)
    def logout_all(self) -> SessionsRevoked:
        """End every session of the caller's account, this one included."""
