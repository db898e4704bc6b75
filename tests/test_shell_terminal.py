"""`guance-billing shell` at a real terminal: tmux drives the keys and reads the screen.

Completion of a workspace id, history written without a secret, Ctrl-C at the prompt
and during a running command, a guided email change with codes read from the Maildir
outbox, `use`, and leaving with Ctrl-D.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.slow,  # the slow tier: a real terminal (tmux)
    pytest.mark.sqlite_only,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux"),
]


class Terminal:
    """One tmux server with one window running a command."""

    def __init__(self, command: list[str], env: dict[str, str], status_file: Path) -> None:
        self.socket = f"gbt-{uuid.uuid4().hex[:8]}"
        self.status_file = status_file
        # A non-interactive bash runs the command and writes its exit status to a file
        # (tmux 3.3 can report a dead pane with no status when the pty closes before
        # the child is reaped). Such a bash waits out a child that handles Ctrl-C and
        # carries on, so Ctrl-C reaches the shell as at a real terminal.
        script = '"$0" "$@"; rc=$?; echo "$rc" > "$GBT_STATUS"; exit "$rc"'
        self._tmux(
            "new-session", "-d", "-x", "160", "-y", "50",
            "bash", "--norc", "--noprofile", "-c", script, *command,
            ";", "set-option", "-g", "remain-on-exit", "on",  # the screen stays readable
            env={**env, "GBT_STATUS": str(status_file)},
        )  # fmt: skip

    def _tmux(self, *args: str, env: dict[str, str] | None = None) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=30,
            check=True,
        )
        return done.stdout

    def screen(self) -> str:
        """The scrollback and screen, without trailing blanks (tmux pads with them)."""
        text = self._tmux("capture-pane", "-p", "-J", "-S", "-500")
        return "\n".join(line.rstrip() for line in text.splitlines()).rstrip()

    def wait_for(self, pattern: str, timeout: float = 30, after: int = 0) -> str:
        """Wait until ``pattern`` (a regex) appears on screen after ``after`` characters."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            if re.search(pattern, text[after:]):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"{pattern!r} not on screen:\n{text}")
            time.sleep(0.1)

    def exit_status(self, timeout: float = 30) -> int:
        """Wait for the command to end; its exit status."""
        deadline = time.monotonic() + timeout
        while not self.status_file.exists() or not self.status_file.read_text().strip():
            assert time.monotonic() < deadline, f"still running:\n{self.screen()}"
            time.sleep(0.1)
        return int(self.status_file.read_text())

    def type(self, text: str) -> None:
        self._tmux("send-keys", "-l", text)

    def key(self, *keys: str) -> None:
        self._tmux("send-keys", *keys)

    def run(self, line: str, expect: str, timeout: float = 30) -> str:
        """Type a line, press Enter, wait for ``expect`` after it."""
        mark = len(self.screen().rstrip())
        self.type(line)
        self.key("Enter")
        return self.wait_for(expect, timeout, after=mark)

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUANCE_BILLING_")}
    env.update(GUANCE_BILLING_HOME=str(home), NO_COLOR="1", TERM="xterm")
    env.pop("CI", None)
    return env


@pytest.fixture
def terminal(home: Path, cli, make_account) -> Iterator[Terminal]:  # type: ignore[no-untyped-def]
    make_account("acme", email="ops@acme.com")
    for ws, name in (("ws_alpha1", "Alpha"), ("ws_beta22", "Beta")):
        added = cli("workspace", "add", "--account", "acme", "--id", ws, "--name", name,
                    "--site", "cn1")  # fmt: skip
        assert added.exit_code == 0, added.stderr
    term = Terminal(
        [sys.executable, "-m", "guance_billing_cli", "shell", "--account", "acme"],
        _env(home),
        home.parent / "shell-exit-status",
    )
    try:
        term.wait_for(r"billing acme@local>$")
        yield term
    finally:
        term.close()


