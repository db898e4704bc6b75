"""Operating the tool (issue 21): metrics, log levels and JSON-only logs, readiness
without connection details, backup / restore / verify, read-only stores, a full disk,
and reads that never create a store. Real processes throughout."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from guance_billing_cli import __version__
from guance_billing_cli.store import engine as store_engine
from tests.support.accounts import account_args
from tests.support.pg import PG_URL, pg_admin, pg_dsn
from tests.support.store import dump_store
from tests.test_upgrade import FUTURE, SECRET, Done, gb, stamp_sqlite, start_server


def _account(home: Path, *store: str, name: str = "acme") -> dict:  # type: ignore[type-arg]
    made = gb(home, *store, *account_args(name, len(name), email=f"ops@{name}.com"))
    assert made.code == 0, made.err
    return made.json  # type: ignore[no-any-return]


def test_version_names_the_schema_it_serves(tmp_path: Path) -> None:
    done = gb(tmp_path, "--version")
    assert done.code == 0
    assert done.out.strip() == f"guance-billing {__version__} (store schema {store_engine.HEAD})"
    assert __version__ != "0.1.0"


# -- a read never creates a store --------------------------------------------------------
def test_a_read_of_a_missing_store_names_it_and_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "nonexistent" / "dir" / "x.db"
    for args in (("account", "list"), ("profile", "show", "--account", "acme"), ("doctor",)):
        done = gb(tmp_path / "home", "--store", str(missing), *args, "--json")
        if args == ("doctor",):
            assert done.code == 0, done.out + done.err  # a store created on first use is fine
        else:
            assert done.code == 10, done.err
            assert done.error["reason"] == "store_missing"
            assert str(missing) in done.error["message"]
            assert "guance-billing store init" in done.error["message"]
    assert not (tmp_path / "nonexistent").exists()
    init = gb(tmp_path / "home", "--store", str(missing), "store", "init", "--json")
    assert init.code == 0 and init.json["to"] == store_engine.HEAD
    listed = gb(tmp_path / "home", "--store", str(missing), "account", "list", "--json")
    assert listed.code == 0 and listed.json == []


# -- backup, restore, verify ------------------------------------------------------------
# profile updates in a loop (each with its audit event) until the stop file appears
WRITER = """
import sys, pathlib
from guance_billing_cli.client.local import LocalClient
from guance_billing_cli.schemas.accounts import ProfileUpdate
client, stop, n = LocalClient(sys.argv[1]), pathlib.Path(sys.argv[2]), 0
while not stop.exists():
    n += 1
    client.update_profile("acme", ProfileUpdate(region=f"R{n}"))
