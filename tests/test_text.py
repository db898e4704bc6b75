"""Text (issue 15): uncut ids in tables, help metavars as words, flags in messages,
distinguishable masks, global options anywhere on the line."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from guance_billing_cli.cli.completion import engine as completion
from guance_billing_cli.schemas.masking import mask_email
from tests.support.accounts import account_args
from tests.support.tmux import Target, needs_tmux, target, terminal


def _all_commands() -> list[list[str]]:
    found: list[list[str]] = []

    def visit(path: list[str]) -> None:
        position = completion.walk(path)
        if completion.is_group(position.command):
            for name in completion.candidates(path, ""):
                visit([*path, name])
        else:
            found.append(path)

    visit([])
    return found


@pytest.mark.sqlite_only  # help text does not depend on the backend
def test_help_shows_metavars_as_words(cli: Any) -> None:
    commands = _all_commands()
    assert len(commands) > 50
    for path in commands:
        result = cli(*path, "--help")
        assert result.exit_code == 0, path
        assert not re.search(r"<(str|int|float|list\[[^>]*\])>|\{[A-Za-z_]+\}", result.stdout), (
            path,
            result.stdout,
        )
    assert (
        "Usage: guance-billing cloud bind [OPTIONS] CLOUD [WS]..."
        in cli("cloud", "bind", "--help").stdout
    )
    assert "--email EMAIL" in cli("account", "create", "--help").stdout


def test_masks_of_two_addresses_stay_distinguishable() -> None:
    assert mask_email("old@acme.com") == "o***@acme.com"
    pairs = [
        ("root@remote.cn", "ray@remote.cn"),
        ("rab@remote.cn", "rob@remote.cn"),
        ("abcd1@x.cn", "abcd2@x.cn"),
        ("ops@remote.cn", "ops2@remote.cn"),
    ]
    for a, b in pairs:
        ma, mb = mask_email(a, unlike=b), mask_email(b, unlike=a)
        assert ma != mb, (a, b)
        assert "***" in ma and "***" in mb
        assert ma.split("***")[0] != a.split("@")[0]  # never the whole local part
    assert mask_email("old@acme.com", unlike="new@acme.com") == "o***@acme.com"


def test_guided_masks_differ_for_old_and_new(cli: Any, make_account: Any) -> None:
    make_account("acme", email="root@remote.cn")
    started = cli(
        "email", "change", "--account", "acme", "--new-email", "ray@remote.cn", "--json"
    ).json
    assert started["sent_to"] == "r***t@remote.cn"
    assert started["new_address"] == "r***y@remote.cn"


def test_global_options_anywhere_on_the_line(cli: Any, make_account: Any) -> None:
    make_account("acme")
    make_account("beta")
    assert cli("account", "use", "acme").exit_code == 0
    ws = cli("workspace", "add", "--id", "w-beta", "--name", "B", "--site", "us1",
             "--account", "beta")  # fmt: skip
    assert ws.exit_code == 0, ws.stderr
    after = cli("workspace", "list", "--json", "--no-input")
    assert after.exit_code == 0 and after.json == []
    before = cli("--account", "beta", "workspace", "list", "--json")
    assert [w["id"] for w in before.json] == ["w-beta"]
    status = cli("status", "--json", "--account", "beta")
    assert status.exit_code == 0 and status.json["username"] == "beta"
    # --no-input after the command: nothing is asked, the missing flag is named
    missing = cli("workspace", "add", "--no-input", "--id", "w2")
    assert missing.exit_code == 2 and "--name" in missing.stderr


def test_messages_name_flags_not_fields(cli: Any, make_account: Any) -> None:
    make_account("acme")
    bad = cli("email", "change", "--account", "acme", "--new-email", "nope", "--json")
    assert bad.exit_code == 2
    assert bad.error["message"].startswith("--new-email is not a valid email address")


@pytest.fixture(params=["local", "server"])
def where(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    with target(request.param, tmp_path) as t:
        t.ok(*account_args("acme", email="ops@acme.com"))
        t.ok("account", "use", "acme")
        yield t


@pytest.mark.slow
@needs_tmux
def test_tables_never_cut_ids_or_dates_at_100_columns(where: Target, tmp_path: Path) -> None:
    huawei = json.loads(
        where.ok(
            "cloud",
            "add",
            "--provider",
            "huawei",
            "--account-id",
            "0123456789abcdef0123456789abcdef",
            "--instance-id",
            "inst-" + "x" * 40,
            "--json",
        )
    )
    with terminal(where.home, tmp_path, width=100, env=where.env) as term:
        term.run("guance-billing cloud list")
        assert term.exit_code() == 0
        screen = term.screen()
        assert "0123456789abcdef0123456789abcdef" in screen
        assert huawei["id"] in screen
        assert "…" not in screen
        term.clear()
        term.run("guance-billing audit list")
        assert term.exit_code() == 0
        screen = term.screen()
        assert re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", screen), screen
        assert "…" not in screen
