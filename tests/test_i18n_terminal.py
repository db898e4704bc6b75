"""A real terminal in Chinese: tmux runs the guided email change with
``LANG=zh_CN.UTF-8``; the prompts, the messages and the end are Chinese, and the
change is applied. Also: tables stay aligned with CJK text (rich cell widths)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.mail import mail_code

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux"),
]  # the slow tier: a real terminal (tmux)

OLD, NEW = "ops@acme.example.com", "new@acme.example.com"
BIN = Path(sys.executable).parent / "guance-billing"


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "GUANCE_BILLING_"))}
    env.update(
        GUANCE_BILLING_HOME=str(home),
        GUANCE_BILLING_SECRET_KEY="ab" * 32,
        LANG="zh_CN.UTF-8",
        NO_COLOR="1",
        TERM="xterm-256color",
    )
    env.pop("CI", None)
    return env


class Pane:
    """One tmux session with one window; ``wait_for`` polls what the screen shows."""

    def __init__(self, name: str, env: dict[str, str], command: str, socket: Path) -> None:
        self.target = name
        self.tmux = ["tmux", "-S", str(socket)]
        subprocess.run(
            [*self.tmux, "new-session", "-d", "-s", name, "-x", "120", "-y", "40", command],
            env=env,
            check=True,
        )

    def screen(self) -> str:
        out = subprocess.run(
            [*self.tmux, "capture-pane", "-p", "-J", "-t", self.target, "-S", "-200"],
            capture_output=True,
            text=True,
            check=False,
        )
        return out.stdout

    def wait_for(self, text: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{text!r} never appeared; the screen:\n{self.screen()}")

    def type(self, text: str) -> None:
        subprocess.run([*self.tmux, "send-keys", "-t", self.target, "-l", text], check=True)
        subprocess.run([*self.tmux, "send-keys", "-t", self.target, "Enter"], check=True)

    def close(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], check=False, capture_output=True)


@pytest.fixture
def pane_factory(tmp_path: Path) -> Callable[..., Pane]:
    panes: list[Pane] = []
    socket = tmp_path / "tmux.sock"

    def make(command: str, env: dict[str, str]) -> Pane:
        pane = Pane(f"i14-{len(panes)}", env, command, socket)
        panes.append(pane)
        return pane

    yield make  # type: ignore[misc]
    for pane in panes:
        pane.close()


def test_the_guided_email_change_in_chinese(home: Path, pane_factory: Callable[..., Pane]) -> None:
    env = _env(home)
    created = subprocess.run(
        [str(BIN), "account", "create", "--username", "acme", "--company-name", "Acme",
         "--email", OLD, "--phone", "+8613900139000", "--json"],
        env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert '"language": "zh-CN"' in created.stdout  # the operator's language at creation

    done_file = home / "exit-code"
    pane = pane_factory(f"{BIN} email change --account acme; echo $? > {done_file}; sleep 30", env)
    screen = pane.wait_for("的验证码：")
    assert "验证码已发送至 o***@acme.example.com（当前登录邮箱），将于 " in screen
    pane.type(mail_code(home, OLD))
    screen = pane.wait_for("新登录邮箱：")
    assert "当前登录邮箱已确认。" in screen
    pane.type(NEW)
    screen = pane.wait_for("（新登录邮箱），将于 ")
    pane.type(mail_code(home, NEW))
    screen = pane.wait_for("完成：登录邮箱已改为 n***@acme.example.com。")  # masked
    deadline = time.monotonic() + 10
    while not done_file.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert done_file.read_text().strip() == "0"
    assert "Traceback" not in screen and "Enter" not in screen
    shown = subprocess.run(
        [str(BIN), "account", "show", "acme", "--json"],
        env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert f'"email": "{NEW}"' in shown.stdout
    # the emails went out in the account's language: Chinese
    from tests.support.mail import mails, subject

    assert {subject(m) for m in mails(home)} == {"您的观测云费用中心验证码"}


def test_tables_stay_aligned_with_chinese_text(
    home: Path, pane_factory: Callable[..., Pane]
) -> None:
    """rich measures cells by display width: every row of a table with CJK headers and
    values is as wide as the border, on a real terminal."""
    from rich.cells import cell_len

    env = _env(home)
    for username, company in (("acme", "观测云计算有限公司"), ("globex", "Globex Ltd")):
        made = subprocess.run(
            [str(BIN), "account", "create", "--username", username, "--company-name", company,
             "--email", f"ops@{username}.example.com",
             "--phone", "+861390013900" + str(len(username) % 10)],
            env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        assert made.returncode == 0, made.stderr
    pane = pane_factory(f"{BIN} account list; sleep 30", env)
    screen = pane.wait_for("观测云计算有限公司")
    table = [
        line.rstrip() for line in screen.splitlines() if line.strip() and line.strip()[0] in "┏┃┡│└"
    ]
    assert any("公司名称" in line for line in table) and any("用户名" in line for line in table)
    widths = {cell_len(line) for line in table}
    assert len(table) >= 5 and len(widths) == 1, table

    # the column separators line up under each other, counted in display cells
    def columns(line: str) -> list[int]:
        return [cell_len(line[:i]) for i, ch in enumerate(line) if ch in "┃│┏┓┡┩└┘╇┳┻┯┷"]

    assert len({tuple(columns(line)) for line in table if line[:1] in "┃│"}) == 1
