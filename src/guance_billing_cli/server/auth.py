"""Bearer-token authentication, per-operation scope checks, the caller's address
(peer, or ``X-Forwarded-For`` from a trusted proxy) and the secret-key check.

The token is looked up (by its SHA-256) on every request, so a revoked token
stops working at once, on every worker. Whether the actor may touch a given
account is decided by the services (``services.authz``), as for a local store.
"""

from __future__ import annotations

import ipaddress
import os

from guance_billing_cli.client.operations import ANY as ANY_SCOPE
from guance_billing_cli.client.operations import Operation
from guance_billing_cli.errors import AuthenticationFailed
from guance_billing_cli.services import authz
from guance_billing_cli.services.context import Actor

ANONYMOUS = Actor(name="anonymous", role="anonymous")
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


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


# -- who is calling: the peer address, or X-Forwarded-For behind a trusted proxy ------

TRUSTED_PROXIES_ENV = "GUANCE_BILLING_TRUSTED_PROXIES"


def trusted_proxies(value: str | None = None) -> tuple[IPNetwork, ...]:
    """The proxies whose ``X-Forwarded-For`` is believed: comma-separated addresses or
    networks from ``GUANCE_BILLING_TRUSTED_PROXIES`` (default none)."""
    from guance_billing_cli.errors import InvalidInput

    text = os.environ.get(TRUSTED_PROXIES_ENV, "") if value is None else value
    networks: list[IPNetwork] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise InvalidInput(
                "invalid_trusted_proxy", field="trusted_proxies", value=part
            ) from None
    return tuple(networks)


def _trusted(address: str, proxies: tuple[IPNetwork, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in proxies)


def client_address(
    peer: str | None, forwarded_for: str | None, proxies: tuple[IPNetwork, ...]
) -> str:
    """The address the per-client throttle counts. ``X-Forwarded-For`` counts only when
    the peer is a trusted proxy; then the rightmost address that is not itself a
    trusted proxy is the client (what a client writes further left is not believed)."""
    address = peer or "unknown"
    if not forwarded_for or not _trusted(address, proxies):
        return address
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if not _trusted(hop, proxies):
            return hop[:64]
    return address


def require_secret_key(store_url: str) -> None:
    """A shared (PostgreSQL) server must be given its secret key: refuse to start
    without one rather than create a key nobody knows to back up."""
    from guance_billing_cli.keys import derive as keys

    if not store_url.startswith("postgresql"):
        return
    try:
        keys.master_key(create=False)
    except (keys.MissingSecretKey, keys.BadSecretKey) as exc:
        raise keys.unavailable(exc) from None
