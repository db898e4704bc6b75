"""Fixtures and hooks only; helpers live in ``tests/support/`` (docs/testing.md).

Every test gets its own GUANCE_BILLING_HOME and an in-memory keyring; CLI tests run on
every selected backend (``tests/support/backends.py``: the matrix, its markers, tiers)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import keyring
import pytest

from tests.support.accounts import AccountMaker
from tests.support.backends import (
    BACKENDS,
    PG_BACKENDS,
    REMOTE_BACKENDS,
    TIERS,
    Backend,
    allowed_backends,
    in_fast_tier,
    parse_backends,
)
from tests.support.cli import CliFn, in_process_cli
from tests.support.clock import START, Clock
from tests.support.memory_keyring import MemoryKeyring
from tests.support.pg import PG_URL, pg_drop_database, pg_new_database, pg_url
from tests.support.race import Race
from tests.support.remote import RemoteServer, SyncASGITransport, bootstrap_token
from tests.support.servers import start_live_server
from tests.support.store import ACTIVE, StoreDB
from tests.support.terminal import Terminal, terminal_env

# -- every test: its own home, an in-memory keyring, English, no colour ----------------


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


@pytest.fixture
def cli(backend: Backend) -> CliFn:
    """Run the CLI in-process: ``cli("account", "list", "--json", input="...")``.

    On the remote backends every command goes through ``HttpClient`` to the real
    FastAPI app serving the backend's store with a support token; on local-pg the
    store is a PostgreSQL database. The same assertions hold on every backend.
    """
    return in_process_cli(backend.remote)


@pytest.fixture
def make_account(cli: CliFn) -> AccountMaker:
    """Create an account through the CLI; returns its JSON (tests/support/accounts.py)."""
    return AccountMaker(cli)


# -- the backend matrix and the tiers (tests/support/backends.py) ----------------------

_SELECTED = pytest.StashKey[tuple[str, ...]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backends",
        default=os.environ.get("GUANCE_BILLING_TEST_BACKENDS", "quick"),
        help="backends for CLI behaviour tests: quick (local,remote), all, or a comma list "
        f"of {', '.join(BACKENDS)} [default: env GUANCE_BILLING_TEST_BACKENDS, else quick]",
    )
    parser.addoption(
        "--tier",
        choices=TIERS,
        default="all",
        help="fast: what `make test` runs (no slow tests; each matrix test on one of "
        "local/remote); rest: everything else; all (default): both",
    )


def pytest_configure(config: pytest.Config) -> None:
    selected = parse_backends(config.getoption("--backends"))
    if PG_BACKENDS.intersection(selected) and not PG_URL:
        raise pytest.UsageError(
            "PostgreSQL backends selected but GUANCE_BILLING_TEST_PG_URL is not set: "
            'run eval "$(scripts/pg-test-server.sh start DIR)" first'
        )
    config.stash[_SELECTED] = selected


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "transport" not in metafunc.fixturenames:
        return
    allowed = allowed_backends(metafunc.definition, metafunc.fixturenames)
    selected = [b for b in metafunc.config.stash[_SELECTED] if b in allowed]
    metafunc.parametrize("transport", selected, indirect=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tier = config.getoption("--tier")
    if tier == "all":
        return
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        (keep if in_fast_tier(item) == (tier == "fast") else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture
def transport(request: pytest.FixtureRequest) -> str:
    """The backend's name: local | local-pg | remote | remote-pg."""
    return getattr(request, "param", "local")


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
    ACTIVE["store_url"] = url
    try:
        yield url
    finally:
        ACTIVE["store_url"] = None


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
        token = bootstrap_token(asgi_app.state.backend.engine)
        url = "http://billing.test"
        monkeypatch.setattr(HttpClient, "transport_factory", lambda _base: asgi)
        monkeypatch.setenv("GUANCE_BILLING_SERVER", url)
        monkeypatch.setenv("GUANCE_BILLING_TOKEN", token)
        yield RemoteServer(url, token, backend_store, asgi_app, asgi)
    finally:
        asgi.shutdown()
        asgi_app.state.backend.dispose()


# -- PostgreSQL (issue 6): GUANCE_BILLING_TEST_PG_URL from scripts/pg-test-server.sh ----


def _needs_pg() -> None:
    if not PG_URL:
        pytest.skip("needs GUANCE_BILLING_TEST_PG_URL (scripts/pg-test-server.sh start)")


@pytest.fixture
def pg_store() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test (skipped without a server)."""
    _needs_pg()
    name = pg_new_database()
    yield pg_url(name)
    pg_drop_database(name)


@pytest.fixture(scope="session")
def _pg_template() -> Iterator[str]:
    """One database migrated to head per test session, copied for each test."""
    _needs_pg()
    from guance_billing_cli.store.engine import open_store

    name = pg_new_database()
    open_store(pg_url(name), migrate=True).dispose()
    yield name
    pg_drop_database(name)


@pytest.fixture
def pg_migrated_store(_pg_template: str) -> Iterator[str]:
    """A fresh PostgreSQL database at the schema head (a copy of the session's template)."""
    name = pg_new_database(template=_pg_template)
    yield pg_url(name)
    pg_drop_database(name)


# -- a movable clock, a real terminal, races -----------------------------------------


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """``clock.now()`` frozen at a fixed instant until moved with ``advance(seconds=...)``."""
    import guance_billing_cli.services.clock

    fake = Clock(START)
    monkeypatch.setattr(guance_billing_cli.services.clock, "now", lambda: fake.now)
    return fake


@pytest.fixture
def terminal(backend: Backend, home: Path) -> Iterator[Terminal]:
    """Run the CLI on a real terminal against the test's backend (a real uvicorn for the
    remote ones, serving the same app and store)."""
    env = terminal_env()
    live = None
    if backend.remote is not None:
        live = start_live_server(backend.remote.app)
        env["GUANCE_BILLING_SERVER"] = live.url
    try:
        yield Terminal(env)
    finally:
        if live is not None:
            live.stop()


@pytest.fixture
def race(tmp_path: Path) -> Callable[[int], Race]:
    def make(parties: int) -> Race:
        where = tmp_path / f"race-{parties}-{len(list(tmp_path.glob('race-*')))}"
        where.mkdir()
        return Race(where, parties)

    return make
