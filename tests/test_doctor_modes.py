"""doctor checks what the current mode uses (issue 23): against a server the keyring
check honours an `auth login --insecure-storage` token, and no local outbox is checked."""

from __future__ import annotations

import keyring
from keyring.backends import null

from guance_billing_cli.keys import keyring as keyring_access
from tests.support.cli import CliFn
from tests.support.remote import RemoteServer
from tests.test_auth import URL, login
from tests.test_auth import server as server  # the fixture: account acme, no token in the CLI


def test_remote_doctor_honours_a_file_token_and_skips_local_outboxes(
    server: RemoteServer, cli: CliFn
) -> None:
    keyring_access._verdict = None
    keyring.set_keyring(null.Keyring())
    kept = login(cli, "--insecure-storage")
    assert kept.exit_code == 0, kept.stderr
    result = cli("--server", URL, "doctor", "--json")
    by_check = {f["check"]: f for f in result.json["findings"]}
    assert by_check["keyring"]["ok"] is True, by_check["keyring"]
    assert "credentials.json" in by_check["keyring"]["detail"]
    assert "email delivery" not in by_check and "sms delivery" not in by_check
    assert "sent by the server" in by_check["delivery"]["detail"]
    assert not any("outbox" in f["detail"] for f in result.json["findings"])
    keyring_access._verdict = None


def test_remote_doctor_without_any_token_still_fails_the_keyring(
    server: RemoteServer, cli: CliFn
) -> None:
    keyring_access._verdict = None
    keyring.set_keyring(null.Keyring())
    result = cli("--server", URL, "doctor", "--json")
    by_check = {f["check"]: f for f in result.json["findings"]}
    assert by_check["keyring"]["ok"] is False
    assert "--insecure-storage" in by_check["keyring"]["fix"]
    keyring_access._verdict = None
