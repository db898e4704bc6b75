"""password change (and the stored hash) — every rule through the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import guance_billing_cli.services.clock
from tests.support.cli import CliFn
from tests.support.mail import body as outbox_body
from tests.support.store import active_store, store_dump

PASSWORD = "Blue-Harbor-42"
NEW_PASSWORD = "Green-Valley-77"


class Clock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
        monkeypatch.setattr(guance_billing_cli.services.clock, "now", lambda: self.now)

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


@pytest.fixture
def acme(cli: CliFn, monkeypatch: pytest.MonkeyPatch) -> dict:
    result = cli(
        "account", "create", "--username", "acme", "--company-name", "Acme Ltd",
        "--email", "ops@acme.com", "--phone", "+8613800138000", "--password-stdin", "--json",
        input=PASSWORD + "\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    monkeypatch.setenv("GUANCE_BILLING_ACCOUNT", "acme")
    return result.json  # type: ignore[no-any-return]


def change(cli: CliFn, current: str, new: str, *extra: str):
    return cli("password", "change", "--password-stdin", "--json", *extra,
               input=f"{current}\n{new}\n")  # fmt: skip


def store_bytes(home: Path) -> bytes:
    """Everything the store holds, as raw bytes (the SQLite file with its WAL/SHM)."""
    return active_store(home).raw()


def attempts(home: Path) -> int:
    return int(active_store(home).scalar("SELECT count(*) FROM password_attempts"))


def stored_hash_and_audit(home: Path) -> tuple[str, str]:
    db = active_store(home)
    stored = db.scalar("SELECT password_hash FROM accounts")
    audit = "".join(b + a for b, a in db.rows("SELECT before, after FROM audit_events"))
    return stored, audit


def audit_action_list(home: Path) -> list[str]:
    return active_store(home).column("SELECT action FROM audit_events ORDER BY id")


def test_stored_hash_is_argon2id_and_the_password_appears_nowhere(
    cli: CliFn, acme: dict, home: Path
) -> None:
    assert acme["has_password"] is True
    assert "password" not in acme and "password_hash" not in acme
    stored, audit = stored_hash_and_audit(home)
    assert stored.startswith("$argon2id$")
    assert "$argon2" not in audit
    assert PASSWORD.encode() not in store_bytes(home)

    result = change(cli, PASSWORD, NEW_PASSWORD)
    assert result.exit_code == 0, result.stderr
    stored, audit = stored_hash_and_audit(home)
    assert stored.startswith("$argon2id$")
    assert "$argon2" not in audit
    raw = store_bytes(home)
    assert PASSWORD.encode() not in raw and NEW_PASSWORD.encode() not in raw
    assert NEW_PASSWORD not in result.stdout + result.stderr


def test_change_succeeds_and_only_the_new_password_works(
    cli: CliFn, acme: dict, home: Path, clock: Clock
) -> None:
    result = change(cli, PASSWORD, NEW_PASSWORD)
    assert result.exit_code == 0, result.stderr
    assert set(result.json) == {"account_id", "changed_at", "sessions_revoked"}
    assert result.json["account_id"] == acme["id"]
    assert result.json["changed_at"].startswith("2026-03-01T09:00:00")
    actions = audit_action_list(home)
    assert actions[-1] == "password.change"

    old = change(cli, PASSWORD, "Another-Pass-99")
    assert old.exit_code == 4
    again = change(cli, NEW_PASSWORD, PASSWORD)
    assert again.exit_code == 0, again.stderr


def test_human_output(cli: CliFn, acme: dict, clock: Clock) -> None:
    result = cli("password", "change", "--password-stdin", input=f"{PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0
    assert "Password changed at 2026-03-01 09:00:00 UTC." in result.stderr
    assert result.stdout == ""


def test_wrong_current_password_exit_4_counted_in_the_store(
    cli: CliFn, acme: dict, home: Path
) -> None:
    result = change(cli, "Not-The-Password-1", NEW_PASSWORD)
    assert result.exit_code == 4
    assert result.error["code"] == "authentication_failed"
    assert result.error["attempts_left"] == 4
    assert "current password is wrong; 4 attempt(s) left" in result.error["message"]
    assert "Not-The-Password-1" not in result.stderr
    assert attempts(home) == 1  # committed although the command failed
    actions = audit_action_list(home)
    assert actions[-1] == "password.change_refused"


def test_five_wrong_within_15_minutes_lock_until_the_window_passes(
    cli: CliFn, acme: dict, home: Path, clock: Clock
) -> None:
    for left in (4, 3, 2, 1):
        result = change(cli, "Wrong-Guess-00", NEW_PASSWORD)
        assert result.exit_code == 4
        assert result.error["attempts_left"] == left
        clock.advance(minutes=1)
    fifth = change(cli, "Wrong-Guess-00", NEW_PASSWORD)
    assert fifth.exit_code == 8
    assert fifth.error["code"] == "rate_limited"
    assert "too many wrong passwords (5 within 15 minutes)" in fifth.error["message"]
    assert "2026-03-01 09:15:00 UTC" in fifth.error["message"]  # the first attempt + 15 min

    clock.advance(minutes=5)  # 09:09: still locked, even with the right password
    before = store_dump(home)
    locked = change(cli, PASSWORD, NEW_PASSWORD)
    assert locked.exit_code == 8
    assert locked.error["retry_after"] == 6 * 60
    assert store_dump(home) == before

    clock.advance(minutes=6, seconds=1)  # 09:15:01: the first wrong attempt left the window
    result = change(cli, PASSWORD, NEW_PASSWORD)
    assert result.exit_code == 0, result.stderr
    assert attempts(home) == 0  # a success clears the count


def test_old_wrong_attempts_leave_the_window(cli: CliFn, acme: dict, clock: Clock) -> None:
    for _ in range(4):
        assert change(cli, "Wrong-Guess-00", NEW_PASSWORD).exit_code == 4
    clock.advance(minutes=15, seconds=1)
    result = change(cli, "Wrong-Guess-00", NEW_PASSWORD)
    assert result.exit_code == 4
    assert result.error["attempts_left"] == 4


def test_the_limit_is_per_account(cli: CliFn, acme: dict, make_account) -> None:
    make_account("globex")  # no password
    for _ in range(5):
        change(cli, "Wrong-Guess-00", NEW_PASSWORD)
    other = cli("password", "change", "--account", "globex", "--password-stdin", "--json",
                input="a\nb\n")  # fmt: skip
    assert other.exit_code == 6  # globex has its own state: no password, not locked


def test_account_without_password_points_to_reset(cli: CliFn, make_account, home: Path) -> None:
    make_account("globex")
    before = store_dump(home)
    for extra in (["--password-stdin"], []):
        result = cli("password", "change", "--account", "globex", *extra, "--json",
                     input=f"{PASSWORD}\n{NEW_PASSWORD}\n")  # fmt: skip
        assert result.exit_code == 6
        assert result.error["code"] == "rule_violation"
        assert "no password" in result.error["message"]
        assert "guance-billing password reset" in result.error["message"]
    assert store_dump(home) == before


@pytest.mark.parametrize(
    ("new", "words"),
    [
        ("Sh0rt!", "8 to 64 characters"),
        ("A1b!" * 17, "8 to 64 characters"),
        ("alllowercase1", "at least three of"),
        ("acme", "8 to 64 characters"),
        ("OPS@acme.com", "must not be the username, email or phone"),
        ("+8613800138000", "at least three of"),
        ("Password1", "too common"),
        (PASSWORD, "must differ from the current one"),
    ],
)
def test_new_password_policy_exit_2(
    cli: CliFn, acme: dict, home: Path, new: str, words: str
) -> None:
    before = store_dump(home)
    result = change(cli, PASSWORD, new)
    assert result.exit_code == 2, result.stderr
    assert result.error["field"] == "password"
    assert words in result.error["message"]
    assert new not in result.stderr
    assert store_dump(home) == before


def test_username_as_password_is_refused(cli: CliFn, home: Path) -> None:
    result = cli(
        "account", "create", "--username", "bluehar42", "--company-name", "Blue",
        "--email", "b@acme.com", "--phone", "+8613800138001", "--password-stdin", "--json",
        input="x\n",
    )  # fmt: skip
    assert result.exit_code == 2
    made = cli(
        "account", "create", "--username", "blue.harbor-42", "--company-name", "Blue",
        "--email", "b@acme.com", "--phone", "+8613800138001", "--password-stdin", "--json",
        input=PASSWORD + "\n",
    )  # fmt: skip
    assert made.exit_code == 0
    refused = cli("password", "change", "--account", "blue.harbor-42", "--password-stdin",
                  "--json", input=f"{PASSWORD}\nBlue.Harbor-42\n")  # fmt: skip
    assert refused.exit_code == 2
    assert "must not be the username" in refused.error["message"]


def test_without_terminal_stdin_is_required(cli: CliFn, acme: dict) -> None:
    result = cli("password", "change", "--json")
    assert result.exit_code == 2
    assert result.error["code"] == "input_required"
    assert "--password-stdin" in result.error["message"]
    short = cli("password", "change", "--password-stdin", "--json", input=PASSWORD + "\n")
    assert short.exit_code == 2
    assert "expected 2 line(s)" in short.error["message"]


# -- interactive: hidden prompts driven through prompt_toolkit ------------------------
@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from guance_billing_cli.cli.toolkit.state import AppState

    monkeypatch.setattr(AppState, "interactive", property(lambda self: True))
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        yield pipe


def test_interactive_change_asks_the_new_password_twice(cli: CliFn, acme: dict, keys) -> None:
    keys.send_text(f"{PASSWORD}\r")  # type: ignore[attr-defined]
    keys.send_text(f"{NEW_PASSWORD}\r")  # type: ignore[attr-defined]
    keys.send_text("Typo-Valley-77\r")  # type: ignore[attr-defined]  (differs: asked again)
    keys.send_text(f"{NEW_PASSWORD}\r")  # type: ignore[attr-defined]
    keys.send_text(f"{NEW_PASSWORD}\r")  # type: ignore[attr-defined]
    result = cli("password", "change")
    assert result.exit_code == 0, result.stderr
    assert "the two passwords differ" in result.stderr
    assert "Password changed" in result.stderr
    assert change(cli, NEW_PASSWORD, "Third-Pass-word-3").exit_code == 0


# -- password reset: a code to the login email or phone, then a new password ----------
def mail_codes(home: Path) -> list[str]:
    """Codes in the Maildir outbox, oldest first (one standalone 6-digit line each)."""
    import mailbox
    import re

    box = mailbox.Maildir(home / "outbox" / "mail", create=False)
    messages = sorted(box, key=lambda m: m["Date"] and m.get_date())  # type: ignore[no-any-return]
    codes = []
    for message in messages:
        body = outbox_body(message)
        assert "reset the password of your Guance Billing account" in body
        assert "expires at" in body
        [code] = re.findall(r"^\s*(\d{6})\s*$", body, flags=re.M)
        codes.append(code)
    return codes


def sms_codes(home: Path) -> list[str]:
    import json
    import re

    lines = (home / "outbox" / "sms.jsonl").read_text().splitlines()
    return [re.search(r"\b(\d{6})\b", json.loads(line)["text"]).group(1) for line in lines]  # type: ignore[union-attr]


@pytest.fixture
def bare(make_account, monkeypatch: pytest.MonkeyPatch) -> dict:
    """An account created without a password (e.g. through a marketplace)."""
    account = make_account("acme", email="ops@acme.com", phone="+8613800138000")
    monkeypatch.setenv("GUANCE_BILLING_ACCOUNT", "acme")
    return account  # type: ignore[no-any-return]


def start_reset(cli: CliFn, *extra: str):
    result = cli("password", "reset", *extra, "--json")
    assert result.exit_code == 0, result.stderr
    return result.json


def finish(cli: CliFn, req: str, code: str, password: str = NEW_PASSWORD, *extra: str):
    return cli("password", "reset", req, "--code-stdin", "--password-stdin", "--json", *extra,
               input=f"{code}\n{password}\n")  # fmt: skip


def test_reset_sets_a_first_password_via_email(
    cli: CliFn, bare: dict, home: Path, clock: Clock
) -> None:
    assert bare["has_password"] is False
    started = start_reset(cli)
    assert started["kind"] == "password_reset"
    assert started["state"] == "awaiting_code"
    assert started["via"] == "email"
    assert started["sent_to"] == "o***@acme.com"
    assert started["expires_at"].startswith("2026-03-01T09:10:00")
    assert started["request_id"].startswith("pwr_")
    [code] = mail_codes(home)
    assert code not in json_dump(started)

    done = finish(cli, started["request_id"], code)
    assert done.exit_code == 0, done.stderr
    assert done.json["state"] == "completed"
    assert cli("account", "show", "acme", "--json").json["has_password"] is True
    stored, audit = stored_hash_and_audit(home)
    actions = audit_action_list(home)
    assert stored.startswith("$argon2id$")
    assert code not in audit and "$argon2" not in audit
    assert actions[-2:] == ["password.reset.start", "password.reset"]
    assert NEW_PASSWORD.encode() not in store_bytes(home)
    assert change(cli, NEW_PASSWORD, "Third-Pass-word-3").exit_code == 0

    used = finish(cli, started["request_id"], code, "Fourth-Pass-word-4")
    assert used.exit_code == 7  # single use: the request is completed
    assert "is already completed" in used.error["message"]


def test_reset_via_phone_and_code_flag(cli: CliFn, bare: dict, home: Path) -> None:
    started = start_reset(cli, "--via", "phone")
    assert started["sent_to"] == "+86 138****8000"
    [code] = sms_codes(home)
    done = cli("password", "reset", started["request_id"], "--code", code, "--password-stdin",
               "--json", input=NEW_PASSWORD + "\n")  # fmt: skip
    assert done.exit_code == 0, done.stderr
    assert done.json["state"] == "completed"


def test_reset_human_output_tells_the_next_step(cli: CliFn, bare: dict) -> None:
    result = cli("password", "reset")
    assert result.exit_code == 0
    assert "A code was sent to o***@acme.com" in result.stderr
    assert "--code-stdin --password-stdin" in result.stderr
    assert "awaiting_code" in result.stdout


def test_wrong_codes_count_and_the_fifth_ends_the_request(
    cli: CliFn, bare: dict, home: Path
) -> None:
    started = start_reset(cli)
    [code] = mail_codes(home)
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1):
        result = finish(cli, started["request_id"], wrong)
        assert result.exit_code == 7
        assert result.error["attempts_left"] == left
        assert f"wrong code; {left} attempt(s) left" in result.error["message"]
    last = finish(cli, started["request_id"], wrong)
    assert last.exit_code == 7
    # the engine's meaning, kept (issue 23): reason, words, and which request it ended
    assert last.error["reason"] == "exhausted"
    assert "no attempts left" in last.error["message"]
    assert last.error["params"]["state"] == "failed"
    assert last.error["params"]["request_id"] == started["request_id"]
    late = finish(cli, started["request_id"], code)
    assert late.exit_code == 7
    assert "ended after too many wrong codes" in late.error["message"]
    assert cli("account", "show", "acme", "--json").json["has_password"] is False


def test_expired_code_is_refused(cli: CliFn, bare: dict, home: Path, clock: Clock) -> None:
    started = start_reset(cli)
    [code] = mail_codes(home)
    clock.advance(minutes=10)
    result = finish(cli, started["request_id"], code)
    assert result.exit_code == 7
    assert "expired" in result.error["message"]
    assert cli("account", "show", "acme", "--json").json["has_password"] is False


def test_policy_refusal_keeps_the_code_usable(cli: CliFn, bare: dict, home: Path) -> None:
    started = start_reset(cli)
    [code] = mail_codes(home)
    weak = finish(cli, started["request_id"], code, "password")
    assert weak.exit_code == 2
    assert weak.error["field"] == "password"
    done = finish(cli, started["request_id"], code)
    assert done.exit_code == 0, done.stderr
    assert done.json["attempts_left"] == 5


def test_resend_cooldown_and_newer_code_voids_older(
    cli: CliFn, bare: dict, home: Path, clock: Clock
) -> None:
    started = start_reset(cli)
    rid = started["request_id"]
    soon = cli("password", "reset", rid, "--resend", "--json")
    assert soon.exit_code == 8
    assert soon.error["retry_after"] == 60
    again = cli("password", "reset", "--json")
    assert again.exit_code == 8  # starting over does not bypass the cooldown
    clock.advance(seconds=61)
    resent = cli("password", "reset", rid, "--resend", "--json")
    assert resent.exit_code == 0, resent.stderr
    assert resent.json["sends_left"] == 8  # 10 codes per address per 24 h
    old, new = mail_codes(home)
    if old != new:
        assert finish(cli, rid, old).exit_code == 7
    assert finish(cli, rid, new).exit_code == 0


def test_reset_lifts_the_change_lock(cli: CliFn, acme: dict, home: Path) -> None:
    for _ in range(5):
        change(cli, "Wrong-Guess-00", NEW_PASSWORD)
    assert change(cli, PASSWORD, NEW_PASSWORD).exit_code == 8
    started = start_reset(cli)
    [code] = mail_codes(home)
    assert finish(cli, started["request_id"], code).exit_code == 0
    assert attempts(home) == 0
    assert change(cli, NEW_PASSWORD, "Third-Pass-word-3").exit_code == 0


def test_reset_input_errors(cli: CliFn, bare: dict, make_account) -> None:
    started = start_reset(cli)
    rid = started["request_id"]
    no_code = cli("password", "reset", rid, "--password-stdin", "--json", input="x\n")
    assert no_code.exit_code == 2
    assert "--code or --code-stdin" in no_code.error["message"]
    no_password = cli("password", "reset", rid, "--code", "123456", "--json")
    assert no_password.exit_code == 2
    assert "--password-stdin" in no_password.error["message"]
    bad_via = cli("password", "reset", "--via", "fax", "--json")
    assert bad_via.exit_code == 2
    assert "email, phone" in bad_via.error["message"]
    code_first = cli("password", "reset", "--code", "123456", "--json")
    assert code_first.exit_code == 2
    assert "request id" in code_first.error["message"]
    unknown = finish(cli, "pwr_000000000000", "123456")
    assert unknown.exit_code == 3
    make_account("globex")
    other = finish(cli, rid, "123456", NEW_PASSWORD, "--account", "globex")
    assert other.exit_code == 3
    assert "does not belong to account" in other.error["message"]


def test_interactive_reset_asks_code_then_password(
    cli: CliFn, bare: dict, home: Path, keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    import guance_billing_cli.services.challenges as challenges

    # The keys must be typed before the command runs, so the code is known in advance.
    monkeypatch.setattr(challenges, "new_code", lambda: "246810")
    keys.send_text("135790\r")  # type: ignore[attr-defined]  (wrong: asked again)
    keys.send_text(f"{NEW_PASSWORD}\r{NEW_PASSWORD}\r")  # type: ignore[attr-defined]
    keys.send_text("246810\r")  # type: ignore[attr-defined]
    result = cli("password", "reset")
    assert result.exit_code == 0, result.stderr
    assert mail_codes(home) == ["246810"]
    assert "wrong code; 4 attempt(s) left" in result.stderr
    assert "Password set" in result.stderr
    assert change(cli, NEW_PASSWORD, "Third-Pass-word-3").exit_code == 0


def json_dump(value: object) -> str:
    import json

    return json.dumps(value)


# -- password forgot: the same reset, started by address, with no token ----------------

NO_TOKEN = {"GUANCE_BILLING_TOKEN": None}  # remotely: no token at all (locally: no effect)


def forgot(cli: CliFn, *args: str, input: str | None = None):
    return cli("password", "forgot", *args, "--json", input=input, env=NO_TOKEN)


def test_forgot_password_without_a_token(cli: CliFn, acme: dict, home: Path) -> None:
    started = forgot(cli, "--email", "ops@acme.com")
    assert started.exit_code == 0, started.stderr
    assert started.json["state"] == "code_sent" and started.json["sent_to"] == "o***@acme.com"
    rid = started.json["request_id"]
    [code] = mail_codes(home)
    other = f"{(int(code) + 1) % 1_000_000:06d}"
    wrong = forgot(cli, rid, "--code-stdin", "--password-stdin", input=f"{other}\n{NEW_PASSWORD}\n")
    assert wrong.exit_code == 7, wrong.stderr
    done = forgot(cli, rid, "--code-stdin", "--password-stdin", input=f"{code}\n{NEW_PASSWORD}\n")
    assert done.exit_code == 0, done.stderr
    assert done.json["state"] == "completed"
    assert change(cli, PASSWORD, "Third-Pass-word-3").exit_code == 4  # the old one is gone
    assert change(cli, NEW_PASSWORD, "Third-Pass-word-3").exit_code == 0


def test_forgot_password_answers_alike_for_an_unknown_address(
    cli: CliFn, acme: dict, home: Path
) -> None:
    known = forgot(cli, "--phone", "+8613800138000")
    unknown = forgot(cli, "--email", "nobody@acme.com")
    assert known.exit_code == unknown.exit_code == 0, unknown.stderr
    assert set(unknown.json) == set(known.json) and unknown.json["state"] == "code_sent"
    assert unknown.json["sent_to"] == "n***@acme.com"
    mail = home / "outbox" / "mail"
    assert not mail.exists() or not mail_codes(home)  # the code went by SMS; none to nobody@
    guess = forgot(cli, unknown.json["request_id"], "--code", "123456", "--password-stdin",
                   input=NEW_PASSWORD + "\n")  # fmt: skip
    assert guess.exit_code == 7 and "Password set" not in guess.stdout


def test_forgot_password_input_errors(cli: CliFn, acme: dict, home: Path) -> None:
    before = store_dump(home)
    both = forgot(cli, "--email", "ops@acme.com", "--phone", "+8613800138000")
    assert both.exit_code == 2 and "--email" in both.error["message"]
    assert forgot(cli).exit_code == 2
    early = forgot(cli, "--email", "ops@acme.com", "--code", "123456")
    assert early.exit_code == 2 and "REQ" in early.error["message"]
    late = forgot(cli, "pwr_000000000000", "--email", "ops@acme.com")
    assert late.exit_code == 2
    missing = forgot(cli, "pwr_000000000000", "--code", "123456")
    assert missing.exit_code == 2 and "--password-stdin" in missing.error["message"]
    assert store_dump(home) == before


def test_interactive_forgot_asks_code_then_password(
    cli: CliFn, acme: dict, home: Path, keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    import guance_billing_cli.services.challenges as challenges

    monkeypatch.setattr(challenges, "new_code", lambda: "246810")
    keys.send_text("135790\r")  # type: ignore[attr-defined]  (wrong: asked again)
    keys.send_text(f"{NEW_PASSWORD}\r{NEW_PASSWORD}\r")  # type: ignore[attr-defined]
    keys.send_text("246810\r")  # type: ignore[attr-defined]
    result = cli("password", "forgot", "--email", "ops@acme.com", env=NO_TOKEN)
    assert result.exit_code == 0, result.stderr
    assert "wrong code; 4 attempt(s) left" in result.stderr
    assert "Password set" in result.stderr
    assert change(cli, NEW_PASSWORD, "Third-Pass-word-3").exit_code == 0
