"""Every test gets its own GUANCE_BILLING_HOME and an in-memory keyring; CLI tests run
on every selected backend (local / local-pg / remote / remote-pg: see "the backend
matrix" below)."""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
from collections.abc import Callable, Iterator, Sequence
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
def cli(backend: Backend) -> CliFn:
    """Run the CLI in-process: ``cli("account", "list", "--json", input="...")``.

    On the remote backends every command goes through ``HttpClient`` to the real
    FastAPI app serving the backend's store with a support token; on local-pg the
    store is a PostgreSQL database. The same assertions hold on every backend (see
    "the backend matrix" below).
    """
    runner = CliRunner()
    remote = backend.remote

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


# -- the backend matrix (issue 10) ----------------------------------------------------
#
# Every test that uses the `cli` fixture (or asks for `transport`/`backend`) runs on
# each selected backend:
#
#   local      LocalClient on a SQLite file in the test's GUANCE_BILLING_HOME
#   local-pg   LocalClient on a fresh PostgreSQL database (GUANCE_BILLING_STORE)
#   remote     HttpClient -> the real FastAPI app (in-process ASGI) over that SQLite file
#   remote-pg  HttpClient -> the real FastAPI app over a fresh PostgreSQL database
#
# Select with `--backends` or GUANCE_BILLING_TEST_BACKENDS: a comma list, `quick`
# (local,remote: `make test`) or `all` (`.ci/run`). PostgreSQL backends need
# GUANCE_BILLING_TEST_PG_URL (scripts/pg-test-server.sh start).
#
# Narrowing, for tests about one side only:
#   @pytest.mark.local_only   LocalClient only (local, local-pg): about the local store
#   @pytest.mark.sqlite_only  the local SQLite file only (file modes, WAL, --store PATH)
#   @pytest.mark.remote_only  through the server only (remote, remote-pg)
#   a test that asks for `remote_server` is remote_only by itself.
# Observe the store through the CLI or the `store_db` fixture (any backend), never by
# opening billing.db with sqlite3 (sqlite_only tests aside).

BACKENDS = ("local", "local-pg", "remote", "remote-pg")
BACKEND_SETS = {"quick": ("local", "remote"), "all": BACKENDS}
LOCAL_BACKENDS = {"local", "local-pg"}
REMOTE_BACKENDS = {"remote", "remote-pg"}
PG_BACKENDS = {"local-pg", "remote-pg"}

# Whole modules about the SQLite store itself (file modes, migrations on open, doctor's
# file checks) or driving PostgreSQL by hand: "local" only.
SQLITE_ONLY_MODULES = {"test_store", "test_doctor", "test_postgres"}
SQLITE_ONLY_TESTS = {
    "test_config::test_store_flag_selects_another_store",
}
LOCAL_ONLY_TESTS = {
    "test_audit::test_every_write_is_listed_with_before_and_after",  # actor "local:..."
}


def parse_backends(value: str) -> tuple[str, ...]:
    """`quick`, `all` or a comma list of backend names, in matrix order."""
    names: set[str] = set()
    for part in value.replace(" ", "").split(","):
        if not part:
            continue
        if part in BACKEND_SETS:
            names.update(BACKEND_SETS[part])
        elif part in BACKENDS:
            names.add(part)
        else:
            choices = ", ".join((*BACKEND_SETS, *BACKENDS))
            raise pytest.UsageError(f"unknown test backend {part!r}; choose from {choices}")
    return tuple(b for b in BACKENDS if b in names)


_TRANSPORT_ALIASES = {"local": "local", "remote": "remote", "both": "quick", "default": ""}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backends",
        default=os.environ.get("GUANCE_BILLING_TEST_BACKENDS", "quick"),
        help="backends for CLI behaviour tests: quick (local,remote), all, or a comma list "
        f"of {', '.join(BACKENDS)} [env GUANCE_BILLING_TEST_BACKENDS]",
    )
    parser.addoption(
        "--transport",
        choices=tuple(_TRANSPORT_ALIASES),
        default=os.environ.get("GUANCE_BILLING_TEST_TRANSPORT", "default"),
        help="older spelling: local | remote | both (= --backends quick)",
    )


