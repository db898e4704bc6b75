"""Shell completion (issue 15): the completion source, the scripts, a real bash.

The live values are checked on every backend (the `cli`
fixture); the bash test sources the printed script in a real
bash inside tmux and presses Tab.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from guance_billing_cli.cli.completion import engine as completion
from tests.support.accounts import account_args
from tests.support.tmux import Target, needs_tmux, target, terminal

BIN = Path(sys.executable).parent / "guance-billing"


@pytest.fixture
def budget(monkeypatch: pytest.MonkeyPatch) -> None:
    # in-process ASGI on a loaded test machine: allow more than the shell's budget
    monkeypatch.setattr(completion, "LIVE_BUDGET", 5.0)


@pytest.fixture
def data(cli: Any, make_account: Any) -> dict[str, str]:
    """A store with two accounts, a cloud account, two workspaces, an open request."""
    make_account("acme")
    make_account("beta")
    assert cli("account", "use", "acme").exit_code == 0
    cloud = cli("cloud", "add", "--provider", "aws", "--account-id", "123456789012", "--json")
    assert cloud.exit_code == 0, cloud.stderr
    for ws in ("ws-alpha", "ws-beta"):
        added = cli("workspace", "add", "--id", ws, "--name", ws, "--site", "us1")
        assert added.exit_code == 0, added.stderr
    change = cli("email", "change", "--new-email", "new@acme.com", "--json")
    assert change.exit_code == 0, change.stderr
    return {"cloud": cloud.json["id"], "request": change.json["request_id"]}


@pytest.fixture(params=["local", "server"])
def where(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Target]:
    """The local store, or a real server under uvicorn; this process's env points at it."""
    with target(request.param, tmp_path) as t:
        t.ok(*account_args("acme", 0, email="ops@acme.com"))
        t.ok(*account_args("beta", 1, email="ops@beta.com"))
        t.ok("account", "use", "acme")
        monkeypatch.setenv("GUANCE_BILLING_HOME", str(t.home))
        for name, value in t.env.items():
            monkeypatch.setenv(name, value)
        yield t


@pytest.mark.slow
def test_live_values_from_the_store_or_server(where: Target, budget: None) -> None:
    cloud = json.loads(
        where.ok("cloud", "add", "--provider", "aws", "--account-id", "123456789012", "--json")
    )["id"]
    for ws in ("ws-alpha", "ws-beta"):
        where.ok("workspace", "add", "--id", ws, "--name", ws, "--site", "us1")
    request = json.loads(where.ok("email", "change", "--new-email", "new@acme.com", "--json"))
    assert completion.candidates(["cloud", "bind"], "") == [cloud]
    assert completion.candidates(["cloud", "bind", cloud], "ws-a") == ["ws-alpha"]
    assert completion.candidates(["workspace", "show"], "") == ["ws-alpha", "ws-beta"]
    assert completion.candidates(["workspace", "list", "--account"], "") == ["acme", "beta"]
    assert completion.candidates(["profile", "show", "--account="], "--account=b") == [
        "--account=beta"
    ]
    assert completion.candidates(["email", "verify"], "") == [request["request_id"]]
    # another account's objects are not offered for it
    assert completion.candidates(["--account", "beta", "workspace", "show"], "ws") == []
    assert completion.candidates(["workspace", "show", "--account", "beta"], "ws") == []
    # an unsubscribed cloud account is offered to resubscribe, not to bind
    where.ok("cloud", "unsubscribe", cloud, "--yes")
    assert completion.candidates(["cloud", "bind"], "cld_") == []
    assert completion.candidates(["cloud", "resubscribe"], "") == [cloud]


@pytest.mark.slow
def test_an_owner_token_sees_only_its_own_account(tmp_path: Path, budget: None) -> None:
    with target("server", tmp_path) as t:
        for name in ("acme", "beta"):
            t.ok(*account_args(name, int(name == "beta"), email=f"ops@{name}.com"))
        t.ok(
            "workspace", "add", "--account", "beta", "--id", "ws-b", "--name", "B", "--site", "us1"
        )
        owner = json.loads(
            t.ok("server", "token", "create", "--name", "o", "--role", "owner",
                 "--account", "acme", "--json")
        )["token"]  # fmt: skip
        from guance_billing_cli.client.suggest import from_server

        url = t.env["GUANCE_BILLING_SERVER"]
        os.environ["GUANCE_BILLING_TOKEN"] = owner
        try:
            args = {"prefix": "", "limit": 50, "timeout": 5.0, "ca_bundle": None}
            assert from_server(url, "accounts", account=None, **args) == ["acme"]
            assert from_server(url, "workspaces", account="beta", **args) == []
        finally:
            del os.environ["GUANCE_BILLING_TOKEN"]


