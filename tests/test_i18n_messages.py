"""Messages to an account go in the account's language (docs/languages.md):
emails with a plain-text and an HTML part, SMS, read back from the real outbox."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.cli import CliFn
from tests.support.mail import body, mails, only_code, part, sms_lines, subject
from tests.support.settlement import ALIYUN_ID, add_cloud, add_ws, ok

NEW = "new@acme.example.com"


def _create(cli: CliFn, *lang: str, language: str | None = None) -> dict:
    extra = ["--language", language] if language else []
    return ok(
        cli(*lang, "account", "create", "--username", "acme", "--company-name", "Acme",
            "--email", "ops@acme.example.com", "--phone", "+8613900139000", *extra, "--json")
    ).json  # fmt: skip


def test_the_account_language_defaults_to_the_operator_language(cli: CliFn) -> None:
    assert _create(cli, "--lang", "zh-CN")["language"] == "zh-CN"
    updated = ok(cli("profile", "update", "--account", "acme", "--language", "en", "--json"))
    assert updated.json["language"] == "en"
    bad = cli("profile", "update", "--account", "acme", "--language", "fr", "--json")
    assert bad.exit_code == 2 and bad.error["reason"] == "not_one_of"
    assert bad.error["params"] == {"field": "language", "choices": ["en", "zh-CN"]}
    shown = ok(cli("account", "show", "acme", "--json")).json
    assert shown["language"] == "en"  # the refused update changed nothing


def test_an_english_operator_can_create_a_chinese_account(cli: CliFn) -> None:
    assert _create(cli, language="zh")["language"] == "zh-CN"


def _code_mail(cli: CliFn, home: Path) -> tuple[str, str, str]:
    started = cli("email", "change", "--account", "acme", "--new-email", NEW, "--json")
    assert started.exit_code == 0, started.stderr
    [message] = mails(home, "ops@acme.example.com")
    html = part(message, "html")
    assert message.is_multipart() and html is not None
    return subject(message), body(message), html


def test_a_code_email_in_chinese(cli: CliFn, home: Path) -> None:
    _create(cli, language="zh-CN")
    title, text, html = _code_mail(cli, home)
    assert title == "您的观测云费用中心验证码"
    assert "您的观测云费用中心验证码是：" in text
    assert "用途（第 1 步，共 2 步）：确认修改您的观测云费用中心账号的登录邮箱。" in text
    assert re.search(r"验证码在 \d{4}-\d\d-\d\d \d\d:\d\d UTC 过期", text)
    code = only_code(text)  # one standalone 6-digit code in the text part
    assert '<html lang="zh-CN">' in html and f"<strong>{code}</strong>" in html
    assert "用途（第 1 步，共 2 步）：确认修改您的观测云费用中心账号的登录邮箱。" in html
    assert "verification" not in text  # no English left in the Chinese part


def test_a_code_email_in_english(cli: CliFn, home: Path) -> None:
    _create(cli, language="en")
    title, text, html = _code_mail(cli, home)
    assert title == "Your Guance Billing verification code"
    purpose = "confirm a change of the login email of your Guance Billing account"
    assert f"Purpose (step 1 of 2): {purpose}." in text
    code = only_code(text)
    assert '<html lang="en">' in html and f"<strong>{code}</strong>" in html
    assert not re.search("[\u4e00-\u9fff]", text + html)


def test_the_operator_language_does_not_change_the_account_language(cli: CliFn, home: Path) -> None:
    _create(cli, language="en")
    started = cli("--lang", "zh-CN", "email", "change", "--account", "acme", "--new-email", NEW)
    assert started.exit_code == 0, started.stderr
    [message] = mails(home, "ops@acme.example.com")
    assert subject(message) == "Your Guance Billing verification code"


def test_an_sms_in_chinese(cli: CliFn, home: Path) -> None:
    _create(cli, language="zh-CN")
    started = cli("phone", "change", "--account", "acme", "--new-phone", "+8613700137000")
    assert started.exit_code == 0, started.stderr
    [sms] = sms_lines(home, "+8613900139000")
    assert sms["text"].startswith("【观测云费用中心】验证码 ")
    assert "用于确认修改您的观测云费用中心账号的登录手机" in sms["text"]
    only_code(sms["text"])


@pytest.mark.parametrize(
    ("language", "title", "phrase"),
    [
        ("en", f"Alibaba Cloud account {ALIYUN_ID} unsubscribed", "now settle through the Guance"),
        ("zh-CN", f"阿里云账号 {ALIYUN_ID} 已退订", "现在改为通过观测云费用中心结算"),
    ],
)
def test_the_unsubscribe_notice_in_the_account_language(
    cli: CliFn, home: Path, language: str, title: str, phrase: str
) -> None:
    _create(cli, language=language)
    ok(cli("account", "use", "acme"))
    cloud = add_cloud(cli, "aliyun", ALIYUN_ID, "cmgj00012345")
    add_ws(cli, "hz1", "cn1")
    ok(cli("cloud", "bind", cloud["id"], "hz1"))
    ok(cli("cloud", "unsubscribe", cloud["id"], "--yes", "--json"))
    [message] = mails(home, "ops@acme.example.com")
    assert subject(message) == title
    assert phrase in body(message) and "hz1" in body(message)
    html = part(message, "html")
    assert html is not None and phrase in html and "hz1" in html
