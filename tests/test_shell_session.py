"""What the shell's prompt shows: profile (unless default), account, store or server."""

from __future__ import annotations

from pathlib import Path

import pytest

from guance_billing_cli.cli.shell.session import Session
from guance_billing_cli.cli.toolkit.state import AppState
from tests.support.cli import CliFn

pytestmark = pytest.mark.sqlite_only


def label(state: AppState, account: str | None = None) -> str:
    with Session(state, account=account) as session:
        return session.prompt_label()


def test_prompt_names_profile_account_and_where(cli: CliFn, make_account, tmp_path: Path) -> None:
    acct = make_account("acme")
    assert label(AppState()) == "billing local> "
    assert label(AppState(), account="acme") == "billing acme@local> "
    # an id or email is shown as the username it names
    assert label(AppState(), account=acct["id"]) == "billing acme@local> "
    assert label(AppState(), account="acme@example.com") == "billing acme@local> "
    other = tmp_path / "other.db"
    assert cli("--profile", "staging", "config", "set", "store", str(other)).exit_code == 0
    assert label(AppState(profile="staging"), "x") == "billing[staging] x@local:other.db> "
    remote = AppState(profile="prod", server="https://billing.example.com:8443")
    assert label(remote, "beta") == "billing[prod] beta@billing.example.com:8443> "
    pg = AppState(store="postgresql+psycopg://app:pw@db.internal/billing")
    assert label(pg) == "billing postgresql:db.internal/billing> "
