"""Completion takes the kind of live values from a parameter's declared type (issue 20).

A parameter that names a live object declares ``Live(kind)`` in the ``Annotated``
metadata of its alias (``cli/toolkit/options.py``); the engine reads it from there and
never from the parameter's name or the command's path. These tests walk the real
command tree and a small tree of their own; they need no store.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Any

import pytest
import typer
import typer.main

from guance_billing_cli.cli.commands.cloud import CloudArg
from guance_billing_cli.cli.completion import engine as completion
from guance_billing_cli.cli.completion.tree import is_group, subcommand
from guance_billing_cli.cli.toolkit.options import AccountOption, Live
from guance_billing_cli.schemas.suggest_kinds import SUGGEST_KINDS

CLOUD_KINDS = {"cloud_accounts", "subscribed_cloud_accounts", "unsubscribed_cloud_accounts"}

#: What makes a parameter the id of a live object, read from what the user sees (its
#: metavar or its help), not from how it is declared: each rule gives the kinds it may take.
ID_RULES: tuple[tuple[str, str, set[str]], ...] = (
    ("metavar", r"^\[?ACCOUNT\]?$", {"accounts"}),
    ("help", r"\bbilling account\b", {"accounts"}),
    ("metavar", r"^(CLOUD|CLD)$", CLOUD_KINDS),
    ("help", r"\bcloud account\b|\bcld_", CLOUD_KINDS),
    ("metavar", r"^WS$", {"workspaces"}),
    ("help", r"^Workspace ids?\.", {"workspaces"}),
    ("help", r"\bchange request\b|\bchg_", {"email_requests", "phone_requests"}),
    ("help", r"\breset request\b|\bpwr_", {"password_resets"}),
    ("help", r"\binvoice request id\b|\binv_", {"invoices", "pending_invoices"}),
    ("help", r"\btitle id\b|\bttl_", {"invoice_titles"}),
    ("help", r"\baddress id\b|\badr_", {"invoice_addresses"}),
)
#: parameters a rule above matches that name no live object
NOT_LIVE = {
    ("cloud bind", "from_file"),  # a file of workspace ids
    ("cloud unbind", "from_file"),
}


def _commands(command: Any, path: list[str]) -> Iterator[tuple[str, Any]]:
    yield " ".join(path), command
    if is_group(command):
        for name in command.list_commands(None):
            sub = subcommand(command, name)
            if sub is not None:
                yield from _commands(sub, [*path, name])


def _parameters() -> list[tuple[str, Any, Any]]:
    root = completion.root_command()
    return [
        (path, command, param) for path, command in _commands(root, []) for param in command.params
    ]


def _expected(param: Any) -> set[str] | None:
    """The kinds an id parameter may declare, or None when it names no live object."""
    found: set[str] | None = None
    for where, pattern, kinds in ID_RULES:
        text = str(param.metavar or "") if where == "metavar" else str(param.help or "")
        if re.search(pattern, text):
            found = kinds if found is None else found & kinds
    return found


def test_every_id_of_a_live_object_declares_its_kind() -> None:
    missing, wrong = [], []
    declared = 0
    for path, command, param in _parameters():
        kind = completion.live_kind(command, param)
        declared += kind is not None
        expected = _expected(param)
        if kind is not None:
            assert kind in SUGGEST_KINDS, (path, param.name, kind)
        if expected is None or (path, param.name) in NOT_LIVE:
            continue
        if kind is None:
            missing.append(f"{path} {param.name}")
        elif kind not in expected:
            wrong.append(f"{path} {param.name}: {kind} not in {sorted(expected)}")
    assert not missing, f"id parameters without a Live kind: {missing}"
    assert not wrong, wrong
    assert declared > 60  # the account option alone stands on some fifty commands


def test_status_dependent_kinds_are_declared_per_command() -> None:
    kinds = {
        (path, param.name): completion.live_kind(command, param)
        for path, command, param in _parameters()
    }
    assert kinds[("cloud bind", "cloud")] == "subscribed_cloud_accounts"
    assert kinds[("cloud resubscribe", "cloud")] == "unsubscribed_cloud_accounts"
    assert kinds[("cloud unsubscribe", "cloud")] == "cloud_accounts"
    assert kinds[("workspace unlock", "rebind")] == "subscribed_cloud_accounts"
    assert kinds[("invoice cancel", "ref")] == "pending_invoices"
    assert kinds[("invoice show", "ref")] == "invoices"
    assert kinds[("", "account")] == "accounts"  # the global --account


# -- names are never read for kinds: a tree of our own --------------------------------

demo = typer.Typer()
Named = Annotated[str | None, typer.Option("--thing"), Live("workspaces")]


@demo.callback()
def _root() -> None:
    pass


@demo.command("typed")
def typed(anything: CloudArg, whatever: AccountOption = None, thing: Named = None) -> None:
    """Parameters renamed, kinds declared."""


@demo.command("named")
def named(
    cloud: Annotated[str, typer.Argument()],
    account: Annotated[str | None, typer.Option("--account")] = None,
    request_id: Annotated[str | None, typer.Option("--request-id")] = None,
) -> None:
    """The names the engine once guessed from, with no kind declared."""


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The demo tree as the root; each live lookup answers ``kind:prefix``."""
    kinds: list[str] = []

    def live(kind: str, prefix: str = "", *, where: Any = None) -> list[str]:
        kinds.append(kind)
        return [f"{kind}:{prefix}"]

    root = typer.main.get_command(demo)
    monkeypatch.setattr(completion, "root_command", lambda: root)
    monkeypatch.setattr(completion, "live", live)
    return kinds


def test_a_renamed_parameter_completes_by_its_type(asked: list[str]) -> None:
    assert completion.candidates(["typed"], "c") == ["cloud_accounts:c"]
    # `whatever` is the --account option: its flag comes with the alias, its name is ours
    assert completion.candidates(["typed", "cld_1", "--account"], "a") == ["accounts:a"]
    assert completion.candidates(["typed", "cld_1"], "--account=b") == ["--account=accounts:b"]
    assert completion.candidates(["typed", "cld_1", "--thing"], "") == ["workspaces:"]
    assert asked == ["cloud_accounts", "accounts", "accounts", "workspaces"]


def test_a_parameter_named_like_a_kind_but_typed_without_one_offers_nothing(
    asked: list[str],
) -> None:
    assert completion.candidates(["named"], "c") == []
    assert completion.candidates(["named", "x", "--account"], "") == []
    assert completion.candidates(["named", "x", "--request-id"], "") == []
    assert asked == []
