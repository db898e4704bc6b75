"""Shell completion (issue 15): the completion source, the scripts, a real bash.

The live values are checked on the local store and over the server (the
``both_transports`` marker); the bash test sources the printed script in a real
bash inside tmux and presses Tab.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from guance_billing_cli.cli import completion

BIN = Path(sys.executable).parent / "guance-billing"


@pytest.fixture
def budget(monkeypatch: pytest.MonkeyPatch) -> None:
    # in-process ASGI on a loaded test machine: allow more than the shell's budget
    monkeypatch.setattr(completion, "LIVE_BUDGET", 5.0)


@pytest.fixture
def data(cli: Any, make_account: Any) -> dict[str, str]:
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


@pytest.mark.both_transports
def test_live_values_from_the_store_or_server(data: dict[str, str], budget: None, cli: Any) -> None:
    assert completion.candidates(["cloud", "bind"], "") == [data["cloud"]]
    assert completion.candidates(["cloud", "bind", data["cloud"]], "ws-a") == ["ws-alpha"]
    assert completion.candidates(["workspace", "show"], "") == ["ws-alpha", "ws-beta"]
    assert completion.candidates(["workspace", "list", "--account"], "") == ["acme", "beta"]
    assert completion.candidates(["profile", "show", "--account="], "--account=b") == [
        "--account=beta"
    ]
    assert completion.candidates(["email", "verify"], "") == [data["request"]]
    # another account's objects are not offered for it
    assert completion.candidates(["--account", "beta", "workspace", "show"], "ws") == []
    assert completion.candidates(["workspace", "show", "--account", "beta"], "ws") == []
    # an unsubscribed cloud account is offered to resubscribe, not to bind
    assert cli("cloud", "unsubscribe", data["cloud"], "--yes").exit_code == 0
    assert completion.candidates(["cloud", "bind"], "cld_") == []
    assert completion.candidates(["cloud", "show"], "") == [data["cloud"]]


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
    assert "use bash, zsh or fish" in bad.stderr


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


def _pane(session: str) -> str:
    return subprocess.run(
        ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True
    ).stdout


def _wait_for(session: str, text: str, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pane = _pane(session)
        if text in pane:
            return pane
        time.sleep(0.1)
    raise AssertionError(f"{text!r} not on screen:\n{_pane(session)}")


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_bash_completes_cloud_bind_in_a_real_terminal(
    data: dict[str, str], home: Path, tmp_path: Path
) -> None:
    session = f"gb-compl-{os.getpid()}"
    env = {
        "PATH": f"{BIN.parent}:/usr/bin:/bin",
        "GUANCE_BILLING_HOME": str(home),
        "HOME": str(tmp_path),
        "TERM": "xterm",
        "PS1": "$ ",
        "NO_COLOR": "1",
    }
    exports = " ".join(f"{k}={v!r}" for k, v in env.items())
    subprocess.run(
        [
            "tmux",
            "new-session",
            "-d",
            "-s",
            session,
            "-x",
            "160",
            "-y",
            "40",
            f"env -i {exports} bash --norc --noprofile",
        ],
        check=True,
    )
    try:
        keys = ["tmux", "send-keys", "-t", session]
        _wait_for(session, "$")
        subprocess.run([*keys, 'eval "$(guance-billing completion bash)"', "Enter"], check=True)
        subprocess.run([*keys, "guance-billing cloud bind ", "Tab"], check=True)
        _wait_for(session, f"guance-billing cloud bind {data['cloud']}")
        subprocess.run([*keys, "ws-a", "Tab"], check=True)
        pane = _wait_for(session, f"cloud bind {data['cloud']} ws-alpha")
        # two candidates: the second Tab lists both
        subprocess.run([*keys, " ws-", "Tab", "Tab"], check=True)
        pane = _wait_for(session, "ws-beta")
        assert "ws-alpha" in pane.split(f"{data['cloud']} ws-alpha ws-")[-1] or "ws-alpha" in pane
        # nothing ran: the line is still being edited, the store is unchanged
        subprocess.run([*keys, "C-c"], check=True)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], check=False)