assert n > 1, n
"""


@pytest.mark.slow
def test_backup_while_another_process_writes_is_consistent(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _account(home)
    stop = tmp_path / "stop"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, f"sqlite:///{home / 'billing.db'}", str(stop)],
        env={**os.environ, "GUANCE_BILLING_HOME": str(home), "GUANCE_BILLING_SECRET_KEY": SECRET},
    )
    try:
        copies = []
        for n in range(3):
            target = tmp_path / f"copy{n}.db"
            done = gb(home, "store", "backup", str(target), "--json")
            assert done.code == 0, done.err
            assert done.json["schema"] == store_engine.HEAD
            assert (target.stat().st_mode & 0o777) == 0o600
            copies.append(target)
    finally:
        stop.touch()
        assert writer.wait(timeout=120) == 0
    for copy in copies:  # each copy is a whole store: integrity, schema, audit chain
        verified = gb(home, "--store", str(copy), "store", "verify", "--json")
        assert verified.code == 0 and verified.json["ok"] is True, verified.out + verified.err
    again = gb(home, "store", "backup", str(copies[0]))
    assert again.code == 2 and "already exists" in again.err


@pytest.mark.slow
def test_restore_refuses_a_bad_file_and_keeps_the_replaced_store(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _account(home)
    db = home / "billing.db"
    backup = tmp_path / "good.db"
    assert gb(home, "store", "backup", str(backup)).code == 0
    _account(home, name="globex")  # after the backup
    after_backup = dump_store(f"sqlite:///{db}")

    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 200)
    torn = tmp_path / "torn.db"
    data = bytearray(backup.read_bytes())
    data[4096 * 3 : 4096 * 3 + 200] = b"\xff" * 200  # a damaged page
    torn.write_bytes(bytes(data))
    future = tmp_path / "future.db"
    shutil.copyfile(backup, future)
    stamp_sqlite(future, FUTURE)
    for bad, reason in (
        (junk, "backup_not_sqlite"),
        (torn, "backup_integrity"),
        (future, "backup_unknown_schema"),
    ):
        refused = gb(home, "store", "restore", str(bad), "--json")
        assert refused.code == 2, (bad, refused.err)
        assert refused.error["reason"] in (reason, "backup_not_sqlite"), refused.err
        assert dump_store(f"sqlite:///{db}") == after_backup

    restored = gb(home, "store", "restore", str(backup), "--json")
    assert restored.code == 0, restored.err
    kept = Path(restored.json["replaced_kept_at"])
    assert dump_store(f"sqlite:///{kept}") == after_backup  # the replaced store, whole
    listed = gb(home, "account", "list", "--json")
    assert [a["username"] for a in listed.json] == ["acme"]
    assert gb(home, "store", "verify").code == 0


def test_verify_finds_an_edited_audit_event(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _account(home)
    with sqlite3.connect(home / "billing.db") as conn:
        conn.execute("UPDATE audit_events SET actor = 'someone else' WHERE id = 1")
    done = gb(home, "store", "verify", "--json")
    assert done.code == 6, done.err
    report = json.loads(done.out)
    assert report["integrity"] == "ok" and report["audit"]["ok"] is False


def test_postgresql_dump_and_restore_then_verify(tmp_path: Path, pg_store: str) -> None:
    """The commands docs/upgrade.md gives for PostgreSQL, and `store verify` on the result."""
    home = tmp_path / "home"
    assert gb(home, "store", "init", "--store", pg_store).code == 0
    _account(home, "--store", pg_store)
    dump = tmp_path / "billing.dump"
    dsn = pg_dsn(pg_store)
    subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", dsn], check=True)
    refused = gb(home, "store", "backup", str(tmp_path / "x.db"), "--store", pg_store)
    assert refused.code == 2 and "pg_dump" in refused.err
    name = "gbt_restored_" + os.urandom(4).hex()
    pg_admin(f'CREATE DATABASE "{name}"')
    try:
        target = pg_store.rsplit("/", 1)[0] + "/" + name
        subprocess.run(
            ["pg_restore", "--no-owner", f"--dbname={pg_dsn(target)}", str(dump)], check=True
        )
        verified = gb(home, "store", "verify", "--store", target, "--json")
        assert verified.code == 0, verified.out + verified.err
        assert verified.json["schema"] == store_engine.HEAD and verified.json["audit"]["ok"]
    finally:
        pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- read-only stores and full disks (a mount namespace: real read-only and full file systems)
def _needs_mounts() -> None:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare (a private mount namespace)")
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount -t tmpfs none /mnt"], capture_output=True, text=True
    )
    if probe.returncode != 0:
        pytest.skip(f"cannot mount here: {probe.stderr.strip()}")


def _in_namespace(
    tmp_path: Path, home: Path, store: Path, setup: str, *commands: str
) -> list[Done]:
    """Run ``setup`` (mounts) and then each CLI command in one private mount namespace;
    each command's exit code, stdout and stderr."""
    cli = (
        f"env GUANCE_BILLING_HOME={home} GUANCE_BILLING_STORE={store} CI=1 NO_COLOR=1 "
        f"GUANCE_BILLING_SECRET_KEY={SECRET} "
        f"{sys.executable} -m guance_billing_cli"
    )
    out = tmp_path / "ns"
    out.mkdir()
    script = [f"{setup} || exit 99"]
    for n, command in enumerate(commands):
        script.append(f"{cli} {command} >{out}/{n}.out 2>{out}/{n}.err; echo $? >{out}/{n}.rc")
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", "\n".join(script)], capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return [
        Done(
            int((out / f"{n}.rc").read_text()),
            (out / f"{n}.out").read_text(),
            (out / f"{n}.err").read_text(),
        )
        for n in range(len(commands))
    ]


def _finding(report: dict, check: str) -> dict:  # type: ignore[type-arg]
    return next(f for f in report["findings"] if f["check"] == check)  # type: ignore[no-any-return]


def test_a_read_only_store_is_read_and_refuses_writes(tmp_path: Path) -> None:
    _needs_mounts()
    home, data = tmp_path / "home", tmp_path / "data"
    data.mkdir()
    store = data / "billing.db"
    _account(home, "--store", str(store))
    before = dump_store(f"sqlite:///{store}")
    listed, verified, update, doctor = _in_namespace(
        tmp_path, home, store,
        f"mount --bind {data} {data}; mount -o remount,bind,ro {data}",
        "account list --json", "audit verify --json",
        "profile update --account acme --region X --json", "doctor --json",
    )  # fmt: skip
    assert listed.code == 0 and listed.json[0]["username"] == "acme", listed.err
    assert verified.code == 0, verified.err
    assert update.code == 10 and update.error["reason"] == "store_read_only", update.err
    assert doctor.code == 10
    finding = _finding(doctor.json, "store writable")
    assert finding["ok"] is False and "read-only" in finding["detail"], finding
    assert dump_store(f"sqlite:///{store}") == before


