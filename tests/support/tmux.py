"""A real terminal for tests: a bash inside a detached tmux session.

``Terminal.run("guance-billing ...")`` types a command line; ``wait_for`` polls
the screen; ``send`` types keys (tmux key names: "Enter", "Tab", "C-c");
``exit_code`` waits for the ``EXIT=<n>`` marker every command line ends with.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

BIN_DIR = Path(sys.executable).parent
needs_tmux = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class Terminal:
    def __init__(self, session: str) -> None:
        self.session = session

    def send(self, *keys: str, literal: bool = False) -> None:
        args = ["tmux", "send-keys", "-t", self.session, *(["-l"] if literal else []), *keys]
        subprocess.run(args, check=True)

    def type(self, text: str) -> None:
        self.send(text, literal=True)

    def run(self, line: str) -> None:
        self.type(f'{line}; echo "EXIT=$?"')
        self.send("Enter")

    def screen(self) -> str:
        return subprocess.run(
            ["tmux", "capture-pane", "-p", "-J", "-S", "-200", "-t", self.session],
            capture_output=True,
            text=True,
        ).stdout

    def wait_for(self, text: str, timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} not on screen:\n{self.screen()}")

    def exit_code(self, timeout: float = 15.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.findall(r"^EXIT=(\d+)$", self.screen(), flags=re.MULTILINE)
            if found:
                return int(found[-1])
            time.sleep(0.1)
        raise AssertionError(f"no exit code on screen:\n{self.screen()}")

    def clear(self) -> None:
        self.type("clear")
        self.send("Enter")
        time.sleep(0.2)
        subprocess.run(["tmux", "clear-history", "-t", self.session], check=True)


@contextmanager
def terminal(
    home: Path, tmp_path: Path, *, width: int = 120, env: dict[str, str] | None = None
) -> Iterator[Terminal]:
    session = f"gb-{os.getpid()}-{time.monotonic_ns()}"
    env = {
        "PATH": f"{BIN_DIR}:/usr/bin:/bin",
        "GUANCE_BILLING_HOME": str(home),
        "HOME": str(tmp_path),
        "TERM": "xterm-256color",
        "PS1": "$ ",
        "NO_COLOR": "1",
        "LANG": "C.UTF-8",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        **(env or {}),
    }
    exports = " ".join(f"{k}={v!r}" for k, v in env.items())
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", str(width), "-y", "50",
         f"env -i {exports} bash --norc --noprofile"],
        check=True,
    )  # fmt: skip
    term = Terminal(session)
    try:
        term.wait_for("$")
        yield term
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], check=False)


# -- where the commands go: the local store, or a real server under uvicorn -----------


class Target:
    """The CLI pointed at a local store or at a live server (``env`` says which)."""

    def __init__(self, kind: str, home: Path, outbox_home: Path, env: dict[str, str]) -> None:
        self.kind = kind
        self.home = home  # the CLI's GUANCE_BILLING_HOME
        self.outbox_home = outbox_home  # where codes and reminders are delivered
        self.env = env  # extra environment for the terminal and for `cli`

    def cli(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GUANCE_BILLING_")}
        env.pop("CI", None)
        env.update(GUANCE_BILLING_HOME=str(self.home), NO_COLOR="1", **self.env)
        env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
        return subprocess.run(
            [str(BIN_DIR / "guance-billing"), *args],
            input=input,
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )

    def ok(self, *args: str, input: str | None = None) -> str:
        done = self.cli(*args, input=input)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done.stdout


@contextmanager
def target(kind: str, tmp_path: Path) -> Iterator[Target]:
    home = tmp_path / "client-home"
    if kind == "local":
        yield Target(kind, home, home, {})
        return
    from tests.support.servers import start_server, stop

    proc, live = start_server(tmp_path)
    try:
        made = live.admin("server", "token", "create", "--name", "t", "--role", "support", "--json")
        assert made.code == 0, made.err
        env = {"GUANCE_BILLING_SERVER": live.url, "GUANCE_BILLING_TOKEN": made.json["token"]}
        yield Target(kind, home, live.home, env)
    finally:
        stop(proc)
