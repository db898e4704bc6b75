"""Upgrading a store made by the previous release (0.1.0, commit a443865), and the
rolling-upgrade scenario (issue 21).

The stores of that release are fixtures in ``tests/upgrade/``, written by that
release's own CLI (``tests/upgrade/make_release_store.py`` says how). Every command
here is a real process; the server is a real ``guance-billing server run`` under
uvicorn, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from guance_billing_cli.store import engine as store_engine
from tests.support.accounts import account_args
from tests.support.pg import PG_URL, pg_admin, pg_dsn, pg_new_database, pg_url
from tests.support.servers import free_port
from tests.support.store import dump_store

pytestmark = pytest.mark.slow  # the slow tier: upgrades of real stores and servers

FIXTURES = Path(__file__).parent / "upgrade"
RELEASE_DB = FIXTURES / "release-0.1.0.db"
RELEASE_PG = FIXTURES / "release-0.1.0.pg.sql"
RELEASE_REVISION = "0005"
FUTURE = "0099_future"
SECRET = "ab" * 32


@dataclass
class Done:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)

    @property
    def error(self) -> dict[str, Any]:
        return json.loads(self.err.strip().splitlines()[-1])["error"]  # type: ignore[no-any-return]


def gb(home: Path, *args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> Done:
    """``guance-billing ARGS`` in a process of its own, as an operator runs it."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("GUANCE_BILLING_")}
    full.update(
        GUANCE_BILLING_HOME=str(home),
        GUANCE_BILLING_SECRET_KEY=SECRET,
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        NO_COLOR="1",
        CI="1",
    )
    full.update(env or {})
    done = subprocess.run(
        [sys.executable, "-m", "guance_billing_cli", *args],
        capture_output=True,
        text=True,
        env=full,
        input=stdin,
        timeout=120,
    )
    return Done(done.returncode, done.stdout, done.stderr)


# -- the rows of a store ----------------------------------------------------------------
def sqlite_rows(path: Path) -> dict[str, list[dict[str, Any]]]:
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        tables = [
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            if r[0] != "alembic_version"
        ]
        return {t: [dict(r) for r in conn.execute(f'SELECT * FROM "{t}"')] for t in tables}


def pg_rows(url: str) -> dict[str, list[dict[str, Any]]]:
    import psycopg
    from psycopg.rows import dict_row

    with psycopg.connect(pg_dsn(url), row_factory=dict_row) as conn:
        tables = [
            r["tablename"]
            for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            if r["tablename"] != "alembic_version"
        ]
        return {t: list(conn.execute(f'SELECT * FROM "{t}"')) for t in tables}  # type: ignore[arg-type]


# What the migrations since 0.1.0 drop on purpose (CHANGELOG, issue 11: "Upgrade
# (migration 0006)"): the code key leaves the store, code state moves to ``challenges``
# (an outstanding code stops working; ``resend`` sends a new one), old login tables go.
DROPPED_TABLES = {"store_secrets", "login_failures", "login_codes"}
CODE_STATE = {"code_hash", "attempts", "sends", "last_sent_at"}
DROPPED_COLUMNS = {"change_requests": CODE_STATE, "password_resets": CODE_STATE}


def assert_kept(old: dict[str, list[dict[str, Any]]], new: dict[str, list[dict[str, Any]]]) -> int:
    """Every row of ``old`` is in ``new``, value by value, in every column a migration
    kept; what was dropped is exactly what the CHANGELOG says. Returns rows compared."""
    assert set(old) - set(new) == DROPPED_TABLES
    compared = 0
    for table, rows in old.items():
        if table in DROPPED_TABLES or not rows:
            continue
        new_columns = set(new[table][0]) if new[table] else set()
        assert set(rows[0]) - new_columns == DROPPED_COLUMNS.get(table, set()), table
        columns = sorted(set(rows[0]) & new_columns)
        project = sorted(repr([r[c] for c in columns]) for r in new[table])
        expected = sorted(repr([r[c] for c in columns]) for r in rows)
        assert project == expected, f"rows of {table} differ"
        compared += len(rows)
    return compared


