"""Catalogs: every message has a zh-CN translation with the same placeholders; the
compiled catalogs match the .po files; the operator's language is resolved in the
documented order; help summaries follow it."""

from __future__ import annotations

import gettext
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from guance_billing_cli import i18n
from guance_billing_cli.config import resolve_language
from guance_billing_cli.i18n.extract import messages
from tests.support.cli import CliFn

SRC = Path(i18n.__file__).resolve().parent.parent
LOCALE = i18n.LOCALE_DIR
HOW_TO_FIX = (
    "run `make catalogs`, translate the new entries in "
    "src/guance_billing_cli/locale/zh_CN/LC_MESSAGES/guance_billing.po, then `make test`"
)


def _catalog(lang: str):  # type: ignore[no-untyped-def]
    with (LOCALE / lang / "LC_MESSAGES" / f"{i18n.DOMAIN}.po").open("rb") as fh:
        return read_po(fh, locale=lang)


def _fields(text: str) -> list[tuple[str, str | None, str | None]]:
    """Placeholder names with conversion and spec, in a stable order."""
    return sorted(
        (name, conv, spec)
        for _, name, spec, conv in string.Formatter().parse(text)
        if name is not None
    )


@pytest.fixture(scope="module")
def in_code() -> dict[tuple[str, str | None], list[str]]:
    return messages(sorted(SRC.rglob("*.py")))


def test_the_code_has_many_messages(in_code: dict[tuple[str, str | None], list[str]]) -> None:
    assert len(in_code) > 60


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_every_message_of_the_code_is_in_the_catalog(
    lang: str, in_code: dict[tuple[str, str | None], list[str]]
) -> None:
    catalog = _catalog(lang)
    missing = [
        f"{places[0]}: {msgid!r}" + (f" (context {context})" if context else "")
        for (msgid, context), places in in_code.items()
        if catalog.get(msgid, context=context) is None
    ]
    assert not missing, f"{len(missing)} message(s) not in the {lang} catalog; {HOW_TO_FIX}:\n" + (
        "\n".join(missing)
    )


def test_every_message_has_a_chinese_translation_with_the_same_placeholders(
    in_code: dict[tuple[str, str | None], list[str]],
) -> None:
    catalog = _catalog("zh_CN")
    problems = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        where = in_code.get((ids[0], message.context), ["(not in the code any more)"])[0]
        if message.fuzzy or not all(strings):
            problems.append(f"untranslated: {where}: {ids[0]!r}")
            continue
        for text in strings:
            try:
                same = _fields(text) == _fields(ids[0])
            except ValueError as exc:
                problems.append(f"broken placeholder ({exc}): {where}: {ids[0]!r} -> {text!r}")
                continue
            if not same:
                problems.append(f"placeholders differ: {where}: {ids[0]!r} -> {text!r}")
    assert not problems, f"{len(problems)} problem(s); {HOW_TO_FIX}:\n" + "\n".join(problems)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_the_compiled_catalog_matches_the_po_file(lang: str) -> None:
    mo = LOCALE / lang / "LC_MESSAGES" / f"{i18n.DOMAIN}.mo"
    assert mo.exists(), f"{mo} is missing: the build hook compiles it; or run `make catalogs`"
    with mo.open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    stale = [
        m.id
        for m in _catalog(lang)
        if m.id
        and isinstance(m.id, str)
        and m.string
        and (compiled.pgettext(m.context, m.id) if m.context else compiled.gettext(m.id))
        != m.string
    ]
    assert not stale, f"{mo} is older than its .po; run `make catalogs`: {stale[:5]}"