def test_completion_history_and_ctrl_c(terminal: Terminal, home: Path) -> None:
    # Tab completes a workspace id from the store
    terminal.type("workspace show ws_al")
    terminal.key("Tab")
    terminal.wait_for(r"workspace show ws_alpha1 *$")
    terminal.run("", r"Alpha[\s\S]*billing acme@local>$")

    # Ctrl-C at the prompt drops the line and stays
    terminal.type("profile update --region Mars")
    terminal.key("C-c")
    screen = terminal.wait_for(r"Mars\s*\n.*billing acme@local>$")
    # Ctrl-C during a running command (a batch waiting for its rows, which says so since
    # issue 23) cancels only it
    terminal.run("workspace add --from-file -", r"Ctrl-C cancels\.\s*$")
    time.sleep(0.5)
    terminal.key("C-c")
    terminal.wait_for(r"interrupted\s*\nbilling acme@local>$", after=len(screen.rstrip()))
    shown = terminal.run("profile show --json", r"\}\s*\nbilling acme@local>$")
    assert '"region": ""' in shown  # neither the dropped line nor the cancelled one ran

    # a line with a secret runs but is never written to the history file
    terminal.run(
        "email verify chg_000000000000 --code 654321",
        r"error: .*chg_000000000000.*\s*\nbilling acme@local>$",
    )
    terminal.run("workspace list --json", r"ws_beta22[\s\S]*billing acme@local>$")
    time.sleep(0.5)  # the prompt is drawn a moment before it reads keys
    terminal.key("C-d")
    assert terminal.exit_status() == 0

    history = home / "shell_history"
    assert history.stat().st_mode & 0o777 == 0o600
    text = history.read_text()
    assert "+workspace show ws_alpha1" in text
    assert "+workspace list --json" in text
    assert "654321" not in text
    assert "email verify" not in text
    assert "profile update --region Mars" not in text  # cancelled with Ctrl-C, never run


def _codes(home: Path, to: str) -> list[str]:
    """Every code sent to ``to``, oldest first (from each email's plain-text part)."""
    from tests.support.mail import body, mails, only_code

    return [only_code(body(m)) for m in mails(home, to)]


def test_guided_email_change_inside_the_shell(terminal: Terminal, home: Path) -> None:
    terminal.run("email change --new-email new@acme.com", r"Code sent to o\*\*\*@acme.com:")
    terminal.type(_codes(home, "ops@acme.com")[-1])
    terminal.key("Enter")
    terminal.wait_for(r"Code sent to n\*\*\*@acme.com:")
    terminal.type(_codes(home, "new@acme.com")[-1])
    terminal.key("Enter")
    terminal.wait_for(r"Done: the login email is now n\*\*\*@acme.com[\s\S]*billing acme@local>$")
    shown = terminal.run("profile show --json", r"\}\s*\nbilling acme@local>$")
    assert '"email": "new@acme.com"' in shown
    # the codes were typed hidden: neither is on screen, nor in the history
    for code in _codes(home, "ops@acme.com") + _codes(home, "new@acme.com"):
        assert code not in terminal.screen()
        assert code not in (home / "shell_history").read_text()
    terminal.type("exit")
    terminal.key("Enter")
    assert terminal.exit_status() == 0


def test_use_switches_the_prompt_and_errors_keep_the_shell(
    terminal: Terminal, make_account
) -> None:  # type: ignore[no-untyped-def]
    make_account("beta")
    terminal.run("use nobody", r"error: no billing account matches 'nobody'\s*\nbilling acme@")
    terminal.run("use beta", r"billing beta@local>$")
    out = terminal.run("profile show --json", r"\}\s*\nbilling beta@local>$")
    assert '"username": "beta"' in out
    out = terminal.run("workspace show ws_nope --json", r"\}\}\s*\nbilling beta@local>$")
    error = json.loads(re.findall(r"\{\"error\".*\}\}", out)[-1])
    assert error["error"]["code"] == "not_found" and error["error"]["exit_code"] == 3
    terminal.type("exit 3")
    terminal.key("Enter")
    assert terminal.exit_status() == 3
