"""One job, many hosts (issue 19): checkpoints and reminders across servers on one store.

Checkpointers of several "hosts" (real ``Checkpointer`` threads, each with its own
directory) tick at once on one PostgreSQL or SQLite store: each checkpoint is written
once, and ``audit verify --checkpoints`` is green on every host's directory (or all of
them together) for an untouched store and red for a truncated one. Five real
``workspace remind`` processes released together by a barrier all exit 0, one says
another run was busy or sends nothing, and each reminder is sent once.
"""

from __future__ import annotations

import json
import mailbox
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.accounts import account_args
from tests.support.race import Race
from tests.support.store import StoreDB

KEY = "7" * 64
RACERS = 5  # `workspace remind` processes at once (a cron job on each of several hosts)
pytestmark = pytest.mark.slow


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'home' / 'billing.db'}"
    return str(request.getfixturevalue("pg_migrated_store"))


def _env(home: Path, store: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUANCE_BILLING_")}
    return {**env, "GUANCE_BILLING_HOME": str(home), "GUANCE_BILLING_STORE": store,
            "GUANCE_BILLING_SECRET_KEY": KEY, "GUANCE_BILLING_ACCOUNT": "acme"}  # fmt: skip


def _gb(home: Path, store: str) -> Callable[..., subprocess.CompletedProcess[str]]:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "guance_billing_cli", *args],
            env=_env(home, store),
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )

    return run


def _account(gb: Callable[..., subprocess.CompletedProcess[str]], name: str, n: int) -> None:
    made = gb(*account_args(name, n, email=f"ops@{name}.com"))
    assert made.returncode == 0, made.stderr


