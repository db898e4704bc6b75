"""`auth login` typed into a real terminal (bash in tmux) against a real server (issue 20).

The command asks (the address, the password, the code) and renders; the sign-in flow
(``client/sign_in.py``) refuses before any secret is asked for when the token would have
nowhere to go, logs in, revokes the token a new login replaces and stores the new one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.mail import body, mails, only_code
from tests.support.tmux import Target, needs_tmux, target, terminal

pytestmark = [pytest.mark.slow, needs_tmux]  # the slow tier: a real terminal and server

PASSWORD = "correct horse battery staple 42"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Target]:
    with target("server", tmp_path) as t:
        t.ok(
            "account", "create", "--username", "acme", "--company-name", "Acme Ltd",
            "--email", "ops@acme.com", "--phone", "+8613800138000", "--password-stdin",
            input=PASSWORD + "\n",
        )  # fmt: skip
        yield t


def _as_owner(server: Target) -> dict[str, str]:
    """The terminal's environment: the server, and no token (the login stores one)."""
    return {"GUANCE_BILLING_SERVER": server.env["GUANCE_BILLING_SERVER"]}


def _stored_tokens(server: Target) -> dict[str, str]:
    path = server.home / "credentials.json"
    return json.loads(path.read_text()) if path.exists() else {}


def test_login_asks_the_address_then_the_password_then_a_code_replaces_it(
    server: Target, tmp_path: Path
) -> None:
    url = server.env["GUANCE_BILLING_SERVER"]
    with terminal(server.home, tmp_path, env=_as_owner(server)) as term:
        # no usable keyring (the fail backend): refused before any secret is asked for
        term.run("guance-billing auth login --email ops@acme.com")
        screen = term.wait_for("--insecure-storage")
        assert term.exit_code() == 10
        assert "Password:" not in screen
        assert _stored_tokens(server) == {}

        term.clear()
        term.run("guance-billing auth login --insecure-storage")
        term.wait_for("Login email:")
        term.type("ops@acme.com")
        term.send("Enter")
        term.wait_for("Password:")
        term.type(PASSWORD)
        term.send("Enter")
        screen = term.wait_for("Logged in to")
        assert term.exit_code() == 0
        assert PASSWORD not in screen  # typed hidden
        assert "stored in plaintext" in screen
        first = _stored_tokens(server)[url]

        term.clear()
        term.run("guance-billing auth login --insecure-storage --email ops@acme.com --with-code")
        term.wait_for("A login code was sent to")
        term.wait_for("Login code:")
        term.type(only_code(body(mails(server.outbox_home, "ops@acme.com")[-1])))
        term.send("Enter")
        term.wait_for("Logged in to")
        assert term.exit_code() == 0
    second = _stored_tokens(server)[url]
    assert second != first
    # the replaced token was revoked on the server, not only forgotten here
    owner = {**_as_owner(server), "GUANCE_BILLING_TOKEN": first}
    refused = Target("server", server.home, server.outbox_home, owner).cli("auth", "status")
    assert refused.returncode == 4, (refused.stdout, refused.stderr)
    me = Target("server", server.home, server.outbox_home, _as_owner(server))
    status = json.loads(me.ok("auth", "status", "--json"))
    assert status["role"] == "owner" and status["storage"] == "file"
