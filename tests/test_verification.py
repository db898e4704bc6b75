"""Verification-code rules (DESIGN §4): keyed hash, expiry, single use, newer code
voids older, 5 wrong attempts, cooldown, 5 sends, cross-process rate state."""

from __future__ import annotations

import hashlib
import hmac
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import CliFn, Clock, active_store, store_dump
from outbox_helpers import mail_code, mails

# every rule must hold through the server too (HttpClient → FastAPI → services)
pytestmark = pytest.mark.both_transports

OLD, NEW = "ops@acme.com", "new@acme.com"


@pytest.fixture
def acme(make_account: Any) -> dict[str, Any]:
    return make_account("acme", email=OLD)  # type: ignore[no-any-return]


def start(cli: CliFn, new: str = NEW) -> dict[str, Any]:
    result = cli("email", "change", "--account", "acme", "--new-email", new, "--json")
    assert result.exit_code == 0, result.stderr
    return result.json  # type: ignore[no-any-return]


def verify(cli: CliFn, rid: str, code: str) -> Any:
    return cli("email", "verify", rid, "--code-stdin", "--json", input=code + "\n")


def status(cli: CliFn, rid: str) -> dict[str, Any]:
    result = cli("email", "status", rid, "--json")
    assert result.exit_code == 0, result.stderr
    return result.json  # type: ignore[no-any-return]


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def email_of(cli: CliFn) -> str:
    return str(cli("account", "show", "acme", "--json").json["email"])


def test_code_is_stored_only_as_hmac_keyed_with_the_store_secret(
    cli: CliFn, acme: dict[str, Any], home: Path, clock: Clock
) -> None:
    req = start(cli)
    code = mail_code(home, OLD)
    assert code not in store_dump(home)
    db = active_store(home)
    key = db.scalar("SELECT value FROM store_secrets WHERE name = 'verification_hmac_key'")
    stored = db.scalar("SELECT code_hash FROM change_requests WHERE id = :id", id=req["request_id"])
    assert len(bytes.fromhex(key)) == 32
    expected = hmac.new(
        bytes.fromhex(key), f"{req['request_id']}:current:{code}".encode(), hashlib.sha256
    ).hexdigest()
    assert stored == expected
    assert stored != hashlib.sha256(code.encode()).hexdigest()  # keyed, not a plain hash


@pytest.mark.sqlite_only
def test_each_store_gets_its_own_key(cli: CliFn, home: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    assert cli("account", "list", "--json").exit_code == 0
    assert cli("--store", str(other), "account", "list", "--json").exit_code == 0
    keys = set()
    for path in (home / "billing.db", other):
        with sqlite3.connect(path) as conn:
            keys.add(conn.execute("SELECT value FROM store_secrets").fetchone()[0])
    assert len(keys) == 2


def test_codes_are_compared_in_constant_time(
    cli: CliFn, acme: dict[str, Any], home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, str]] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    req = start(cli)
    assert verify(cli, req["request_id"], mail_code(home, OLD)).exit_code == 0
    assert len(calls) == 1


def test_wrong_code_five_times_then_the_right_one_still_fails(
    cli: CliFn, acme: dict[str, Any], home: Path
) -> None:
    rid = start(cli)["request_id"]
    code = mail_code(home, OLD)
    for left in (4, 3, 2, 1):
        result = verify(cli, rid, wrong(code))
        assert result.exit_code == 7
        assert result.error["attempts_left"] == left
        assert f"{left} attempt(s) left" in result.error["message"]
    result = verify(cli, rid, wrong(code))
    assert result.exit_code == 7
    assert result.error["attempts_left"] == 0
    assert "failed" in result.error["message"]
    assert status(cli, rid)["state"] == "failed"

    result = verify(cli, rid, code)
    assert result.exit_code == 7
    assert result.error["state"] == "failed"
    assert email_of(cli) == OLD
    assert len(mails(home, NEW)) == 0


def test_malformed_code_exits_7_without_using_an_attempt(
    cli: CliFn, acme: dict[str, Any], home: Path
) -> None:
    rid = start(cli)["request_id"]
    for bad in ("12345", "1234567", "abcdef"):
        result = verify(cli, rid, bad)
        assert result.exit_code == 7, bad
        assert "6 digits" in result.error["message"]
        assert result.error["attempts_left"] == 5
    assert status(cli, rid)["attempts_left"] == 5


