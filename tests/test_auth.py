"""auth login | logout | status | token: tokens in the keyring, lookup order, refusals."""

from __future__ import annotations

import os
import stat
import threading

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from guance_billing_cli.keys import token_store
from tests.support.cli import CliFn
from tests.support.remote import RemoteServer

PASSWORD = "Str0ng-Passw0rd!"
URL = "http://billing.test"


@pytest.fixture
def server(
    remote_server: RemoteServer, cli: CliFn, monkeypatch: pytest.MonkeyPatch
) -> RemoteServer:
    """A server with account acme (password set); the CLI holds no token yet."""
    created = cli(
        "account",
        "create",
        "--username",
        "acme",
        "--company-name",
        "Acme Ltd",
        "--email",
        "ops@acme.com",
        "--phone",
        "+8613800138000",
        "--password-stdin",
        "--json",
        input=PASSWORD + "\n",
    )
    assert created.exit_code == 0, created.stderr
    monkeypatch.delenv("GUANCE_BILLING_TOKEN")
    monkeypatch.delenv("GUANCE_BILLING_SERVER")
    return remote_server


def login(
    cli: CliFn,
    *extra: str,
    password: str = PASSWORD,
    who: tuple[str, ...] = ("--email", "ops@acme.com"),
):
    return cli(
        "auth",
        "login",
        "--server",
        URL,
        *who,
        "--password-stdin",
        *extra,
        "--json",
        input=password + "\n",
    )


def query(server: RemoteServer, sql: str) -> list[tuple]:
    """Rows straight from the server's store (SQLite or PostgreSQL)."""
    from sqlalchemy import text

    with server.app.state.backend.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql))]


def token_rows(server: RemoteServer) -> list[tuple]:
    return query(server, "SELECT name, role, revoked_at, token_hash FROM api_tokens ORDER BY id")


def test_login_stores_an_owner_token_in_the_keyring(server, cli: CliFn, home) -> None:
    result = login(cli)
    assert result.exit_code == 0, result.stderr
    body = result.json
    assert body["server"] == URL
    assert body["role"] == "owner"
    assert body["storage"] == "keyring"
    stored = keyring.get_password("guance-billing", URL)
    assert stored and stored.startswith("gbt_")
    assert stored not in result.stdout  # the secret is not printed
    assert stored not in "\n".join(str(r) for r in token_rows(server))  # stored hashed only
    # the profile now points at the server and the account
    status = cli("auth", "status", "--json")
    assert status.exit_code == 0, status.stderr
    assert status.json["account"] == body["account"]
    assert status.json["username"] == "acme"
    assert status.json["role"] == "owner"
    assert status.json["storage"] == "keyring"
    shown = cli("profile", "show", "--json")
    assert shown.exit_code == 0, shown.stderr
    assert shown.json["username"] == "acme"


def test_login_with_phone(server, cli: CliFn) -> None:
    result = login(cli, who=("--phone", "+86 138 0013 8000"))
    assert result.exit_code == 0, result.stderr


def test_wrong_password_and_unknown_address_get_the_same_answer(server, cli: CliFn) -> None:
    wrong = login(cli, password="Wr0ng-Passw0rd!")
    unknown = login(cli, who=("--email", "nobody@acme.com"))
    assert wrong.exit_code == unknown.exit_code == 4
    assert wrong.error["message"] == unknown.error["message"]
    assert keyring.get_password("guance-billing", URL) is None
    # a next step after the refusal (issue 23)
    assert "guance-billing password reset" in wrong.error["message"]


def test_failed_logins_are_counted_in_the_store(server, cli: CliFn, home) -> None:
    for _ in range(5):
        assert login(cli, password="Wr0ng-Passw0rd!").exit_code == 4
    # each wrong guess counts against the address and the client
    assert query(server, "SELECT count(*) FROM throttle_failures") == [(10,)]
    limited = login(cli)  # the sixth waits a minute, even with the right password
    assert limited.exit_code == 8
    assert limited.error["code"] == "rate_limited"


def test_login_without_password_input_fails_naming_the_flag(server, cli: CliFn) -> None:
    result = cli("auth", "login", "--server", URL, "--email", "ops@acme.com", "--json")
    assert result.exit_code == 2
    assert "--password-stdin" in result.error["message"]


def test_no_keyring_refuses_before_asking_the_server(server, cli: CliFn, home) -> None:
    keyring.set_keyring(fail.Keyring())
    before = token_rows(server)
    result = login(cli)
    assert result.exit_code == 10
    assert "no OS keyring backend" in result.error["message"]
    assert "--insecure-storage" in result.error["message"]
    assert token_rows(server) == before
    assert not token_store.credentials_file().exists()


