"""Secrets and data read from stdin when stdin is a terminal (issue 23), on a real pty.

``--password-stdin`` at a terminal asks by label and never echoes (also inside
``guance-billing shell``, where it used to swallow the next typed lines);
``--from-file -`` at a terminal says that it is waiting for input.
"""

from __future__ import annotations

import pytest

from tests.support.cli import CliFn

pytestmark = pytest.mark.local_only

SECRET = "Qz8!fresh-Secret"


def test_password_stdin_at_a_terminal_is_asked_hidden(terminal, cli: CliFn) -> None:
    screen = terminal.run(
        "account", "create", "--username", "acme", "--company-name", "Acme Ltd",
        "--email", "ops@acme.example.com", "--phone", "+8613800138000", "--password-stdin",
        answers=[("Password (typing is hidden", SECRET + "\r")],
    )  # fmt: skip
    assert screen.exit_code == 0, screen.text
    assert "Password (typing is hidden, Enter ends it)" in screen.text
    assert SECRET not in screen.text  # never echoed
    assert cli("account", "show", "acme", "--json").json["has_password"] is True


def test_password_change_stdin_at_a_terminal_names_both_lines(
    terminal, cli: CliFn, make_account
) -> None:
    made = cli(
        "account", "create", "--username", "acme", "--company-name", "Acme Ltd",
        "--email", "ops@acme.example.com", "--phone", "+8613800138000", "--password-stdin",
        input="Old-Passw0rd!x\n",
    )  # fmt: skip
    assert made.exit_code == 0, made.stderr
    screen = terminal.run(
        "password", "change", "--account", "acme", "--password-stdin",
        answers=[("Current password (typing", "Old-Passw0rd!x\r"),
                 ("New password (typing", SECRET + "\r")],
    )  # fmt: skip
    assert screen.exit_code == 0, screen.text
    assert SECRET not in screen.text and "Old-Passw0rd!x" not in screen.text


@pytest.mark.sqlite_only  # the answers wait for the default store's prompt, `…@local>`
def test_inside_the_shell_password_stdin_reads_one_hidden_line(
    terminal, cli: CliFn, make_account
) -> None:
    screen = terminal.run(
        "shell",
        answers=[
            ("local>", "account create --username acme --company-name 'Acme Ltd' "
                   "--email ops@acme.example.com --phone +8613800138000 --password-stdin\r"),
            ("Password (typing is hidden", SECRET + "\r"),
            ("Created billing account acme", "exit\r"),
        ],
        timeout=60,
    )  # fmt: skip
    assert screen.exit_code == 0, screen.text
    assert SECRET not in screen.text
    assert cli("account", "show", "acme", "--json").json["has_password"] is True


def test_from_file_dash_at_a_terminal_says_it_waits(terminal, cli: CliFn, make_account) -> None:
    make_account("acme")
    assert cli("account", "use", "acme").exit_code == 0
    added = cli("cloud", "add", "--provider", "aws", "--account-id", "123456789012", "--json")
    assert added.exit_code == 0, added.stderr
    screen = terminal.run(
        "cloud", "bind", added.json["id"], "--from-file", "-", "--dry-run",
        answers=[("Ctrl-C cancels", "\x04")],
    )  # fmt: skip
    assert "Waiting for workspace ids from the terminal, one a line" in screen.text
    assert "then press Ctrl-D on an empty line" in screen.text
    assert screen.exit_code == 0, screen.text
    assert "0 row(s)" in screen.text
