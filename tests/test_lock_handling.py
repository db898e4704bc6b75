"""Lock handling (issue 15): locks_at and days left, remedies, re-subscribing, reminders.

On every backend; reminders are read
back from the real Maildir outbox.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import CliFn
from tests.support.mail import body, mails
from tests.support.settlement import (
    ALIYUN_ID,
    AWS_ID,
    add_cloud,
    add_ws,
    audit_actions,
    ok,
    show_ws,
)
from tests.support.store import store_dump


@pytest.fixture
def acme(cli: CliFn, make_account) -> dict:
    account = make_account("acme", company_name="Acme Ltd")
    ok(cli("account", "use", "acme"))
    return account


@pytest.fixture
def in_countdown(cli: CliFn, acme: dict, clock) -> dict:
    """w1 (us1) bound to an AWS account this month, then the account unsubscribed."""
    aws = add_cloud(cli, "aws", AWS_ID)
    add_ws(cli, "w1", "us1")
    ok(cli("cloud", "bind", aws["id"], "w1"))
    ok(cli("cloud", "unsubscribe", aws["id"], "--yes"))
    return aws


def test_list_and_show_give_state_locks_at_and_days_left(
    cli: CliFn, in_countdown: dict, clock
) -> None:
    add_ws(cli, "w2", "us1")
    shown = show_ws(cli, "w1")
    assert shown["state"] == "countdown"
    assert shown["locks_at"] == "2026-03-16T09:00:00Z"
    assert shown["days_left"] == 14
    assert show_ws(cli, "w2")["days_left"] is None
    table = ok(cli("workspace", "list")).stdout
    assert "2026-03-16T09:00:00Z" in table and "days_left" in table
    clock.advance(days=13, hours=12)
    assert show_ws(cli, "w1")["days_left"] == 1
    clock.advance(days=1)
    locked = show_ws(cli, "w1")
    assert locked["state"] == "locked" and locked["days_left"] == 0


def test_unlock_refusal_names_every_remedy_left(cli: CliFn, in_countdown: dict, home: Path) -> None:
    aliyun = add_cloud(cli, "aliyun", ALIYUN_ID, "cmgj0012345")
    before = store_dump(home)
    refused = cli("workspace", "unlock", "w1", "--rebind", aliyun["id"], "--json")
    assert refused.exit_code == 6
    message = refused.error["message"]
    assert f"cloud resubscribe {in_countdown['id']}" in message
    assert "--billing-center" in message
    assert {"remedy": "billing_center"} in refused.error["remedies"]
    assert store_dump(home) == before


def test_resubscribe_is_an_unlock_remedy(cli: CliFn, in_countdown: dict, home: Path) -> None:
    result = ok(cli("cloud", "resubscribe", in_countdown["id"], "--json")).json
    assert result["status"] == "subscribed" and result["changed"] is True
    assert result["affected"] == [{"workspace_id": "w1", "effect": "unlocked", "locks_at": None}]
    shown = show_ws(cli, "w1")
    assert shown["state"] == "active" and shown["cloud_account_id"] == in_countdown["id"]
    again = ok(cli("cloud", "resubscribe", in_countdown["id"], "--json")).json
    assert again["changed"] is False
    assert [t for t, _ in audit_actions(home, "cloud.resubscribe")] == [in_countdown["id"]]


def test_cloud_add_of_the_same_id_resubscribes(cli: CliFn, in_countdown: dict) -> None:
    run = ok(cli("cloud", "add", "--provider", "aws", "--account-id", AWS_ID))
    assert "Re-subscribed aws account" in run.stderr and "1 workspace(s) unlocked" in run.stderr
    assert show_ws(cli, "w1")["state"] == "active"
    # once subscribed, adding it again is the old conflict
    again = cli("cloud", "add", "--provider", "aws", "--account-id", AWS_ID, "--json")
    assert again.exit_code == 6


def test_reminders_once_per_stage(cli: CliFn, in_countdown: dict, home: Path, clock) -> None:
    def remind(*extra: str) -> dict:
        return ok(cli("workspace", "remind", "--json", *extra)).json  # type: ignore[no-any-return]

    dry = remind("--dry-run")
    assert [r["stage"] for r in dry["reminders"]] == ["started"]
    assert dry["reminders"][0]["result"] == "would_send"
    assert mails(home, "acme@example.com") == []

    first = remind()
    assert [(r["workspace_id"], r["stage"], r["result"]) for r in first["reminders"]] == [
        ("w1", "started", "sent")
    ]
    sent = mails(home, "acme@example.com")
    assert len(sent) == 1
    assert "w1" in sent[0]["Subject"] and "2026-03-16" in sent[0]["Subject"]
    text = body(sent[0])
    # customers have the console and support, not this tool (issue 23)
    assert f"re-subscribe the cloud account {in_countdown['id']}" in text
    assert "Guance console" in text and "Guance support" in text
    assert "guance-billing" not in text and "--rebind" not in text
    assert "(14 days left)" in text and "day(s)" not in text
    again = remind()
    assert again["reminders"] == [] and again["already_sent"] == 1
    assert len(mails(home, "acme@example.com")) == 1

    clock.advance(days=11)  # 3 days left
    assert [r["stage"] for r in remind()["reminders"]] == ["3_days"]
    clock.advance(days=2)  # 1 day left
    assert [r["stage"] for r in remind()["reminders"]] == ["1_day"]
    assert "(1 day left)" in body(mails(home, "acme@example.com")[-1])
    assert remind()["reminders"] == []
    clock.advance(days=2)  # locked: the countdown is over, nothing more
    assert remind()["reminders"] == []
    assert len(mails(home, "acme@example.com")) == 3
    assert len(audit_actions(home, "workspace.remind")) == 3


def test_a_late_first_run_sends_only_the_due_stage(
    cli: CliFn, in_countdown: dict, home: Path, clock
) -> None:
    clock.advance(days=12)  # 2 days left: "started" is stale, "3_days" is due
    result = ok(cli("workspace", "remind", "--json")).json
    assert [r["stage"] for r in result["reminders"]] == ["3_days"]
    assert len(mails(home, "acme@example.com")) == 1


def test_remind_for_every_account_needs_support_but_one_account_works(
    cli: CliFn, in_countdown: dict
) -> None:
    one = ok(cli("workspace", "remind", "--account", "acme", "--dry-run", "--json")).json
    assert [r["workspace_id"] for r in one["reminders"]] == ["w1"]
