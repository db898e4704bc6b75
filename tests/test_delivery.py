"""Delivery of codes through real transports on loopback: aiosmtpd, an HTTP
webhook server, the Maildir and the SMS file. A failed delivery exits 10, does
not advance the request and is not counted as a send."""

from __future__ import annotations

import json
import os
import shutil
import stat
import threading
from collections.abc import Iterator
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import keyring
import pytest

from tests.support.cli import CliFn
from tests.support.clock import Clock
from tests.support.mail import body, mail_code, mails, only_code
from tests.support.servers import free_port
from tests.support.store import store_dump

OLD_EMAIL, NEW_EMAIL = "ops@acme.com", "new@acme.com"
OLD_PHONE, NEW_PHONE = "+8613800138000", "+8613912345678"


@pytest.fixture
def acme(make_account: Any) -> dict[str, Any]:
    return make_account("acme", email=OLD_EMAIL, phone=OLD_PHONE)  # type: ignore[no-any-return]


# -- SMTP -------------------------------------------------------------------------


class Inbox:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(
            {
                "from": envelope.mail_from,
                "to": list(envelope.rcpt_tos),
                "message": message_from_bytes(envelope.content),
                "login": getattr(session, "login_data", None),
            }
        )
        return "250 OK"

    def code_for(self, to: str) -> str:
        mine = [m for m in self.messages if to in m["to"]]
        assert mine, f"no SMTP message to {to}"
        return only_code(body(mine[-1]["message"]))


class Smtpd:
    def __init__(self, *, password: str | None = None) -> None:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        self.inbox = Inbox()
        self.port = free_port()
        kwargs: dict[str, Any] = {}
        if password is not None:

            def authenticate(
                server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
            ) -> Any:
                ok = auth_data.login == b"mailer" and auth_data.password == password.encode()
                return AuthResult(success=ok)

            kwargs = {
                "authenticator": authenticate,
                "auth_require_tls": False,
                "auth_required": True,
            }
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **kwargs)

    def __enter__(self) -> Smtpd:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


def use_smtp(cli: CliFn, port: int, **extra: str) -> None:
    settings = {
        "smtp.host": "127.0.0.1",
        "smtp.port": str(port),
        "smtp.starttls": "false",
        "smtp.from": "billing@acme.test",
        **extra,
    }
    for key, value in settings.items():
        assert cli("config", "set", key, value).exit_code == 0


def test_smtp_delivers_both_codes(cli: CliFn, acme: dict[str, Any], home: Path) -> None:
    with Smtpd() as smtpd:
        use_smtp(cli, smtpd.port)
        req = cli("email", "change", "--account", "acme", "--new-email", NEW_EMAIL, "--json")
        assert req.exit_code == 0, req.stderr
        [first] = smtpd.inbox.messages
        assert first["to"] == [OLD_EMAIL]
        assert first["from"] == "billing@acme.test"
        assert "verification code" in first["message"]["Subject"]
        rid = req.json["request_id"]
        step = cli("email", "verify", rid, "--code", smtpd.inbox.code_for(OLD_EMAIL), "--json")
        assert step.json["state"] == "awaiting_new_code"
        done = cli("email", "verify", rid, "--code", smtpd.inbox.code_for(NEW_EMAIL), "--json")
        assert done.json["state"] == "completed"
    assert mails(home) == []  # SMTP replaces the Maildir


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtp_password_from_env_then_keyring(
    cli: CliFn, acme: dict[str, Any], monkeypatch: pytest.MonkeyPatch, clock: Clock
) -> None:
    with Smtpd(password="s3cret-pw") as smtpd:
        use_smtp(cli, smtpd.port, **{"smtp.user": "mailer"})
        missing = cli("email", "change", "--account", "acme", "--new-email", NEW_EMAIL, "--json")
        assert missing.exit_code == 10
        assert "GUANCE_BILLING_SMTP_PASSWORD" in missing.error["message"]
        assert "smtp:mailer@127.0.0.1" in missing.error["message"]

        keyring.set_password("guance-billing", "smtp:mailer@127.0.0.1", "s3cret-pw")
        by_keyring = cli("email", "change", "--account", "acme", "--new-email", NEW_EMAIL)
        assert by_keyring.exit_code == 0, by_keyring.stderr

        clock.advance(seconds=61)
        monkeypatch.setenv("GUANCE_BILLING_SMTP_PASSWORD", "wrong-pw")  # env wins
        refused = cli("email", "change", "--account", "acme", "--new-email", NEW_EMAIL, "--json")
        assert refused.exit_code == 10
        assert "wrong-pw" not in refused.stderr
        monkeypatch.setenv("GUANCE_BILLING_SMTP_PASSWORD", "s3cret-pw")
        by_env = cli("email", "change", "--account", "acme", "--new-email", NEW_EMAIL)
        assert by_env.exit_code == 0, by_env.stderr
        assert len(smtpd.inbox.messages) == 2