def test_checkpoints_are_one_job_across_hosts(
    tmp_path: Path, store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from guance_billing_cli.server.jobs.checkpointer import Checkpointer, Schedule

    home = tmp_path / "home"
    gb = _gb(home, store)
    monkeypatch.setenv("GUANCE_BILLING_HOME", str(home))
    monkeypatch.setenv("GUANCE_BILLING_SECRET_KEY", KEY)
    from guance_billing_cli.client.local import LocalClient
    from guance_billing_cli.schemas.accounts import AccountCreate

    hosts = [tmp_path / f"host-{n}" for n in range(3)]
    checkpointers = [Checkpointer(store, d, Schedule(events=2, seconds=None)) for d in hosts]
    writer = LocalClient(store)
    for n in range(6):
        writer.create_account(
            AccountCreate(
                username=f"acct{n}",
                company_name="Acct",
                email=f"ops@acct{n}.com",
                phone=f"+86138001380{n:02d}",
            )
        )
        # every host's checkpointer ticks at the same moment
        gate = threading.Barrier(len(checkpointers))

        def tick(c: Checkpointer, gate: threading.Barrier = gate) -> None:
            gate.wait(timeout=30)
            c.tick()

        threads = [threading.Thread(target=tick, args=(c,)) for c in checkpointers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    writer.close()
    for c in checkpointers:
        c.tick(final=True)
        c.client.close()
    db = StoreDB(store)
    sequences = db.column("SELECT sequence FROM audit_checkpoints ORDER BY sequence")
    files = sorted(p.name for d in hosts if d.exists() for p in d.iterdir())
    assert sequences == list(range(1, len(sequences) + 1)) and len(sequences) >= 3
    assert len(files) == len(set(files)) == len(sequences), "a checkpoint written twice"
    assert sum(1 for d in hosts if d.exists() and any(d.iterdir())) >= 1
    together = tmp_path / "all-hosts"
    together.mkdir()
    for d in hosts:
        for p in d.glob("*.json") if d.exists() else []:
            shutil.copy(p, together / p.name)
    gapped = tmp_path / "gapped"  # a host that wrote the first and the last only
    gapped.mkdir()
    for p in sorted(together.iterdir())[:: len(sequences) - 1]:
        shutil.copy(p, gapped / p.name)
    dirs = [d for d in hosts if d.exists() and any(d.iterdir())] + [together, gapped]
    for d in dirs:  # each host's directory holds only its own: no "missing" alarm
        result = gb("audit", "verify", "--checkpoints", str(d), "--json")
        assert result.returncode == 0, (d.name, result.stdout, result.stderr)
        assert json.loads(result.stdout)["ok"] is True
    # truncate the trail's end: red whichever directory is given
    last = db.scalar("SELECT max(id) FROM audit_events")
    db.execute("DELETE FROM audit_events WHERE id > :n", n=last - 3)
    for d in dirs:
        result = gb("audit", "verify", "--checkpoints", str(d))
        assert result.returncode == 6, (d.name, result.stdout, result.stderr)
        assert "missing from the end" in result.stderr, result.stderr
        assert "checkpoint" in result.stderr


def test_a_server_on_postgresql_checkpoints_without_a_directory(
    tmp_path: Path, pg_migrated_store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from guance_billing_cli.server.jobs import checkpointer as audit_checkpointer

    home = tmp_path / "home"
    gb = _gb(home, pg_migrated_store)
    monkeypatch.setenv("GUANCE_BILLING_HOME", str(home))
    monkeypatch.setenv("GUANCE_BILLING_SECRET_KEY", KEY)
    _account(gb, "acme", 0)
    assert audit_checkpointer.anchors_by_default(pg_migrated_store)
    assert not audit_checkpointer.anchors_by_default(f"sqlite:///{tmp_path / 'x.db'}")
    with audit_checkpointer.running(pg_migrated_store, None, "1000,10m"):
        pass  # the last checkpoint on shutdown
    db = StoreDB(pg_migrated_store)
    assert db.column("SELECT sequence FROM audit_checkpoints") == [1]
    with audit_checkpointer.running(pg_migrated_store, None, "off"):
        _account(gb, "beta", 1)
    assert db.column("SELECT sequence FROM audit_checkpoints") == [1]


def _mails(home: Path) -> list[str]:
    root = home / "outbox" / "mail"
    if not root.is_dir():
        return []
    return [str(m["Subject"]) for m in mailbox.Maildir(root, create=False)]


def test_concurrent_remind_runs_all_succeed_and_send_each_reminder_once(
    tmp_path: Path, store: str, race: Callable[[int], Race]
) -> None:
    home = tmp_path / "home"
    gb = _gb(home, store)
    _account(gb, "acme", 0)
    for ws in ("ws-1", "ws-2", "ws-3"):
        assert gb("workspace", "add", "--id", ws, "--name", ws, "--site", "us1").returncode == 0
    cloud = json.loads(gb("cloud", "add", "--provider", "aws", "--account-id", "123456789012",
                          "--json").stdout)["id"]  # fmt: skip
    assert gb("cloud", "bind", cloud, "ws-1", "ws-2", "ws-3").returncode == 0
    assert gb("cloud", "unsubscribe", cloud, "--yes").returncode == 0  # countdowns start
    before = len(_mails(home))
    racing = race(RACERS)
    procs = [
        subprocess.Popen(
            racing.command("workspace", "remind"),
            env=racing.env(_env(home, store)),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            stdin=subprocess.DEVNULL,
        )
        for _ in range(RACERS)
    ]
    outcomes = [(p.wait(timeout=180), *p.communicate()) for p in procs]  # (code, out, err)
    racing.assert_raced(within=5.0)
    for code, out, err in outcomes:
        assert code == 0, (out, err)
    said = [out + err for _, out, err in outcomes]
    sent = [text for text in said if "3 reminders sent" in text]
    busy = [text for text in said if "Another reminder run is sending" in text]
    idle = [text for text in said if "0 reminders sent" in text]
    assert len(sent) == 1, said
    assert len(sent) + len(busy) + len(idle) == RACERS, said
    assert all(len(text.strip().splitlines()) == 1 for text in busy), busy
    assert len(_mails(home)) - before == 3  # each reminder once
