"""History stays true (issue 23): what a support engineer would otherwise explain away.

- an invoice request keeps the title and address values it was made with;
- the store migration snapshots the requests made before it;
- ``cloud unsubscribe --json`` counts the workspaces ``cloud show`` counts;
- a refused confirmation names the command that needs ``--yes``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.support.cli import CliFn
from tests.support.settlement import AWS_ID, add_cloud, add_ws, ok
from tests.support.store import store_dump
from tests.test_invoice import SPECIAL, TAX_ID, add_address, add_title, authenticate, request


@pytest.fixture
def acme(make_account, monkeypatch: pytest.MonkeyPatch) -> dict:
    account = make_account("acme", company_name="Acme Ltd", email="ops@acme.example.com")
    monkeypatch.setenv("GUANCE_BILLING_ACCOUNT", "acme")
    return account


def test_a_request_keeps_the_title_and_address_it_was_made_with(cli: CliFn, acme: dict) -> None:
    authenticate(cli)
    title = ok(add_title(cli, "--tax-id", TAX_ID, *SPECIAL, kind="vat_special")).json
    address = add_address(cli)
    made = ok(request(cli, title["id"], address["id"])).json
    assert made["type"] == "vat_special" and made["bank_name"] == "ICBC Hangzhou"
    assert made["recipient"] == "Li Lei" and made["tax_id"] == TAX_ID
    # the title and the address change afterwards
    ok(cli("invoice", "title", "update", title["id"], "--type", "vat_ordinary",
           "--bank-name", "", "--bank-account", "", "--address", "", "--phone", ""))  # fmt: skip
    ok(cli("invoice", "address", "update", address["id"], "--recipient", "Han Meimei"))
    shown = ok(cli("invoice", "show", made["id"], "--json")).json
    listed = ok(cli("invoice", "list", "--json")).json
    for view in (shown, listed[0]):
        assert view["type"] == "vat_special", view
        assert view["bank_name"] == "ICBC Hangzhou"
        assert view["bank_account"] == "1202 0202 0900 0012 345"
        assert view["registered_phone"] == "0571-88886666"
        assert view["recipient"] == "Li Lei"
        assert view["mailing_address"] == "1 West Lake Rd, Hangzhou"
    human = ok(cli("invoice", "show", made["id"]))
    assert "vat_special" in human.stdout and "ICBC Hangzhou" in human.stdout
    # a new request takes the title as it is now
    ok(cli("invoice", "cancel", made["id"], "--yes"))
    later = ok(request(cli, title["id"], address["id"])).json
    assert later["type"] == "vat_ordinary" and later["bank_name"] is None
    assert later["recipient"] == "Han Meimei"
    # cancelling keeps the snapshot too
    cancelled = ok(cli("invoice", "show", made["id"], "--json")).json
    assert cancelled["status"] == "cancelled" and cancelled["type"] == "vat_special"


@pytest.mark.sqlite_only
def test_the_migration_snapshots_requests_made_before_it(
    cli: CliFn, acme: dict, home: Path
) -> None:
    from guance_billing_cli.store import engine as store_engine

    authenticate(cli)
    title = ok(add_title(cli, "--tax-id", TAX_ID, *SPECIAL, kind="vat_special")).json
    address = add_address(cli)
    pending = ok(request(cli, title["id"], address["id"])).json
    db = home / "billing.db"
    engine = store_engine.create_store_engine(f"sqlite:///{db}")
    _alembic_downgrade(engine, "0009_i14")
    engine.dispose()
    with sqlite3.connect(db) as conn:
        columns = {r[1] for r in conn.execute("PRAGMA table_info(invoice_requests)")}
    conn.close()
    assert "title_type" not in columns  # the old schema
    # the next command migrates: the request gets the values its title holds now
    shown = ok(cli("invoice", "show", pending["id"], "--json")).json
    assert shown["type"] == "vat_special" and shown["bank_name"] == "ICBC Hangzhou"
    assert shown["recipient"] == "Li Lei" and shown["title"] == "Acme Ltd"
    ok(cli("invoice", "title", "update", title["id"], "--type", "vat_ordinary"))
    again = ok(cli("invoice", "show", pending["id"], "--json")).json
    assert again["type"] == "vat_special"


def _alembic_downgrade(engine, revision: str) -> None:  # type: ignore[no-untyped-def]
    from alembic import command

    from guance_billing_cli.store import engine as store_engine

    config = store_engine.alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


def test_unsubscribe_json_counts_the_workspaces_show_counts(cli: CliFn, acme: dict) -> None:
    aws = add_cloud(cli, "aws", AWS_ID)
    for ws in ("a", "b", "c"):
        add_ws(cli, ws, "us1")
    ok(cli("cloud", "bind", aws["id"], "a", "b", "c"))
    result = ok(cli("cloud", "unsubscribe", aws["id"], "--yes", "--json")).json
    assert len(result["affected"]) == 3
    shown = ok(cli("cloud", "show", aws["id"], "--json")).json
    assert result["workspaces"] == shown["workspaces"] == 3


@pytest.mark.parametrize(
    ("command", "named"),
    [
        (("invoice", "title", "delete", "{title}"), "guance-billing invoice title delete"),
        (("invoice", "address", "delete", "{address}"), "guance-billing invoice address delete"),
        (("invoice", "cancel", "{request}"), "guance-billing invoice cancel inv_"),
        (("cloud", "unsubscribe", "{cloud}"), "guance-billing cloud unsubscribe"),
    ],
)
def test_a_refused_confirmation_names_the_command(
    cli: CliFn, acme: dict, home: Path, command: tuple[str, ...], named: str
) -> None:
    authenticate(cli)
    title = ok(add_title(cli, "--tax-id", TAX_ID)).json
    address = add_address(cli)
    made = ok(request(cli, title["id"], address["id"])).json
    cloud = add_cloud(cli, "aws", AWS_ID)
    ids = {"title": title["id"], "address": address["id"], "request": made["id"],
           "cloud": cloud["id"]}  # fmt: skip
    args = [part.format(**ids) for part in command]
    before = store_dump(home)
    result = cli("--no-input", *args)
    assert result.exit_code == 2
    assert f"{named}" in result.stderr, result.stderr
    assert "needs a confirmation: pass --yes" in result.stderr
    assert "error:  needs" not in result.stderr
    assert store_dump(home) == before


@pytest.mark.local_only
def test_the_unsubscribe_confirmation_says_what_will_happen(
    cli: CliFn, acme: dict, terminal, home: Path
) -> None:
    assert cli("account", "use", "acme").exit_code == 0
    aws = add_cloud(cli, "aws", AWS_ID)
    for ws in ("a", "b"):
        add_ws(cli, ws, "us1")
    ok(cli("cloud", "bind", aws["id"], "a", "b"))
    before = store_dump(home)
    screen = terminal.run(
        "cloud", "unsubscribe", aws["id"], "--account", "acme", answers=[("start a 14-day", "n")]
    )
    assert "2 workspaces start a 14-day" in screen.text, screen.text
    assert screen.exit_code != 0
    assert store_dump(home) == before
