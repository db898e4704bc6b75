"""Live values for completion, fast and read-only.

A local SQLite store is read with the standard library's ``sqlite3``, opened
``mode=ro`` (it can neither create the file nor write to it, nor leave -wal or
-shm files behind), with the SQL of
``services/suggestions.py``: importing SQLAlchemy alone would spend the
completion budget. Any other store goes through ``LocalClient`` without
migrating, and a server is asked ``GET /v1/suggest`` (the ``suggest``
operation, so a token sees only what it may see) through ``HttpClient`` (both
built by ``client/connect.py``), the one
transport of every CLI request: the same TLS, loopback and ``--insecure-http``
rules as any command (importing httpx costs start-up time, measured in
``bench/completion.py``; a token sent where it must not go costs more).
Errors yield no values: completion must never fail loudly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from guance_billing_cli.services import suggestions
from guance_billing_cli.store.engine import sqlite_path

if TYPE_CHECKING:
    from guance_billing_cli.client.protocol import BillingClient
    from guance_billing_cli.config import Settings


def from_sqlite(
    path: str, kind: str, *, prefix: str, account: str | None, limit: int, timeout: float
) -> list[str]:
    import os
    import sqlite3
    from urllib.parse import quote

    if kind not in suggestions.QUERIES or not os.path.isfile(path):
        return []
    params = suggestions.parameters(prefix=prefix, account=account, owner=None, limit=limit)
    # With no -wal file, no other connection is open and the file is complete:
    # `immutable` then reads it without creating -wal/-shm files. Otherwise read
    # through the existing WAL (read-only, it creates nothing new).
    flags = "mode=ro" if os.path.exists(path + "-wal") else "mode=ro&immutable=1"
    uri = f"file:{quote(path)}?{flags}"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=timeout)
        try:
            rows = conn.execute(suggestions.QUERIES[kind], params).fetchall()
        finally:
            conn.close()
    except sqlite3.Error:  # a missing table (unmigrated store) or a busy file: no values
        return []
    return [str(row[0]) for row in rows]


def from_server(
    url: str,
    kind: str,
    *,
    prefix: str,
    account: str | None,
    limit: int,
    timeout: float,
    ca_bundle: str | None,
    settings: Settings | None = None,
    insecure_http: bool | None = None,
) -> list[str]:
    """Ask the server through ``HttpClient``, the CLI's one transport: TLS verified,
    no token over plain HTTP except to loopback unless ``insecure_http`` — refused
    before any connection is made."""
    from guance_billing_cli.client.connect import server_client

    client = server_client(
        url, settings=settings, ca_bundle=ca_bundle, timeout=timeout, insecure_http=insecure_http
    )
    return _ask(client, kind, prefix=prefix, account=account, limit=limit)


def _ask(
    client: BillingClient, kind: str, *, prefix: str, account: str | None, limit: int
) -> list[str]:
    """The ``suggest`` operation's values from ``client``, which is closed after."""
    from guance_billing_cli.schemas.suggest import SuggestQuery

    try:
        query = SuggestQuery(kind=kind, prefix=prefix, account=account, limit=limit)
        return [str(v) for v in client.suggest(query).values]
    finally:
        client.close()


def live_values(
    settings: Settings,
    kind: str,
    *,
    prefix: str = "",
    account: str | None = None,
    limit: int = 50,
    timeout: float = 0.25,
    ca_bundle: str | None = None,
    insecure_http: bool | None = None,
) -> list[str]:
    """Values of ``kind`` starting with ``prefix`` in the store or server ``settings`` selects."""
    if settings.server_url:
        return from_server(
            settings.server_url,
            kind,
            prefix=prefix,
            account=account,
            limit=limit,
            timeout=timeout,
            ca_bundle=ca_bundle,
            settings=settings,
            insecure_http=insecure_http,
        )
    path = sqlite_path(settings.store_url)
    if path is not None:
        return from_sqlite(path, kind, prefix=prefix, account=account, limit=limit, timeout=timeout)
    from guance_billing_cli.client.connect import store_client

    local = store_client(settings.store_url, settings=settings, migrate=False)
    return _ask(local, kind, prefix=prefix, account=account, limit=limit)