def test_doctor_fails_on_a_full_disk(tmp_path: Path) -> None:
    _needs_mounts()
    home, data = tmp_path / "home", tmp_path / "data"
    data.mkdir()
    store = data / "billing.db"
    init, roomy, _fill, full, write = _in_namespace(
        tmp_path, home, store,
        f"mount -t tmpfs -o size=40m none {data}",
        "store init", "doctor --json",
        f"--version; dd if=/dev/zero of={data}/filler bs=1M count=64 2>/dev/null",
        "doctor --json",
        "account create --username acme --company-name A --email a@a.com "
        "--phone +8613800138000 --json",
    )  # fmt: skip
    assert init.code == 0, init.err
    assert _finding(roomy.json, "store writable")["ok"] is True
    assert full.code == 10
    finding = _finding(full.json, "store writable")
    assert finding["ok"] is False and "full" in finding["detail"], finding
    assert write.code == 10, write.err  # the write itself fails cleanly: store unavailable


# -- the server: metrics, logs, readiness ------------------------------------------------
@pytest.mark.slow
def test_metrics_and_json_logs_of_a_real_server(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'srv' / 'billing.db'}"
    server = start_server(tmp_path / "srv", store, "--log-format", "json")
    try:
        made = server.cli(*account_args("acme", email="ops@acme.com"))
        assert made.code == 0, made.err
        assert server.cli("account", "show", "ops@acme.com").code == 0
        assert httpx.get(server.url + "/v1/accounts", timeout=10).status_code == 401
        stamp_sqlite(tmp_path / "srv" / "billing.db", FUTURE)
        assert httpx.get(server.url + "/readyz", timeout=10).status_code == 503
        stamp_sqlite(tmp_path / "srv" / "billing.db", store_engine.HEAD)
        scraped = httpx.get(server.url + "/metrics", timeout=10)
    finally:
        err = server.stop()
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain")
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(scraped.text)
        for s in family.samples
    }
    requests = {k[1]: v for k, v in samples.items() if k[0] == "guance_billing_http_requests_total"}
    by_route = {(dict(k)["route"], dict(k)["status"]): v for k, v in requests.items()}
    assert by_route.get(("/v1/accounts", "200"), 0) + by_route.get(("/v1/accounts", "201"), 0), (
        by_route
    )
    assert by_route[("/v1/accounts/{ref}", "200")] == 1  # the template, never the email
    assert by_route[("/v1/accounts", "401")] == 1
    assert by_route[("/readyz", "503")] == 1
    assert "ops@acme.com" not in scraped.text
    assert any(k[0] == "guance_billing_http_request_duration_seconds_bucket" for k in samples)
    assert samples[("guance_billing_audit_events_total", ())] >= 2  # account + token
    assert samples[("guance_billing_store_up", ())] == 1
    assert "guance_billing_throttle_refusals" in scraped.text
    assert "guance_billing_audit_checkpoint_age_seconds" in scraped.text

    lines = [line for line in err.splitlines() if line.strip()]
    parsed = [json.loads(line) for line in lines]  # every line is JSON: none plain
    loggers = {p["logger"] for p in parsed}
    assert "uvicorn.error" in loggers and "guance_billing.access" in loggers
    levels = {(p.get("route"), p.get("status")): p["level"] for p in parsed if "status" in p}
    assert levels[("/v1/accounts", 401)] == "warning"
    assert levels[("/readyz", 503)] == "error"
    assert levels[("/v1/accounts/{ref}", 200)] == "info"


@pytest.mark.slow
def test_readyz_when_the_database_is_gone_names_no_connection_detail(
    tmp_path: Path, pg_store: str
) -> None:
    server = start_server(tmp_path / "srv", pg_store)
    try:
        assert httpx.get(server.url + "/readyz", timeout=10).json()["status"] == "ready"
        name = pg_store.rsplit("/", 1)[1]
        pg_admin(f'DROP DATABASE "{name}" WITH (FORCE)')
        answer = httpx.get(server.url + "/readyz", timeout=30)
    finally:
        server.stop()
    assert answer.status_code == 503
    assert answer.json()["error"]["reason"] == "store_unreachable"
    assert PG_URL is not None
    for detail in ("127.0.0.1", "postgres", name, PG_URL.rsplit(":", 1)[1].split("/")[0]):
        assert detail not in answer.text, (detail, answer.text)
