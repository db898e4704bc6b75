"""account create | list | show | use | update — through the CLI."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.support.cli import CliFn
from tests.support.store import store_dump

ACCOUNT_KEYS = {
    "id",
    "username",
    "company_name",
    "industry",
    "region",
    "description",
    "contact_name",
    "language",
    "email",
    "phone",
    "has_password",
    "realname_status",
    "arbitrary_settlement",
    "created_at",
    "updated_at",
}


def create(
    cli: CliFn,
    *extra: str,
    username: str = "acme",
    email: str = "ops@acme.com",
    phone: str = "+8613800138000",
    company: str = "Acme Ltd",
):
    return cli(
        "account",
        "create",
        "--username",
        username,
        "--company-name",
        company,
        "--email",
        email,
        "--phone",
        phone,
        *extra,
        "--json",
    )


def test_create_prints_the_account_with_the_documented_fields(cli: CliFn) -> None:
    result = create(
        cli,
        "--industry",
        "Finance",
        "--region",
        "  Hangzhou ",
        "--contact-name",
        "Li Lei",
        "--description",
        "group billing",
    )
    assert result.exit_code == 0, result.stderr
    acct = result.json
    assert set(acct) == ACCOUNT_KEYS
    assert acct["id"].startswith("acc_")
    assert acct["username"] == "acme"
    assert acct["industry"] == "finance"
    assert acct["region"] == "Hangzhou"
    assert acct["phone"] == "+8613800138000"
    assert acct["has_password"] is False
    assert acct["realname_status"] == "unverified"
    assert acct["arbitrary_settlement"] is False
    assert acct["created_at"] == acct["updated_at"]


def test_create_normalizes_email_and_phone(cli: CliFn) -> None:
    result = create(cli, email="Ops@ACME.com", phone="138 0013 8000")
    assert result.exit_code == 0, result.stderr
    assert result.json["email"] == "ops@acme.com"
    assert result.json["phone"] == "+8613800138000"


def test_create_human_output_confirms(cli: CliFn) -> None:
    result = cli(
        "account",
        "create",
        "--username",
        "acme",
        "--company-name",
        "Acme Ltd",
        "--email",
        "ops@acme.com",
        "--phone",
        "+8613800138000",
    )
    assert result.exit_code == 0
    assert "Created billing account acme" in result.stderr
    assert "ops@acme.com" in result.stdout


@pytest.mark.parametrize(
    ("flag", "value", "field", "words"),
    [
        ("--username", "ab", "username", "3-32"),
        ("--username", "Acme", "username", "a-z"),
        ("--username", "a" * 33, "username", "3-32"),
        ("--email", "not-an-email", "email", "email"),
        ("--phone", "12345", "phone", "phone"),
        ("--phone", "+862988888888", "phone", "mobile"),
        ("--company-name", "   ", "company_name", "required"),
        ("--industry", "mining-ish", "industry", "industry must be one of"),
        ("--region", "x" * 65, "region", "at most 64"),
        ("--description", "x" * 501, "description", "at most 500"),
        ("--contact-name", "bad\x07name", "contact_name", "control characters"),
    ],
)
def test_create_rejects_malformed_values_naming_the_field(
    cli: CliFn, home, flag: str, value: str, field: str, words: str
) -> None:
    defaults = {
        "--username": "acme",
        "--company-name": "Acme",
        "--email": "ops@acme.com",
        "--phone": "+8613800138000",
    }
    defaults[flag] = value
    args = [x for pair in defaults.items() for x in pair]
    result = cli("account", "create", *args, "--json")
    assert result.exit_code == 2
    assert result.error["field"] == field
    assert result.error["code"] == "invalid_input"
    assert words in result.error["message"]
    assert "Traceback" not in result.stderr
    listed = cli("account", "list", "--json")
    # nothing was created: no account, and locally not even the store (issue 21)
    assert listed.json == [] if listed.exit_code == 0 else listed.error["reason"] == "store_missing"


@pytest.mark.parametrize(
    ("other", "field"),
    [
        ({"username": "acme"}, "username"),
        ({"email": "ops@acme.com"}, "email"),
        ({"phone": "+86 138 0013 8000"}, "phone"),
    ],
)
def test_taken_username_email_or_phone_is_refused(cli: CliFn, home, other, field) -> None:
    assert create(cli).exit_code == 0
    before = store_dump(home)
    values = {"username": "globex", "email": "x@globex.com", "phone": "+8613900139000"}
    values.update(other)
    result = create(cli, **values)
    assert result.exit_code == 6
    assert result.error["code"] == "conflict"
    assert result.error["field"] == field
    assert f"{field} is already used" in result.error["message"]
    assert store_dump(home) == before


def test_missing_values_without_terminal_fail_naming_the_flag(cli: CliFn) -> None:
    result = cli("account", "create", "--username", "acme")
    assert result.exit_code == 2
    assert "missing --company-name" in result.stderr


@pytest.mark.parametrize(
    "ref",
    ["acme", "ops@acme.com", "OPS@acme.com", "+8613800138000", "13800138000", "+86 138-0013-8000"],
)
def test_show_finds_by_username_email_or_phone(cli: CliFn, ref: str) -> None:
    acct = create(cli).json
    result = cli("account", "show", ref, "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json["id"] == acct["id"]


def test_show_by_id_and_unknown_account(cli: CliFn) -> None:
    acct = create(cli).json
    assert cli("account", "show", acct["id"], "--json").json["username"] == "acme"
    missing = cli("account", "show", "nobody", "--json")
    assert missing.exit_code == 3
    assert missing.error == {
        "code": "not_found",
        "reason": "account_not_found",
        "message": "no billing account matches 'nobody'",
        "params": {"ref": "nobody"},
        "exit_code": 3,
        "ref": "nobody",
    }


def test_list_in_every_format(cli: CliFn) -> None:
    create(cli)
    create(
        cli, username="globex", email="b@globex.com", phone="+8613900139000", company="Globex, Inc."
    )
    as_json = cli("account", "list", "--json")
    assert as_json.exit_code == 0
    assert [a["username"] for a in as_json.json] == ["acme", "globex"]
    ndjson = cli("account", "list", "--output", "ndjson")
    assert [json.loads(line)["username"] for line in ndjson.stdout.splitlines()] == [
        "acme",
        "globex",
    ]
    as_csv = cli("account", "list", "-o", "csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert rows[1]["company_name"] == "Globex, Inc."
    table = cli("account", "list")
    assert "globex" in table.stdout and "acme" in table.stdout
    bad = cli("account", "list", "--output", "xml")
    assert bad.exit_code == 2
    assert "--output must be one of" in bad.stderr


def test_list_empty(cli: CliFn) -> None:
    assert cli("store", "init").exit_code == 0  # a read creates no store (issue 21)
    assert cli("account", "list", "--json").json == []
    result = cli("account", "list")
    assert result.exit_code == 0
    assert "No results." in result.stderr


def test_use_sets_the_profile_default(cli: CliFn, home) -> None:
    acct = create(cli).json
    result = cli("account", "use", "ops@acme.com")
    assert result.exit_code == 0
    assert "now uses account acme" in result.stderr
    assert acct["id"] in (home / "config.toml").read_text()
    assert cli("profile", "show", "--json").json["id"] == acct["id"]
    assert cli("account", "use", "nobody").exit_code == 3


def test_update_arbitrary_settlement(cli: CliFn, home) -> None:
    create(cli)
    on = cli("account", "update", "acme", "--arbitrary-settlement", "on", "--json")
    assert on.exit_code == 0
    assert on.json["arbitrary_settlement"] is True
    off = cli("account", "update", "acme", "--arbitrary-settlement", "OFF", "--json")
    assert off.json["arbitrary_settlement"] is False
    before = store_dump(home)
    bad = cli("account", "update", "acme", "--arbitrary-settlement", "maybe", "--json")
    assert bad.exit_code == 2
    assert bad.error["code"] == "usage_error"
    nothing = cli("account", "update", "acme", "--json")
    assert nothing.exit_code == 2
    assert "nothing to update" in nothing.error["message"]
    assert store_dump(home) == before


def test_password_stdin_sets_a_password(cli: CliFn) -> None:
    result = cli(
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
        "--password-stdin",
        "--json",
        input="Tr1cky-Passw0rd\n",
    )
    assert result.exit_code == 0, result.stderr
    assert result.json["has_password"] is True
    assert "Tr1cky" not in result.stdout + result.stderr
    weak = cli(
        "account",
        "create",
        "--username",
        "beta",
        "--company-name",
        "B",
        "--email",
        "b@b.com",
        "--phone",
        "+8613900139000",
        "--password-stdin",
        "--json",
        input="short\n",
    )
    assert weak.exit_code == 2
    assert weak.error["field"] == "password"
