"""Every rule of the challenge engine (``services/challenges.py``) and its throttles
(``services/throttles.py``): keyed hash with a key outside the store, expiry, single
use, newer code voids older, 5 wrong attempts per code, 60 s cooldown per address
(also after a failed or expired code), 10 sends per address per 24 h, normalisation
of typed codes, bad input never counted, audit of sends, guesses and lock-outs,
the per-address failure budget with back-off and the lock-out email, the per-client
budget, phantoms for unknown addresses, cross-process rate state.

Most rules are driven through email change (both transports); the other purposes
(password reset, login by code) share the engine and are checked where they differ."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from guance_billing_cli.store.engine import HEAD
from tests.support.cli import CliFn
from tests.support.clock import Clock
from tests.support.mail import mail_code, mails
from tests.support.store import active_store, store_dump

# every rule must hold through the server too (HttpClient → FastAPI → services)

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


def test_code_is_stored_only_as_hmac_keyed_with_a_key_outside_the_store(
    cli: CliFn, acme: dict[str, Any], home: Path, clock: Clock
) -> None:
    start(cli)
    code = mail_code(home, OLD)
    dump = store_dump(home)
    assert code not in dump
    [(cid, stored)] = active_store(home).rows(
        "SELECT id, code_hash FROM challenges WHERE state = 'open'"
    )
    from guance_billing_cli.keys import derive as keys

    master = keys.locate()  # a key file made on first use, or the configured key
    assert master is not None
    assert master[0].hex() not in dump  # the key is not in the database
    codes_key = keys.derive(master[0], "codes")
    expected = hmac.new(codes_key, f"code:{cid}:{code}".encode(), hashlib.sha256).hexdigest()
    assert stored == expected
    assert stored != hashlib.sha256(code.encode()).hexdigest()  # keyed, not a plain hash


def test_a_copy_of_the_database_alone_reveals_no_code(
    cli: CliFn, acme: dict[str, Any], home: Path
) -> None:
    """The attack of the issue: every candidate code hashed with every value the
    database holds that could be a key. Without the key file nothing matches."""
    start(cli)
    code = mail_code(home, OLD)
    [(cid, stored)] = active_store(home).rows(
        "SELECT id, code_hash FROM challenges WHERE state = 'open'"
    )
    dump = store_dump(home)
    candidates = {bytes.fromhex(h) for h in re.findall(r"\b[0-9a-f]{64}\b", dump)}
    assert candidates  # hashes are there to try
    for key in candidates:
        mac = hmac.new(key, f"code:{cid}:{code}".encode(), hashlib.sha256).hexdigest()
        assert mac != stored


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
    # the engine's reason and words are kept; the ended request is in params (issue 23)
    assert result.error["reason"] == "exhausted"
    assert result.error["message"] == "wrong code; no attempts left: start again"
    assert result.error["params"]["state"] == "failed"
    assert result.error["params"]["request_id"] == rid
    assert status(cli, rid)["state"] == "failed"

    result = verify(cli, rid, code)
    assert result.exit_code == 7
    assert result.error["state"] == "failed"
    assert email_of(cli) == OLD
    assert len(mails(home, NEW)) == 0


def test_malformed_code_exits_2_and_never_counts(
    cli: CliFn, acme: dict[str, Any], home: Path
) -> None:
    rid = start(cli)["request_id"]
    before = store_dump(home)
    for bad in ("12345", "1234567", "abcdef", "12a456", "1234 567"):
        result = verify(cli, rid, bad)
        assert result.exit_code == 2, (bad, result.stderr)
        assert "6 digits" in result.error["message"]
    assert status(cli, rid)["attempts_left"] == 5
    assert store_dump(home) == before  # no attempt, no failure, no audit event


@pytest.mark.parametrize(
    "typed", ["{0} {1}", "{0}-{1}", " {0}\u3000{1} ", "{0}\u2014{1}", "FULLWIDTH"]
)
def test_typed_codes_are_normalised(
    cli: CliFn, acme: dict[str, Any], home: Path, typed: str
) -> None:
    rid = start(cli)["request_id"]
    code = mail_code(home, OLD)
    if typed == "FULLWIDTH":
        text = "".join(chr(0xFF10 + int(d)) for d in code)  # １２３４５６
    else:
        text = typed.format(code[:3], code[3:])
    result = verify(cli, rid, text)
    assert result.exit_code == 0, result.stderr
    assert result.json["state"] == "awaiting_new_code"


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
    assert result.json["sends_left"] == 8
    assert len(mails(home, OLD)) == 2
    second = mail_code(home, OLD)
    if second != first:  # a 1-in-a-million collision would make this check meaningless
        result = verify(cli, rid, first)
        assert result.exit_code == 7
        assert result.error["attempts_left"] == 4
    assert verify(cli, rid, second).exit_code == 0


def test_at_most_ten_sends_per_address_per_day(
    cli: CliFn, acme: dict[str, Any], home: Path, clock: Clock
) -> None:
    rid = start(cli)["request_id"]
    for left in range(8, -1, -1):
        clock.advance(seconds=61)
        result = cli("email", "resend", rid, "--json")
        assert result.exit_code == 0, result.stderr
        assert result.json["sends_left"] == left
    clock.advance(seconds=61)
    result = cli("email", "resend", rid, "--json")
    assert result.exit_code == 8
    assert result.error["reason"] == "send_cap"
    assert len(mails(home, OLD)) == 10
    # the cap is per address over all requests: starting again does not help
    clock.advance(minutes=5)
    again = cli("email", "change", "--account", "acme", "--new-email", NEW, "--json")
    assert again.exit_code == 8
    assert again.error["reason"] == "send_cap"
    # the latest code still works, and the new address has its own ten
    result = verify(cli, rid, mail_code(home, OLD))
    assert result.exit_code == 0, result.stderr
    assert result.json["sends_left"] == 9


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


# -- throttles: the per-address failure budget, the per-client budget ---------------------


def audit_actions(home: Path) -> list[str]:
    return list(active_store(home).column("SELECT action FROM audit_events ORDER BY id"))


@pytest.mark.local_only
def test_failures_back_off_then_lock_the_address_and_email_the_account(
    cli: CliFn, acme: dict[str, Any], home: Path, clock: Clock
) -> None:
    from guance_billing_cli.services import throttles

    first_failure = clock.now
    rid = start(cli)["request_id"]
    code = mail_code(home, OLD)
    for _ in range(5):
        assert verify(cli, rid, wrong(code)).exit_code == 7
    assert status(cli, rid)["state"] == "failed"
    # a new code to replace the failed one waits for the cooldown too
    again = cli("email", "change", "--account", "acme", "--new-email", NEW, "--json")
    assert again.exit_code == 8
    assert again.error["reason"] == "cooldown"

    for n in range(throttles.ADDRESS_FREE, throttles.ADDRESS_BUDGET):
        wait = 60 * 2 ** (n - throttles.ADDRESS_FREE)  # 1, 2, 4, 8, 16 minutes
        clock.advance(seconds=61)
        rid = start(cli)["request_id"]
        code = mail_code(home, OLD)
        held = verify(cli, rid, wrong(code))
        if wait > 61:
            assert held.exit_code == 8, held.stderr
            assert held.error["reason"] == "address_throttled"
            assert held.error["retry_after"] == wait - 61
            clock.advance(seconds=wait - 61)
            # a code older than its 10 minutes needs replacing
            if wait > 600:
                clock.advance(seconds=1)
                rid = start(cli)["request_id"]
                code = mail_code(home, OLD)
            held = verify(cli, rid, wrong(code))
        assert held.exit_code == 7, (n, held.stderr)

    # the tenth failure locked the address: even the right code is refused for a day
    locked = verify(cli, rid, code)
    assert locked.exit_code == 8
    assert locked.error["reason"] == "address_throttled"
    unlock = first_failure + throttles.WINDOW
    assert abs(locked.error["retry_after"] - (unlock - clock.now).total_seconds()) <= 1
    notices = [m for m in mails(home, OLD) if "Failed sign-in" in str(m["Subject"])]
    assert len(notices) == 1
    actions = audit_actions(home)
    assert actions.count("auth.lockout") == 1
    assert actions.count("challenge.wrong_code") == 10
    assert actions.count("challenge.exhausted") == 1
    assert actions.count("challenge.send") == len(mails(home, OLD)) - 1  # all but the notice
    clock.now = unlock + __import__("datetime").timedelta(seconds=1)
    rid = start(cli)["request_id"]
    assert verify(cli, rid, mail_code(home, OLD)).exit_code == 0  # the oldest left the window


@pytest.mark.sqlite_only
def test_one_client_gets_at_most_fifty_failures_a_day_over_all_addresses(
    home: Path, clock: Clock
) -> None:
    from guance_billing_cli.client.local import LocalClient
    from guance_billing_cli.errors import RateLimited
    from guance_billing_cli.services import challenges, throttles

    client = LocalClient(f"sqlite:///{home / 'billing.db'}")
    client.client_address = "203.0.113.7"
    with client.context(write=True) as ctx:
        ckey = challenges.client_key(ctx)
        for i in range(throttles.CLIENT_BUDGET):
            akey = challenges.address_key(ctx, "email", f"user{i // 5}@example.com")
            throttles.record_failure(ctx, address_key=akey, client_key=ckey)
    fresh = "fresh@example.com"
    with client.context(write=False) as ctx:
        akey = challenges.address_key(ctx, "email", fresh)
        with pytest.raises(RateLimited) as held:
            throttles.check(ctx, address_key=akey, client_key=ckey)
        assert held.value.reason == "client_throttled"
    other = LocalClient(f"sqlite:///{home / 'billing.db'}")
    other.client_address = "198.51.100.9"
    with other.context(write=False) as ctx:  # another client is not held back
        throttles.check(ctx, address_key=akey, client_key=challenges.client_key(ctx))
    clock.advance(hours=24, seconds=1)
    with client.context(write=False) as ctx:
        throttles.check(ctx, address_key=akey, client_key=ckey)
    client.close()
    other.close()


def test_password_reset_shares_the_engine_bad_input_and_normalisation(
    cli: CliFn, acme: dict[str, Any], home: Path
) -> None:
    started = cli("password", "reset", "--account", "acme", "--json")
    assert started.exit_code == 0, started.stderr
    rid = started.json["request_id"]
    code = mail_code(home, OLD)
    password = "N3w-Passw0rd!x"
    bad = cli("password", "reset", rid, "--code-stdin", "--password-stdin", "--json",
              input=f"12345x\n{password}\n")  # fmt: skip
    assert bad.exit_code == 2
    assert cli("password", "reset", rid, "--json").exit_code in (0, 2)  # status unchanged
    spaced = f"{code[:3]} {code[3:]}"
    done = cli("password", "reset", rid, "--code-stdin", "--password-stdin", "--json",
               input=f"{spaced}\n{password}\n")  # fmt: skip
    assert done.exit_code == 0, done.stderr
    assert done.json["state"] == "completed"
    assert done.json["attempts_left"] == 5  # the malformed code was not counted


# -- upgrading a store from before the engine (migration 0006) ---------------------------


@pytest.mark.sqlite_only
def test_upgrade_keeps_open_requests_and_moves_the_key_out(
    cli: CliFn, home: Path, clock: Clock
) -> None:
    """A 0005 store with an open email change (its code outstanding), a password reset,
    a login code and the HMAC key in ``store_secrets``: after the upgrade the requests
    are still open, the old code no longer works, ``resend`` sends a new one that does,
    and the key is gone from the store."""
    from guance_billing_cli.store import engine as store_engine

    db = home / "billing.db"
    db.parent.mkdir(parents=True, exist_ok=True)
    engine = store_engine.create_store_engine(f"sqlite:///{db}")
    store_engine.upgrade(engine, "0005")
    engine.dispose()
    at = "2026-03-02 08:58:00.000000"
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO accounts VALUES ('acc_000000000001','acme','Acme','other','','','',"
            "?,'+8613800138000',NULL,'unverified',0,?,?)",
            (OLD, at, at),
        )
        conn.execute(
            "INSERT INTO change_requests (id, account_id, kind, state, current_address, "
            "new_address, code_hash, code_target, expires_at, attempts, sends, last_sent_at, "
            "created_at, updated_at) VALUES ('chg_000000000001','acc_000000000001','email',"
            "'awaiting_current_code',?,?,?,'current','2026-03-02 09:08:00.000000',1,1,?,?,?)",
            (OLD, NEW, "ab" * 32, at, at, at),
        )
        conn.execute(
            "INSERT INTO password_resets (id, account_id, via, address, state, code_hash, "
            "expires_at, attempts, sends, last_sent_at, created_at, updated_at) VALUES "
            "('pwr_000000000001','acc_000000000001','email',?,'awaiting_code',?,"
            "'2026-03-02 09:08:00.000000',0,1,?,?,?)",
            (OLD, "cd" * 32, at, at, at),
        )
        conn.execute(
            "INSERT INTO login_codes VALUES ('lgn_000000000001','acc_000000000001','email',?,?,"
            "'2026-03-02 09:08:00.000000',1,0,?,?,NULL)",
            (OLD, "ef" * 32, at, at),
        )
        (old_key,) = conn.execute("SELECT value FROM store_secrets").fetchone()

    shown = cli("email", "status", "chg_000000000001", "--json")  # migrates on open
    assert shown.exit_code == 0, shown.stderr
    assert shown.json["state"] == "awaiting_current_code"
    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        (version,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    assert version == HEAD
    assert {"store_secrets", "login_codes", "login_failures"}.isdisjoint(tables)
    assert {"challenges", "throttle_failures"} <= tables
    assert old_key not in store_dump(home)
    # the outstanding code is void: nothing to check it against
    void = verify(cli, "chg_000000000001", "123456")
    assert void.exit_code == 7
    assert void.error["reason"] == "no_code"
    resent = cli("email", "resend", "chg_000000000001", "--json")
    assert resent.exit_code == 0, resent.stderr
    done = verify(cli, "chg_000000000001", mail_code(home, OLD))
    assert done.exit_code == 0, done.stderr
    assert done.json["state"] == "awaiting_new_code"
    reset = cli("password", "reset", "--account", "acme", "--json")  # open reset: replaced
    assert reset.exit_code == 0, reset.stderr
    old_reset = cli("password", "reset", "pwr_000000000001", "--code", "123456", "--json")
    assert old_reset.exit_code in (2, 7)  # cancelled by the new reset (or no password input)
