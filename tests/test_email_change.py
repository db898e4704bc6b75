"""`email change | verify | resend | status | cancel`: the scripted flow from a fresh
home, the guided flow at a (simulated) terminal, and codes never leaking."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import CliFn, Run
from tests.support.clock import Clock
from tests.support.mail import body, mail_code, mails, only_code
from tests.support.store import active_store

OLD, NEW = "ops@acme.com", "new@acme.com"
FIELDS = {"request_id", "kind", "state", "sent_to", "expires_at"}


@pytest.fixture
def acme(make_account: Any) -> dict[str, Any]:
    return make_account("acme", email=OLD)  # type: ignore[no-any-return]


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_scripted_email_change_end_to_end(cli: CliFn, acme: dict[str, Any], home: Path) -> None:
    started = cli("email", "change", "--account", "acme", "--new-email", NEW, "--json")
    assert started.exit_code == 0, started.stderr
    req = started.json
    assert set(req) >= FIELDS
    assert req["kind"] == "email"
    assert req["state"] == "awaiting_current_code"
    assert req["sent_to"] == "o***@acme.com"  # masked in JSON too (docs/email.md)
    assert req["account_id"] == acme["id"]
    rid = req["request_id"]

    # the message says what the code is for and when it expires
    message = mails(home, OLD)[-1]
    text = body(message)
    assert "verification code" in message["Subject"]
    assert "change of the login email" in text
    assert "expires at 2" in text

    step1 = cli("email", "verify", rid, "--code", mail_code(home, OLD), "--json")
    assert step1.exit_code == 0, step1.stderr
    assert step1.json["state"] == "awaiting_new_code"
    assert step1.json["sent_to"] == "n***@acme.com"
    assert cli("account", "show", NEW).exit_code == 3  # not applied yet

    step2 = cli("email", "verify", rid, "--code-stdin", "--json", input=mail_code(home, NEW) + "\n")
    assert step2.exit_code == 0, step2.stderr
    assert step2.json["state"] == "completed"
    assert step2.json["expires_at"] is None

    found = cli("account", "show", NEW, "--json")
    assert found.exit_code == 0
    assert found.json["id"] == acme["id"]
    assert found.json["email"] == NEW
    gone = cli("account", "show", OLD, "--json")
    assert gone.exit_code == 3
    assert gone.error["code"] == "not_found"


def test_human_output_masks_addresses_and_says_what_next(
    cli: CliFn, acme: dict[str, Any], home: Path
) -> None:
    result = cli("email", "change", "--account", "acme", "--new-email", NEW)
    assert result.exit_code == 0, result.stderr
    assert "o***@acme.com" in result.stdout + result.stderr
    assert OLD not in result.stdout + result.stderr
    assert NEW not in result.stdout + result.stderr
    assert "guance-billing email verify chg_" in result.stderr
    assert "awaiting_current_code" in result.stdout


def test_every_output_of_a_full_flow_is_free_of_the_codes(
    cli: CliFn, acme: dict[str, Any], home: Path, clock: Clock
) -> None:
    outputs: list[Run] = []

    def run(*args: str, input: str | None = None) -> Run:
        result = cli(*args, input=input)
        outputs.append(result)
        return result

    rid = run("email", "change", "--account", "acme", "--new-email", NEW, "--json").json[
        "request_id"
    ]
    run("email", "change", "--account", "acme", "--new-email", NEW)  # rate limited, human
    run("email", "resend", rid, "--json")  # rate limited, JSON
    clock.advance(seconds=61)
    run("email", "resend", rid)
    code = mail_code(home, OLD)
    run("email", "verify", rid, "--code", wrong(code), "--json")
    run("email", "verify", rid, "--code", wrong(code))
    run("email", "verify", rid, "--code", "12345")
    run("email", "status", rid)
    run("email", "status", rid, "--json")
    run("email", "verify", rid, "--code", code)
    run("email", "verify", rid, "--code", code, "--json")  # reused: now wrong for step 2
    run("email", "verify", rid, "--code-stdin", "--debug", input=mail_code(home, NEW) + "\n")
    run("email", "verify", rid, "--code-stdin", "--json", input=mail_code(home, NEW) + "\n")
    run("email", "status", "--account", "acme")
    run("account", "show", NEW, "--json")

    codes = {only_code(body(message)) for message in mails(home)}
    assert len(mails(home)) == 3  # change, one resend, the new address
    assert len(codes) >= 2
    assert {r.exit_code for r in outputs} >= {0, 7, 8}
    for result in outputs:
        for code in codes:
            assert code not in result.stdout, (code, result.stdout)
            assert code not in result.stderr, (code, result.stderr)
    audit_rows = active_store(home).rows("SELECT action, before, after FROM audit_events")
    assert any(action == "email.change" for action, _, _ in audit_rows)
    for row in audit_rows:
        for code in codes:
            assert code not in "".join(row)


def test_change_without_a_terminal_needs_the_new_address(
    cli: CliFn, acme: dict[str, Any], home: Path
) -> None:
    result = cli("email", "change", "--account", "acme", "--json")
    assert result.exit_code == 2
    assert "--new-email" in result.error["message"]
    assert mails(home) == []


def test_verify_without_a_code_and_without_a_terminal_exits_2(
    cli: CliFn, acme: dict[str, Any]
) -> None:
    rid = cli("email", "change", "--account", "acme", "--new-email", NEW, "--json").json[
        "request_id"
    ]
    result = cli("email", "verify", rid, "--json")
    assert result.exit_code == 2
    assert "--code" in result.error["message"]
    both = cli("email", "verify", rid, "--code", "123456", "--code-stdin", input="123456\n")
    assert both.exit_code == 2


def test_new_address_is_checked_before_any_code_is_sent(
    cli: CliFn, make_account: Any, home: Path
) -> None:
    make_account("acme", email=OLD)
    make_account("globex", email="ops@globex.com")
    same = cli("email", "change", "--account", "acme", "--new-email", "OPS@acme.com", "--json")
    assert same.exit_code == 6
    assert "same as the current" in same.error["message"]
    taken = cli("email", "change", "--account", "acme", "--new-email", "ops@globex.com", "--json")
    assert taken.exit_code == 6
    assert taken.error["code"] == "conflict"
    bad = cli("email", "change", "--account", "acme", "--new-email", "not-an-email", "--json")
    assert bad.exit_code == 2
    assert bad.error["field"] == "new_email"
    assert mails(home) == []


def test_new_address_taken_before_its_code_is_sent_is_refused(
    cli: CliFn, make_account: Any, home: Path
) -> None:
    make_account("acme", email=OLD)
    rid = cli("email", "change", "--account", "acme", "--new-email", NEW, "--json").json[
        "request_id"
    ]
    make_account("globex", email=NEW)  # someone else takes it meanwhile
    result = cli("email", "verify", rid, "--code", mail_code(home, OLD), "--json")
    assert result.exit_code == 6
    assert mails(home, NEW) == []
    status = cli("email", "status", rid, "--json").json
    assert status["state"] == "awaiting_current_code"


def test_uniqueness_is_checked_again_when_the_change_applies(
    cli: CliFn, make_account: Any, home: Path
) -> None:
    from tests.support.store import store_dump

    make_account("acme", email=OLD)
    rid = cli("email", "change", "--account", "acme", "--new-email", NEW, "--json").json[
        "request_id"
    ]
    assert cli("email", "verify", rid, "--code", mail_code(home, OLD)).exit_code == 0
    make_account("globex", email=NEW)
    before = store_dump(home)
    result = cli("email", "verify", rid, "--code", mail_code(home, NEW), "--json")
    assert result.exit_code == 6
    assert result.error["code"] == "conflict"
    assert store_dump(home) == before  # nothing changed
    assert cli("account", "show", "acme", "--json").json["email"] == OLD


# -- the guided flow ------------------------------------------------------------


@pytest.fixture
def keys() -> Iterator[Any]:
    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        yield pipe


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from guance_billing_cli.cli.toolkit.state import AppState

    monkeypatch.setattr(AppState, "interactive", property(lambda self: True))


def wait_for(predicate: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError("timed out waiting for the outbox")


def typist(keys: Any, script: Callable[[], None]) -> threading.Thread:
    """Answer prompts from a thread, reading codes from the Maildir as they arrive.
    On any failure it presses Ctrl-C so the command under test cannot hang."""
    failures: list[BaseException] = []

    def run() -> None:
        try:
            script()
        except BaseException as exc:
            failures.append(exc)
            keys.send_text("\x03")

    thread = threading.Thread(target=run, daemon=True)
    thread.failures = failures  # type: ignore[attr-defined]
    thread.start()
    return thread


DOWN = "\x1b[B"


@pytest.mark.usefixtures("terminal")
def test_guided_change_at_a_terminal(
    cli: CliFn, make_account: Any, home: Path, keys: Any, clock: Clock
) -> None:
    make_account("acme", email=OLD)
    make_account("globex", email="ops@globex.com")

    def script() -> None:
        first = wait_for(lambda: mail_code(home, OLD) if mails(home, OLD) else None)
        clock.advance(seconds=61)  # so the resend offered after a wrong code is allowed
        keys.send_text(wrong(first) + "\r")
        keys.send_text(DOWN + "\r")  # "Send a new code"
        wait_for(lambda: len(mails(home, OLD)) == 2)
        keys.send_text(mail_code(home, OLD) + "\r")
        keys.send_text("not-an-email\r")  # re-asked: malformed
        keys.send_text("ops@globex.com\r")  # re-asked: taken
        keys.send_text(NEW + "\r")
        keys.send_text(wait_for(lambda: mail_code(home, NEW) if mails(home, NEW) else None) + "\r")

    thread = typist(keys, script)
    result = cli("email", "change", "--account", "acme")
    thread.join(5)
    assert not thread.failures, thread.failures  # type: ignore[attr-defined]
    assert result.exit_code == 0, result.stderr
    err = result.stderr
    assert "sent to o***@acme.com" in err
    assert "wrong code; 4 attempt(s) left" in err
    assert "A new code was sent to o***@acme.com" in err
    assert "not a valid email" in err
    assert "already used by another account" in err
    assert "sent to n***@acme.com" in err
    assert "Done: the login email is now n***@acme.com" in err
    assert cli("account", "show", NEW, "--json").json["username"] == "acme"
    assert cli("account", "show", OLD).exit_code == 3


@pytest.mark.usefixtures("terminal")
def test_guided_resend_too_soon_warns_and_ctrl_c_leaves_the_request_open(
    cli: CliFn, acme: dict[str, Any], home: Path, keys: Any, clock: Clock
) -> None:
    def script() -> None:
        code = wait_for(lambda: mail_code(home, OLD) if mails(home, OLD) else None)
        keys.send_text(wrong(code) + "\r" + DOWN + "\r")  # wrong, then "Send a new code" too soon
        keys.send_text(code + "\r")
        keys.send_text("\x03")  # Ctrl-C at the new-address prompt

    thread = typist(keys, script)
    result = cli("email", "change", "--account", "acme")
    thread.join(5)
    assert not thread.failures  # type: ignore[attr-defined]
    assert result.exit_code == 130
    assert "resend in 60 s" in result.stderr
    assert len(mails(home, OLD)) == 1
    rid = cli("email", "status", "--account", "acme", "--json").json["request_id"]
    assert f"Request {rid} stays open" in result.stderr

    # the scripted commands continue where the terminal stopped
    step = cli("email", "verify", rid, "--new-email", NEW, "--json")
    assert step.exit_code == 0, step.stderr
    assert step.json["sent_to"] == "n***@acme.com"
    done = cli("email", "verify", rid, "--code", mail_code(home, NEW), "--json")
    assert done.json["state"] == "completed"


@pytest.mark.usefixtures("terminal")
def test_guided_five_wrong_codes_end_the_request(
    cli: CliFn, acme: dict[str, Any], home: Path, keys: Any
) -> None:
    def script() -> None:
        code = wait_for(lambda: mail_code(home, OLD) if mails(home, OLD) else None)
        for _ in range(4):
            keys.send_text(wrong(code) + "\r" + "\r")  # wrong, then "Enter the code again"
        keys.send_text(wrong(code) + "\r")

    thread = typist(keys, script)
    result = cli("email", "change", "--account", "acme")
    thread.join(5)
    assert not thread.failures  # type: ignore[attr-defined]
    assert result.exit_code == 7
    assert "no attempts left" in result.stderr
    assert cli("account", "show", "acme", "--json").json["email"] == OLD


@pytest.mark.usefixtures("terminal")
def test_guided_cancel_choice_cancels_the_request(
    cli: CliFn, acme: dict[str, Any], home: Path, keys: Any
) -> None:
    def script() -> None:
        code = wait_for(lambda: mail_code(home, OLD) if mails(home, OLD) else None)
        keys.send_text(wrong(code) + "\r" + DOWN + DOWN + "\r")  # "Cancel the change"

    thread = typist(keys, script)
    result = cli("email", "change", "--account", "acme", "--new-email", NEW)
    thread.join(5)
    assert result.exit_code == 0, result.stderr
    assert "cancelled; nothing was changed" in result.stderr
    status = cli("email", "status", "--account", "acme", "--json").json
    assert status["state"] == "cancelled"
