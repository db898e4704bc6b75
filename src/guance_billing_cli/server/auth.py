"""Bearer-token authentication and per-operation scope checks for the server.

The token is looked up (by its SHA-256) on every request, so a revoked token
stops working at once, on every worker. Whether the actor may touch a given
account is decided by the services (``services.authz``), as for a local store.
"""

from __future__ import annotations

from guance_billing_cli.client.operations import ANY as ANY_SCOPE
from guance_billing_cli.client.operations import Operation
from guance_billing_cli.errors import AuthenticationFailed
from guance_billing_cli.services import authz
from guance_billing_cli.services.context import Actor

ANONYMOUS = Actor(name="anonymous", role="anonymous")


def bearer_token(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer ...`` header, if any."""
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise AuthenticationFailed("bad_authorization_header")
    return value.strip()


def require_token(token: str | None) -> str:
    if token is None:
        raise AuthenticationFailed("token_required", next_step="login")
    return token


def check_scope(actor: Actor, op: Operation) -> None:
    """Default deny for scoped tokens: only operations tagged with one of their scopes."""
    if op.route.scope == ANY_SCOPE:
        return
    authz.require_scope(actor, op.route.scope or f"operation:{op.name}")
