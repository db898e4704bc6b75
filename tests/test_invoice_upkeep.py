"""Invoice upkeep (issue 15): title and address update/delete, invoice show and cancel.

On every backend.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import CliFn
from tests.support.store import store_dump
from tests.test_invoice import SPECIAL, TAX_ID, add_address, add_title, authenticate, request


@pytest.fixture
def acme(make_account, monkeypatch: pytest.MonkeyPatch) -> dict:
    account = make_account("acme", company_name="Acme Ltd")
    monkeypatch.setenv("GUANCE_BILLING_ACCOUNT", "acme")
    return account


@pytest.fixture
def ready(cli: CliFn, acme: dict) -> dict[str, str]:
    authenticate(cli)
    title = add_title(cli, "--tax-id", TAX_ID)
    assert title.exit_code == 0, title.stderr
    address = add_address(cli)
    return {"title": title.json["id"], "address": address["id"]}


def test_title_update_keeps_the_gate_and_the_title_rule(
    cli: CliFn, ready: dict[str, str], home: Path
) -> None:
    tid = ready["title"]
    special = cli("invoice", "title", "update", tid, "--type", "vat_special", *SPECIAL, "--json")
    assert special.exit_code == 0, special.stderr
    assert special.json["type"] == "vat_special"
    assert special.json["bank_name"] == "ICBC Hangzhou"
    before = store_dump(home)
    wrong = cli("invoice", "title", "update", tid, "--title", "Other Ltd", "--json")
    assert wrong.exit_code == 6
    assert "authenticated name" in wrong.error["message"]
    assert store_dump(home) == before
    # clearing a field vat_special needs is refused, naming the flag
    missing = cli("invoice", "title", "update", tid, "--bank-name", "")
    assert missing.exit_code == 2
    assert "--bank-name" in missing.stderr
    nothing = cli("invoice", "title", "update", tid)
    assert nothing.exit_code == 2
    assert "nothing to change" in nothing.stderr


def test_title_update_refused_without_approved_realname(
    cli: CliFn, ready: dict[str, str], home: Path
) -> None:
    # a new submission makes the status pending: the gate closes again
    resubmit = cli(
        "realname", "submit", "--type", "enterprise", "--name", "Acme Ltd", "--tax-id", TAX_ID,
        "--replace",
    )  # fmt: skip
    assert resubmit.exit_code == 0, resubmit.stderr
    before = store_dump(home)
    result = cli("invoice", "title", "update", ready["title"], "--type", "electronic_ordinary")
    assert result.exit_code == 6
    assert "approved real-name" in result.stderr
    assert store_dump(home) == before


def test_delete_refused_while_pending_then_allowed_after_cancel(
    cli: CliFn, ready: dict[str, str]
) -> None:
    inv = request(cli, ready["title"], ready["address"])
    assert inv.exit_code == 0, inv.stderr
    inv_id = inv.json["id"]
    refused = cli("invoice", "title", "delete", ready["title"], "--yes")
    assert refused.exit_code == 6
    assert f"invoice cancel {inv_id}" in refused.stderr
    refused = cli("invoice", "address", "delete", ready["address"], "--yes")
    assert refused.exit_code == 6

    shown = cli("invoice", "show", inv_id, "--json")
    assert shown.exit_code == 0
    assert shown.json["status"] == "pending"
    cancelled = cli("invoice", "cancel", inv_id, "--yes", "--json")
    assert cancelled.exit_code == 0
    assert cancelled.json["status"] == "cancelled"
    assert cancelled.json["cancelled_at"]
    again = cli("invoice", "cancel", inv_id, "--yes", "--json")
    assert again.exit_code == 0
    assert again.json["cancelled_at"] == cancelled.json["cancelled_at"]

    assert cli("invoice", "title", "delete", ready["title"], "--yes").exit_code == 0
    assert cli("invoice", "address", "delete", ready["address"], "--yes").exit_code == 0
    assert cli("invoice", "title", "list", "--json").json == []
    assert cli("invoice", "address", "list", "--json").json == []
    # past requests still show their title; a deleted title cannot be used again
    assert cli("invoice", "show", inv_id, "--json").json["title"] == "Acme Ltd"
    reuse = request(cli, ready["title"], ready["address"])
    assert reuse.exit_code == 3
    gone = cli("invoice", "title", "update", ready["title"], "--title", "Acme Ltd")
    assert gone.exit_code == 3


def test_address_update_checks_like_add(cli: CliFn, ready: dict[str, str], home: Path) -> None:
    aid = ready["address"]
    ok = cli("invoice", "address", "update", aid, "--recipient", "Han Meimei", "--json")
    assert ok.exit_code == 0, ok.stderr
    assert ok.json["recipient"] == "Han Meimei"
    assert ok.json["email"] == "finance@acme.com"
    before = store_dump(home)
    bad = cli("invoice", "address", "update", aid, "--email", "not-an-email")
    assert bad.exit_code == 2
    assert "--email is not a valid email address" in bad.stderr
    assert store_dump(home) == before


def test_destructive_upkeep_needs_yes_without_a_terminal(
    cli: CliFn, ready: dict[str, str], home: Path
) -> None:
    before = store_dump(home)
    result = cli("invoice", "title", "delete", ready["title"])
    assert result.exit_code == 2
    assert "--yes" in result.stderr
    assert store_dump(home) == before


def test_another_accounts_objects_are_not_found(
    cli: CliFn, ready: dict[str, str], make_account
) -> None:
    make_account("beta")
    for args in (
        ("invoice", "title", "update", ready["title"], "--title", "Acme Ltd"),
        ("invoice", "address", "delete", ready["address"], "--yes"),
    ):
        result = cli(*args, "--account", "beta")
        assert result.exit_code == 3, result.stderr
    unknown = cli("invoice", "show", "inv_000000000000")
    assert unknown.exit_code == 3