def test_smtp_unreachable_exits_10_and_changes_nothing(
    cli: CliFn, acme: dict[str, Any], home: Path
) -> None:
    use_smtp(cli, free_port())  # nothing listens there
    before = store_dump(home)
    result = cli("email", "change", "--account", "acme", "--new-email", NEW_EMAIL, "--json")
    assert result.exit_code == 10
    assert result.error["code"] == "unavailable"
    assert "SMTP 127.0.0.1" in result.error["message"]
    assert store_dump(home) == before
    assert cli("email", "status", "--account", "acme").exit_code == 3


def test_starttls_is_required_by_default(cli: CliFn, acme: dict[str, Any]) -> None:
    with Smtpd() as smtpd:  # offers no STARTTLS
        for key, value in {"smtp.host": "127.0.0.1", "smtp.port": str(smtpd.port)}.items():
            cli("config", "set", key, value)
        result = cli("email", "change", "--account", "acme", "--new-email", NEW_EMAIL, "--json")
        assert result.exit_code == 10
        assert smtpd.inbox.messages == []


def test_smtp_settings_from_environment(
    cli: CliFn, acme: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    with Smtpd() as smtpd:
        monkeypatch.setenv("GUANCE_BILLING_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("GUANCE_BILLING_SMTP_PORT", str(smtpd.port))
        monkeypatch.setenv("GUANCE_BILLING_SMTP_STARTTLS", "off")
        result = cli("email", "change", "--account", "acme", "--new-email", NEW_EMAIL)
        assert result.exit_code == 0, result.stderr
        assert len(smtpd.inbox.messages) == 1


# -- SMS webhook --------------------------------------------------------------------


class Webhook:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.status = 200
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                hook.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "json": json.loads(self.rfile.read(length)),
                    }
                )
                self.send_response(hook.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def code_for(self, to: str) -> str:
        mine = [r for r in self.requests if r["json"]["to"] == to]
        assert mine, f"no SMS to {to}"
        return only_code(mine[-1]["json"]["text"])


@pytest.fixture
def webhook(cli: CliFn) -> Iterator[Webhook]:
    hook = Webhook()
    hook.thread.start()
    assert cli("config", "set", "sms.webhook_url", hook.url).exit_code == 0
    yield hook
    hook.server.shutdown()
    hook.server.server_close()


def test_webhook_receives_to_and_text_with_bearer_token(
    cli: CliFn,
    acme: dict[str, Any],
    home: Path,
    webhook: Webhook,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GUANCE_BILLING_SMS_TOKEN", "tok-123")
    req = cli("phone", "change", "--account", "acme", "--new-phone", NEW_PHONE, "--json")
    assert req.exit_code == 0, req.stderr
    [sent] = webhook.requests
    assert sent["path"] == "/sms"
    assert sent["headers"]["Authorization"] == "Bearer tok-123"
    assert sent["headers"]["Content-Type"] == "application/json"
    assert set(sent["json"]) == {"to", "text"}
    assert sent["json"]["to"] == OLD_PHONE
    rid = req.json["request_id"]
    cli("phone", "verify", rid, "--code", webhook.code_for(OLD_PHONE))
    done = cli("phone", "verify", rid, "--code", webhook.code_for(NEW_PHONE), "--json")
    assert done.json["state"] == "completed"
    assert not (home / "outbox" / "sms.jsonl").exists()


def test_webhook_token_from_keyring(cli: CliFn, acme: dict[str, Any], webhook: Webhook) -> None:
    keyring.set_password("guance-billing", "sms-webhook", "kr-token")
    assert cli("phone", "change", "--account", "acme", "--new-phone", NEW_PHONE).exit_code == 0
    assert webhook.requests[0]["headers"]["Authorization"] == "Bearer kr-token"


def test_webhook_failure_exits_10_and_changes_nothing(
    cli: CliFn, acme: dict[str, Any], home: Path, webhook: Webhook
) -> None:
    webhook.status = 500
    before = store_dump(home)
    result = cli("phone", "change", "--account", "acme", "--new-phone", NEW_PHONE, "--json")
    assert result.exit_code == 10
    assert "HTTP 500" in result.error["message"]
    assert store_dump(home) == before


def test_failed_resend_is_not_counted(
    cli: CliFn, acme: dict[str, Any], webhook: Webhook, clock: Clock
) -> None:
    rid = cli("phone", "change", "--account", "acme", "--new-phone", NEW_PHONE, "--json").json[
        "request_id"
    ]
    first = webhook.code_for(OLD_PHONE)
    clock.advance(seconds=61)
    webhook.status = 503
    failed = cli("phone", "resend", rid, "--json")
    assert failed.exit_code == 10
    status = cli("phone", "status", rid, "--json").json
    assert status["sends_left"] == 9  # of 10 per number per 24 h: the failed send did not count
    assert status["resend_available_at"] == "2026-03-02T09:01:00Z"  # cooldown not restarted

    webhook.status = 200
    again = cli("phone", "resend", rid, "--json")  # at once: the failed send did not count
    assert again.exit_code == 0, again.stderr
    assert again.json["sends_left"] == 8
    second = webhook.code_for(OLD_PHONE)
    if second != first:
        assert cli("phone", "verify", rid, "--code", first).exit_code == 7
    assert cli("phone", "verify", rid, "--code", second).exit_code == 0


def test_webhook_errors_do_not_show_url_secrets(cli: CliFn, acme: dict[str, Any]) -> None:
    url = f"http://user:pw@127.0.0.1:{free_port()}/sms?key=query-secret"
    cli("config", "set", "sms.webhook_url", url)
    result = cli("phone", "change", "--account", "acme", "--new-phone", NEW_PHONE, "--json")
    assert result.exit_code == 10
    assert "query-secret" not in result.stderr
    assert ":pw@" not in result.stderr


# -- Maildir ----------------------------------------------------------------------


def test_maildir_message_and_permissions(cli: CliFn, acme: dict[str, Any], home: Path) -> None:
    assert cli("email", "change", "--account", "acme", "--new-email", NEW_EMAIL).exit_code == 0
    [message] = mails(home)
    assert message["To"] == OLD_EMAIL
    assert message["Subject"] == "Your Guance Billing verification code"
    text = body(message)
    only_code(text)
    assert "step 1 of 2" in text
    assert "expires at" in text
    root = home / "outbox" / "mail"
    for directory in (home / "outbox", root, root / "new", root / "cur", root / "tmp"):
        assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700, directory
    for path in (root / "new").iterdir():
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_failed_delivery_to_the_new_address_does_not_advance(
    cli: CliFn, acme: dict[str, Any], home: Path
) -> None:
    rid = cli("email", "change", "--account", "acme", "--new-email", NEW_EMAIL, "--json").json[
        "request_id"
    ]
    code = mail_code(home, OLD_EMAIL)
    root = home / "outbox" / "mail"
    shutil.move(root, home / "mail.saved")
    root.write_text("not a directory")  # the outbox cannot be written
    result = cli("email", "verify", rid, "--code", code, "--json")
    assert result.exit_code == 10
    assert "mail outbox" in result.error["message"]
    status = cli("email", "status", rid, "--json").json
    assert status["state"] == "awaiting_current_code"
    assert status["attempts_left"] == 5

    root.unlink()
    shutil.move(home / "mail.saved", root)
    retry = cli("email", "verify", rid, "--code", code, "--json")  # the same code still works
    assert retry.exit_code == 0, retry.stderr
    assert retry.json["state"] == "awaiting_new_code"
    assert len(mails(home, NEW_EMAIL)) == 1
