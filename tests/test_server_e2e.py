"""End to end: `guance-billing server run` under uvicorn on 127.0.0.1, the CLI in subprocesses.

Logs in, changes the login email with codes read from the server's outbox, logs in
with the new address (the old one fails), binds a batch of workspaces, and proves
the remote path never imports SQLAlchemy.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.servers import RealServer, free_port, start_server, stop

pytestmark = pytest.mark.slow  # the slow tier: real server processes

PASSWORD = "Str0ng-Passw0rd!"


@pytest.fixture
def live(tmp_path: Path) -> Iterator[RealServer]:
    proc, server = start_server(tmp_path)
    try:
        yield server
    finally:
        stop(proc)


def test_login_change_email_and_bind_against_a_real_server(live: RealServer) -> None:
    created = live.admin(
        "server", "token", "create", "--name", "admin", "--role", "support", "--json"
    )
    assert created.code == 0, created.err
    support = created.json["token"]

    acct = live.run(
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
        token=support,
    )
    assert acct.code == 0, acct.err

    # log in as the owner; no keyring in the subprocess, so it must be asked for a file
    refused = live.run(
        "auth",
        "login",
        "--email",
        "ops@acme.com",
        "--password-stdin",
        "--json",
        input=PASSWORD + "\n",
    )
    assert refused.code == 10, refused.err
    login = live.run(
        "auth",
        "login",
        "--email",
        "ops@acme.com",
        "--password-stdin",
        "--insecure-storage",
        "--json",
        input=PASSWORD + "\n",
    )
    assert login.code == 0, login.err
    assert login.json["role"] == "owner"
    assert login.json["storage"] == "file"

    shown = live.run("profile", "show", "--json")
    assert shown.code == 0, shown.err
    assert shown.json["username"] == "acme"

    # change the login email with codes read from the server's outbox
    start = live.run("email", "change", "--new-email", "new@acme.com", "--json")
    assert start.code == 0, start.err
    req = start.json["request_id"]
    assert start.json["state"] == "awaiting_current_code"
    step = live.run(
        "email",
        "verify",
        req,
        "--code-stdin",
        "--json",
        input=live.last_code("ops@acme.com") + "\n",
    )
    assert step.code == 0, step.err
    assert step.json["state"] == "awaiting_new_code"
    done = live.run(
        "email",
        "verify",
        req,
        "--code-stdin",
        "--json",
        input=live.last_code("new@acme.com") + "\n",
    )
    assert done.code == 0, done.err
    assert done.json["state"] == "completed"

    old = live.run(
        "auth",
        "login",
        "--email",
        "ops@acme.com",
        "--password-stdin",
        "--insecure-storage",
        "--json",
        input=PASSWORD + "\n",
    )
    assert old.code == 4, old.err
    new = live.run(
        "auth",
        "login",
        "--email",
        "new@acme.com",
        "--password-stdin",
        "--insecure-storage",
        "--json",
        input=PASSWORD + "\n",
    )
    assert new.code == 0, new.err

    # a batch of workspaces bound to a cloud account
    rows = "id,name,site\n" + "".join(f"wksp_{i},WS {i},cn1\n" for i in range(5))
    added = live.run("workspace", "add", "--from-file", "-", "--json", input=rows)
    assert added.code == 0, added.err
    cloud = live.run(
        "cloud",
        "add",
        "--provider",
        "aliyun",
        "--account-id",
        "1234567890123456",
        "--instance-id",
        "cmgj0012345",
        "--json",
    )
    assert cloud.code == 0, cloud.err
    ids = "".join(f"wksp_{i}\n" for i in range(5)) + "wksp_missing\n"
    bound = live.run("cloud", "bind", cloud.json["id"], "--from-file", "-", "--json", input=ids)
    assert bound.code == 9, bound.err
    assert bound.json["summary"]["bound"] == 5
    assert bound.json["summary"]["refused"] == 1
    again = live.run("cloud", "bind", cloud.json["id"], "wksp_0", "--json")
    assert again.code == 0, again.err
    assert again.json["results"][0]["result"] == "unchanged"

    # a CI token limited to bindings can bind but not read the profile
    ci = live.run(
        "server",
        "token",
        "create",
        "--name",
        "ci",
        "--role",
        "owner",
        "--account",
        "acme",
        "--scope",
        "bindings",
        "--json",
        token=support,
    )
    assert ci.code == 0, ci.err
    assert live.run("profile", "show", "--json", token=ci.json["token"]).code == 5
    listed = live.run("workspace", "list", "--json", token=ci.json["token"])
    assert listed.code == 0, listed.err
    assert len(listed.json) == 5

    status = live.run("auth", "status", "--json")
    assert status.code == 0, status.err
    assert status.json["storage"] == "file"


def test_the_remote_path_does_not_import_sqlalchemy(live: RealServer) -> None:
    token = live.admin("server", "token", "create", "--name", "t", "--role", "support", "--json")
    assert token.code == 0, token.err
    script = (
        "import sys\n"
        "from guance_billing_cli.app import app\n"
        "try:\n"
        "    app(['account', 'list', '--json'], prog_name='guance-billing')\n"
        "except SystemExit as exc:\n"
        "    assert exc.code in (0, None), exc.code\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('sqlalchemy', 'sqlmodel', 'alembic', 'fastapi', 'uvicorn'))\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUANCE_BILLING_")}
    env.update(
        GUANCE_BILLING_HOME=str(live.client_home),
        GUANCE_BILLING_SERVER=live.url,
        GUANCE_BILLING_TOKEN=token.json["token"],
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
    assert "HEAVY []" in proc.stderr


def test_unreachable_server_is_exit_10_naming_the_url(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    server = RealServer(f"http://127.0.0.1:{port}", tmp_path, "", tmp_path / "client")
    result = server.run("account", "list", "--json", token="gbt_x")
    assert result.code == 10
    error = json.loads(result.err.strip().splitlines()[-1])["error"]
    assert f"http://127.0.0.1:{port}" in error["message"]


def test_two_workers(tmp_path: Path) -> None:
    proc, live = start_server(tmp_path, "--workers", "2")
    try:
        token = live.admin(
            "server", "token", "create", "--name", "t", "--role", "support", "--json"
        )
        assert token.code == 0, token.err
        for i in range(3):
            made = live.run(
                "account",
                "create",
                "--username",
                f"acct{i}",
                "--company-name",
                "C",
                "--email",
                f"a{i}@acme.com",
                "--phone",
                f"+861380013800{i}",
                "--json",
                token=token.json["token"],
            )
            assert made.code == 0, made.err
        listed = live.run("account", "list", "--json", token=token.json["token"])
        assert [a["username"] for a in listed.json] == ["acct0", "acct1", "acct2"]
    finally:
        stop(proc)
