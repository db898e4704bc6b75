"""The guided flows in the pseudo-locale, on a real terminal (tmux), issue 23.

``support/pseudo_cli.py`` is ``guance-billing`` with every catalog message made full-width for
zh-CN (``pseudo_locale.py``). tmux runs it with ``--lang zh-CN`` for the guided email
change (a wrong code, "What next?", the right one, the new address and its code, read
from the real Maildir outbox), the guided password change (the policy, a refused new
password asked again) and the guided ``invoice title add`` (questionary's select, a
rejected value asked again, the result) and ``invoice title delete`` (Yes/No). Every line
the terminal shows must be transformed: an ASCII word that is not data (an id, an address,
a value typed, a flag, a command) fails the test.
"""

from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path

import pytest

from tests.support import pseudo_locale
from tests.support.cli import CliFn
from tests.support.mail import mail_code
from tests.support.tmux import Terminal, needs_tmux, terminal
from tests.test_invoice import TAX_ID, authenticate

# the slow tier: tmux; the words are the same on every store, and the tool in tmux is
# pointed at the home's SQLite file (the PostgreSQL flows run in English elsewhere)
pytestmark = [pytest.mark.slow, pytest.mark.sqlite_only, needs_tmux]

OLD, NEW = "ops@acme.example.com", "new@acme.example.com"
PASSWORD, FRESH = "Old-Passw0rd!x", "Qz8!fresh-Secret"
PSEUDO_CLI = f"{shlex.quote(sys.executable)} {Path(__file__).parent / 'support' / 'pseudo_cli.py'}"
#: what the tests type or the tool prints as data (names, a bank, an address)
DATA = {"acme", "Acme", "Ltd", "ICBC", "Hangzhou", "West", "Lake", "Rd", "vat_special"}


def p(message: str) -> str:
    """``message`` as the pseudo-locale shows it (placeholders filled after)."""
    return pseudo_locale.pseudo(message)


@pytest.fixture
def acme(cli: CliFn) -> None:
    made = cli(
        "account", "create", "--username", "acme", "--company-name", "Acme Ltd",
        "--email", OLD, "--phone", "+8613800138000", "--password-stdin", "--language", "zh-CN",
        input=PASSWORD + "\n",
    )  # fmt: skip
    assert made.exit_code == 0, made.stderr


def _run(term: Terminal, line: str) -> None:
    term.run(f"{PSEUDO_CLI} --lang zh-CN {line}")


def _answer(term: Terminal, prompt: str, keys: str, *, enter: bool = True) -> str:
    screen = term.wait_for(prompt, timeout=30)
    if keys:
        term.type(keys)
    if enter:
        term.send("Enter")
    return screen


def _again(term: Terminal, prompt: str, keys: str, times: int = 2) -> None:
    """Type ``keys`` into the ``times``-th showing of ``prompt`` (a prompt asked again)."""
    deadline = time.monotonic() + 30
    while term.screen().count(prompt) < times:
        assert time.monotonic() < deadline, f"{prompt!r} not shown {times}x:\n{term.screen()}"
        time.sleep(0.1)
    time.sleep(0.2)  # the prompt is drawn: type into it, not ahead of it
    term.type(keys)
    term.send("Enter")


def _clean(screen: str, *, allowed: set[str] = frozenset()) -> None:  # type: ignore[assignment]
    """No English on the terminal, except the command line typed at the shell prompt and
    the exit-code marker the helper prints."""
    shown = "\n".join(
        line for line in screen.splitlines() if not line.startswith("$ ") and "EXIT=" not in line
    )
    leaks = pseudo_locale.english(shown, allowed=DATA | allowed)
    assert leaks == [], "English left on the terminal:\n" + "\n".join(leaks) + "\n" + screen


def test_the_guided_email_change(home: Path, tmp_path: Path, acme: None) -> None:
    current = p("Code sent to {sent_to}:").format(sent_to="o***@acme.example.com")
    with terminal(home, tmp_path) as term:
        _run(term, "email change --account acme")
        term.wait_for(current, timeout=30)
        code = mail_code(home, OLD)
        _answer(term, current, "000000" if code != "000000" else "111111")
        # a wrong code: questionary's select, its hint and its choices from the catalog
        screen = _answer(term, p("(Use arrow keys)"), "")
        assert p("What next?") in screen and p("Enter the code again") in screen
        _again(term, current, code)
        _answer(term, p("New {label}:").format(label=p("login email")), NEW)
        new = p("Code sent to {sent_to}:").format(sent_to="n***@acme.example.com")
        term.wait_for(new, timeout=30)
        _answer(term, new, mail_code(home, NEW))
        assert term.exit_code(timeout=30) == 0
        screen = term.screen()
    assert p("The current {label} is confirmed.").format(label=p("login email")) in screen
    done = p("Done: the {label} is now {address}.").format(
        label=p("login email"), address="n***@acme.example.com"
    )
    assert done in screen, screen
    _clean(screen)


def test_the_guided_password_change(home: Path, tmp_path: Path, acme: None) -> None:
    with terminal(home, tmp_path) as term:
        _run(term, "password change --account acme")
        screen = _answer(term, p("Current password:"), PASSWORD)
        _answer(term, p("New password:"), PASSWORD)
        _answer(term, p("Repeat the new password:"), PASSWORD)
        # refused (it must differ): a warning, then the new password is asked again
        _again(term, p("New password:"), FRESH)
        _again(term, p("Repeat the new password:"), FRESH)
        assert term.exit_code(timeout=30) == 0
        screen = term.screen()
    assert p("warning:") in screen
    assert PASSWORD not in screen and FRESH not in screen  # typing is hidden
    assert p("Password changed at {changed_at} UTC.").split("{")[0] in screen
    _clean(screen)


def test_the_guided_invoice_title_add_and_delete(
    home: Path, tmp_path: Path, acme: None, cli: CliFn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GUANCE_BILLING_ACCOUNT", "acme")
    authenticate(cli)
    with terminal(home, tmp_path) as term:
        _run(term, "invoice title add --account acme")
        # questionary's select: the type; the arrow moves to vat_special
        screen = term.wait_for(p("(Use arrow keys)"), timeout=30)
        assert p("Invoice type:") in screen
        term.send("Down")
        term.send("Enter")
        _answer(term, p("Bank:"), "ICBC Hangzhou")
        _answer(term, p("Bank account:"), "1202020209000012345")
        _answer(term, p("Registered address:"), "1 West Lake Rd")
        _answer(term, p("Registered telephone:"), "x")  # rejected: asked again by its label
        _again(term, p("Registered telephone:"), "0571-88886666")
        assert term.exit_code(timeout=30) == 0
        [title] = cli("invoice", "title", "list", "--json").json
        _run(term, f"invoice title delete {title['id']} --account acme")
        screen = _answer(term, p("(y/N)"), "y", enter=False)
        assert p("Delete invoice title {title}?").format(title=title["id"]) in screen
        deadline = time.monotonic() + 30
        while term.screen().count("\nEXIT=") < 2:  # the second command's exit marker
            assert time.monotonic() < deadline, term.screen()
            time.sleep(0.1)
        assert term.exit_code() == 0
        screen = term.screen()
    assert title["type"] == "vat_special" and title["bank_name"] == "ICBC Hangzhou"
    assert title["title"] == "Acme Ltd" and title["phone"] == "0571-88886666"
    assert p("Added invoice title {id}.").format(id=title["id"]) in screen
    assert p("Yes") in screen
    assert p("Deleted invoice title {id}.").format(id=title["id"]) in screen
    _clean(screen, allowed={TAX_ID, "1202020209000012345"})
