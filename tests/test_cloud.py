"""cloud add | list | show | unsubscribe (DESIGN §2 cloud accounts, rule 4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import CliFn
from tests.support.mail import body, mails
from tests.support.settlement import (
    ALIYUN_ID,
    AWS_ID,
    HUAWEI_ID,
    add_cloud,
    add_ws,
    audit_actions,
    ok,
    outcome,
    show_ws,
)
from tests.support.store import store_dump


@pytest.fixture
def acme(cli: CliFn, make_account) -> dict:
    account = make_account("acme", email="ops@acme.example.com")
    ok(cli("account", "use", "acme"))
    return account


def test_add_each_provider_and_show(cli: CliFn, acme: dict) -> None:
    aws = add_cloud(cli, "aws", "1234-5678-9012")
    assert aws["provider"] == "aws" and aws["account_id"] == AWS_ID  # dashes dropped
    assert aws["instance_id"] is None and aws["status"] == "subscribed"
    assert aws["id"].startswith("cld_") and aws["billing_account_id"] == acme["id"]
    ali = add_cloud(cli, "aliyun", ALIYUN_ID, "cmgj00012345")
    assert ali["instance_id"] == "cmgj00012345"
    hw = add_cloud(cli, "huawei", HUAWEI_ID.upper(), "inst-01")
    assert hw["account_id"] == HUAWEI_ID  # normalized to lower case
    shown = ok(cli("cloud", "show", ali["id"], "--json")).json
    added = {k: v for k, v in ali.items() if k not in ("resubscribed", "unlocked")}
    assert shown == added and ali["resubscribed"] is False
    table = ok(cli("cloud", "show", ali["id"]))
    assert ALIYUN_ID in table.stdout and "subscribed" in table.stdout


@pytest.mark.parametrize(
    ("provider", "account_id", "instance", "field", "words"),
    [
        ("aws", "12345678901", None, "account_id", "12 digits"),
        ("aws", "1234567890123", None, "account_id", "12 digits"),
        ("aws", "12345678901a", None, "account_id", "12 digits"),
        ("aliyun", "123456789012345", "i-1", "account_id", "16 digits"),
        ("aliyun", "12345678901234567", "i-1", "account_id", "16 digits"),
        ("huawei", "0123456789abcdef0123456789abcdeg", "i-1", "account_id", "32 hexadecimal"),
        ("huawei", "0123456789abcdef", "i-1", "account_id", "32 hexadecimal"),
        ("aliyun", ALIYUN_ID, None, "instance_id", "required for aliyun"),
        ("huawei", HUAWEI_ID, None, "instance_id", "required for huawei"),
        ("aliyun", ALIYUN_ID, "bad instance!", "instance_id", "malformed"),
        ("aws", AWS_ID, "i-1", "instance_id", "aliyun and huawei only"),
        ("tencent", AWS_ID, None, "provider", "aws, aliyun, huawei"),
    ],
)
def test_add_refuses_malformed_input(
    cli: CliFn, acme: dict, home: Path, provider: str, account_id: str, instance: str | None,
    field: str, words: str,
) -> None:  # fmt: skip
    before = store_dump(home)
    args = ["cloud", "add", "--provider", provider, "--account-id", account_id, "--json"]
    if instance is not None:
        args += ["--instance-id", instance]
    result = cli(*args)
    assert result.exit_code == 2, result.stderr
    assert result.error["field"] == field and words in result.error["message"]
    assert store_dump(home) == before


def test_missing_values_fail_without_a_terminal(cli: CliFn, acme: dict) -> None:
    result = cli("cloud", "add", "--provider", "aws", "--json")
    assert result.exit_code == 2 and "--account-id" in result.error["message"]
    result = cli("cloud", "add", "--account-id", AWS_ID)
    assert result.exit_code == 2 and "--provider" in result.stderr


def test_same_provider_account_twice_is_a_conflict(cli: CliFn, acme: dict, make_account) -> None:
    first = add_cloud(cli, "aws", AWS_ID)
    again = cli("cloud", "add", "--provider", "aws", "--account-id", AWS_ID, "--json")
    assert again.exit_code == 6 and again.error["code"] == "conflict"
    assert first["id"] in again.error["message"]
    make_account("globex")
    other = cli("cloud", "add", "--account", "globex", "--provider", "aws", "--account-id",
                "1234-5678-9012", "--json")  # fmt: skip
    assert other.exit_code == 6 and "another billing account" in other.error["message"]
    # the same digits under another provider are another account
    add_cloud(cli, "aliyun", "1234567890123456", "i-1")


def test_list_counts_workspaces_and_formats(cli: CliFn, acme: dict, make_account) -> None:
    aws = add_cloud(cli, "aws", AWS_ID)
    add_cloud(cli, "huawei", HUAWEI_ID, "inst-01")
    for ws in ("w1", "w2", "w3"):
        add_ws(cli, ws, "us1")
    ok(cli("cloud", "bind", aws["id"], "w1", "w2"))
    rows = ok(cli("cloud", "list", "--json")).json
    assert [(r["provider"], r["workspaces"]) for r in rows] == [("aws", 2), ("huawei", 0)]
    csv_out = ok(cli("cloud", "list", "--output", "csv")).stdout.splitlines()
    assert csv_out[0] == "id,provider,account_id,instance_id,status,workspaces"
    assert f",aws,{AWS_ID},,subscribed,2" in csv_out[1]
    make_account("globex")
    assert ok(cli("cloud", "list", "--account", "globex", "--json")).json == []


def test_show_not_found_and_account_mismatch(cli: CliFn, acme: dict, make_account) -> None:
    aws = add_cloud(cli, "aws", AWS_ID)
    missing = cli("cloud", "show", "cld_000000000000", "--json")
    assert missing.exit_code == 3 and missing.error["code"] == "not_found"
    make_account("globex")
    mismatch = cli("cloud", "show", aws["id"], "--account", "globex", "--json")
    assert mismatch.exit_code == 3
    assert (
        ok(cli("cloud", "show", aws["id"], "--account", "acme", "--json")).json["id"] == aws["id"]
    )


def test_unsubscribe_needs_yes_without_a_terminal(cli: CliFn, acme: dict, home: Path) -> None:
    aws = add_cloud(cli, "aws", AWS_ID)
    before = store_dump(home)
    result = cli("cloud", "unsubscribe", aws["id"], "--json")
    assert result.exit_code == 2 and "--yes" in result.error["message"]
    assert store_dump(home) == before


def test_unsubscribe_aliyun_falls_back_and_emails(cli: CliFn, acme: dict, home: Path) -> None:
    ali = add_cloud(cli, "aliyun", ALIYUN_ID, "cmgj00012345")
    for ws in ("hz1", "hz2"):
        add_ws(cli, ws, "cn1")
    add_ws(cli, "hk1", "cn6")
    add_ws(cli, "stays", "cn1")
    ok(cli("cloud", "bind", ali["id"], "hz1", "hz2", "hk1"))
    result = ok(cli("cloud", "unsubscribe", ali["id"], "--yes", "--json")).json
    assert result["status"] == "unsubscribed" and result["changed"] is True
    assert result["unsubscribed_at"] is not None and result["id"] == ali["id"]
    assert [(a["workspace_id"], a["effect"]) for a in result["affected"]] == [
        ("hk1", "fallback_billing_center"),
        ("hz1", "fallback_billing_center"),
        ("hz2", "fallback_billing_center"),
    ]
    assert result["notice_sent_to"] == "ops@acme.example.com"
    for ws in ("hz1", "hz2", "hk1"):
        shown = show_ws(cli, ws)
        assert shown["settlement"] == "billing_center" and shown["cloud_account_id"] is None
        assert shown["state"] == "active"
    [mail] = mails(home, to="ops@acme.example.com")
    text = body(mail)
    assert ALIYUN_ID in mail["Subject"] and "hz1" in text and "hk1" in text and "stays" not in text
    assert "billing center" in text.lower()
    [(target, after)] = audit_actions(home, "cloud.unsubscribe")
    assert target == ali["id"] and json.loads(after)["affected"] == ["hk1", "hz1", "hz2"]


def test_unsubscribe_again_changes_nothing(cli: CliFn, acme: dict, home: Path) -> None:
    ali = add_cloud(cli, "aliyun", ALIYUN_ID, "cmgj00012345")
    ok(cli("cloud", "unsubscribe", ali["id"], "--yes"))
    before = store_dump(home)
    again = ok(cli("cloud", "unsubscribe", ali["id"], "--yes", "--json")).json
    assert again["changed"] is False and again["affected"] == []
    assert store_dump(home) == before
    human = ok(cli("cloud", "unsubscribe", ali["id"], "--yes"))
    assert "already unsubscribed" in human.stderr
    assert mails(home) == []  # no workspace fell back: nothing to tell


@pytest.mark.parametrize(("provider", "account_id", "instance", "site"), [
    ("aws", AWS_ID, None, "us1"),
    ("huawei", HUAWEI_ID, "inst-01", "cn4"),
])  # fmt: skip
def test_unsubscribe_aws_and_huawei_start_the_countdown(
    cli: CliFn, acme: dict, home: Path, clock, provider: str, account_id: str,
    instance: str | None, site: str,
) -> None:  # fmt: skip
    cloud = add_cloud(cli, provider, account_id, instance)
    add_ws(cli, "a", site)
    add_ws(cli, "b", site)
    ok(cli("cloud", "bind", cloud["id"], "a"))
    clock.advance(hours=1)
    result = ok(cli("cloud", "unsubscribe", cloud["id"], "--yes", "--json")).json
    assert [a["workspace_id"] for a in result["affected"]] == ["a"]
    assert result["affected"][0]["effect"] == "countdown"
    assert result["affected"][0]["locks_at"] == "2026-03-16T10:00:00Z"
    shown = show_ws(cli, "a")
    assert shown["state"] == "countdown" and shown["settlement"] == provider
    assert shown["cloud_account_id"] == cloud["id"]
    assert shown["countdown_started_at"] == "2026-03-02T10:00:00Z"
    assert show_ws(cli, "b")["state"] == "active"
    assert mails(home) == []  # only Alibaba Cloud sends a notice
    clock.advance(days=13, hours=23)
    assert show_ws(cli, "a")["state"] == "countdown"
    clock.advance(hours=1)
    assert show_ws(cli, "a")["state"] == "locked"
    locked = ok(cli("workspace", "list", "--state", "locked", "--json")).json
    assert [w["id"] for w in locked] == ["a"]
    # the countdown does not restart when the state is read again
    assert show_ws(cli, "a")["locks_at"] == "2026-03-16T10:00:00Z"


def test_unsubscribed_account_cannot_bind(cli: CliFn, acme: dict) -> None:
    aws = add_cloud(cli, "aws", AWS_ID)
    add_ws(cli, "a", "us1")
    ok(cli("cloud", "unsubscribe", aws["id"], "--yes"))
    result = cli("cloud", "bind", aws["id"], "a", "--json")
    assert result.exit_code == 6
    assert outcome(result) == {"a": "refused"}
    assert "unsubscribed" in result.json["results"][0]["reason"]
