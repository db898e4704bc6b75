"""`phone change | verify | ...`: the same flow over SMS (JSON-lines outbox by default)."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import CliFn
from tests.support.mail import only_code, sms_code, sms_lines

OLD, NEW = "+8613800138000", "+8613912345678"


@pytest.fixture
def acme(make_account: Any) -> dict[str, Any]:
    return make_account("acme", phone=OLD)  # type: ignore[no-any-return]


def test_scripted_phone_change_end_to_end(cli: CliFn, acme: dict[str, Any], home: Path) -> None:
    started = cli("phone", "change", "--account", "acme", "--new-phone", "139 1234 5678", "--json")
    assert started.exit_code == 0, started.stderr
    req = started.json
    assert req["kind"] == "phone"
    assert req["state"] == "awaiting_current_code"
    assert req["sent_to"] == "+86 138****8000"
    assert req["new_address"] == "+86 139****5678"
    rid = req["request_id"]

    [line] = sms_lines(home)
    assert set(line) == {"to", "text", "sent_at"}
    assert line["to"] == OLD
    only_code(line["text"])
    assert "login phone" in line["text"]
    assert "Expires" in line["text"]

    step1 = cli("phone", "verify", rid, "--code-stdin", "--json", input=sms_code(home, OLD) + "\n")
    assert step1.exit_code == 0, step1.stderr
    assert step1.json["state"] == "awaiting_new_code"
    assert step1.json["sent_to"] == "+86 139****5678"

    step2 = cli("phone", "verify", rid, "--code", sms_code(home, NEW), "--json")
    assert step2.exit_code == 0, step2.stderr
    assert step2.json["state"] == "completed"

    assert cli("account", "show", NEW, "--json").json["id"] == acme["id"]
    assert cli("account", "show", OLD, "--json").exit_code == 3
    assert cli("account", "show", "acme", "--json").json["phone"] == NEW


def test_sms_outbox_is_private(cli: CliFn, acme: dict[str, Any], home: Path) -> None:
    assert cli("phone", "change", "--account", "acme", "--new-phone", NEW).exit_code == 0
    path = home / "outbox" / "sms.jsonl"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700


def test_phone_rules_same_taken_malformed(cli: CliFn, make_account: Any, home: Path) -> None:
    make_account("acme", phone=OLD)
    make_account("globex", phone=NEW)
    same = cli("phone", "change", "--account", "acme", "--new-phone", "138-0013-8000", "--json")
    assert same.exit_code == 6
    taken = cli("phone", "change", "--account", "acme", "--new-phone", NEW, "--json")
    assert taken.exit_code == 6
    assert taken.error["code"] == "conflict"
    bad = cli("phone", "change", "--account", "acme", "--new-phone", "12345", "--json")
    assert bad.exit_code == 2
    assert bad.error["field"] == "new_phone"
    missing = cli("phone", "change", "--account", "acme", "--json")
    assert missing.exit_code == 2
    assert "--new-phone" in missing.error["message"]
    assert sms_lines(home) == []


def test_email_and_phone_requests_are_independent(
    cli: CliFn, acme: dict[str, Any], home: Path
) -> None:
    phone = cli("phone", "change", "--account", "acme", "--new-phone", NEW, "--json").json
    email = cli("email", "change", "--account", "acme", "--new-email", "n@acme.com", "--json")
    assert email.exit_code == 0  # another kind: neither cancelled nor rate limited
    status = cli("phone", "status", phone["request_id"], "--json").json
    assert status["state"] == "awaiting_current_code"
    assert cli("email", "status", phone["request_id"]).exit_code == 3


def test_phone_wrong_codes_and_no_code_in_output(
    cli: CliFn, acme: dict[str, Any], home: Path
) -> None:
    rid = cli("phone", "change", "--account", "acme", "--new-phone", NEW, "--json").json[
        "request_id"
    ]
    code = sms_code(home, OLD)
    bad = f"{(int(code) + 1) % 1_000_000:06d}"
    outputs = [cli("phone", "verify", rid, "--code", bad, "--json") for _ in range(5)]
    assert [r.exit_code for r in outputs] == [7] * 5
    assert outputs[-1].error["state"] == "failed"
    last = cli("phone", "verify", rid, "--code", code)
    assert last.exit_code == 7
    for result in [*outputs, last]:
        assert code not in result.stdout + result.stderr
    assert cli("account", "show", "acme", "--json").json["phone"] == OLD
