"""Prompts that forgive (issue 15), typed into a real terminal (bash in tmux).

Each runs against the local store and against a real server under uvicorn; codes
are read back from the real Maildir outbox of whichever side sends them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.mail import body, mails, only_code
from tests.support.tmux import Target, needs_tmux, target, terminal

pytestmark = [pytest.mark.slow, needs_tmux]  # the slow tier: a real terminal (tmux)


@pytest.fixture(params=["local", "server"])
def where(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    with target(request.param, tmp_path) as t:
        t.ok(
            "account", "create", "--username", "acme", "--company-name", "Acme Ltd",
            "--email", "ops@acme.com", "--phone", "+8613800138000",
        )  # fmt: skip
        yield t


def _code_to(where: Target, address: str, nth: int = -1) -> str:
    return only_code(body(mails(where.outbox_home, address)[nth]))


def test_a_rejected_code_is_cleared_and_resuming_carries_on_to_the_end(
    where: Target, tmp_path: Path
) -> None:
    started = json.loads(
        where.ok("email", "change", "--account", "acme", "--new-email", "new@acme.com", "--json")
    )
    req = started["request_id"]
    with terminal(where.home, tmp_path, env=where.env) as term:
        term.run(f"guance-billing email verify {req} --account acme")
        term.wait_for("Code sent to o***@acme.com")
        term.type("12345")
        term.send("Enter")
        term.wait_for("a code is 6 digits; try again.")
        # the field is empty again: the right code alone is accepted
        term.type(_code_to(where, "ops@acme.com"))
        term.send("Enter")
        # resumed at a terminal, the flow carries on to the new address's code
        term.wait_for("Code sent to n***@acme.com")
        term.type(_code_to(where, "new@acme.com"))
        term.send("Enter")
        screen = term.wait_for("Done: the login email is now n***@acme.com")
        assert term.exit_code() == 0
        assert "Next:" not in screen
    shown = json.loads(where.ok("account", "show", "acme", "--json"))
    assert shown["email"] == "new@acme.com"


def test_interactive_account_create_reasks_only_the_bad_field(
    where: Target, tmp_path: Path
) -> None:
    with terminal(where.home, tmp_path, env=where.env) as term:
        term.run("guance-billing account create")
        for prompt, answer in (
            ("Username:", "bad name"),
            ("Company name:", "Beta Ltd"),
            ("Login email:", "ops@beta.com"),
            ("Login phone:", "+8613800138001"),
        ):
            term.wait_for(prompt)
            term.type(answer)
            term.send("Enter")
        term.wait_for("Username must be 3-32 characters")
        term.type("beta")
        term.send("Enter")
        screen = term.wait_for("Created billing account beta")
        assert term.exit_code() == 0
        assert screen.count("Company name:") == 1
        assert screen.count("Login phone:") == 1
    shown = json.loads(where.ok("account", "show", "beta", "--json"))
    assert (shown["company_name"], shown["email"]) == ("Beta Ltd", "ops@beta.com")


def test_a_taken_email_is_asked_again_keeping_the_rest(where: Target, tmp_path: Path) -> None:
    with terminal(where.home, tmp_path, env=where.env) as term:
        term.run("guance-billing account create --username gamma --company-name Gamma")
        term.wait_for("Login email:")
        term.type("ops@acme.com")  # acme's
        term.send("Enter")
        term.wait_for("Login phone:")
        term.type("+8613800138002")
        term.send("Enter")
        term.wait_for("Login email is already used by another account; try again.")
        term.type("ops@gamma.com")
        term.send("Enter")
        term.wait_for("Created billing account gamma")
        assert term.exit_code() == 0


def test_declining_a_confirmation_says_nothing_changed(where: Target, tmp_path: Path) -> None:
    where.ok("workspace", "add", "--account", "acme", "--id", "w1", "--name", "W", "--site", "us1")
    with terminal(where.home, tmp_path, env=where.env) as term:
        term.run("guance-billing workspace dissolve w1 --account acme")
        term.wait_for("Dissolve workspace w1?")
        term.type("n")
        screen = term.wait_for("not confirmed; nothing was changed")
        assert term.exit_code() == 11
        assert "interrupted" not in screen
    shown = json.loads(where.ok("workspace", "show", "w1", "--json"))
    assert shown["state"] == "active"
