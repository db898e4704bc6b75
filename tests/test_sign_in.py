"""The sign-in flow (``client/sign_in.py``, issue 20) where a stored token no longer
works: a login drops it quietly, a logout says so and forgets it all the same."""

from __future__ import annotations

import keyring
import pytest

from tests.support.cli import CliFn
from tests.support.remote import RemoteServer
from tests.test_auth import URL, active_owner_tokens, login
from tests.test_auth import server as server  # the fixture: account acme, no token in the CLI

pytestmark = pytest.mark.remote_only  # a login is to a server


def _revoked_elsewhere(token: str) -> None:
    """End the session on the server from another client, as another machine would."""
    from guance_billing_cli.client.connect import server_client

    client = server_client(URL, token=token)
    try:
        client.logout()
    finally:
        client.close()


def test_a_login_replacing_a_dead_token_revokes_nothing(server: RemoteServer, cli: CliFn) -> None:
    first = login(cli)
    assert first.exit_code == 0, first.stderr
    _revoked_elsewhere(keyring.get_password("guance-billing", URL) or "")
    second = login(cli)
    assert second.exit_code == 0, second.stderr
    assert second.json["replaced_token_revoked"] is None  # nothing left to revoke
    assert second.stderr == ""
    assert active_owner_tokens(server) == [(second.json["token_id"],)]


def test_logout_of_a_dead_token_warns_and_forgets_it(server: RemoteServer, cli: CliFn) -> None:
    assert login(cli).exit_code == 0
    _revoked_elsewhere(keyring.get_password("guance-billing", URL) or "")
    result = cli("auth", "logout", "--server", URL, "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json == {"server": URL, "revoked": None, "removed_from": ["keyring"]}
    assert "could not revoke the token on the server" in result.stderr
    assert keyring.get_password("guance-billing", URL) is None
    again = cli("auth", "logout", "--server", URL)
    assert again.exit_code == 0, again.stderr
    assert f"No stored token for {URL}." in again.stdout + again.stderr
