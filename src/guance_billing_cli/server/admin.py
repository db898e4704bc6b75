"""Server administration behind ``guance-billing server``: migrate, prepare, serve."""

from __future__ import annotations

import os
import sys
from typing import Any

from guance_billing_cli.errors import Unavailable
from guance_billing_cli.store import engine as store_engine


def migrate(store_url: str) -> dict[str, Any]:
    """Bring the store to the head schema (SQLite or PostgreSQL); refuse a newer one."""
    engine = store_engine.create_store_engine(store_url)
    try:
        before = store_engine.schema_version(engine)
        store_engine.check_schema(engine, migrate=True)
        after = store_engine.schema_version(engine)
    finally:
        engine.dispose()
    return {
        "store": store_engine.redact_url(store_url),
        "from": before,
        "to": after,
        "changed": before != after,
    }


def prepare(store_url: str, *, migrate: bool) -> None:
    """Open the store once before serving, so a bad store fails before listening."""
    store_engine.open_store(store_url, migrate=migrate).dispose()


def _require_server_extra() -> None:
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise Unavailable("server_extra_missing", module=exc.name or "?") from None


def serve(
    store_url: str,
    *,
    host: str,
    port: int,
    workers: int,
    migrate: bool | None,
    access_log: bool,
) -> None:
    """Run uvicorn until interrupted. Several workers import the app from the env."""
    _require_server_extra()
    import uvicorn

    from guance_billing_cli.server import app as server_app

    if migrate is None:
        migrate = store_url.startswith("sqlite")
    sys.stderr.write(
        f"guance-billing server on http://{host}:{port} "
        f"(store {store_engine.redact_url(store_url)}, {workers} worker(s))\n"
    )
    sys.stderr.flush()
    if workers <= 1:
        app = server_app.create_app(store_url, migrate=migrate)
        uvicorn.run(app, host=host, port=port, access_log=access_log, log_level="info")
        return
    prepare(store_url, migrate=migrate)
    os.environ[server_app.STORE_ENV] = store_url
    uvicorn.run(
        "guance_billing_cli.server.app:create_app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=access_log,
        log_level="info",
    )
