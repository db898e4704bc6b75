"""Server administration behind ``guance-billing server``: prepare, serve (migrating is
``store/maintenance.py``)."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from guance_billing_cli.errors import InvalidInput, Unavailable
from guance_billing_cli.store import engine as store_engine

if TYPE_CHECKING:
    from guance_billing_cli.server.logs import LogFormat


def prepare(store_url: str, *, migrate: bool) -> None:
    """Open the store once before serving, so a bad store fails before listening."""
    store_engine.open_store(store_url, migrate=migrate).dispose()


def _require_server_extra() -> None:
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise Unavailable("server_extra_missing", module=exc.name or "?") from None


def is_loopback_host(host: str) -> bool:
    from guance_billing_cli.client.http import is_loopback

    return is_loopback(host)


def check_transport(
    host: str, *, tls: bool, insecure_http: bool, tls_certfile: str | None, tls_keyfile: str | None
) -> None:
    """Refuse plain HTTP on an address other hosts can reach, unless told so."""
    if bool(tls_certfile) != bool(tls_keyfile):
        raise InvalidInput("tls_pair", field="tls_certfile", other_field="tls_keyfile")
    for path in (tls_certfile, tls_keyfile):
        if path and not os.path.isfile(path):
            raise InvalidInput("tls_file_missing", field="tls_certfile", path=path)
    if tls or insecure_http or is_loopback_host(host):
        return
    raise InvalidInput(
        "plain_http_listener",
        field="host",
        host=host,
        cert_field="tls_certfile",
        key_field="tls_keyfile",
        proxy_field="trusted_proxy",
        option_field="insecure_http",
    )


def serve(
    store_url: str,
    *,
    host: str,
    port: int,
    workers: int,
    migrate: bool | None,
    access_log: bool,
    log_format: LogFormat = "text",
    log_level: str = "info",
    tls_certfile: str | None = None,
    tls_keyfile: str | None = None,
    insecure_http: bool = False,
    trusted_proxies: list[str] | None = None,
    max_body: int | None = None,
    max_large_body: int | None = None,
    graceful_timeout: int = 30,
) -> None:
    """Run uvicorn until interrupted (SIGTERM: finish in-flight requests, then exit).

    The app is built in each worker from the environment (store, body limits), so one
    worker and several behave the same.
    """
    _require_server_extra()
    check_transport(
        host,
        tls=bool(tls_certfile),
        insecure_http=insecure_http,
        tls_certfile=tls_certfile,
        tls_keyfile=tls_keyfile,
    )
    import uvicorn

    from guance_billing_cli.server import app as server_app
    from guance_billing_cli.server import logs, slow_clients
    from guance_billing_cli.server.auth import TRUSTED_PROXIES_ENV, require_secret_key

    require_secret_key(store_url)  # before anything listens: PostgreSQL needs its key
    if migrate is None:
        migrate = store_url.startswith("sqlite")
    scheme = "https" if tls_certfile else "http"
    sys.stderr.write(
        f"guance-billing server on {scheme}://{host}:{port} "
        f"(store {store_engine.redact_url(store_url)}, {workers} worker(s))\n"
    )
    sys.stderr.flush()
    prepare(store_url, migrate=migrate)
    os.environ[server_app.STORE_ENV] = store_url
    if max_body:
        os.environ[server_app.MAX_BODY_ENV] = str(max_body)
    if max_large_body:
        os.environ[server_app.MAX_LARGE_BODY_ENV] = str(max_large_body)
    if not access_log:
        os.environ[server_app.ACCESS_LOG_ENV] = "0"
    # One trusted-proxy setting: --trusted-proxy or GUANCE_BILLING_TRUSTED_PROXIES feeds
    # both uvicorn (scheme and peer) and the per-client throttle (server/auth.py).
    if trusted_proxies:
        os.environ[TRUSTED_PROXIES_ENV] = ",".join(trusted_proxies)
    else:
        trusted_proxies = [
            p.strip() for p in os.environ.get(TRUSTED_PROXIES_ENV, "").split(",") if p.strip()
        ]
    uvicorn.run(
        "guance_billing_cli.server.app:create_app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,  # the app logs each request itself, without the path (logs.py)
        log_config=logs.log_config(log_format, log_level),
        ssl_certfile=tls_certfile,
        ssl_keyfile=tls_keyfile,
        proxy_headers=bool(trusted_proxies),
        forwarded_allow_ips=",".join(trusted_proxies) if trusted_proxies else None,
        timeout_graceful_shutdown=graceful_timeout,
        server_header=False,
        **slow_clients.uvicorn_options(),  # header and unread-body deadlines
    )
