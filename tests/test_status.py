"""`status` and `config show` (issue 15), and `server run` sending reminders on a timer."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.accounts import account_args
from tests.support.mail import mails


def test_status_says_where_commands_go(cli: Any, make_account: Any, backend: Any) -> None:
    make_account("acme")
    assert cli("account", "use", "acme").exit_code == 0
    result = cli("status", "--json")
    assert result.exit_code == 0, result.stderr
    status = result.json
    assert status["username"] == "acme"
    assert status["account_source"] == "profile default"
    assert status["problem"] is None
    assert status["version"]
    if not backend.is_remote:
        scheme = "postgresql" if backend.is_postgres else "sqlite:///"
        assert status["target"] == "store" and status["store"].startswith(scheme)
        assert status["role"] == "support (local store operator)"
        assert status["token_storage"] is None
    else:
        assert status["target"] == "server" and status["server"] == "http://billing.test"
        assert status["role"] == "support"
        assert status["token_storage"] == "env"
    table = cli("status")
    assert table.exit_code == 0 and "username" in table.stdout and "acme" in table.stdout


@pytest.mark.sqlite_only  # the in-process server transport would answer any URL
def test_status_reports_problems_without_failing(cli: Any, home: Path) -> None:
    result = cli("--server", "http://127.0.0.1:9", "status", "--json")
    assert result.exit_code == 0
    assert "not logged in" in result.json["problem"]
    assert result.json["token_storage"] == "none"
    fresh = cli("--store", str(home / "new.db"), "status", "--json")
    assert fresh.exit_code == 0 and "does not exist yet" in fresh.json["problem"]
    assert not (home / "new.db").exists()  # status reads only


def test_config_show_is_a_table_with_sources(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli("config", "set", "smtp.host", "smtp.example.com").exit_code == 0
    monkeypatch.setenv("GUANCE_BILLING_SMTP_PORT", "2525")
    table = cli("config", "show")
    assert table.exit_code == 0
    lines = {line.split("│")[1].strip(): line for line in table.stdout.splitlines() if "│" in line}
    assert "profile default" in lines["smtp.host"] and "smtp.example.com" in lines["smtp.host"]
    assert "environment variable GUANCE_BILLING_SMTP_PORT" in lines["smtp.port"]
    assert "default (unset)" in lines["sms.webhook_url"]
    data = cli("config", "show", "--json").json
    rows = {row["key"]: row for row in data["values"]}
    assert rows["smtp.port"] == {
        "key": "smtp.port",
        "value": "2525",
        "source": "env GUANCE_BILLING_SMTP_PORT",
    }
    assert "sources" in data and "settings" in data  # the documented shape is kept


@pytest.mark.slow
def test_server_run_sends_reminders_on_a_timer(tmp_path: Path) -> None:
    from tests.support.servers import start_server, stop

    proc, live = start_server(tmp_path, "--remind-every", "0.02")
    try:
        token = live.admin(
            "server", "token", "create", "--name", "t", "--role", "support", "--json"
        ).json["token"]

        def run(*args: str) -> Any:
            done = live.run(*args, token=token)
            assert done.code == 0, (args, done.err)
            return done

        run(*account_args("acme", email="ops@acme.com"))
        cloud = run("cloud", "add", "--account", "acme", "--provider", "aws",
                    "--account-id", "123456789012", "--json").json["id"]  # fmt: skip
        run("workspace", "add", "--account", "acme", "--id", "w1", "--name", "W", "--site", "us1")
        run("cloud", "bind", cloud, "w1")
        run("cloud", "unsubscribe", cloud, "--yes")
        deadline = time.monotonic() + 30
        while not mails(live.home, "ops@acme.com") and time.monotonic() < deadline:
            time.sleep(0.2)
        sent = mails(live.home, "ops@acme.com")
        assert len(sent) == 1 and "w1 locks on" in sent[0]["Subject"]
        time.sleep(3)  # more ticks: still one reminder for this stage
        assert len(mails(live.home, "ops@acme.com")) == 1
    finally:
        stop(proc)
