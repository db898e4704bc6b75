"""Signing in to a server and out again: what `auth login` and `auth logout` decide.

The command gathers the input (the address, a password or a code, from a prompt or
stdin) and renders the outcome; this module knows no terminal. It checks where the
token will be kept before a server is asked for one, logs in with a password or a
one-time code, revokes the stored token the new one replaces (through a client holding
that token), stores the new token, and points the profile at the server when that
retargets nothing the user chose. Refusals are ``BillingError`` reasons with their
params, worded by the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from guance_billing_cli.client.protocol import BillingClient
    from guance_billing_cli.config import Settings
    from guance_billing_cli.errors import AuthenticationFailed, BillingError
    from guance_billing_cli.keys.token_store import Lookup
    from guance_billing_cli.schemas.tokens import LoginCodeSent, LoginRequest, TokenPublic


@dataclass(frozen=True)
class SignedIn:
    """A login's outcome (``auth login --json``, ``schemas/cli_output.AuthLogin``)."""

    server: str
    token: TokenPublic  # the new token as listed; its secret is in ``storage`` only
    storage: str  # "keyring", or the plaintext file that keeps the token
    replaced_token_revoked: str | None  # the id of the stored token this login replaced
    profile: str
    profile_updated: bool  # the profile now points at the server and the account

    @property
    def account(self) -> str | None:
        return self.token.account_id

    @property
    def in_keyring(self) -> bool:
        return self.storage == "keyring"

    def to_dict(self) -> dict[str, Any]:
        expires = self.token.expires_at
        return {
            "server": self.server,
            "account": self.account,
            "role": self.token.role,
            "storage": "keyring" if self.in_keyring else "file",
            "path": None if self.in_keyring else self.storage,
            "token_id": self.token.id,
            "replaced_token_revoked": self.replaced_token_revoked,
            "expires_at": expires.isoformat() if expires else None,
            "profile": self.profile,
            "profile_updated": self.profile_updated,
        }


def token_name() -> str:
    """The name a login gives its token: this machine's."""
    import socket

    return f"on {socket.gethostname()}"[:40]


class SignIn:
    """One login to ``server`` (a normalized URL). Made before any secret is asked for:
    it refuses at once when the token would have nowhere to go (no usable keyring and
    no ``insecure_storage``) or the URL is not one to send a password to."""

    def __init__(self, server: str, *, settings: Settings, insecure_storage: bool) -> None:
        from guance_billing_cli.client.connect import server_client
        from guance_billing_cli.errors import Unavailable
        from guance_billing_cli.keys import token_store

        problem = token_store.check_keyring()
        if problem and not insecure_storage:
            raise Unavailable(
                "token_storage",
                field="insecure_storage",
                why=problem,
                path=str(token_store.credentials_file()),
            )
        self.server = server
        self.settings = settings
        self.insecure_storage = insecure_storage
        self.client: BillingClient = server_client(server, settings=settings)

    def __enter__(self) -> SignIn:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.client.close()

    def send_code(self, *, email: str | None, phone: str | None) -> LoginCodeSent:
        """Send a one-time login code to the address (the same answer for any address)."""
        from guance_billing_cli.schemas.tokens import LoginCodeRequest

        return self.client.send_login_code(LoginCodeRequest(email=email, phone=phone))

    def with_password(self, *, email: str | None, phone: str | None, password: str) -> SignedIn:
        from pydantic import SecretStr

        from guance_billing_cli.schemas.tokens import LoginRequest

        return self._log_in(
            LoginRequest(
                email=email, phone=phone, password=SecretStr(password), token_name=token_name()
            )
        )

    def with_code(
        self, *, email: str | None, phone: str | None, request_id: str, code: str
    ) -> SignedIn:
        from pydantic import SecretStr

        from guance_billing_cli.schemas.tokens import LoginRequest

        return self._log_in(
            LoginRequest(
                email=email,
                phone=phone,
                request_id=request_id,
                code=SecretStr(code),
                token_name=token_name(),
            )
        )

    def _log_in(self, request: LoginRequest) -> SignedIn:
        from guance_billing_cli.config import profile_is_free_for, set_value
        from guance_billing_cli.keys import token_store

        created = self.client.login(request)
        replaced, _unrevoked = revoke_stored(self.server, settings=self.settings)
        storage = token_store.save(
            self.server, created.token.get_secret_value(), insecure_storage=self.insecure_storage
        )
        profile = self.settings.profile
        # Point the profile at the server only when that retargets nothing the user chose.
        profile_updated = profile_is_free_for(profile, self.server)
        if profile_updated:
            set_value(profile, "server", self.server)
            set_value(profile, "account", created.account_id)
        return SignedIn(self.server, created, storage, replaced, profile, profile_updated)


def revoke_stored(server: str, *, settings: Settings) -> tuple[str | None, BillingError | None]:
    """Revoke the token stored for ``server`` on the server, so it does not stay valid
    once forgotten: (its id, None), or (None, why not) when it no longer works (expired,
    revoked, unreachable). A token from the environment is not ours to revoke: (None,
    None), as when none is stored."""
    from guance_billing_cli.client.connect import server_client
    from guance_billing_cli.errors import BillingError
    from guance_billing_cli.keys import token_store

    found = token_store.lookup(server)
    if not found.token or found.source == "env":
        return None, None
    client = server_client(server, settings=settings, token=found.token)
    try:
        return str(client.logout().id), None
    except BillingError as error:
        return None, error
    finally:
        client.close()


def not_logged_in(server: str, found: Lookup) -> AuthenticationFailed:
    """The refusal when no token is stored for ``server``."""
    from guance_billing_cli.errors import AuthenticationFailed

    return AuthenticationFailed(
        "not_logged_in", next_step="login", server=server, keyring_error=found.keyring_error
    )


@dataclass(frozen=True)
class SignedOut:
    """A logout's outcome (``auth logout --json``: all but ``unrevoked``)."""

    server: str
    #: the revoked token's id; with ``all_sessions`` the number of sessions ended
    revoked: str | int | None
    removed_from: list[str]  # where the token was kept: "keyring", the file
    #: why the token could not be revoked on the server (it is forgotten here anyway)
    unrevoked: BillingError | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"server": self.server, "revoked": self.revoked, "removed_from": self.removed_from}


def sign_out(server: str, *, settings: Settings, all_sessions: bool = False) -> SignedOut:
    """Revoke the stored token on the server (``all_sessions``: every session of the
    account, this one included) and forget it here, in the keyring and the file."""
    from guance_billing_cli.client.connect import server_client
    from guance_billing_cli.keys import token_store

    revoked: str | int | None = None
    unrevoked = None
    if all_sessions:
        found = token_store.lookup(server)
        if not found.token:
            raise not_logged_in(server, found)
        client = server_client(server, settings=settings, token=found.token)
        try:
            revoked = client.logout_all().revoked
        finally:
            client.close()
    else:
        revoked, unrevoked = revoke_stored(server, settings=settings)
    return SignedOut(server, revoked, token_store.delete(server), unrevoked)
