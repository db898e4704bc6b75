"""Reliability under real processes: concurrent writers and SIGKILL mid-batch.

These start real `python -m guance_billing_cli` processes on one SQLite store.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # the slow tier: real processes racing

PROCESSES = 8
PER_PROCESS = 100


def gb(home: Path, *args: str, **kwargs) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    env = {**os.environ, "GUANCE_BILLING_HOME": str(home), "GUANCE_BILLING_ACCOUNT": "acme"}
    return subprocess.run(
        [sys.executable, "-m", "guance_billing_cli", *args],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
        **kwargs,
    )


def popen(home: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "GUANCE_BILLING_HOME": str(home), "GUANCE_BILLING_ACCOUNT": "acme"}
    return subprocess.Popen(
        [sys.executable, "-m", "guance_billing_cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
    )


def setup_store(home: Path, workspaces: int) -> str:
    created = gb(
        home,
        "account",
        "create",
        "--username",
        "acme",
        "--company-name",
        "Acme",
        "--email",
        "ops@acme.com",
        "--phone",
        "+8613800138000",
    )
    assert created.returncode == 0, created.stderr
    csv_path = home / "workspaces.csv"
    csv_path.write_text(
        "id,name,site\n" + "".join(f"ws-{i:05d},W{i},us1\n" for i in range(workspaces))
    )
    added = gb(home, "workspace", "add", "--from-file", str(csv_path), "--json")
    assert added.returncode == 0, added.stderr[-2000:]
    cloud = gb(home, "cloud", "add", "--provider", "aws", "--account-id", "123456789012", "--json")
    assert cloud.returncode == 0, cloud.stderr
    return str(json.loads(cloud.stdout)["id"])


def bound_count(db: Path, cloud_id: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(
            conn.execute(
                "SELECT count(*) FROM workspaces WHERE cloud_account_id = ?", (cloud_id,)
            ).fetchone()[0]
        )


def test_eight_processes_bind_and_read_at_once(tmp_path: Path) -> None:
    home = tmp_path / "home"
    cloud_id = setup_store(home, PROCESSES * PER_PROCESS)
    parts = []
    for p in range(PROCESSES):
        part = home / f"part-{p}.txt"
        part.write_text("".join(f"ws-{p * PER_PROCESS + i:05d}\n" for i in range(PER_PROCESS)))
        parts.append(part)
    procs = [
        popen(home, "cloud", "bind", cloud_id, "--from-file", str(part), "--json") for part in parts
    ]
    readers = [popen(home, "workspace", "list", "--json") for _ in range(PROCESSES)]
    outcomes = [(proc, *proc.communicate(timeout=300)) for proc in procs + readers]
    for proc, _out, err in outcomes:
        assert proc.returncode == 0, err[-2000:]
        assert "database is locked" not in err
    results = [r for proc, out, _ in outcomes[:PROCESSES] for r in json.loads(out)["results"]]
    assert len(results) == PROCESSES * PER_PROCESS
    assert {r["result"] for r in results} == {"bound"}
    assert len({r["workspace_id"] for r in results}) == PROCESSES * PER_PROCESS
    assert bound_count(home / "billing.db", cloud_id) == PROCESSES * PER_PROCESS
    for _, out, _ in outcomes[PROCESSES:]:
        assert len(json.loads(out)) == PROCESSES * PER_PROCESS
    assert gb(home, "audit", "verify").returncode == 0


def test_sigkill_mid_batch_leaves_all_or_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    total = 10_000
    cloud_id = setup_store(home, total)
    db = home / "billing.db"
    ids = home / "all.txt"
    ids.write_text("".join(f"ws-{i:05d}\n" for i in range(total)))
    wal = db.with_name("billing.db-wal")
    baseline = wal.stat().st_size if wal.exists() else 0
    proc = popen(home, "cloud", "bind", cloud_id, "--from-file", str(ids), "--json")
    deadline = time.monotonic() + 60
    # Kill as soon as the batch starts writing (the WAL grows), i.e. mid-transaction.
    while time.monotonic() < deadline and proc.poll() is None:
        if wal.exists() and wal.stat().st_size > baseline:
            break
        time.sleep(0.005)
    killed_mid_way = proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    count = bound_count(db, cloud_id)
    assert count in (0, total), f"partial batch: {count} of {total} bound"
    if killed_mid_way:
        print(f"\nkilled mid-batch; {count} of {total} bound afterwards")
    assert gb(home, "audit", "verify").returncode == 0
    rerun = gb(home, "cloud", "bind", cloud_id, "--from-file", str(ids), "--json")
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert bound_count(db, cloud_id) == total
    summary = json.loads(rerun.stdout)["summary"]
    assert summary["bound"] + summary["unchanged"] == total


@pytest.mark.local_only  # real processes on the backend's store (SQLite or PostgreSQL)
def test_two_processes_claiming_the_same_new_email_exactly_one_wins(
    cli,
    make_account,
    home: Path,
    race,  # type: ignore[no-untyped-def]
) -> None:
    """An email change's last step and a new account race for one address. (Two email
    changes cannot both hold a code for it: one address has one open code, issue 11.)"""
    from tests.support.mail import mail_code

    target = "shared@example.com"
    make_account("alpha", email="alpha@example.com")
    started = cli("email", "change", "--account", "alpha", "--new-email", target, "--json")
    assert started.exit_code == 0, started.stderr
    rid = started.json["request_id"]
    first = cli("email", "verify", rid, "--code", mail_code(home, "alpha@example.com"), "--json")
    assert first.json["state"] == "awaiting_new_code", first.stderr
    racers = race(2)  # both wait at one barrier before their write
    env = racers.env({**os.environ, "GUANCE_BILLING_HOME": str(home)})
    commands = {
        "alpha": ["email", "verify", rid, "--code-stdin", "--json"],
        "beta": [
            "account", "create", "--username", "beta", "--company-name", "Beta Ltd",
            "--email", target, "--phone", "+8613900009999", "--json",
        ],
    }  # fmt: skip
    procs = {
        name: subprocess.Popen(
            racers.command(*args),
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, args in commands.items()
    }
    code = mail_code(home, target)
    for name, proc in procs.items():  # every racer has its input before any waits
        assert proc.stdin is not None
        proc.stdin.write(code + "\n" if name == "alpha" else "")
        proc.stdin.close()
        proc.stdin = None  # communicate() below only reads
    outcomes = {
        name: (*proc.communicate(timeout=120), proc.returncode) for name, proc in procs.items()
    }
    racers.assert_raced()
    codes = sorted(rc for _, _, rc in outcomes.values())
    assert codes == [0, 6], outcomes
    winner = next(name for name, (_, _, rc) in outcomes.items() if rc == 0)
    loser = next(name for name in outcomes if name != winner)
    assert "email is already used" in outcomes[loser][1]
    assert cli("account", "show", target, "--json").json["username"] == winner
    if winner == "beta":  # alpha kept its address
        assert cli("account", "show", "alpha@example.com", "--json").exit_code == 0
    else:  # no half-made account
        assert cli("account", "show", "beta", "--json").exit_code == 3


def test_eight_clients_bind_through_two_server_workers_on_postgresql(
    tmp_path: Path,
    pg_store: str,  # type: ignore[no-untyped-def]
) -> None:

    from tests.support.servers import spawn_server, stop, wait_healthy

    server_home = tmp_path / "server-home"
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("GUANCE_BILLING_")}
    admin_env = {**base_env, "GUANCE_BILLING_HOME": str(server_home)}

    def admin(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "guance_billing_cli", "--store", pg_store, *args],
            env=admin_env,
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )

    assert admin("server", "migrate", "--store", pg_store).returncode == 0
    token = json.loads(
        admin("server", "token", "create", "--name", "ci", "--role", "support", "--json").stdout
    )["token"]
    server, url = spawn_server(
        "--store", pg_store, "--workers", "2", "--no-access-log", env=admin_env
    )
    try:
        wait_healthy(server, url, timeout=60)
        client_env = {
            **base_env,
            "GUANCE_BILLING_HOME": str(tmp_path / "client"),
            "GUANCE_BILLING_SERVER": url,
            "GUANCE_BILLING_TOKEN": token,
            "GUANCE_BILLING_ACCOUNT": "acme",
        }

        def remote(*args: str) -> subprocess.Popen[str]:
            return subprocess.Popen(
                [sys.executable, "-m", "guance_billing_cli", *args],
                env=client_env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                stdin=subprocess.DEVNULL,
            )

        def remote_ok(*args: str) -> str:
            out, err = (proc := remote(*args)).communicate(timeout=120)
            assert proc.returncode == 0, err
            return out

        remote_ok(
            "account",
            "create",
            "--username",
            "acme",
            "--company-name",
            "Acme",
            "--email",
            "ops@acme.com",
            "--phone",
            "+8613800138000",
        )
        total = PROCESSES * PER_PROCESS
        csv_path = tmp_path / "ws.csv"
        csv_path.write_text(
            "id,name,site\n" + "".join(f"ws-{i:05d},W{i},us1\n" for i in range(total))
        )
        remote_ok("workspace", "add", "--from-file", str(csv_path), "--json")
        cloud_id = json.loads(
            remote_ok("cloud", "add", "--provider", "aws", "--account-id", "123456789012", "--json")
        )["id"]
        parts = []
        for p in range(PROCESSES):
            part = tmp_path / f"part-{p}.txt"
            part.write_text("".join(f"ws-{p * PER_PROCESS + i:05d}\n" for i in range(PER_PROCESS)))
            parts.append(part)
        binders = [
            remote("cloud", "bind", cloud_id, "--from-file", str(part), "--json") for part in parts
        ]
        readers = [remote("workspace", "list", "--json") for _ in range(PROCESSES)]
        outcomes = [(proc, *proc.communicate(timeout=300)) for proc in binders + readers]
        for proc, _out, err in outcomes:
            assert proc.returncode == 0, err[-2000:]
        results = [r for _, out, _ in outcomes[:PROCESSES] for r in json.loads(out)["results"]]
        assert [r["result"] for r in results] == ["bound"] * total
        assert len({r["workspace_id"] for r in results}) == total
        listed = json.loads(remote_ok("workspace", "list", "--cloud-account", cloud_id, "--json"))
        assert len(listed) == total
        verify = remote("audit", "verify", "--json")
        verify.communicate(timeout=120)
        assert verify.returncode == 0
    finally:
        stop(server)  # type: ignore[arg-type]
