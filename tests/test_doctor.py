"""doctor: healthy set-up exits 0; each kind of problem exits 10 with a fix."""

from __future__ import annotations

import sqlite3

import pytest

from tests.support.cli import CliFn
from tests.support.servers import free_port

pytestmark = pytest.mark.sqlite_only  # doctor's checks of the SQLite file


def _failed(result) -> list[dict]:  # type: ignore[no-untyped-def]
    return [f for f in result.json["findings"] if not f["ok"]]


def test_healthy_local_setup(cli: CliFn, make_account) -> None:
    make_account("acme")
    result = cli("doctor", "--json")
    assert result.exit_code == 0, result.stdout
    assert result.json["healthy"] is True
    checks = {f["check"] for f in result.json["findings"]}
    assert {"store", "permissions", "keyring", "email delivery", "sms delivery"} <= checks


def test_loose_store_permissions_are_reported_with_a_fix(cli: CliFn, make_account, home) -> None:
    make_account("acme")
    (home / "billing.db").chmod(0o644)
    result = cli("doctor", "--json")
    assert result.exit_code == 10
    [bad] = _failed(result)
    assert bad["check"] == "permissions"
    assert bad["fix"] == f"chmod 600 {home / 'billing.db'}"
    human = cli("doctor")
    assert "FAIL permissions" in human.stdout and "fix: chmod 600" in human.stdout


def test_newer_store_is_reported_and_untouched(cli: CliFn, make_account, home) -> None:
    make_account("acme")
    with sqlite3.connect(home / "billing.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.close()
    result = cli("doctor", "--json")
    assert result.exit_code == 10
    assert _failed(result)[0]["check"] == "store"
    with sqlite3.connect(home / "billing.db") as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "9999"


def test_a_store_of_a_pre_release_build_is_reported_and_untouched(
    cli: CliFn, make_account, home
) -> None:
    make_account("acme")
    with sqlite3.connect(home / "billing.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0003'")
    conn.close()
    result = cli("doctor", "--json")
    assert result.exit_code == 10
    [bad] = [f for f in _failed(result) if f["check"] == "store"]
    assert "development build before the 0.1.0 release" in bad["detail"], bad
    assert "guance-billing store init" in bad["detail"]
    with sqlite3.connect(home / "billing.db") as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0003"


def test_unreachable_smtp_and_webhook(cli: CliFn, make_account) -> None:
    make_account("acme")
    port = free_port()
    cli("config", "set", "smtp.host", "127.0.0.1")
    cli("config", "set", "smtp.port", str(port))
    cli("config", "set", "sms.webhook_url", f"http://127.0.0.1:{port}/sms")
    result = cli("doctor", "--json")
    assert result.exit_code == 10
    assert {f["check"] for f in _failed(result)} == {"email delivery", "sms delivery"}


def test_reachable_smtp_server(cli: CliFn, make_account) -> None:
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Sink

    make_account("acme")
    controller = Controller(Sink(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        cli("config", "set", "smtp.host", "127.0.0.1")
        cli("config", "set", "smtp.port", str(controller.port))
        result = cli("doctor", "--json")
    finally:
        controller.stop()
    assert result.exit_code == 0, result.stdout
    email = next(f for f in result.json["findings"] if f["check"] == "email delivery")
    assert email["ok"] and "answers" in email["detail"]


def test_unreachable_server(cli: CliFn) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = cli("--server", url, "doctor", "--json", env={"GUANCE_BILLING_TOKEN": "x"})
    assert result.exit_code == 10
    [bad] = _failed(result)
    assert bad["check"] == "server" and "unreachable" in bad["detail"]


def test_secret_key_outside_the_store_is_checked(
    cli: CliFn, make_account, home, monkeypatch
) -> None:
    key_file = home / "secret.key"
    before = cli("doctor", "--json")
    [finding] = [f for f in before.json["findings"] if f["check"] == "secret key"]
    assert finding["ok"] is True and "created on first use" in finding["detail"]
    # the first write (its audit link is keyed, issue 13) makes the key file (0600),
    # outside the store
    make_account("acme")
    assert key_file.stat().st_mode & 0o777 == 0o600
    result = cli("doctor", "--json")
    [finding] = [f for f in result.json["findings"] if f["check"] == "secret key"]
    assert finding["ok"] is True
    assert f"from key file {key_file}" in finding["detail"]
    key_file.chmod(0o644)
    loose = cli("doctor", "--json")
    assert loose.exit_code == 10
    [bad] = _failed(loose)
    assert bad["check"] == "secret key"
    assert "readable by others" in bad["detail"]
    key_file.chmod(0o600)
    monkeypatch.setenv("GUANCE_BILLING_SECRET_KEY", "not-hex")
    broken = cli("doctor", "--json")
    assert broken.exit_code == 10
    assert "not hexadecimal" in _failed(broken)[0]["detail"]
    assert "not-hex" not in broken.stdout


def test_postgresql_store_without_a_key_is_reported(cli: CliFn, monkeypatch) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    result = cli("--store", url, "doctor", "--json")
    [finding] = [f for f in result.json["findings"] if f["check"] == "secret key"]
    assert finding["ok"] is False
    assert "refuses to start" in finding["detail"]


def test_server_run_on_postgresql_refuses_to_start_without_a_key(cli: CliFn) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    result = cli("server", "run", "--store", url, "--port", str(free_port()))
    assert result.exit_code == 10, result.stderr
    assert "secret key" in result.stderr
    assert "GUANCE_BILLING_SECRET_KEY" in result.stderr
