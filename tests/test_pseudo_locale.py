"""Every screen in Chinese, proved with a pseudo-locale (issue 23).

Under ``tests/pseudo_locale.py`` every catalog message is transformed, so any
English word a screen still shows was not translated. Driven here: the summary of
every command's help, the words of every error reason, ``status``, ``doctor``,
``config show``, ``workspace remind`` and the reminder email, ``cloud resubscribe``,
the warning prefix and the customer emails. Local store only; bounded in time.
"""

from __future__ import annotations

from email.header import decode_header, make_header
from pathlib import Path

import pytest

import pseudo_locale
from conftest import CliFn
from outbox_helpers import body, mails
from settlement_helpers import AWS_ID, add_cloud, add_ws, ok

pytestmark = pytest.mark.local_only


@pytest.fixture
def pseudo(monkeypatch: pytest.MonkeyPatch) -> None:
    pseudo_locale.install(monkeypatch)


def _clean(text: str, *, allowed: set[str] = frozenset()) -> None:  # type: ignore[assignment]
    leaks = pseudo_locale.english(text, allowed=allowed)
    assert leaks == [], "English left on screen:\n" + "\n".join(leaks)


@pytest.fixture
def acme(cli: CliFn, make_account) -> dict:
    account = make_account("acme", email="ops@acme.example.com", language="zh-CN")
    ok(cli("account", "use", "acme"))
    return account


#: values the tests type or the tool prints as data: names, the profile "default", and
#: enum values (a stage, a result), which docs/languages.md keeps untranslated
DATA = {"acme", "Acme", "Ltd", "aws", "us1", "w1", "w2", "default", "started", "sent",
        "subscribed", "unlocked"}  # fmt: skip


def test_status_doctor_and_config_show(pseudo, cli: CliFn, acme: dict) -> None:
    # the keyring backend's class name is data
    from guance_billing_cli.config import CONFIG_KEYS

    keys = {part for key in CONFIG_KEYS for part in key.split(".")}  # config show's keys
    allowed = DATA | keys | {"MemoryKeyring"}
    for args in (("status",), ("doctor",), ("config", "show")):
        result = cli("--lang", "zh-CN", *args)
        assert result.exit_code in (0, 10), result.stderr
        _clean(result.stdout + result.stderr, allowed=allowed)


def test_remind_resubscribe_and_their_emails(
    pseudo, cli: CliFn, acme: dict, home: Path, clock
) -> None:
    cloud = add_cloud(cli, "aws", AWS_ID)
    add_ws(cli, "w1", "us1")
    ok(cli("cloud", "bind", cloud["id"], "w1"))
    ok(cli("cloud", "unsubscribe", cloud["id"], "--yes"))
    remind = cli("--lang", "zh-CN", "workspace", "remind")
    assert remind.exit_code == 0, remind.stderr
    _clean(remind.stdout + remind.stderr, allowed=DATA)
    [mail] = mails(home, "ops@acme.example.com")
    subject = str(make_header(decode_header(mail["Subject"])))
    _clean(subject + "\n" + body(mail), allowed=DATA)
    again = cli("--lang", "zh-CN", "cloud", "resubscribe", cloud["id"])
    assert again.exit_code == 0, again.stderr
    _clean(again.stdout + again.stderr, allowed=DATA)


def test_every_error_reason(pseudo) -> None:
    from guance_billing_cli.cli.toolkit.words import describe
    from guance_billing_cli.i18n import use
    from guance_billing_cli.i18n.errors import REASONS, placeholders

    use("zh-CN")
    leaks = []
    for reason, entry in sorted(REASONS.items()):
        params = {name: "X" for name in placeholders(entry.template)}
        params.pop("field", None)
        error = entry.error(reason, field="value", **params)
        text = describe(error)
        leaks += [f"{reason}: {line}" for line in pseudo_locale.english(text, allowed={"X"})]
    use("en")
    assert leaks == [], "\n".join(leaks)


def test_the_summary_of_every_command(pseudo, cli: CliFn) -> None:
    import typer

    from guance_billing_cli.app import app

    root = typer.main.get_command(app)
    leaks = []

    def walk(command, path):  # type: ignore[no-untyped-def]
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            if sub.hidden:
                continue
            result = cli("--lang", "zh-CN", *path, name, "--help")
            assert result.exit_code == 0, result.stderr
            lines = [line for line in result.stdout.splitlines() if line.strip()]
            summary = lines[1] if len(lines) > 1 else ""
            leaks.extend(
                f"{' '.join([*path, name])}: {leak}" for leak in pseudo_locale.english(summary)
            )
            walk(sub, [*path, name])

    walk(root, [])
    assert leaks == [], "\n".join(leaks)


def _screen_of(ask, keys: str) -> str:  # type: ignore[no-untyped-def]
    """What a questionary prompt draws, answered with ``keys`` (prompt_toolkit's pipe)."""
    import io

    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output.plain_text import PlainTextOutput

    out = io.StringIO()
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=PlainTextOutput(out)):
        pipe.send_text(keys)
        ask()
    return out.getvalue()


def test_questionarys_hints_and_yes_no(pseudo) -> None:
    from guance_billing_cli.cli.toolkit import prompts
    from guance_billing_cli.i18n import use

    use("zh-CN")
    try:
        confirmed = _screen_of(lambda: prompts.confirm("Q1"), "y")
        declined = _screen_of(lambda: prompts.confirm("Q2", default=True), "n")
        chosen = _screen_of(lambda: prompts.select("Q3", ["vat_special", "vat_ordinary"]), "\r")
    finally:
        use("en")
    for screen in (confirmed, declined, chosen):
        _clean(screen, allowed={"Q1", "Q2", "Q3"})
    assert pseudo_locale.pseudo("Yes") in confirmed and pseudo_locale.pseudo("No") in declined
    assert pseudo_locale.pseudo("(Use arrow keys)") in chosen


def test_the_zh_cn_catalog_covers_the_new_screens(cli: CliFn, acme: dict, home: Path) -> None:
    """With the real catalog: the exhausted code of an email change is Chinese from end
    to end and its JSON keeps its reason; status and doctor are Chinese."""
    import re

    started = cli("email", "change", "--new-email", "new@acme.example.com", "--json")
    assert started.exit_code == 0, started.stderr
    rid = started.json["request_id"]
    from outbox_helpers import only_code

    code = only_code(body(mails(home, "ops@acme.example.com")[-1]))
    wrong = "000000" if code != "000000" else "111111"
    for _try in range(4):
        assert cli("email", "verify", rid, "--code", wrong).exit_code == 7
    last = cli("--lang", "zh-CN", "email", "verify", rid, "--code", wrong)
    assert last.exit_code == 7
    assert last.stderr.startswith("错误：") and "wrong code" not in last.stderr
    assert not re.search(r"[A-Za-z]{3,}", last.stderr.replace(rid, "")), last.stderr
    as_json = cli("--lang", "zh-CN", "email", "verify", rid, "--code", wrong, "--json")
    assert as_json.error["reason"] == "request_failed"  # a script still branches on it
    status = cli("--lang", "zh-CN", "status")
    assert "状态" in status.stdout and "技术支持（本地存储操作员）" in status.stdout
    doctor = cli("--lang", "zh-CN", "doctor")
    assert "正常 文件权限" in doctor.stdout and "邮件投递" in doctor.stdout
