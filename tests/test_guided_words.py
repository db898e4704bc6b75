"""Guided prompts speak to the person at the terminal (issue 23), on a real pty:
known values are pre-filled, a vat_special title asks its bank details by label, the
password policy is said up front, and a refused new password is asked again."""

from __future__ import annotations

import pytest

from tests.support.cli import CliFn
from tests.test_invoice import TAX_ID, authenticate

pytestmark = pytest.mark.local_only

OLD = "Old-Passw0rd!x"
NEW = "Qz8!fresh-Secret"


@pytest.fixture
def acme(cli: CliFn) -> None:
    made = cli(
        "account", "create", "--username", "acme", "--company-name", "Acme Ltd",
        "--email", "ops@acme.example.com", "--phone", "+8613800138000", "--password-stdin",
        input=OLD + "\n",
    )  # fmt: skip
    assert made.exit_code == 0, made.stderr


def test_a_vat_special_title_is_prefilled_and_asks_bank_details_by_label(
    terminal, cli: CliFn, acme: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GUANCE_BILLING_ACCOUNT", "acme")  # for `cli` (the pty has --account)
    authenticate(cli)
    screen = terminal.run(
        "invoice", "title", "add", "--account", "acme", "--type", "vat_special",
        answers=[("Bank:", "ICBC Hangzhou\r"), ("Bank account:", "1202020209000012345\r"),
                 ("Registered address:", "1 West Lake Rd\r"),
                 ("Registered telephone:", "0571-88886666\r")],
    )  # fmt: skip
    assert screen.exit_code == 0, screen.text
    assert f"From the approved authentication: title Acme Ltd, {TAX_ID}." in screen.text
    assert "--bank" not in screen.text and "--title" not in screen.text  # labels, no flags
    [title] = cli("invoice", "title", "list", "--account", "acme", "--json").json
    assert title["type"] == "vat_special" and title["bank_name"] == "ICBC Hangzhou"
    assert title["title"] == "Acme Ltd" and title["tax_id"] == TAX_ID


def _drive(args: list[str], steps: list[tuple[str, str]], env: dict[str, str]) -> tuple[int, str]:
    """Run the CLI on a pty; when ``text`` shows after the previous step's, type ``keys``
    (a prompt asked twice is answered twice, each time once it is on screen)."""
    import os
    import select
    import subprocess
    import sys
    import time

    from tests.support.terminal import ANSI

    master, slave = os.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "guance_billing_cli", *args],
        stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True,
    )  # fmt: skip
    os.close(slave)
    seen, pending, deadline, pos = "", list(steps), time.monotonic() + 40, 0
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    seen += os.read(master, 4096).decode("utf-8", "replace")
                except OSError:
                    break
            found = ANSI.sub("", seen).find(pending[0][0], pos) if pending else -1
            if found >= 0:
                pos = found + len(pending[0][0])
                time.sleep(0.2)  # the prompt is drawn: type into it, not ahead of it
                os.write(master, pending.pop(0)[1].encode())
        code = proc.wait(timeout=5)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    return code, ANSI.sub("", seen)


def test_password_change_states_the_policy_and_asks_again(terminal, cli: CliFn, acme: None) -> None:
    code, text = _drive(
        ["password", "change", "--account", "acme"],
        [("Current password:", OLD + "\r"), ("New password:", OLD + "\r"),
         ("Repeat the new password:", OLD + "\r"), ("must differ", ""),
         ("New password:", NEW + "\r"), ("Repeat the new password:", NEW + "\r")],
        terminal.env,
    )  # fmt: skip
    assert code == 0, text
    assert "Password changed" in text
    # the policy comes before the first try, whole
    policy = "A password needs 8 to 64 characters and at least three of"
    assert policy in text and text.index(policy) < text.index("New password:")
    # "must differ" is said, and the new password is asked again instead of exiting
    assert "new password must differ from the current one" in text
    assert NEW not in text and OLD not in text  # nothing typed is echoed
