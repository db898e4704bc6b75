"""Every test gets its own GUANCE_BILLING_HOME and an in-memory keyring."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import keyring
import pytest
from keyring.backend import KeyringBackend
from typer.testing import CliRunner

from guance_billing_cli.app import app


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.passwords.pop((service, username), None)


@pytest.fixture(autouse=True)
def env_setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "home"
    monkeypatch.setenv("GUANCE_BILLING_HOME", str(home))
    for name in list(os.environ):
        if name.startswith("GUANCE_BILLING_") and name != "GUANCE_BILLING_HOME":
            monkeypatch.delenv(name)
    monkeypatch.delenv("CI", raising=False)
    # messages in English unless a test asks for another language (docs/languages.md)
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield home
    keyring.set_keyring(previous)


@pytest.fixture
def home(env_setup: Path) -> Path:
    return env_setup


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)

    @property
    def error(self) -> dict[str, Any]:
        return json.loads(self.stderr.strip().splitlines()[-1])["error"]  # type: ignore[no-any-return]


CliFn = Callable[..., Run]


@pytest.fixture
def cli(transport: str, request: pytest.FixtureRequest) -> CliFn:
    """Run the CLI in-process: ``cli("account", "list", "--json", input="...")``.

    With ``transport == "remote"`` every command goes through ``HttpClient`` to the
    real FastAPI app (in-process ASGI) serving the same store file with a support
    token, so the same assertions hold for both transports (see ``transport``).
    """
    runner = CliRunner()
    remote = (
        request.getfixturevalue("remote_server")
        if transport == "remote" or "remote_server" in request.fixturenames
        else None
    )

    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Run:
        if remote is not None:
            remote.refresh()
        result = runner.invoke(app, list(args), input=input, env=env, catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr)

    return run


@pytest.fixture
def make_account(cli: CliFn) -> Callable[..., dict[str, Any]]:
    """Create an account through the CLI; returns its JSON."""
    counter = iter(range(1000, 10000))

    def make(username: str = "acme", **fields: str) -> dict[str, Any]:
        n = next(counter)
        args = [
            "account",
            "create",
            "--username",
            username,
            "--company-name",
            fields.pop("company_name", f"{username.title()} Ltd"),
            "--email",
            fields.pop("email", f"{username}@example.com"),
            "--phone",
            fields.pop("phone", f"+86139{n:08d}"),
            "--json",
        ]
        for key, value in fields.items():
            args += [f"--{key.replace('_', '-')}", value]
        result = cli(*args)
        assert result.exit_code == 0, result.stderr
        return result.json  # type: ignore[no-any-return]

    return make


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (yet)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def store_dump(home: Path) -> str:
    """The store's content as SQL text, to prove a refusal changed nothing."""
    if _PG_STORE["url"]:  # the test's server runs on PostgreSQL (transport remote-pg)
        return pg_dump(_PG_STORE["url"])
    path = home / "billing.db"
    if not path.exists():
        return ""
    with sqlite3.connect(path) as conn:
        return "\n".join(conn.iterdump())


# -- one behaviour suite, two transports (issue 6) ----------------------------------
#
# Tests using the `cli` fixture run against LocalClient ("local") and/or against
# HttpClient on the real FastAPI app ("remote"). Choose with `--transport` or
# GUANCE_BILLING_TEST_TRANSPORT: local | remote | both | default. "default" runs
# the modules in REMOTE_BY_DEFAULT (and tests marked `both_transports`) both ways,
# the rest locally. Mark a test `local_only` when it is about the local store itself.

REMOTE_BY_DEFAULT = {
    "test_accounts",
    "test_profile",
    "test_smoke",
    "test_boundary",
    "test_email_change",
    "test_password",
    "test_bind",
}


# About the local store itself (file modes, migrations on open, --store, doctor's
# local checks): never remote, even with --transport remote|both.
LOCAL_ONLY_MODULES = {"test_store", "test_doctor"}
LOCAL_ONLY_TESTS = {
    "test_config::test_store_flag_selects_another_store",
    "test_audit::test_every_write_is_listed_with_before_and_after",  # actor "local:..."
}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--transport",
        choices=("default", "local", "remote", "both"),
        default=os.environ.get("GUANCE_BILLING_TEST_TRANSPORT", "default"),
        help="transport(s) for CLI behaviour tests",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "both_transports: run through LocalClient and HttpClient")
    config.addinivalue_line("markers", "local_only: about the local store; never run remotely")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "transport" not in metafunc.fixturenames:
        return
    mode = metafunc.config.getoption("--transport")
    definition = metafunc.definition
    module = metafunc.module.__name__.rsplit(".", 1)[-1]
    if (
        definition.get_closest_marker("local_only")
        or module in LOCAL_ONLY_MODULES
        or f"{module}::{definition.originalname}" in LOCAL_ONLY_TESTS
    ):
        params = ["local"]
    elif PG_URL and mode in ("default", "both") and module in PG_MODULES:
        # with a PostgreSQL server available, these also run with the server on it
        both = module in REMOTE_BY_DEFAULT or mode == "both"
        params = ["local", "remote", "remote-pg"] if both else ["local", "remote-pg"]
    elif mode == "both" or (
        mode == "default"
        and (module in REMOTE_BY_DEFAULT or definition.get_closest_marker("both_transports"))
    ):
        params = ["local", "remote"]
    elif mode == "remote":
        params = ["remote"]
    else:
        params = ["local"]
    metafunc.parametrize("transport", params, indirect=True)


@pytest.fixture
def transport(request: pytest.FixtureRequest) -> str:
    return getattr(request, "param", "local")