@pytest.mark.parametrize(
    ("env", "flag", "expected"),
    [
        ({}, None, "en"),
        ({"LANG": "zh_CN.UTF-8"}, None, "zh-CN"),
        ({"LANG": "fr_FR.UTF-8"}, None, "en"),
        ({"LANG": "zh_CN.UTF-8", "LC_MESSAGES": "en_US.UTF-8"}, None, "en"),
        ({"LC_ALL": "zh_CN.UTF-8", "LC_MESSAGES": "en_US.UTF-8"}, None, "zh-CN"),
        ({"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, None, "en"),
        ({"GUANCE_BILLING_LANG": "zh", "LC_ALL": "en_US.UTF-8"}, None, "zh-CN"),
        ({"GUANCE_BILLING_LANG": "zh-CN"}, "en", "en"),
        ({}, "zh_CN", "zh-CN"),
    ],
)
def test_language_precedence(
    env: dict[str, str], flag: str | None, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "GUANCE_BILLING_LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert resolve_language(flag=flag) == expected


def test_the_profile_language_comes_after_the_environment_variable(
    cli: CliFn, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("config", "set", "lang", "zh-CN").exit_code == 0
    assert resolve_language() == "zh-CN"
    monkeypatch.setenv("GUANCE_BILLING_LANG", "en")
    assert resolve_language() == "en"
    bad = cli("config", "set", "lang", "klingon", "--json")
    assert bad.exit_code == 2 and bad.error["params"]["field"] == "value"


def test_help_summaries_follow_the_language(cli: CliFn, monkeypatch: pytest.MonkeyPatch) -> None:
    english = cli("account", "--help")
    assert english.exit_code == 0 and "Create a billing account." in english.stdout
    chinese = cli("--lang", "zh-CN", "account", "--help")
    assert chinese.exit_code == 0 and "创建费用中心账号。" in chinese.stdout
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    root = cli("--help")
    assert "管理观测云费用中心账号。" in root.stdout and "创建和查看费用中心账号" in root.stdout


def test_an_unknown_lang_is_a_usage_error(cli: CliFn) -> None:
    result = cli("--lang", "fr", "profile", "show", "--json")
    assert result.exit_code == 2
    assert result.error["reason"] == "not_one_of"
    assert result.error["params"] == {"field": "lang", "choices": ["en", "zh-CN"]}
    assert result.error["message"] == "--lang must be one of: en, zh-CN"


def test_the_installed_tool_never_imports_babel() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from guance_billing_cli import i18n; i18n.use('zh-CN');"
        "from guance_billing_cli.i18n.errors import REASONS;"
        "i18n._('Create a billing account.');"
        "print('babel' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("args", "english", "chinese"),
    [
        (
            ["account", "list", "--bogus"],
            "Error: No such option: --bogus",
            "错误：没有此选项：--bogus",
        ),
        (["account", "show"], "Error: Missing argument 'ACCOUNT'.", "错误：缺少参数 'ACCOUNT'。"),
        (["nosuch"], "Error: No such command 'nosuch'.", "错误：没有命令 'nosuch'。"),
    ],
)
def test_typer_usage_errors_speak_the_operator_language(
    cli: CliFn, args: list[str], english: str, chinese: str
) -> None:
    """Typer's own usage errors (unknown option or command, missing argument): exit 2, in
    the operator's words; with --json the code stays ``usage_error``."""
    en = cli(*args)
    assert en.exit_code == 2 and english in en.stderr
    zh = cli("--lang", "zh-CN", *args)
    assert zh.exit_code == 2 and chinese in zh.stderr and "Error:" not in zh.stderr
    if args[0] == "account":
        assert "用法：" in zh.stderr
        as_json = cli("--lang", "zh-CN", *args, "--json")
        assert as_json.exit_code == 2 and as_json.error["code"] == "usage_error"
        assert as_json.error["message"] == chinese.removeprefix("错误：")


def test_doctor_and_auth_speak_the_operator_language(cli: CliFn, backend) -> None:
    """Command output beyond errors (doctor's findings, auth's notes) follows --lang;
    doctor's JSON keeps its English words. Against a server the server delivers codes:
    no local outbox is checked (issue 23)."""
    en = cli("doctor")
    zh = cli("--lang", "zh-CN", "doctor")
    assert zh.exit_code == en.exit_code and zh.exit_code in (0, 10), zh.stderr
    english, chinese = (
        ("codes and notices are sent by the server", "验证码和通知由服务器")
        if backend.is_remote
        else ("Maildir outbox ", "Maildir 发件箱")
    )
    assert english in en.stdout and chinese in zh.stdout
    assert zh.stderr.strip() == ("正常" if zh.exit_code == 0 else "发现问题")
    as_json = cli("--lang", "zh-CN", "doctor", "--json")
    details = [f["detail"] for f in as_json.json["findings"]]
    assert as_json.exit_code == en.exit_code
    assert any(d.startswith(english) for d in details)
    out = cli("--lang", "zh-CN", "auth", "logout", "--server", "https://billing.example.com")
    assert out.exit_code == 0
    assert "没有为 https://billing.example.com 保存的令牌。" in out.stderr
