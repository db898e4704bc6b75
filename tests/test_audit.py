"""audit list | verify: every write is recorded; tampering is detected."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

import guance_billing_cli.services.clock as clock
from tests.support.cli import CliFn
from tests.support.store import active_store


@pytest.fixture
def history(cli: CliFn, make_account) -> dict:
    acme = make_account("acme")
    make_account("globex")
    assert cli("profile", "update", "--account", "acme", "--region", "Hangzhou").exit_code == 0
    assert cli("account", "update", "acme", "--arbitrary-settlement", "on").exit_code == 0
    return acme


@pytest.mark.local_only  # the actor is "local:..."
def test_every_write_is_listed_with_before_and_after(cli: CliFn, history) -> None:
    events = cli("audit", "list", "--json").json
    actions = [e["action"] for e in events]
    assert actions[:4] == ["account.create", "account.create", "profile.update", "account.update"]
    update = events[2]
    assert update["before"] == {"region": ""}
    assert update["after"] == {"region": "Hangzhou"}
    assert update["actor"].startswith("local:")
    assert update["actor_role"] == "support"
    assert update["account_id"] == history["id"]


def test_filters(cli: CliFn, history) -> None:
    only_acme = cli("audit", "list", "--account", "acme", "--json").json
    assert {e["account_id"] for e in only_acme} == {history["id"]}
    creates = cli("audit", "list", "--action", "account.create", "--json").json
    assert len(creates) == 2
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert cli("audit", "list", "--since", future, "--json").json == []
    assert len(cli("audit", "list", "--since", "1h", "--json").json) >= 4
    assert cli("audit", "list", "--until", "2000-01-01", "--json").json == []
    bad = cli("audit", "list", "--since", "yesterday-ish", "--json")
    assert bad.exit_code == 2
    assert bad.error["field"] == "since"


def test_ci_run_id_is_recorded(cli: CliFn, make_account, monkeypatch) -> None:
    monkeypatch.setenv("GITHUB_RUN_ID", "run-4242")
    make_account("acme")
    assert cli("audit", "list", "--json").json[-1]["ci_run"] == "run-4242"


def test_verify_passes_on_an_intact_chain(cli: CliFn, history) -> None:
    result = cli("audit", "verify", "--json")
    assert result.exit_code == 0
    assert result.json["ok"] is True
    assert result.json["checked"] >= 4
    human = cli("audit", "verify")
    assert "Audit chain intact" in human.stderr


def _tamper(home, sql: str) -> None:  # type: ignore[no-untyped-def]
    assert active_store(home).execute(sql) == 1


def test_verify_detects_an_edited_event(cli: CliFn, history, home) -> None:
    _tamper(home, 'UPDATE audit_events SET after = \'{"region": "Elsewhere"}\' WHERE id = 3')
    result = cli("audit", "verify", "--json")
    assert result.exit_code == 6
    assert result.error["first_bad_id"] == 3
    assert "edited" in result.error["message"]


def test_verify_detects_a_removed_event(cli: CliFn, history, home) -> None:
    _tamper(home, "DELETE FROM audit_events WHERE id = 2")
    result = cli("audit", "verify", "--json")
    assert result.exit_code == 6
    assert result.error["first_bad_id"] == 2
    assert "event 2 is missing: event 3 follows event 1" in result.error["message"]


def test_verify_detects_reordered_events(cli: CliFn, history, home) -> None:
    _tamper(home, "UPDATE audit_events SET id = 100 WHERE id = 1")
    result = cli("audit", "verify")
    assert result.exit_code == 6
    assert "audit chain broken at event 1: event 1 is missing" in result.stderr


def test_audit_time_comes_from_the_clock(cli: CliFn, make_account, monkeypatch) -> None:
    fixed = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    monkeypatch.setattr(clock, "now", lambda: fixed)
    make_account("acme")
    assert cli("audit", "list", "--json").json[-1]["at"] == "2026-01-02T03:04:05Z"