def test_code_expires_after_ten_minutes(
    cli: CliFn, acme: dict[str, Any], home: Path, clock: Clock
) -> None:
    req = start(cli)
    assert req["expires_at"] == "2026-03-02T09:10:00Z"
    code = mail_code(home, OLD)
    clock.advance(minutes=10)
    result = verify(cli, req["request_id"], code)
    assert result.exit_code == 7
    assert result.error["state"] == "expired"
    assert "expired" in result.error["message"]
    assert status(cli, req["request_id"])["state"] == "expired"
    assert cli("email", "resend", req["request_id"], "--json").exit_code == 7
    assert email_of(cli) == OLD


def test_code_is_accepted_just_before_expiry(
    cli: CliFn, acme: dict[str, Any], home: Path, clock: Clock
) -> None:
    rid = start(cli)["request_id"]
    clock.advance(minutes=9, seconds=59)
    result = verify(cli, rid, mail_code(home, OLD))
    assert result.exit_code == 0, result.stderr
    assert result.json["state"] == "awaiting_new_code"
    # the new address's code has its own ten minutes
    assert result.json["expires_at"] == "2026-03-02T09:19:59Z"


def test_resend_cooldown_is_60_seconds_and_newer_code_voids_older(
    cli: CliFn, acme: dict[str, Any], home: Path, clock: Clock
) -> None:
    rid = start(cli)["request_id"]
    first = mail_code(home, OLD)
    result = cli("email", "resend", rid, "--json")
    assert result.exit_code == 8
    assert result.error["retry_after"] == 60
    clock.advance(seconds=45)
    result = cli("email", "resend", rid, "--json")
    assert result.exit_code == 8
    assert result.error["retry_after"] == 15
    assert "15 s" in result.error["message"]
    assert len(mails(home, OLD)) == 1

    clock.advance(seconds=15)
    result = cli("email", "resend", rid, "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json["sends_left"] == 3
    assert len(mails(home, OLD)) == 2
    second = mail_code(home, OLD)
    if second != first:  # a 1-in-a-million collision would make this check meaningless
        result = verify(cli, rid, first)
        assert result.exit_code == 7
        assert result.error["attempts_left"] == 4
    assert verify(cli, rid, second).exit_code == 0


def test_at_most_five_sends_per_address(
    cli: CliFn, acme: dict[str, Any], home: Path, clock: Clock
) -> None:
    rid = start(cli)["request_id"]
    for left in (3, 2, 1, 0):
        clock.advance(seconds=61)
        result = cli("email", "resend", rid, "--json")
        assert result.exit_code == 0, result.stderr
        assert result.json["sends_left"] == left
    clock.advance(seconds=61)
    result = cli("email", "resend", rid, "--json")
    assert result.exit_code == 8
    assert result.error["sends_left"] == 0
    assert len(mails(home, OLD)) == 5
    # the latest code still works, and the new address gets its own five sends
    result = verify(cli, rid, mail_code(home, OLD))
    assert result.exit_code == 0
    assert result.json["sends_left"] == 4


def test_codes_are_single_use(cli: CliFn, acme: dict[str, Any], home: Path) -> None:
    rid = start(cli)["request_id"]
    current = mail_code(home, OLD)
    assert verify(cli, rid, current).exit_code == 0
    new_code = mail_code(home, NEW)
    if new_code != current:
        again = verify(cli, rid, current)
        assert again.exit_code == 7
        assert again.error["attempts_left"] == 4
    assert verify(cli, rid, new_code).exit_code == 0
    reused = verify(cli, rid, new_code)
    assert reused.exit_code == 7
    assert reused.error["state"] == "completed"


def test_a_code_for_one_request_is_worthless_for_another(
    cli: CliFn, make_account: Any, home: Path
) -> None:
    make_account("acme", email=OLD)
    make_account("globex", email="ops@globex.com")
    rid_a = start(cli)["request_id"]
    result = cli("email", "change", "--account", "globex", "--new-email", "x@globex.com", "--json")
    rid_b = result.json["request_id"]
    code_b = mail_code(home, "ops@globex.com")
    if code_b != mail_code(home, OLD):
        assert verify(cli, rid_a, code_b).exit_code == 7
    assert verify(cli, rid_b, code_b).exit_code == 0


def test_starting_again_cancels_the_open_request(
    cli: CliFn, acme: dict[str, Any], home: Path, clock: Clock
) -> None:
    first = start(cli)["request_id"]
    old_code = mail_code(home, OLD)
    clock.advance(seconds=61)
    second = start(cli, "other@acme.com")["request_id"]
    assert status(cli, first)["state"] == "cancelled"
    result = verify(cli, first, old_code)
    assert result.exit_code == 7
    assert result.error["state"] == "cancelled"
    latest = cli("email", "status", "--account", "acme", "--json")
    assert latest.json["request_id"] == second


def test_starting_again_does_not_bypass_the_cooldown(
    cli: CliFn, acme: dict[str, Any], home: Path, clock: Clock
) -> None:
    first = start(cli)["request_id"]
    clock.advance(seconds=20)
    before = store_dump(home)
    result = cli("email", "change", "--account", "acme", "--new-email", NEW, "--json")
    assert result.exit_code == 8
    assert result.error["retry_after"] == 40
    assert store_dump(home) == before
    assert status(cli, first)["state"] == "awaiting_current_code"
    assert len(mails(home, OLD)) == 1


def test_unknown_request_exits_3(cli: CliFn, acme: dict[str, Any]) -> None:
    for command in ("verify", "resend", "status", "cancel"):
        args = ["email", command, "chg_000000000000", "--json"]
        result = cli(*args, "--code", "123456") if command == "verify" else cli(*args)
        assert result.exit_code == 3, command
        assert result.error["code"] == "not_found"


def test_request_id_that_looks_like_a_code_is_not_echoed(cli: CliFn, acme: dict[str, Any]) -> None:
    result = cli("email", "status", "482913")
    assert result.exit_code == 3
    assert "482913" not in result.stderr + result.stdout


def test_request_of_the_other_kind_or_account_exits_3(cli: CliFn, make_account: Any) -> None:
    make_account("acme", email=OLD)
    make_account("globex")
    rid = start(cli)["request_id"]
    assert cli("phone", "status", rid, "--json").exit_code == 3
    assert cli("email", "status", rid, "--account", "globex", "--json").exit_code == 3
    assert cli("email", "status", rid, "--account", "acme", "--json").exit_code == 0


def test_finished_request_exits_7_and_cancel_is_idempotent(
    cli: CliFn, acme: dict[str, Any], home: Path
) -> None:
    rid = start(cli)["request_id"]
    result = cli("email", "cancel", rid, "--json")
    assert result.exit_code == 0
    assert result.json["state"] == "cancelled"
    assert cli("email", "cancel", rid, "--json").exit_code == 0  # unchanged
    for args in (("verify", rid, "--code", "123456"), ("resend", rid)):
        result = cli("email", *args, "--json")
        assert result.exit_code == 7, args
        assert result.error["state"] == "cancelled"


def test_completed_request_cannot_be_cancelled(
    cli: CliFn, acme: dict[str, Any], home: Path
) -> None:
    rid = start(cli)["request_id"]
    assert verify(cli, rid, mail_code(home, OLD)).exit_code == 0
    assert verify(cli, rid, mail_code(home, NEW)).exit_code == 0
    result = cli("email", "cancel", rid, "--json")
    assert result.exit_code == 7
    assert result.error["state"] == "completed"
    assert email_of(cli) == NEW


@pytest.mark.local_only
def test_two_processes_resending_at_once_send_exactly_one_code(
    cli: CliFn, acme: dict[str, Any], home: Path, clock: Clock
) -> None:
    from datetime import UTC, datetime, timedelta

    # the request is started "two minutes ago", so the real clock of the
    # subprocesses is past the cooldown and within the code's ten minutes
    clock.now = datetime.now(UTC) - timedelta(minutes=2)
    rid = start(cli)["request_id"]
    env = {**os.environ, "NO_COLOR": "1"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "guance_billing_cli", "email", "resend", rid, "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outcomes = [(p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in procs]  # type: ignore[union-attr]
    assert sorted(code for code, _, _ in outcomes) == [0, 8], outcomes
    assert len(mails(home, OLD)) == 2  # the first code plus exactly one resend
    limited = next(err for code, _, err in outcomes if code == 8)
    assert "rate_limited" in limited
