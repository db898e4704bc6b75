"""Helpers for the cloud / workspace / bind tests: everything goes through the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.cli import CliFn, Run
from tests.support.store import active_store

AWS_ID = "123456789012"
AWS_ID_2 = "210987654321"
ALIYUN_ID = "1234567890123456"
ALIYUN_ID_2 = "6543210987654321"
HUAWEI_ID = "0123456789abcdef0123456789abcdef"
TAX_ID = "91110000600037341L"
OTHER_TAX_ID = "91330106MA27XK2C16"


def ok(run: Run) -> Run:
    assert run.exit_code == 0, (run.exit_code, run.stdout, run.stderr)
    return run


def add_cloud(
    cli: CliFn, provider: str, account_id: str, instance: str | None = None, *extra: str
) -> dict[str, Any]:
    args = ["cloud", "add", "--provider", provider, "--account-id", account_id, "--json", *extra]
    if instance is not None:
        args += ["--instance-id", instance]
    return ok(cli(*args)).json  # type: ignore[no-any-return]


def add_ws(cli: CliFn, ws_id: str, site: str, *extra: str) -> dict[str, Any]:
    run = cli("workspace", "add", "--id", ws_id, "--name", f"Name {ws_id}", "--site", site,
              "--json", *extra)  # fmt: skip
    return ok(run).json  # type: ignore[no-any-return]


def show_ws(cli: CliFn, ws_id: str) -> dict[str, Any]:
    return ok(cli("workspace", "show", ws_id, "--json")).json  # type: ignore[no-any-return]


def outcome(run: Run) -> dict[str, str]:
    """workspace id -> result, from a batch's JSON."""
    return {r["workspace_id"]: r["result"] for r in run.json["results"]}


def audit_actions(home: Path, action: str) -> list[tuple[str, str]]:
    return active_store(home).rows(  # type: ignore[return-value]
        "SELECT target, after FROM audit_events WHERE action = :action ORDER BY id",
        action=action,
    )


def authenticate(cli: CliFn, account: str, *, tax_id: str = TAX_ID, name: str = "Acme Ltd") -> None:
    """An approved enterprise real-name authentication for ``account``."""
    ok(cli("realname", "submit", "--account", account, "--type", "enterprise", "--name", name,
           "--tax-id", tax_id))  # fmt: skip
    ok(cli("realname", "review", "--account", account, "--approve"))
