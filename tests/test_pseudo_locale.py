"""Every screen in Chinese, proved with a pseudo-locale (issue 23).

Under ``tests/support/pseudo_locale.py`` every catalog message is transformed, so any
English word a screen still shows was not translated. Driven here: the summary of
every command's help, the words of every error reason, ``status``, ``doctor``,
``config show``, ``workspace remind`` and the reminder email, ``cloud resubscribe``,
the warning prefix and the customer emails. Local store only; bounded in time.
"""

from __future__ import annotations

import re
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

import pytest

from tests.support import pseudo_locale
from tests.support.cli import CliFn
from tests.support.mail import body, mails
from tests.support.settlement import AWS_ID, add_cloud, add_ws, ok

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
    allowed = DATA | keys | {"MemoryKeyring", "zh", "CN"}  # `lang  zh-CN  flag`: a value
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
    from guance_billing_cli.errors import FAMILIES
    from guance_billing_cli.i18n import use
    from guance_billing_cli.i18n.errors import REASONS, placeholders

    use("zh-CN")
    leaks = []
    for reason, entry in sorted(REASONS.items()):
        params = {name: "X" for name in placeholders(entry.template)}
        params.pop("field", None)
        error = FAMILIES[entry.family](reason, field="value", **params)
        text = describe(error)
        leaks += [f"{reason}: {line}" for line in pseudo_locale.english(text, allowed={"X"})]
    use("en")
    assert leaks == [], "\n".join(leaks)


def _tree() -> list[tuple[list[str], Any]]:
    """Every visible command and group, (path, command), root first, built in English
    (so their help is as written in the code)."""
    import typer

    from guance_billing_cli.app import app
    from guance_billing_cli.cli.completion.tree import is_group, subcommand
    from guance_billing_cli.i18n import use

    use("en")
    found: list[tuple[list[str], Any]] = []

    def walk(command: Any, path: list[str]) -> None:
        found.append((path, command))
        if is_group(command):
            for name in command.list_commands(None):
                sub = subcommand(command, name)
                if sub is not None and not sub.hidden:
                    walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return found


def _exempt(command: Any) -> set[str]:
    """What a command's help shows as data, by design (docs/languages.md):

    - the command lines of its example blocks: ``i18n.help_segments`` keeps every line
      of a ``\\b`` example as written (``guance-billing ...``, ``printf ... |``);
    - the names of its sub-commands (the ``Commands:`` rows), which are typed as shown;
    - the metavars of its parameters (``URL``, ``REQUEST_ID``, ``email|phone``): what the
      user replaces, written as the code names them.

    Option names (``--flag``, ``-h``), the command path of the usage line, environment
    variables and upper-case words are data for ``pseudo_locale.english`` already; a
    default value (``[default: table]``) is stripped by the caller.
    """
    from guance_billing_cli.cli.completion.tree import is_group
    from guance_billing_cli.i18n import help_segments

    exempt = set()
    for part, words in help_segments(command.help or ""):
        if not words:
            exempt |= {line.strip() for line in part.splitlines() if line.strip()}
    if is_group(command):
        names = command.list_commands(None)
        exempt |= set(names) | {word for name in names for word in name.split("-")}
    for param in command.params:
        exempt |= set(re.findall(r"[A-Za-z]+", str(param.metavar or "")))
    return exempt


def test_the_help_of_every_command(pseudo, cli: CliFn) -> None:
    """``--help`` of every command and group, down to each option's help and the words
    click prints itself (Usage:, Options:, [default: …], [required], the help option)."""
    default = re.escape(pseudo_locale.pseudo("default: {default}").split("{default}")[0].strip())
    # a default value is data, as typed; it may wrap onto the next line
    default_value = re.compile(default + r"\s+[^;\]]*")
    # JSON keys named in a help ({"server", "token"}): the pseudo-locale keeps braces as
    # placeholders, and the keys are data (never translated)
    json_keys = re.compile(r'\{"[a-z_]+"(?:, "[a-z_]+")*\}')
    tree = _tree()
    assert len(tree) > 90  # every group and command of the tool
    leaks = []
    for path, command in tree:
        result = cli("--lang", "zh-CN", *path, "--help")
        assert result.exit_code == 0, result.stderr
        exempt = _exempt(command)
        screen = json_keys.sub("", default_value.sub("", result.stdout))
        lines = [line for line in screen.splitlines() if line.strip() not in exempt]
        leaks += [
            f"{' '.join(path) or '(root)'}: {leak}"
            for leak in pseudo_locale.english("\n".join(lines), allowed=exempt)
        ]
        # click's own words went through the catalog
        assert result.stdout.startswith(pseudo_locale.pseudo("Usage:") + " guance-billing")
        flowing = " ".join(result.stdout.split())  # a help text may wrap
        assert pseudo_locale.pseudo("Show this message and exit.") in flowing
    assert leaks == [], "English left in --help:\n" + "\n".join(leaks)