def pytest_configure(config: pytest.Config) -> None:
    for line in (
        "both_transports: (no-op since the matrix) runs on every selected backend",
        "local_only: about the local store; LocalClient backends only (local, local-pg)",
        "sqlite_only: about the SQLite file itself; the local SQLite backend only",
        "remote_only: through the server only (remote, remote-pg)",
    ):
        config.addinivalue_line("markers", line)
    alias = _TRANSPORT_ALIASES[config.getoption("--transport")]
    selected = parse_backends(alias or config.getoption("--backends"))
    if PG_BACKENDS.intersection(selected) and not PG_URL:
        raise pytest.UsageError(
            "PostgreSQL backends selected but GUANCE_BILLING_TEST_PG_URL is not set: "
            'run eval "$(scripts/pg-test-server.sh start DIR)" first'
        )
    config.stash[_SELECTED] = selected


_SELECTED = pytest.StashKey[tuple[str, ...]]()


def backends_for(metafunc: pytest.Metafunc) -> list[str]:
    """The selected backends this test runs on."""
    selected = metafunc.config.stash[_SELECTED]
    definition = metafunc.definition
    module = metafunc.module.__name__.rsplit(".", 1)[-1]
    key = f"{module}::{definition.originalname}"
    allowed = set(BACKENDS)
    if (
        module in SQLITE_ONLY_MODULES
        or key in SQLITE_ONLY_TESTS
        or definition.get_closest_marker("sqlite_only")
    ):
        allowed = {"local"}
    elif definition.get_closest_marker("local_only") or key in LOCAL_ONLY_TESTS:
        allowed = set(LOCAL_BACKENDS)
    elif definition.get_closest_marker("remote_only") or "remote_server" in metafunc.fixturenames:
        allowed = set(REMOTE_BACKENDS)
    return [b for b in selected if b in allowed]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "transport" not in metafunc.fixturenames:
        return
    metafunc.parametrize("transport", backends_for(metafunc), indirect=True)


@pytest.fixture
def transport(request: pytest.FixtureRequest) -> str:
    """The backend's name: local | local-pg | remote | remote-pg."""
    return getattr(request, "param", "local")


@dataclass
class Backend:
    """Where a test's data lives and how the CLI reaches it."""

    name: str
    store_url: str  # the store the data lives in (the server's store for remote ones)
    remote: RemoteServer | None

    @property
    def is_remote(self) -> bool:
        return self.remote is not None

    @property
    def is_postgres(self) -> bool:
        return self.name in PG_BACKENDS


# The store of the running test, for helpers that only get `home` (store_dump).
_ACTIVE: dict[str, str | None] = {"store_url": None}


