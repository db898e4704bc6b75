"""invoice title add|list, address add|list, request, list — gated on real-name."""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guance_billing_cli.errors import InvalidInput
from guance_billing_cli.services import invoices
from tests.support.cli import CliFn
from tests.support.store import active_store, store_dump

TAX_ID = "91110000600037341L"
OTHER_TAX_ID = "91330106MA27XK2C16"
SPECIAL = [
    "--bank-name", "ICBC Hangzhou", "--bank-account", "1202 0202 0900 0012 345",
    "--address", "1 West Lake Rd, Hangzhou", "--phone", "0571-88886666",
]  # fmt: skip


@pytest.fixture
def acme(make_account, monkeypatch: pytest.MonkeyPatch) -> dict:
    account = make_account("acme", company_name="Acme Ltd")
    monkeypatch.setenv("GUANCE_BILLING_ACCOUNT", "acme")
    return account


def authenticate(cli: CliFn, *, approve: bool = True, name: str = "Acme Ltd") -> None:
    result = cli("realname", "submit", "--type", "enterprise", "--name", name, "--tax-id", TAX_ID)
    assert result.exit_code == 0, result.stderr
    if approve:
        assert cli("realname", "review", "--approve").exit_code == 0


def add_address(cli: CliFn, account: str = "acme") -> dict:
    result = cli(
        "invoice", "address", "add", "--account", account, "--recipient", "Li Lei",
        "--phone", "+8613800138000", "--email", "Finance@Acme.com",
        "--address", "1 West Lake Rd, Hangzhou", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    return result.json  # type: ignore[no-any-return]


def add_title(cli: CliFn, *extra: str, kind: str = "vat_ordinary", title: str = "Acme Ltd"):
    return cli("invoice", "title", "add", "--type", kind, "--title", title, *extra, "--json")


def request(cli: CliFn, title_id: str, address_id: str, amount: str = "100"):
    return cli(
        "invoice", "request", "--title-id", title_id, "--address-id", address_id,
        "--amount", amount, "--json",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("step", "status", "fix"),
    [
        ("none", "unverified", "guance-billing realname submit"),
        ("submit", "pending", "guance-billing realname review"),
        ("reject", "rejected", "resubmit"),
    ],
)
def test_request_refused_until_realname_is_approved(
    cli: CliFn, acme: dict, home: Path, step: str, status: str, fix: str
) -> None:
    if step != "none":
        authenticate(cli, approve=False)
    if step == "reject":
        assert cli("realname", "review", "--reject", "--reason", "blurred").exit_code == 0
    address = add_address(cli)
    before = store_dump(home)
    result = request(cli, "ttl_whatever", address["id"])
    assert result.exit_code == 6
    assert result.error["code"] == "rule_violation"
    assert f"status: {status}" in result.error["message"]
    assert fix in result.error["message"]
    assert store_dump(home) == before
    titled = add_title(cli, "--tax-id", TAX_ID)
    assert titled.exit_code == 6
    assert "approved real-name authentication" in titled.error["message"]


def test_refused_then_granted_after_approval(cli: CliFn, acme: dict, home: Path) -> None:
    authenticate(cli, approve=False)
    address = add_address(cli)
    assert address["email"] == "finance@acme.com"
    refused = request(cli, "ttl_none", address["id"], "100.00")
    assert refused.exit_code == 6
    assert cli("realname", "review", "--approve").exit_code == 0

    title = add_title(cli, "--tax-id", TAX_ID)
    assert title.exit_code == 0, title.stderr
    assert title.json["id"].startswith("ttl_")
    assert title.json["title"] == "Acme Ltd" and title.json["tax_id"] == TAX_ID
    granted = request(cli, title.json["id"], address["id"], "1234.5")
    assert granted.exit_code == 0, granted.stderr
    body = granted.json
    assert body["id"].startswith("inv_")
    assert body["status"] == "pending"
    assert body["amount"] == "1234.50"  # a string with two places, never a float
    assert body["title_id"] == title.json["id"] and body["address_id"] == address["id"]
    assert body["type"] == "vat_ordinary"

    listed = cli("invoice", "list", "--json")
    assert listed.exit_code == 0
    assert listed.json == [body]
    db = active_store(home)
    cents = db.scalar("SELECT amount_cents FROM invoice_requests")
    actions = db.column("SELECT action FROM audit_events ORDER BY id")
    assert cents == 123450
    assert actions[-2:] == ["invoice.title_add", "invoice.request"]
    assert "invoice.address_add" in actions


def test_human_outputs(cli: CliFn, acme: dict) -> None:
    authenticate(cli)
    address = add_address(cli)
    title = add_title(cli, "--tax-id", TAX_ID).json
    made = cli("invoice", "request", "--title-id", title["id"], "--address-id", address["id"],
               "--amount", "99.99")  # fmt: skip
    assert made.exit_code == 0
    assert "for 99.99 is pending" in made.stderr
    table = cli("invoice", "list")
    assert "99.99" in table.stdout and "pending" in table.stdout
    titles = cli("invoice", "title", "list", "--output", "csv")
    rows = list(csv.DictReader(io.StringIO(titles.stdout)))
    assert rows[0]["id"] == title["id"] and rows[0]["tax_id"] == TAX_ID
    addresses = cli("invoice", "address", "list", "--output", "ndjson")
    assert json.loads(addresses.stdout.splitlines()[0])["id"] == address["id"]


@pytest.mark.parametrize(
    ("title", "args", "field", "words"),
    [
        ("Acme Group", ["--tax-id", TAX_ID], "title", "must equal the authenticated name"),
        ("Acme Ltd", ["--tax-id", OTHER_TAX_ID], "tax_id", "must equal the authenticated tax id"),
        ("Acme Ltd", [], "tax_id", "must equal the authenticated tax id"),
    ],
)
def test_title_must_match_the_authentication(
    cli: CliFn, acme: dict, home: Path, title: str, args: list[str], field: str, words: str
) -> None:
    authenticate(cli)
    before = store_dump(home)
    result = add_title(cli, *args, title=title)
    assert result.exit_code == 6
    assert result.error["field"] == field
    assert words in result.error["message"]
    assert store_dump(home) == before


@pytest.mark.parametrize(
    ("args", "field", "words"),
    [
        (["--type", "paper", "--title", "Acme Ltd", "--tax-id", TAX_ID], "type", "vat_special"),
        (["--type", "vat_ordinary", "--title", "Acme Ltd", "--tax-id", "91110000600037341M"],
         "tax_id", "Unified Social Credit Code"),
        (["--type", "vat_special", "--title", "Acme Ltd", "--tax-id", TAX_ID],
         "bank_name", "--bank-name, --bank-account, --address, --phone"),
        (["--type", "vat_special", "--title", "Acme Ltd", "--tax-id", TAX_ID,
          "--bank-name", "ICBC", "--bank-account", "1202020209000012345", "--address", "1 Rd"],
         "phone", "needs --phone"),
        (["--type", "vat_special", "--title", "Acme Ltd", "--tax-id", TAX_ID, *SPECIAL[:2],
          "--bank-account", "12ab", *SPECIAL[4:]], "bank_account", "6-40 digits"),
        (["--type", "vat_ordinary", "--title", "Acme Ltd", "--tax-id", TAX_ID,
          "--phone", "call me"], "phone", "telephone number"),
        (["--type", "vat_ordinary", "--title", " ", "--tax-id", TAX_ID], "title", "blank"),
    ],
)  # fmt: skip
def test_title_malformed_input_exit_2(
    cli: CliFn, acme: dict, home: Path, args: list[str], field: str, words: str
) -> None:
    authenticate(cli)
    before = store_dump(home)
    result = cli("invoice", "title", "add", *args, "--json")
    assert result.exit_code == 2, result.stderr
    assert result.error["field"] == field
    assert words in result.error["message"]
    assert store_dump(home) == before


def test_vat_special_with_all_details(cli: CliFn, acme: dict) -> None:
    authenticate(cli)
    result = add_title(cli, "--tax-id", TAX_ID, *SPECIAL, kind="vat_special")
    assert result.exit_code == 0, result.stderr
    assert result.json["type"] == "vat_special"
    assert result.json["bank_name"] == "ICBC Hangzhou"
    assert result.json["phone"] == "0571-88886666"


def test_individual_titles(cli: CliFn, acme: dict) -> None:
    assert (
        cli("realname", "submit", "--type", "individual", "--name", "Zhang San",
            "--id-number", "360426199101010071").exit_code == 0
    )  # fmt: skip
    assert cli("realname", "review", "--approve").exit_code == 0
    ok = add_title(cli, title="Zhang San", kind="electronic_ordinary")
    assert ok.exit_code == 0, ok.stderr
    assert ok.json["tax_id"] is None
    with_tax = add_title(cli, "--tax-id", TAX_ID, title="Zhang San")
    assert with_tax.exit_code == 6
    assert "omit --tax-id" in with_tax.error["message"]
    special = add_title(cli, *SPECIAL, title="Zhang San", kind="vat_special")
    assert special.exit_code == 6
    assert "enterprise authentication" in special.error["message"]


BAD_AMOUNTS = [
    ("0", "greater than 0"),
    ("0.00", "greater than 0"),
    ("-5", "greater than 0"),
    ("1.001", "at most 2 decimal places"),
    ("abc", "number such as 100.00"),
    ("NaN", "number such as 100.00"),
    ("Infinity", "number such as 100.00"),
    ("10000000000", "at most"),
    # plain decimals only (issue 10): no exponent, underscores, other digits, sign
    ("1e3", "plain decimal number"),
    ("1E3", "plain decimal number"),
    ("1_000", "plain decimal number"),
    ("\u0661\u0660\u0660\u0660", "plain decimal number"),  # Arabic-Indic 1000
    ("\uff11\uff10\uff10", "plain decimal number"),  # fullwidth 100
    ("+5", "plain decimal number"),
    ("1,000", "plain decimal number"),
    ("5.", "plain decimal number"),
    ("0x10", "plain decimal number"),
]
GOOD_AMOUNTS = [("0.01", "0.01"), ("100", "100.00"), (" 7.5 ", "7.50"), (".5", "0.50")]


def test_amount_rules(cli: CliFn, acme: dict, home: Path) -> None:
    authenticate(cli)
    address = add_address(cli)
    title = add_title(cli, "--tax-id", TAX_ID).json
    before = store_dump(home)
    for amount, words in BAD_AMOUNTS:
        result = request(cli, title["id"], address["id"], amount)
        assert result.exit_code == 2, amount
        assert result.error["field"] == "amount"
        assert words in result.error["message"], amount
    assert store_dump(home) == before
    for amount, shown in GOOD_AMOUNTS:
        result = request(cli, title["id"], address["id"], amount)
        assert result.exit_code == 0, result.stderr
        assert result.json["amount"] == shown


def test_unknown_or_foreign_ids_are_not_found(cli: CliFn, acme: dict, make_account) -> None:
    authenticate(cli)
    make_account("globex")
    foreign_address = add_address(cli, account="globex")
    own_address = add_address(cli)
    title = add_title(cli, "--tax-id", TAX_ID).json
    missing = request(cli, "ttl_000000000000", own_address["id"])
    assert missing.exit_code == 3
    assert "no --title-id 'ttl_000000000000'" in missing.error["message"]  # the CLI names the flag
    foreign = request(cli, title["id"], foreign_address["id"])
    assert foreign.exit_code == 3
    assert foreign.error["field"] == "address_id"


def test_title_no_longer_matching_after_replacement(cli: CliFn, acme: dict) -> None:
    authenticate(cli)
    address = add_address(cli)
    title = add_title(cli, "--tax-id", TAX_ID).json
    replaced = cli("realname", "submit", "--type", "enterprise", "--name", "Acme Group",
                   "--tax-id", OTHER_TAX_ID, "--replace")  # fmt: skip
    assert replaced.exit_code == 0
    pending = request(cli, title["id"], address["id"])
    assert pending.exit_code == 6
    assert "status: pending" in pending.error["message"]
    assert cli("realname", "review", "--approve").exit_code == 0
    stale = request(cli, title["id"], address["id"])
    assert stale.exit_code == 6
    assert "no longer matches" in stale.error["message"]
    assert "invoice title add" in stale.error["message"]


@pytest.mark.parametrize(
    ("flag", "value", "words"),
    [
        ("--email", "not-an-email", "email is not a valid email address"),
        ("--phone", "12345", "phone is not a valid phone number"),
        ("--recipient", "  ", "recipient is required"),
        ("--address", "x" * 257, "at most 256"),
    ],
)
def test_address_validation_exit_2(
    cli: CliFn, acme: dict, home: Path, flag: str, value: str, words: str
) -> None:
    args = {
        "--recipient": "Li Lei", "--phone": "+8613800138000", "--email": "f@acme.com",
        "--address": "1 West Lake Rd",
    }  # fmt: skip
    args[flag] = value
    flat = [item for pair in args.items() for item in pair]
    before = store_dump(home)
    result = cli("invoice", "address", "add", *flat, "--json")
    assert result.exit_code == 2
    assert words in result.error["message"]
    assert store_dump(home) == before


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["address", "add", "--recipient", "Li", "--phone", "+8613800138000", "--email", "a@b.cn"],
         "--address"),
        (["title", "add", "--title", "Acme Ltd"], "--type"),
        (["request", "--title-id", "t", "--address-id", "a"], "--amount"),
    ],
)  # fmt: skip
def test_missing_values_without_terminal_exit_2(
    cli: CliFn, acme: dict, args: list[str], flag: str
) -> None:
    result = cli("invoice", *args, "--json")
    assert result.exit_code == 2
    assert flag in result.error["message"]


def test_lists_are_per_account(cli: CliFn, acme: dict, make_account) -> None:
    make_account("globex")
    add_address(cli, account="globex")
    result = cli("invoice", "address", "list", "--json")
    assert result.exit_code == 0
    assert result.json == []
    assert cli("invoice", "list", "--json").json == []
    assert cli("invoice", "title", "list", "--account", "globex", "--json").json == []


@given(st.one_of(st.text(max_size=40), st.decimals(allow_nan=True, allow_infinity=True).map(str)))
def test_any_amount_text_is_accepted_or_refused_cleanly(value: str) -> None:
    """Never a traceback: a two-place positive Decimal, or InvalidInput on `amount`."""
    try:
        amount = invoices.parse_amount(value)
    except InvalidInput as exc:
        assert exc.field == "amount"
        return
    assert amount > 0
    assert amount == amount.quantize(Decimal("0.01"))
    assert amount.as_tuple().exponent == -2
    assert re.fullmatch(r"[0-9]*\.?[0-9]{0,2}", value.strip(), re.ASCII), value  # plain only