def test_usage_errors_in_the_pseudo_locale(pseudo, cli: CliFn) -> None:
    """What Typer prints on a usage error: the usage line, "Try ... for help.", the error
    (unknown command or option, missing input or argument, invalid value, an extra
    argument; a group without its command shows its help) — words from the catalog."""
    # "account" alone shows the group's help: its sub-commands' names are data
    allowed = {"nope", "abc", "extra", "create", "list", "show", "use", "update"}
    for args in (
        ("account", "nope"),
        ("account", "create", "--company-name", "Acme"),
        ("workspace", "list", "--page", "abc"),
        ("account", "show"),
        ("account",),
        ("account", "list", "--nope"),  # no such option
        ("account", "list", "extra"),  # an unexpected extra argument
    ):
        result = cli("--lang", "zh-CN", *args)
        assert result.exit_code == 2, (args, result.stdout, result.stderr)
        screen = result.stdout + result.stderr
        # the detail a value's type gives (Typer asks pydantic: "Input should be a valid
        # integer, ...") is not a message of ours; docs/languages.md says it stays English
        screen = re.sub(r"(?<='--page': ).*", "", screen)
        _clean(screen, allowed=allowed)


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
    from tests.support.mail import only_code

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


#: an English phrase: four lower-case words in a row (data words — enum values, a
#: command in backticks, an id prefix — stand alone or in twos between Chinese words)
PHRASE = re.compile(r"\b[a-z]{2,}(?:[ ,]+[a-z]{2,}){3,}")


def test_the_zh_cn_help_of_every_command(cli: CliFn) -> None:
    """With the real catalog: no command's help holds an English phrase (the pseudo-locale
    test above proves every word comes from the catalog; ``tests/test_i18n.py`` that the
    catalog is translated), and every line fits an 80-column terminal, counted in display
    cells (click counts characters and breaks only at spaces; ``cli/toolkit/helptext.py`` wraps
    Chinese by width)."""
    from rich.cells import cell_len

    leaks, wide = [], []
    for path, command in _tree():
        result = cli("--lang", "zh-CN", *path, "--help", env={"COLUMNS": "80"})
        assert result.exit_code == 0, result.stderr
        assert result.stdout.startswith("用法： guance-billing")
        exempt = _exempt(command)
        _usage, *rest = result.stdout.splitlines()
        lines = [line for line in rest if line.strip() not in exempt]
        where = " ".join(path) or "(root)"
        wide += [f"{where}: {line}" for line in lines if cell_len(line) > 80]
        leaks += [f"{where}: {line}" for line in lines if PHRASE.search(line)]
    assert leaks == [], "English left in the zh-CN --help:\n" + "\n".join(leaks)
    assert wide == [], "wider than 80 columns:\n" + "\n".join(wide)


def test_the_workspace_help_still_names_every_site_and_the_page_size(cli: CliFn) -> None:
    """These two helps are plain strings now (the catalog cannot hold an f-string): they
    must keep saying what the code does."""
    from guance_billing_cli.cli.commands.workspace import PAGE_SIZE, SITES

    added = " ".join(cli("workspace", "add", "--help").stdout.split())
    assert "Site: " + ", ".join(SITES) + "." in added
    listed = " ".join(cli("workspace", "list", "--help").stdout.split())
    assert f"page number ({PAGE_SIZE} rows a page)" in listed
