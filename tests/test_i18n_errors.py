"""Errors carry meaning, the face makes the words.

Every registered error reason renders in English (the HTTP API's words: field and
operation names) and in Chinese (the CLI's words: flags and commands), with every
parameter in its place; the JSON error shape carries code, reason, params, exit
code and the next operation; the HTTP client rebuilds the same error.
"""

from __future__ import annotations

from typing import Any

import pytest

from guance_billing_cli import i18n
from guance_billing_cli.cli.toolkit import words as cli_words
from guance_billing_cli.errors import FAMILIES, BillingError, error_from_dict
from guance_billing_cli.i18n.errors import API, REASONS, Face, placeholders, words

CLI_FACE = Face(field=cli_words.flag, operation=cli_words.command)


def sample(reason: str) -> BillingError:
    """The reason's error with a recognisable value for each placeholder."""
    entry = REASONS[reason]
    params = {name: f"<{name}>" for name in placeholders(entry.template)}
    field = "new_email" if params.pop("field", None) else None
    next_step = "start_password_reset" if params.pop("next", None) else None
    if "operation" in params:
        params["operation"] = "create_account"
    return FAMILIES[entry.family](reason, field=field, next_step=next_step, **params)


@pytest.mark.parametrize("reason", sorted(REASONS))
def test_every_reason_renders_in_both_languages(reason: str) -> None:
    error = sample(reason)
    english = words(error, language="en", face=API)
    chinese = words(error, language="zh-CN", face=CLI_FACE)
    for text in (english, chinese):
        assert "?" not in text.replace("?)", ""), text  # every placeholder filled
        for name, value in error.params.items():
            if name != "operation" and not name.endswith("_field"):
                assert str(value) in text, (name, text)
    assert english != chinese
    assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese), chinese
    if error.field:
        assert "new_email" in english and "--new-email" not in english
        assert "--new-email" in chinese
    if error.next_step:
        assert "start_password_reset" in english
        assert "guance-billing password reset" in chinese
    if "operation" in error.params:
        assert "create_account" in english and "guance-billing account create" in chinese


def test_the_json_shape() -> None:
    error = sample("value_taken")
    body = error.to_dict()
    assert body["code"] == "conflict" and body["reason"] == "value_taken"
    assert body["exit_code"] == 6
    assert body["params"] == {"field": "new_email"}
    assert body["message"] == "new_email is already used by another account"
    rebuilt = error_from_dict(body)
    assert type(rebuilt) is type(error) and rebuilt.reason == "value_taken"
    assert rebuilt.field == "new_email"


def test_an_error_from_a_newer_server_keeps_its_words() -> None:
    body = {"code": "conflict", "reason": "no_such_reason_yet", "message": "taken", "params": {}}
    rebuilt = error_from_dict(body)
    assert rebuilt.message == "taken" and rebuilt.exit_code == 6


def test_the_english_words_never_name_a_cli_flag() -> None:
    for reason in REASONS:
        assert "--" not in words(sample(reason), language="en", face=API), reason


def test_a_language_switch_changes_words_not_codes() -> None:
    error = sample("invalid_email")
    i18n.use("zh-CN")
    try:
        chinese = cli_words.describe(error)
    finally:
        i18n.use("en")
    english = cli_words.describe(error)
    assert chinese == "--new-email 不是有效的邮箱地址"
    assert english == "--new-email is not a valid email address"
    assert error.to_dict(message=chinese)["code"] == error.to_dict()["code"] == "invalid_input"


def test_docs_list_every_reason_with_exit_code_and_http_status() -> None:
    from pathlib import Path

    from guance_billing_cli.errors import reasons_markdown

    doc = (Path(__file__).parent.parent / "docs" / "exit-codes.md").read_text()
    start, end = "<!-- reasons:start -->\n", "\n<!-- reasons:end -->"
    table = doc[doc.index(start) + len(start) : doc.index(end)]
    assert table == reasons_markdown(), (
        "docs/exit-codes.md is out of date: paste the output of "
        "`python -m guance_billing_cli.errors` between the reasons markers"
    )


def test_the_http_api_answers_with_reason_params_english_words_and_next(
    remote_server: Any,
) -> None:
    """Through the real FastAPI app: errors of the login engine carry their reason,
    params and next operation, English words naming fields, never a CLI flag."""
    import httpx

    with httpx.Client(transport=remote_server.transport, base_url=remote_server.url) as http:
        login = {"email": "ops@acme.example.com", "request_id": "chl_0123456789ab", "code": "12a"}
        malformed = http.post("/v1/auth/login", json=login)
        anonymous = http.get("/v1/auth/whoami")
    body = malformed.json()["error"]
    assert malformed.status_code == 422 and body["reason"] == "malformed_code"
    assert body["params"] == {"field": "code", "length": 6} and body["exit_code"] == 2
    assert body["message"] == "code must be 6 digits"
    error = anonymous.json()["error"]
    assert anonymous.status_code == 401 and error["reason"] == "token_required"
    assert error["next"] == "login" and error["exit_code"] == 4
    assert error["message"] == "authentication required: run login or set GUANCE_BILLING_TOKEN"
    assert "--" not in malformed.text + anonymous.text


def test_every_family_a_reason_names_is_an_error_class() -> None:
    """``REASONS`` names families by name (so ``i18n/errors.py`` imports no error class);
    each name is a class of ``errors.py`` with that name."""
    named = {entry.family for entry in REASONS.values()}
    assert named <= set(FAMILIES), named - set(FAMILIES)
    assert all(FAMILIES[name].__name__ == name for name in named)
    assert issubclass(FAMILIES["MalformedBody"], FAMILIES["InvalidInput"])
