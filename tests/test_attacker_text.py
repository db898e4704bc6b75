"""Issue 22: free text is plain text. Text that lies about itself — a right-to-left
override (U+202E) that turns ``Acme‮gnp.exe`` around, a zero-width space that makes
two names look the same — is refused in every free-text field, on every face (the CLI
on each backend; the HTTP API of a real server on SQLite and PostgreSQL), exit 2 /
422 with one reason; a value that got into the store before is shown escaped."""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests import test_attacker
from tests.support.cli import CliFn
from tests.support.store import store_dump
from tests.test_attacker import EMAIL, PASSWORD, Live

pytestmark = pytest.mark.slow  # the slow tier: attack simulations

live = test_attacker.live  # the real server (uvicorn on 127.0.0.1), SQLite and PostgreSQL

TAX_ID = "91110000600037341L"
LIARS = {
    "U+202E": "Acme\u202egnp.exe",  # right-to-left override
    "U+200B": "Ac\u200bme",  # zero-width space
    "U+2066": "Acme\u2066 Ltd",  # left-to-right isolate
    "U+FEFF": "\ufeffAcme",  # zero-width no-break space (BOM)
    "U+E0041": "Acme\U000e0041",  # a tag character
}


def test_the_refused_set_is_unicodes_for_this_python() -> None:
    from guance_billing_cli.schemas import plaintext

    listed = {c for first, last in plaintext.RANGES for c in range(first, last + 1)}
    computed = {
        c
        for c in range(sys.maxunicode + 1)
        if unicodedata.category(chr(c)) in plaintext.CATEGORIES or c in plaintext.FILLERS
    }
    assert listed == computed
    assert plaintext.first_hidden("Acme 有限公司 — café ✓") is None
    assert plaintext.shown("Acme\u202egnp") == "Acme\\u202egnp"


def _refused(result: Any, field: str, codepoint: str) -> None:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr  # one reason, no traceback
    error = result.error
    assert error["reason"] == "invisible_characters", error
    assert error["params"]["codepoint"] == codepoint
    assert result.stdout == ""


@pytest.mark.parametrize("codepoint", list(LIARS))
def test_every_free_text_field_refuses_invisible_characters(
    cli: CliFn, make_account: Any, home: Path, codepoint: str
) -> None:
    bad = LIARS[codepoint]
    make_account("acme", company_name="Acme Ltd")
    assert cli("realname", "submit", "--account", "acme", "--type", "enterprise",
               "--name", "Acme Ltd", "--tax-id", TAX_ID).exit_code == 0  # fmt: skip
    assert cli("realname", "review", "--account", "acme", "--approve").exit_code == 0
    before = store_dump(home)
    acct = ["--username", "other", "--email", "o@acme.com", "--phone", "+8613900001111"]
    address = ["--phone", "+8613800138000", "--email", "f@acme.com"]
    tries = {
        "company_name": ["account", "create", *acct, "--company-name", bad],
        "contact_name": ["profile", "update", "--account", "acme", "--contact-name", bad],
        "description": ["profile", "update", "--account", "acme", "--description", bad],
        "region": ["profile", "update", "--account", "acme", "--region", bad],
        "name": ["workspace", "add", "--account", "acme", "--id", "ws1", "--name", bad,
                 "--site", "cn1"],
        "recipient": ["invoice", "address", "add", "--account", "acme", "--recipient", bad,
                      *address, "--address", "1 Road"],
        "address": ["invoice", "address", "add", "--account", "acme", "--recipient", "Li",
                    *address, "--address", bad],
        "title": ["invoice", "title", "add", "--account", "acme", "--type", "vat_ordinary",
                  "--title", bad, "--tax-id", TAX_ID],
        "reason": ["realname", "review", "--account", "acme", "--reject", "--reason", bad],
    }  # fmt: skip
    for field, args in tries.items():
        result = cli(*args, "--json")
        _refused(result, field, codepoint)
        assert result.error["params"]["field"] in (field, "name"), result.error
    assert store_dump(home) == before  # nothing changed


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/accounts/{me}/profile", {"company_name": "Acme\u202egnp.exe"}),
        ("/v1/accounts/{me}/profile", {"contact_name": "Li\u200bLei"}),
        ("/v1/accounts/{me}/profile", {"description": "\u2067hidden\u2069"}),
        (
            "/v1/accounts/{me}/invoice-addresses",
            {
                "recipient": "Li\u202eLei",
                "phone": "+8613800138000",
                "email": "f@acme.com",
                "address": "1 Road",
            },
        ),
        ("/v1/accounts/{me}/workspaces", {"id": "ws1", "name": "W\u200d1", "site": "cn1"}),
    ],
    ids=["company", "contact", "description", "recipient", "workspace"],
)
def test_the_api_refuses_them_too(live: Live, path: str, body: dict[str, Any]) -> None:
    login = live.post("/v1/auth/login", {"email": EMAIL, "password": PASSWORD})
    headers = {"Authorization": f"Bearer {login.json()['token']}"}
    me = httpx.get(live.url + "/v1/auth/whoami", headers=headers).json()["account_id"]
    method = "PATCH" if path.endswith("/profile") else "POST"
    answer = httpx.request(
        method, live.url + path.format(me=me), json=body, headers=headers, timeout=30
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["reason"] == "invisible_characters"
    shown = httpx.get(live.url + f"/v1/accounts/{me}", headers=headers).json()
    assert shown["company_name"] == "Acme" and not shown.get("contact_name")


def test_a_value_stored_before_is_shown_escaped(
    cli: CliFn, make_account: Any, store_db: Any
) -> None:
    make_account("acme", company_name="Acme Ltd")
    store_db.execute(
        "UPDATE accounts SET company_name = :v, description = :d",
        v="Acme\u202egnp.exe",
        d="zero\u200bwidth",
    )
    listed = cli("account", "list")
    assert listed.exit_code == 0, listed.stderr
    assert "Acme\\u202egnp.exe" in listed.stdout and "\u202e" not in listed.stdout
    shown = cli("profile", "show", "--account", "acme")
    assert shown.exit_code == 0, shown.stderr
    assert "zero\\u200bwidth" in shown.stdout and "\u200b" not in shown.stdout
    # JSON stays the data itself (a script gets what is stored)
    assert cli("profile", "show", "--account", "acme", "--json").json["company_name"] == (
        "Acme\u202egnp.exe"
    )
