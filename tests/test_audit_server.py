"""`server run --checkpoint-dir` under a real uvicorn, and the upgrade of a pre-keyed trail."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from tests.support.cli import CliFn
from tests.support.servers import free_port

pytestmark = pytest.mark.sqlite_only  # a server of its own / a SQLite file built by hand


def _wait(predicate, what: str, timeout: float = 30) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _counts(directory: Path) -> list[int]:
    return sorted(
        json.loads(p.read_text())["statement"]["event_count"]
        for p in directory.glob("checkpoint-*.json")
    )


@pytest.mark.slow
def test_server_writes_checkpoints_and_they_catch_truncation(
    cli: CliFn, make_account, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server_home, checkpoints = tmp_path / "server", tmp_path / "checkpoints"
    db = server_home / "billing.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUANCE_BILLING_")}
    env.update(GUANCE_BILLING_HOME=str(server_home), NO_COLOR="1")
    base = [sys.executable, "-m", "guance_billing_cli", "--store", f"sqlite:///{db}"]
    created = subprocess.run(
        [*base, "server", "token", "create", "--name", "ops", "--role", "support", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    port = free_port()
    server = subprocess.Popen(
        [
            *base,
            *("server", "run", "--port", str(port), "--no-access-log"),
            *("--checkpoint-dir", str(checkpoints), "--checkpoint-every", "3,1h"),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:

        def healthy() -> bool:
            try:
                return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        _wait(healthy, "the server")
        monkeypatch.setenv("GUANCE_BILLING_SERVER", url)
        monkeypatch.setenv("GUANCE_BILLING_TOKEN", json.loads(created.stdout)["token"])
        _wait(lambda: _counts(checkpoints) == [1], "the first checkpoint (token.create)")
        for name in ("acme", "globex", "initech"):
            make_account(name)
        _wait(lambda: _counts(checkpoints) == [1, 4], "a checkpoint after 3 more events")
        ok = cli("audit", "verify", "--checkpoints", str(checkpoints), "--json")
        assert ok.exit_code == 0, ok.stderr
        assert (ok.json["checked"], ok.json["checkpoints"]) == (4, 2)

        with sqlite3.connect(db) as conn:  # the attacker removes the newest event
            conn.execute("DELETE FROM audit_events WHERE id = 4")
        conn.close()
        cut = cli("audit", "verify", "--checkpoints", str(checkpoints), "--json")
        assert cut.exit_code == 6
        assert cut.error["first_bad_id"] == 4
        assert cut.error["checkpoint"].endswith("-00000002.json")
        time.sleep(2)  # a poll of the checkpointer notices
    finally:
        server.send_signal(signal.SIGINT)
        _out, err = server.communicate(timeout=60)
    assert "audit checkpoint written" in err
    # the checkpointer refuses to sign a trail that lost a signed event, and says so
    assert "audit checkpoint failed: event 4, the last one checkpoint 2 signed, is gone" in err
    assert _counts(checkpoints) == [1, 4]


def test_a_bad_checkpoint_interval_is_a_usage_error(cli: CliFn, tmp_path: Path) -> None:
    result = cli("server", "run", "--checkpoint-dir", str(tmp_path), "--checkpoint-every", "soon")
    assert result.exit_code == 2
    assert "checkpoint interval 'soon'" in result.stderr


def _legacy_store(home: Path) -> Path:
    """A store at schema 0005 whose three events carry the old unkeyed SHA-256 chain."""
    from guance_billing_cli.services.audit import legacy_hash
    from guance_billing_cli.store import engine as store_engine

    db = home / "billing.db"
    home.mkdir(parents=True, exist_ok=True)
    engine = store_engine.create_store_engine(f"sqlite:///{db}")
    store_engine.upgrade(engine, "0005")
    engine.dispose()
    previous = "0" * 64
    with sqlite3.connect(db) as conn:
        for n in (1, 2, 3):
            from datetime import UTC, datetime

            row = SimpleNamespace(
                prev_hash=previous,
                at=datetime(2025, 1, n, tzinfo=UTC),
                actor="local:old",
                actor_role="support",
                action="account.create",
                target=f"acc_old{n}",
                account_id=f"acc_old{n}",
                before="{}",
                after="{}",
                request_id=None,
                ci_run=None,
            )
            row.hash = legacy_hash(row, row.at)  # type: ignore[attr-defined]
            conn.execute(
                "INSERT INTO audit_events (id, at, actor, actor_role, action, target, "
                "account_id, before, after, request_id, ci_run, prev_hash, hash) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    *(n, f"2025-01-0{n} 00:00:00.000000", row.actor, row.actor_role),
                    *(row.action, row.target, row.account_id, "{}", "{}", None, None),
                    *(previous, row.hash),
                ),
            )
            previous = row.hash  # type: ignore[attr-defined]
    conn.close()
    return db


def test_an_upgraded_store_keeps_its_unkeyed_segment_marked(
    cli: CliFn, make_account, home: Path, tmp_path: Path
) -> None:
    db = _legacy_store(home)
    make_account("acme")  # migrates to 0006_i13, then appends with the key
    result = cli("audit", "verify", "--json")
    assert result.exit_code == 0, result.stderr
    assert (result.json["checked"], result.json["legacy"]) == (4, 3)
    with sqlite3.connect(db) as conn:
        meta = dict(conn.execute("SELECT name, value FROM audit_meta").fetchall())
        (legacy_hash_3,) = conn.execute("SELECT hash FROM audit_events WHERE id = 3").fetchone()
    conn.close()
    assert meta["legacy_until"] == "3"
    assert meta["legacy_head"] == legacy_hash_3
    assert cli("audit", "checkpoint", "--dir", str(tmp_path / "cps")).exit_code == 0

    with sqlite3.connect(db) as conn:  # raise the boundary to pass a keyed event as legacy
        conn.execute("UPDATE audit_meta SET value = '4' WHERE name = 'legacy_until'")
    conn.close()
    moved = cli("audit", "verify", "--checkpoints", str(tmp_path / "cps"), "--json")
    assert moved.exit_code == 6
    assert "the boundary was moved" in moved.error["message"]


def test_an_edited_legacy_event_is_still_caught(cli: CliFn, make_account, home: Path) -> None:
    db = _legacy_store(home)
    make_account("acme")
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE audit_events SET actor = 'local:mallory' WHERE id = 2")
    conn.close()
    result = cli("audit", "verify", "--json")
    assert result.exit_code == 6
    assert result.error["first_bad_id"] == 2
    assert "does not match its hash" in result.error["message"]