def test_insecure_storage_writes_a_private_file_and_warns(server, cli: CliFn) -> None:
    keyring.set_keyring(fail.Keyring())
    result = login(cli, "--insecure-storage")
    assert result.exit_code == 0, result.stderr
    assert result.json["storage"] == "file"
    assert "plaintext" in result.stderr
    path = token_store.credentials_file()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    status = cli("auth", "status", "--json")
    assert status.exit_code == 0, status.stderr
    assert status.json["storage"] == "file"
    assert "no OS keyring backend" in status.json["keyring_error"]


def test_ci_skips_the_keyring(server, cli: CliFn, monkeypatch) -> None:
    monkeypatch.setenv("CI", "true")
    result = login(cli)
    assert result.exit_code == 10
    assert "CI is set" in result.error["message"]
    assert keyring.get_password("guance-billing", URL) is None


class HangingKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def get_password(self, service: str, username: str) -> str | None:
        self.release.wait(10)
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        self.release.wait(10)

    def delete_password(self, service: str, username: str) -> None:
        self.release.wait(10)


def test_a_hanging_keyring_times_out(server, cli: CliFn, monkeypatch) -> None:
    backend = HangingKeyring()
    keyring.set_keyring(backend)
    monkeypatch.setattr(token_store, "KEYRING_TIMEOUT", 0.05)
    try:
        result = login(cli)
        assert result.exit_code == 10
        assert "did not answer within 0.05 s" in result.error["message"]
    finally:
        backend.release.set()


def test_token_lookup_order_env_then_keyring_then_file(server, cli: CliFn, monkeypatch) -> None:
    token_store._write_file({URL: "from-file"})
    assert token_store.lookup(URL).source == "file"
    keyring.set_password("guance-billing", URL, "from-keyring")
    assert (token_store.lookup(URL).token, token_store.lookup(URL).source) == (
        "from-keyring",
        "keyring",
    )
    monkeypatch.setenv("GUANCE_BILLING_TOKEN", "from-env")
    assert (token_store.lookup(URL).token, token_store.lookup(URL).source) == ("from-env", "env")
    printed = cli("auth", "token", "--server", URL)
    assert printed.exit_code == 0
    assert printed.stdout.strip() == "from-env"


