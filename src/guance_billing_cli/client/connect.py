"""The one way to build a client: typed as the ``BillingClient`` protocol.

``HttpClient`` and ``LocalClient`` answer every operation through ``__getattr__`` (the
declaration runs it), so a variable typed as either class lets any call through
unchecked. Built here, a client is typed as the protocol (``StoreClient`` adds the
store's transaction for the jobs and operator work that run services directly), and
mypy checks every call site against the declared operations.

Light on purpose: the transports (httpx, SQLAlchemy) are imported when a client is
built, never when this module is.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Protocol

from guance_billing_cli.client.protocol import BillingClient

if TYPE_CHECKING:
    import httpx

    from guance_billing_cli.config import Settings
    from guance_billing_cli.services.context import Actor, ServiceContext


class StoreClient(BillingClient, Protocol):
    """A client on a store (``LocalClient``): the operations, and one transaction of the
    services' own for work that is not an operation (checkpoints, key rotation)."""

    def context(
        self, *, write: bool, request_id: str | None = None
    ) -> AbstractContextManager[ServiceContext]: ...


def connect(settings: Settings) -> BillingClient:
    """The client ``settings`` select: the server (``--server``...) or the store."""
    if settings.server_url:
        return server_client(settings.server_url, settings=settings)
    return store_client(settings.store_url, settings=settings)


def server_client(
    url: str,
    *,
    settings: Settings | None = None,
    token: str | None = None,
    timeout: float | None = None,
    ca_bundle: str | None = None,
    insecure_http: bool | None = None,
) -> BillingClient:
    """A client of the server at ``url``: the token stored for it unless ``token`` is
    given; TLS (``ca_bundle``), plain-HTTP (``insecure_http``) and ``timeout`` from
    ``settings`` unless given."""
    from guance_billing_cli.client.http import HttpClient

    return HttpClient(
        url,
        settings=settings,
        token=token,
        timeout=timeout,
        ca_bundle=ca_bundle or (settings.ca_bundle if settings is not None else None),
        insecure_http=insecure_http
        if insecure_http is not None or settings is None
        else settings.insecure_http,
    )


def store_client(
    store_url: str,
    *,
    settings: Settings | None = None,
    actor: Actor | None = None,
    migrate: bool | None = None,
) -> StoreClient:
    """A client on the store at ``store_url``, acting as ``actor`` (default: the local
    operator, support). ``migrate`` None: SQLite migrates itself, PostgreSQL never;
    False: a job or a reader that must not migrate."""
    from guance_billing_cli.client.local import LocalClient

    return LocalClient(store_url, settings=settings, actor=actor, migrate=migrate)


def server_health(url: str, *, settings: Settings, timeout: float) -> httpx.Response:
    """``GET /healthz`` (no token) through the CLI's one transport: its TLS settings and
    CA bundle. Raises ``httpx.HTTPError`` or a ``BillingError`` when it cannot ask."""
    from guance_billing_cli.client.http import HttpClient

    client = HttpClient(url, settings=settings, timeout=timeout)
    try:
        return client.http.get("/healthz")
    finally:
        client.close()