class SyncASGITransport(httpx.BaseTransport):
    """A synchronous httpx transport into an ASGI app, on an anyio portal thread.

    (Starlette's TestClient does the same but is deprecated with httpx.)
    """

    def __init__(self, asgi_app: Any) -> None:
        import anyio.from_thread
        import httpx

        self._portal_cm = anyio.from_thread.start_blocking_portal()
        self._portal = self._portal_cm.__enter__()
        self._inner = httpx.ASGITransport(app=asgi_app, raise_app_exceptions=False)

    def handle_request(self, request: Any) -> Any:
        import httpx

        body = request.read()

        async def send() -> tuple[int, Any, bytes]:
            forwarded = httpx.Request(
                request.method, request.url, headers=request.headers, content=body
            )
            response = await self._inner.handle_async_request(forwarded)
            content = await response.aread()
            return response.status_code, response.headers, content

        status, headers, content = self._portal.call(send)
        return httpx.Response(status, headers=headers, content=content, request=request)

    def close(self) -> None:  # shared by every client of the test; see shutdown
        pass

    def shutdown(self) -> None:
        self._portal_cm.__exit__(None, None, None)


@dataclass
class RemoteServer:
    url: str
    token: str
    store_url: str
    app: Any
    transport: SyncASGITransport

    def refresh(self) -> None:
        """Settings as a freshly started server would read them (tests change config)."""
        import contextlib

        from guance_billing_cli.config import resolve_settings
        from guance_billing_cli.errors import BillingError

        # a broken config is the CLI's to report; the server keeps what it had
        with contextlib.suppress(BillingError):
            self.app.state.backend.settings = resolve_settings(store=self.store_url)


@pytest.fixture
def remote_server(
    home: Path, monkeypatch: pytest.MonkeyPatch, transport: str, request: pytest.FixtureRequest
) -> Iterator[RemoteServer]:
    """The FastAPI app on the test's store, reached by HttpClient with a support token."""
    from guance_billing_cli.client.http import HttpClient
    from guance_billing_cli.server.app import create_app

    if transport == "remote-pg":
        store_url = request.getfixturevalue("pg_store")
    else:
        store_url = f"sqlite:///{home / 'billing.db'}"
    asgi_app = create_app(store_url, migrate=True)
    asgi = SyncASGITransport(asgi_app)
    try:
        token = _bootstrap_token(asgi_app.state.backend.engine)
        url = "http://billing.test"
        monkeypatch.setattr(HttpClient, "transport_factory", lambda _base: asgi)
        monkeypatch.setenv("GUANCE_BILLING_SERVER", url)
        monkeypatch.setenv("GUANCE_BILLING_TOKEN", token)
        if transport == "remote-pg":
            _PG_STORE["url"] = store_url
        yield RemoteServer(url, token, store_url, asgi_app, asgi)
    finally:
        _PG_STORE["url"] = None
        asgi.shutdown()
        asgi_app.state.backend.dispose()


def _bootstrap_token(engine: Any) -> str:
    """A support token written straight into the store, as an operator's bootstrap:
    no audit event, so the audit trail is the same as a local run's."""
    from guance_billing_cli import clock
    from guance_billing_cli.services.tokens import TOKEN_PREFIX, hash_token
    from guance_billing_cli.store.models import ApiToken

    secret = TOKEN_PREFIX + "test-" + os.urandom(16).hex()
    with engine.begin() as conn:
        conn.execute(
            ApiToken.__table__.insert().values(  # type: ignore[attr-defined]
                id="tok_testsupport",
                name="test-support",
                role="support",
                account_id=None,
                scopes="",
                prefix=secret[:10],
                token_hash=hash_token(secret),
                created_at=clock.now(),
                created_by="tests",
                expires_at=None,
                revoked_at=None,
            )
        )
    return secret


# -- PostgreSQL (issue 6): GUANCE_BILLING_TEST_PG_URL from scripts/pg-test-server.sh ----

PG_URL = os.environ.get("GUANCE_BILLING_TEST_PG_URL")
# Modules whose remote tests also run with the server on PostgreSQL when PG_URL is set.
PG_MODULES = {"test_accounts", "test_profile", "test_smoke", "test_server_api", "test_auth"}
_PG_STORE: dict[str, str | None] = {"url": None}


def _pg_dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@pytest.fixture
def pg_store() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test (skipped without a server)."""
    if not PG_URL:
        pytest.skip("needs GUANCE_BILLING_TEST_PG_URL (scripts/pg-test-server.sh start)")
    import secrets

    import psycopg

    name = f"gbt_{secrets.token_hex(6)}"
    with psycopg.connect(_pg_dsn(PG_URL), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with psycopg.connect(_pg_dsn(PG_URL), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_dump(url: str) -> str:
    """Every row of every table, in a stable order (the PostgreSQL ``store_dump``)."""
    import psycopg

    lines: list[str] = []
    with psycopg.connect(_pg_dsn(url)) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' ORDER BY table_name"
            )
        ]
        for table in tables:
            for row in conn.execute(f'SELECT * FROM "{table}" ORDER BY 1'):
                lines.append(f"{table}: {row!r}")
    return "\n".join(lines)


# -- a movable clock for the services (issue 3) --------------------------------------


@dataclass
class Clock:
    now: datetime

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """``clock.now()`` frozen at a fixed instant until moved with ``advance(seconds=...)``."""
    import guance_billing_cli.clock

    fake = Clock(datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC))
    monkeypatch.setattr(guance_billing_cli.clock, "now", lambda: fake.now)
    return fake