def test_commands_and_options_come_from_the_parser() -> None:
    assert completion.candidates(["cloud"], "b") == ["bind"]
    assert "workspace" in completion.candidates([], "")
    assert "completion" in completion.candidates([], "comp")
    # global options are offered after the sub-command too (accepted anywhere)
    offered = completion.candidates(["cloud", "list"], "--")
    assert {"--json", "--account", "--no-input", "--store", "--help"} <= set(offered)
    assert "--version" not in offered
    # an option already given is not offered again
    assert "--json" not in completion.candidates(["cloud", "list", "--json"], "--j")
    described = dict(completion.complete(["cloud"], "bi"))
    assert described["bind"].startswith("Make workspaces settle")


@pytest.mark.sqlite_only  # the read-only SQLite path; the server path is tested with `where`
def test_lookups_never_write_or_create(home: Path, data: dict[str, str]) -> None:
    absent = home / "absent.db"
    assert completion.candidates(["--store", str(absent), "cloud", "bind"], "cld") == []
    assert not absent.exists()

    def snapshot() -> dict[str, tuple[int, bytes]]:
        return {
            str(p): (p.stat().st_mtime_ns, p.read_bytes()) for p in home.rglob("*") if p.is_file()
        }

    before = snapshot()
    for words in (["cloud", "bind"], ["workspace", "show"], ["email", "verify"], ["--account"]):
        assert completion.candidates(words, "")
    assert snapshot() == before


def test_a_slow_lookup_is_abandoned_within_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    def slow(*_args: Any) -> list[str]:
        time.sleep(2)
        return ["too-late"]

    monkeypatch.setattr(completion, "_lookup", slow)
    start = time.perf_counter()
    assert completion.candidates(["workspace", "show"], "ws") == []
    assert time.perf_counter() - start < 0.5


def test_completion_command_prints_scripts(cli: Any) -> None:
    for shell in ("bash", "zsh", "fish"):
        result = cli("completion", shell)
        assert result.exit_code == 0
        assert "guance-billing __complete" in result.stdout
    bad = cli("completion", "tcsh")
    assert bad.exit_code == 2
    assert "SHELL must be one of: bash, zsh, fish" in bad.stderr


def test_install_completion_is_idempotent(tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path), "SHELL": "/bin/bash"}
    env.pop("XDG_DATA_HOME", None)
    first = subprocess.run(
        [str(BIN), "--install-completion"], env=env, capture_output=True, text=True
    )
    assert first.returncode == 0, first.stderr
    target = tmp_path / ".local/share/bash-completion/completions/guance-billing"
    assert "__complete" in target.read_text()
    assert (tmp_path / ".bashrc").read_text().count(str(target)) == 2  # test + source
    again = subprocess.run(
        [str(BIN), "--install-completion"], env=env, capture_output=True, text=True
    )
    assert again.returncode == 0
    assert "nothing changed" in again.stderr
    unknown = subprocess.run(
        [str(BIN), "--install-completion"],
        env={**env, "SHELL": "/bin/tcsh"},
        capture_output=True,
        text=True,
    )
    assert unknown.returncode == 2
    assert "completion bash|zsh|fish" in unknown.stderr


@pytest.mark.sqlite_only
def test_hidden_entry_point_formats_per_shell(data: dict[str, str]) -> None:
    def run(*args: str) -> list[str]:
        out: list[str] = []
        assert completion.main(list(args), write=out.append) == 0
        return [line.rstrip("\n") for line in out]

    assert run("--shell", "bash", "--line", "guance-billing cloud bind ") == [data["cloud"]]
    # bash completes only the part after "=" of --opt=value
    assert run("--shell", "bash", "--line", "guance-billing profile show --account=b") == ["beta"]
    assert "bind:Make workspaces" in run("--shell", "zsh", "--", "cloud", "bi")[0]
    assert run("--shell", "fish", "--", "cloud", "bi")[0].startswith("bind\t")


@pytest.mark.slow
@needs_tmux
def test_bash_completes_cloud_bind_in_a_real_terminal(where: Target, tmp_path: Path) -> None:
    cloud = json.loads(
        where.ok("cloud", "add", "--provider", "aws", "--account-id", "123456789012", "--json")
    )["id"]
    for ws in ("ws-alpha", "ws-beta"):
        where.ok("workspace", "add", "--id", ws, "--name", ws, "--site", "us1")
    before = where.ok("workspace", "list", "--json")
    # a loaded test machine: allow the lookups more than the interactive 200 ms
    env = {**where.env, "GUANCE_BILLING_COMPLETION_BUDGET": "3"}
    with terminal(where.home, tmp_path, env=env) as term:
        term.type('eval "$(guance-billing completion bash)"')
        term.send("Enter")
        term.type("guance-billing cloud bind ")
        term.send("Tab")
        term.wait_for(f"guance-billing cloud bind {cloud} ")
        term.type("ws-a")
        term.send("Tab")
        term.wait_for(f"cloud bind {cloud} ws-alpha ")
        term.type("ws-")
        term.send("Tab", "Tab")  # two candidates: the second Tab lists them
        screen = term.wait_for("ws-beta")
        assert "ws-alpha" in screen.split("ws-beta")[0]
        term.send("C-c")
    # completing ran nothing and wrote nothing
    assert where.ok("workspace", "list", "--json") == before