def test_logout_revokes_and_forgets(server, cli: CliFn, home) -> None:
    assert login(cli).exit_code == 0
    token = keyring.get_password("guance-billing", URL)
    result = cli("auth", "logout", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json["removed_from"] == ["keyring"]
    assert result.json["revoked"]
    assert keyring.get_password("guance-billing", URL) is None
    assert any(r[2] is not None for r in token_rows(server))
    reused = cli("profile", "show", "--json", env={"GUANCE_BILLING_TOKEN": token})
    assert reused.exit_code == 4
    status = cli("auth", "status", "--json")
    assert status.exit_code == 4


@pytest.mark.local_only
def test_auth_status_without_a_server_names_the_flag(cli: CliFn) -> None:
    result = cli("auth", "status", "--json")
    assert result.exit_code == 2
    assert "--server" in result.error["message"]


# -- login with a code ------------------------------------------------------------------


def start_code_login(cli: CliFn, *who: str):
    return cli(
        "auth",
        "login",
        "--server",
        URL,
        *(who or ("--email", "ops@acme.com")),
        "--with-code",
        "--json",
    )


def finish_code_login(cli: CliFn, request_id: str, code: str, *who: str):
    return cli(
        "auth",
        "login",
        "--server",
        URL,
        *(who or ("--email", "ops@acme.com")),
        "--with-code",
        "--request",
        request_id,
        "--code-stdin",
        "--json",
        input=code + "\n",
    )


def test_login_with_a_code_from_the_outbox(server, cli: CliFn, home) -> None:
    from tests.support.mail import mail_code, mails

    sent = start_code_login(cli)
    assert sent.exit_code == 0, sent.stderr
    assert sent.json["state"] == "code_sent"
    assert sent.json["sent_to"] != "ops@acme.com"  # masked
    code = mail_code(home, "ops@acme.com")
    assert code not in sent.stdout
    assert "login" in mails(home, "ops@acme.com")[-1]["Subject"].lower()
    done = finish_code_login(cli, sent.json["request_id"], code)
    assert done.exit_code == 0, done.stderr
    assert done.json["role"] == "owner"
    assert keyring.get_password("guance-billing", URL)
    reused = finish_code_login(cli, sent.json["request_id"], code)  # single use
    assert reused.exit_code == 7


def test_a_wrong_login_code_counts_and_five_end_the_request(server, cli: CliFn, home) -> None:
    from tests.support.mail import mail_code

    sent = start_code_login(cli)
    request_id = sent.json["request_id"]
    code = mail_code(home, "ops@acme.com")
    wrong = "000000" if code != "000000" else "111111"
    first = finish_code_login(cli, request_id, wrong)
    assert first.exit_code == 7
    assert first.error["attempts_left"] == 4
    for _ in range(4):
        assert finish_code_login(cli, request_id, wrong).exit_code == 7
    late = finish_code_login(cli, request_id, code)  # the right code, too late
    assert late.exit_code == 8  # the address waits after 5 failures (and the code failed)
    assert keyring.get_password("guance-billing", URL) is None


def test_login_codes_have_a_resend_cooldown(server, cli: CliFn, monkeypatch) -> None:
    from datetime import timedelta

    import guance_billing_cli.services.clock as clock

    assert start_code_login(cli).exit_code == 0
    again = start_code_login(cli)
    assert again.exit_code == 8
    later = clock.now() + timedelta(seconds=61)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert start_code_login(cli).exit_code == 0


def test_an_unknown_address_gets_the_same_answer_and_no_mail(server, cli: CliFn, home) -> None:
    from tests.support.mail import mails

    sent = start_code_login(cli, "--email", "nobody@acme.com")
    assert sent.exit_code == 0, sent.stderr
    assert set(sent.json) == {"request_id", "sent_to", "expires_at", "state"}
    assert mails(home, "nobody@acme.com") == []
    guess = finish_code_login(cli, sent.json["request_id"], "123456", "--email", "nobody@acme.com")
    assert guess.exit_code == 7


# -- sessions (issue 11) -------------------------------------------------------------


def active_owner_tokens(server: RemoteServer) -> list[tuple]:
    return query(
        server,
        "SELECT id FROM api_tokens WHERE role = 'owner' AND revoked_at IS NULL ORDER BY id",
    )


def test_a_second_login_revokes_the_token_it_replaces(server, cli: CliFn) -> None:
    first = login(cli)
    assert first.exit_code == 0, first.stderr
    assert first.json["replaced_token_revoked"] is None
    second = login(cli)
    assert second.exit_code == 0, second.stderr
    assert second.json["replaced_token_revoked"] == first.json["token_id"]
    assert active_owner_tokens(server) == [(second.json["token_id"],)]


def test_owner_lists_and_ends_sessions_and_logs_out_everywhere(server, cli: CliFn) -> None:
    from guance_billing_cli.client.http import HttpClient
    from guance_billing_cli.schemas.tokens import LoginRequest

    def other_session() -> str:
        http = HttpClient(URL)
        created = http.login(LoginRequest(email="ops@acme.com", password=PASSWORD))
        return str(created.id)

    assert login(cli).exit_code == 0
    laptop, phone = other_session(), other_session()
    listed = cli("auth", "sessions", "list", "--server", URL, "--json")
    assert listed.exit_code == 0, listed.stderr
    assert len(listed.json) == 3
    assert [row["current"] for row in listed.json].count(True) == 1
    one = cli("auth", "sessions", "revoke", laptop, "--server", URL, "--json")
    assert one.exit_code == 0, one.stderr
    assert one.json["revoked"] == 1
    assert (laptop,) not in active_owner_tokens(server)
    neither = cli("auth", "sessions", "revoke", "--server", URL, "--json")
    assert neither.exit_code == 2
    others = cli("auth", "sessions", "revoke", "--all-others", "--server", URL, "--json")
    assert others.exit_code == 0, others.stderr
    assert others.json["revoked"] == 1
    assert (phone,) not in active_owner_tokens(server)
    assert len(active_owner_tokens(server)) == 1
    gone = cli("auth", "logout", "--all", "--server", URL, "--json")
    assert gone.exit_code == 0, gone.stderr
    assert gone.json["revoked"] == 1
    assert active_owner_tokens(server) == []
    assert keyring.get_password("guance-billing", URL) is None
    again = cli("auth", "sessions", "list", "--server", URL, "--json")
    assert again.exit_code == 4


def test_a_support_token_has_no_sessions_to_list(server, cli: CliFn) -> None:
    listed = cli("auth", "sessions", "list", "--server", URL, "--json",
                 env={"GUANCE_BILLING_TOKEN": server.token})  # fmt: skip
    assert listed.exit_code == 5