@pytest.fixture
def backend_store(
    transport: str, home: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """The URL of the store behind this test's backend (created empty, at schema head
    for PostgreSQL; the SQLite file is created on first use)."""
    if transport in PG_BACKENDS:
        url = request.getfixturevalue("pg_migrated_store")
        # a shared (PostgreSQL) store needs its secret key configured (issue 11)
        monkeypatch.setenv("GUANCE_BILLING_SECRET_KEY", os.urandom(32).hex())
    else:
        url = f"sqlite:///{home / 'billing.db'}"
    _ACTIVE["store_url"] = url
    try:
        yield url
    finally:
        _ACTIVE["store_url"] = None


@pytest.fixture
def backend(
    transport: str,
    backend_store: str,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> Backend:
    remote = None
    if transport in REMOTE_BACKENDS or "remote_server" in request.fixturenames:
        remote = request.getfixturevalue("remote_server")
    elif transport == "local-pg":
        monkeypatch.setenv("GUANCE_BILLING_STORE", backend_store)
    return Backend(transport, backend_store, remote)


@pytest.fixture
def store_db(backend: Backend) -> StoreDB:
    """Read or change the backend's store directly with SQL (any backend)."""
    return StoreDB(backend.store_url)


class StoreDB:
    """SQL on a store by URL (SQLite file or PostgreSQL), for tests that must look
    below the CLI: ``rows("SELECT action FROM audit_events WHERE id > :n", n=3)``."""

    def __init__(self, url: str) -> None:
        self.url = url

    def _engine(self) -> Any:
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        return create_engine(self.url, poolclass=NullPool)

    def rows(self, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        from sqlalchemy import text

        engine = self._engine()
        try:
            with engine.connect() as conn:
                return [tuple(row) for row in conn.execute(text(sql), params)]
        finally:
            engine.dispose()

    def scalar(self, sql: str, **params: Any) -> Any:
        rows = self.rows(sql, **params)
        return rows[0][0] if rows else None

    def column(self, sql: str, **params: Any) -> list[Any]:
        return [row[0] for row in self.rows(sql, **params)]

    def execute(self, sql: str, **params: Any) -> int:
        """Run one statement in its own transaction; returns the rows it touched."""
        from sqlalchemy import text

        engine = self._engine()
        try:
            with engine.begin() as conn:
                return int(conn.execute(text(sql), params).rowcount)
        finally:
            engine.dispose()

    def dump(self) -> str:
        return dump_store(self.url)

    def raw(self) -> bytes:
        """Everything the store holds, as bytes: the SQLite file with its WAL, or every
        row of every table on PostgreSQL (to prove a secret is stored nowhere)."""
        path = sqlite_file(self.url)
        if path is None:
            return pg_dump(self.url).encode()
        return b"".join(p.read_bytes() for p in sorted(path.parent.glob(path.name + "*")))


def sqlite_file(url: str) -> Path | None:
    prefix = "sqlite:///"
    return Path(url[len(prefix) :]) if url.startswith(prefix) else None


# Transport bookkeeping, not data: the answers kept for Idempotency-Key replays (issue 24;
# the HttpClient sends a key with each create and batch write).
NOT_DATA_TABLES = ("idempotency_keys",)


def dump_store(url: str) -> str:
    """A store's content as text, to prove a refusal changed nothing."""
    path = sqlite_file(url)
    if path is None:
        return pg_dump(url)
    if not path.exists():
        return ""
    skip = tuple(f'INSERT INTO "{table}"' for table in NOT_DATA_TABLES)
    with sqlite3.connect(path) as conn:
        return "\n".join(line for line in conn.iterdump() if not line.startswith(skip))


def active_store(home: Path) -> StoreDB:
    """The running test's store (any backend); ``home``'s SQLite file outside the matrix."""
    return StoreDB(_ACTIVE["store_url"] or f"sqlite:///{home / 'billing.db'}")


def store_dump(home: Path) -> str:
    """The running test's store as text (any backend); ``home``'s SQLite file otherwise."""
    return dump_store(_ACTIVE["store_url"] or f"sqlite:///{home / 'billing.db'}")


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
    home: Path, monkeypatch: pytest.MonkeyPatch, backend_store: str
) -> Iterator[RemoteServer]:
    """The FastAPI app on the backend's store, reached by HttpClient with a support token."""
    from guance_billing_cli.client.http import HttpClient
    from guance_billing_cli.server.app import create_app

    asgi_app = create_app(backend_store, migrate=True)
    asgi = SyncASGITransport(asgi_app)
    try:
        token = _bootstrap_token(asgi_app.state.backend.engine)
        url = "http://billing.test"
        monkeypatch.setattr(HttpClient, "transport_factory", lambda _base: asgi)
        monkeypatch.setenv("GUANCE_BILLING_SERVER", url)
        monkeypatch.setenv("GUANCE_BILLING_TOKEN", token)
        yield RemoteServer(url, token, backend_store, asgi_app, asgi)
    finally:
        asgi.shutdown()
        asgi_app.state.backend.dispose()


def _bootstrap_token(engine: Any) -> str:
    """A support token written straight into the store, as an operator's bootstrap:
    no audit event, so the audit trail is the same as a local run's."""
    from guance_billing_cli.services import clock
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


def _pg_dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _pg_admin(sql: str) -> None:
    import psycopg

    assert PG_URL is not None
    with psycopg.connect(_pg_dsn(PG_URL), autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def _pg_url(name: str) -> str:
    assert PG_URL is not None
    return f"{PG_URL.rsplit('/', 1)[0]}/{name}"


def _pg_new_database(template: str | None = None) -> str:
    import secrets

    name = f"gbt_{secrets.token_hex(6)}"
    _pg_admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return name


@pytest.fixture
def pg_store() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test (skipped without a server)."""
    if not PG_URL:
        pytest.skip("needs GUANCE_BILLING_TEST_PG_URL (scripts/pg-test-server.sh start)")
    name = _pg_new_database()
    yield _pg_url(name)
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def _pg_template() -> Iterator[str]:
    """One database migrated to head per test session, copied for each test."""
    if not PG_URL:
        pytest.skip("needs GUANCE_BILLING_TEST_PG_URL (scripts/pg-test-server.sh start)")
    from guance_billing_cli.store.engine import open_store

    name = _pg_new_database()
    open_store(_pg_url(name), migrate=True).dispose()
    yield name
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_migrated_store(_pg_template: str) -> Iterator[str]:
    """A fresh PostgreSQL database at the schema head (a copy of the session's template)."""
    name = _pg_new_database(template=_pg_template)
    yield _pg_url(name)
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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
            if table in NOT_DATA_TABLES:
                continue
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
    import guance_billing_cli.services.clock

    fake = Clock(datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC))
    monkeypatch.setattr(guance_billing_cli.services.clock, "now", lambda: fake.now)
    return fake


# -- a real terminal and a real listening server, for prompts (issue 10) --------------


@dataclass
class LiveServer:
    """The backend's FastAPI app under a real uvicorn on 127.0.0.1, for subprocesses."""

    url: str
    server: Any
    thread: Any

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def start_live_server(asgi_app: Any) -> LiveServer:
    import threading
    import time

    import uvicorn

    port = free_port()
    config = uvicorn.Config(asgi_app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    return LiveServer(f"http://127.0.0.1:{port}", server, thread)


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\r")


@dataclass
class Screen:
    exit_code: int
    text: str  # everything the terminal showed, escape sequences removed


class Terminal:
    """The CLI in a subprocess on a real pseudo-terminal, on the test's backend."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def run(
        self, *args: str, answers: Sequence[tuple[str, str]] = (), timeout: float = 30
    ) -> Screen:
        """Run ``guance-billing ARGS``; when the screen shows ``prompt``, type ``keys``."""
        import select
        import subprocess
        import sys
        import time

        master, slave = os.openpty()
        proc = subprocess.Popen(
            [sys.executable, "-m", "guance_billing_cli", *args],
            stdin=slave, stdout=slave, stderr=slave, env=self.env, start_new_session=True,
        )  # fmt: skip
        os.close(slave)
        seen, pending = "", list(answers)
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                ready, _, _ = select.select([master], [], [], 0.1)
                if ready:
                    try:
                        chunk = os.read(master, 4096)
                    except OSError:  # the child closed the terminal
                        break
                    if not chunk:
                        break
                    seen += chunk.decode("utf-8", "replace")
                if pending and pending[0][0] in ANSI.sub("", seen):
                    os.write(master, pending.pop(0)[1].encode())
                if proc.poll() is not None and not ready:
                    break
            code = proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            os.close(master)
        return Screen(code, ANSI.sub("", seen))


@pytest.fixture
def terminal(backend: Backend, home: Path) -> Iterator[Terminal]:
    """Run the CLI on a real terminal against the test's backend (a real uvicorn for the
    remote ones, serving the same app and store)."""
    env = {
        **os.environ,
        "TERM": "xterm",
        "PROMPT_TOOLKIT_NO_CPR": "1",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        "COLUMNS": "200",
        "LINES": "50",
    }
    live = None
    if backend.remote is not None:
        live = start_live_server(backend.remote.app)
        env["GUANCE_BILLING_SERVER"] = live.url
    try:
        yield Terminal(env)
    finally:
        if live is not None:
            live.stop()


# -- races that really race (issue 10) ---------------------------------------------


@dataclass
class Race:
    """Processes whose first write waits until all of them are ready (race_runner.py)."""

    where: Path
    parties: int

    def command(self, *args: str) -> list[str]:
        import sys

        return [sys.executable, str(Path(__file__).parent / "race_runner.py"), *args]

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        return {
            **(os.environ if base is None else base),
            "RACE_DIR": str(self.where),
            "RACE_PARTIES": str(self.parties),
        }

    def assert_raced(self, within: float = 2.0) -> None:
        """Every racer waited at the barrier, and they were released together."""
        assert not list(self.where.glob("timeout-*")), "a racer gave up waiting"
        released = [float(p.read_text()) for p in self.where.glob("released-*")]
        assert len(released) == self.parties, released
        assert max(released) - min(released) < within, released


@pytest.fixture
def race(tmp_path: Path) -> Callable[[int], Race]:
    def make(parties: int) -> Race:
        where = tmp_path / f"race-{parties}-{len(list(tmp_path.glob('race-*')))}"
        where.mkdir()
        return Race(where, parties)

    return make