def revision_of(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return str(conn.execute("SELECT version_num FROM alembic_version").fetchone()[0])


def stamp_sqlite(path: Path, revision: str) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = ?", (revision,))


def stamp_pg(url: str, revision: str) -> None:
    import psycopg

    with psycopg.connect(pg_dsn(url), autocommit=True) as conn:
        conn.execute("UPDATE alembic_version SET version_num = %s", (revision,))


def stamp(url: str, revision: str) -> None:
    path = store_engine.sqlite_path(url)
    if path:
        stamp_sqlite(Path(path), revision)
    else:
        stamp_pg(url, revision)


@pytest.fixture
def release_pg() -> Iterator[str]:
    """A PostgreSQL database as the previous release left it (schema 0005, its rows)."""
    if not PG_URL:
        pytest.skip("needs GUANCE_BILLING_TEST_PG_URL (scripts/pg-test-server.sh start)")
    import psycopg

    name = pg_new_database()
    url = pg_url(name)
    sql = "\n".join(
        line
        for line in RELEASE_PG.read_text().splitlines()
        if not line.startswith(("SET transaction_timeout", "\\restrict", "\\unrestrict"))
    )
    with psycopg.connect(pg_dsn(url), autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]
    yield url
    pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- 1. the previous release's SQLite store migrates itself, after a copy ---------------
def test_release_sqlite_store_is_copied_then_migrated_row_by_row(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    db = home / "billing.db"
    shutil.copyfile(RELEASE_DB, db)
    os.chmod(db, 0o600)
    # as if 0.1.0 opened the requests just now (a request expires after 10 minutes)
    soon = (datetime.now(UTC) + timedelta(minutes=10)).strftime("%Y-%m-%d %H:%M:%S.%f")
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE change_requests SET expires_at = ? WHERE finished_at IS NULL", (soon,))
    old = sqlite_rows(db)

    listed = gb(home, "account", "list", "--json")  # a read: the personal store migrates
    assert listed.code == 0, listed.err
    assert sorted(a["username"] for a in listed.json) == ["acme", "globex", "initech"]
    backup = home / f"billing.db.bak-{RELEASE_REVISION}"
    notes = listed.err.strip().splitlines()
    assert len(notes) == 1 and str(backup) in notes[0], listed.err
    assert f"from schema {RELEASE_REVISION} to {store_engine.HEAD}" in notes[0]
    # the copy is the store as it was, revision and rows; the store is at head, rows kept
    assert revision_of(backup) == RELEASE_REVISION and sqlite_rows(backup) == old
    assert revision_of(db) == store_engine.HEAD
    assert assert_kept(old, sqlite_rows(db)) >= 40

    # open requests are kept (CHANGELOG): the email change still awaits its first code
    email_req = next(r["id"] for r in old["change_requests"] if r["kind"] == "email")
    status = gb(home, "email", "status", email_req, "--account", "acme", "--json")
    assert status.code == 0 and status.json["state"] == "awaiting_current_code", status.err
    resent = gb(home, "email", "resend", email_req, "--account", "acme", "--json")
    assert resent.code == 0 and resent.json["state"] == "awaiting_current_code", resent.err
    assert gb(home, "audit", "verify").code == 0
    again = gb(home, "profile", "update", "--account", "acme", "--region", "Ningxia", "--json")
    assert again.code == 0 and again.json["region"] == "Ningxia"
    assert again.err == ""  # migrated once: no second copy, no second note
    assert sorted(p.name for p in home.glob("billing.db.bak-*")) == [backup.name]
    verified = gb(home, "store", "verify", "--json")
    assert verified.code == 0 and verified.json["ok"] is True, verified.out + verified.err


# -- 2. a shared PostgreSQL store moves only on purpose -------------------------------
def test_release_postgresql_store_migrates_only_by_store_migrate(
    tmp_path: Path, release_pg: str
) -> None:
    home = tmp_path / "home"
    old = pg_rows(release_pg)
    for args in (("account", "list"), ("profile", "update", "--account", "acme", "--region", "X")):
        refused = gb(home, "--store", release_pg, *args, "--json")
        assert refused.code == 10, refused.err
        assert refused.error["reason"] == "store_behind"
        assert "guance-billing store migrate" in refused.error["message"]
    assert pg_rows(release_pg) == old  # nothing moved

    dry = gb(home, "store", "migrate", "--store", release_pg, "--dry-run", "--json")
    assert dry.code == 0, dry.err
    assert dry.json["from"] == RELEASE_REVISION and dry.json["changed"] is False
    pending = list(store_engine.REVISIONS[store_engine.REVISIONS.index(RELEASE_REVISION) + 1 :])
    assert dry.json["pending"] == pending
    assert pg_rows(release_pg) == old

    done = gb(home, "server", "migrate", "--store", release_pg, "--json")  # the alias
    assert done.code == 0, done.err
    assert done.json["from"] == RELEASE_REVISION and done.json["to"] == store_engine.HEAD
    assert assert_kept(old, pg_rows(release_pg)) >= 40
    listed = gb(home, "--store", release_pg, "account", "list", "--json")
    assert listed.code == 0 and len(listed.json) == 3
    assert gb(home, "--store", release_pg, "audit", "verify").code == 0
    verified = gb(home, "store", "verify", "--store", release_pg, "--json")
    assert verified.code == 0 and verified.json["integrity"] == "not_applicable"
    assert verified.json["audit"]["ok"] is True


# -- 3. a newer schema is refused, never altered ---------------------------------------
def test_a_store_from_a_newer_release_is_refused_and_left_alone(tmp_path: Path) -> None:
    home = tmp_path / "home"
    created = gb(home, "store", "init", "--json")
    assert created.code == 0, created.err
    db = home / "billing.db"
    stamp_sqlite(db, FUTURE)
    before = dump_store(f"sqlite:///{db}")
    for args in (("account", "list"), ("store", "migrate"), ("server", "migrate")):
        refused = gb(home, *args, "--json")
        assert refused.code == 10, (args, refused.err)
        assert refused.error["reason"] == "store_too_new"
    assert dump_store(f"sqlite:///{db}") == before
    assert not list(home.glob("billing.db.bak-*"))


# -- 3b. a store of a development build before 0.1.0 is refused, never altered ---------
PRE_RELEASE = "0003"  # 0001-0004 were folded into the baseline 0005 (0.1.0's schema)


def test_a_store_of_a_development_build_before_the_release_is_refused_and_left_alone(
    tmp_path: Path, running_store: str
) -> None:
    home = tmp_path / "home"
    env = {"GUANCE_BILLING_STORE": running_store}
    created = gb(home, "store", "init", "--json", env=env)
    assert created.code == 0, created.err
    stamp(running_store, PRE_RELEASE)
    before = dump_store(running_store)
    for args in (
        ("account", "list"),
        ("store", "migrate"),
        ("store", "migrate", "--dry-run"),
        ("server", "migrate"),
        ("store", "verify"),
    ):
        refused = gb(home, *args, "--json", env=env)
        assert refused.code == 10, (args, refused.err)
        assert refused.error["reason"] == "store_predates_release", (args, refused.err)
        message = refused.error["message"]
        assert f"schema is {PRE_RELEASE}" in message and "before the 0.1.0 release" in message
        assert "guance-billing store init" in message
        if args == ("store", "verify"):  # its report, printed before the refusal
            assert refused.json["schema_status"] == "pre_release", refused.out
    chinese = gb(home, "account", "list", env=env | {"GUANCE_BILLING_LANG": "zh_CN"})
    assert chinese.code == 10 and "0.1.0 发布之前的开发版本" in chinese.err, chinese.err
    served = gb(home, "server", "run", "--port", str(free_port()), "--remind-every", "0", env=env)
    assert served.code == 10, served.err
    for done in (chinese, served):
        last = done.err.strip().splitlines()[-1]
        assert "Traceback" not in done.err and "0.1.0" in last, done.err
    assert dump_store(running_store) == before
    assert not list((tmp_path / "srv").glob("billing.db.bak-*"))


# -- 4. the rolling upgrade: a running server, its database migrated underneath -------
@dataclass
class Server:
    url: str
    store: str
    home: Path
    proc: subprocess.Popen[str]
    token: str

    def cli(self, *args: str) -> Done:
        """A CLI of another host, through this server."""
        return gb(
            self.home / "client",
            *args,
            env={"GUANCE_BILLING_SERVER": self.url, "GUANCE_BILLING_TOKEN": self.token},
        )

    def http(self, method: str, path: str, **kw: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"}
        return httpx.request(method, self.url + path, headers=headers, timeout=30, **kw)

    def stop(self) -> str:
        self.proc.terminate()
        try:
            _, err = self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        return err


def start_server(home: Path, store: str, *extra: str) -> Server:
    """``guance-billing server run`` on ``store`` (created and migrated), with a support token."""
    home.mkdir(parents=True, exist_ok=True)
    assert gb(home, "store", "init", "--store", store).code == 0
    token = gb(
        home, "--store", store, "server", "token", "create", "--name", "ops", "--role", "support",
        "--json",
    ).json["token"]  # fmt: skip
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUANCE_BILLING_")}
    env.update(GUANCE_BILLING_HOME=str(home), GUANCE_BILLING_SECRET_KEY=SECRET, NO_COLOR="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "guance_billing_cli", "server", "run", "--store", store,
         "--port", str(port), "--remind-every", "0", *extra],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {proc.communicate()[1]}")
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return Server(url, store, home, proc, token)
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise AssertionError("server did not start within 60 s")


@pytest.fixture(params=["sqlite", "postgresql"])
def running_store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'srv' / 'billing.db'}"
    return str(request.getfixturevalue("pg_store"))


def test_rolling_upgrade_the_running_server_stops_writing_and_the_trail_stays_whole(
    tmp_path: Path, running_store: str
) -> None:
    server = start_server(tmp_path / "srv", running_store)
    try:
        created = server.cli(*account_args("acme", email="ops@acme.com"))
        assert created.code == 0, created.err
        assert server.cli("profile", "update", "--account", "acme", "--region", "A").code == 0

        # a newer release migrates the database while this server keeps running
        stamp(running_store, FUTURE)
        events_before = server.cli("audit", "list", "--json").json

        refused = server.cli("profile", "update", "--account", "acme", "--region", "B", "--json")
        assert refused.code == 10 and refused.error["reason"] == "schema_ahead", refused.err
        answer = server.http(
            "POST", "/v1/accounts/acme/changes", json={"kind": "email", "new_address": "n@acme.com"}
        )
        assert answer.status_code == 503 and answer.json()["error"]["reason"] == "schema_ahead"
        ready = httpx.get(server.url + "/readyz", timeout=10)
        assert ready.status_code == 503 and ready.json()["error"]["reason"] == "schema_ahead"
        # reads still answer; nothing was written; the trail verifies
        shown = server.cli("profile", "show", "--account", "acme", "--json")
        assert shown.code == 0 and shown.json["region"] == "A"
        assert server.cli("audit", "list", "--json").json == events_before
        verify = server.cli("audit", "verify", "--json")
        assert verify.code == 0 and verify.json["ok"] is True, verify.err

        # this release's code back at its own schema: ready and writing again
        stamp(running_store, store_engine.HEAD)
        assert httpx.get(server.url + "/readyz", timeout=10).status_code == 200
        assert server.cli("profile", "update", "--account", "acme", "--region", "C").code == 0
        assert server.cli("audit", "verify").code == 0
    finally:
        server.stop()
