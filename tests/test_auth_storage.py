"""Where `auth login` keeps its token and what it does to the profile (issue 10):
a keyring that keeps nothing is no keyring, a failing keyring is asked once and
remembered, `auth token --json`, and a login never retargets a profile in use."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import null

from guance_billing_cli.keys import keyring as keyring_access
from guance_billing_cli.keys import token_store
from tests.support.cli import CliFn
from tests.support.remote import RemoteServer
from tests.support.servers import start_live_server
from tests.test_auth import PASSWORD, URL, login
from tests.test_auth import server as server  # the fixture: account acme, no token in the CLI

SUPPORT = Path(__file__).parent / "support"  # hanging_keyring.py


class ForgetfulKeyring(KeyringBackend):
    """Says yes to every write and keeps nothing (like a misconfigured backend)."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        return None

    def delete_password(self, service: str, username: str) -> None:
        return None


class HangingKeyring(KeyringBackend):
    """A Secret Service that never answers; counts how often it is asked."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.calls = 0

    def get_password(self, service: str, username: str) -> str | None:
        self.calls += 1
        self.release.wait(10)
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        self.calls += 1
        self.release.wait(10)

    def delete_password(self, service: str, username: str) -> None:
        self.calls += 1
        self.release.wait(10)


@pytest.fixture
def fresh_verdict() -> None:
    """No keyring verdict from an earlier test of this process."""
    keyring_access._verdict = None


# -- 7. a backend that keeps nothing ----------------------------------------------------


def test_the_null_backend_is_no_keyring(server: RemoteServer, cli: CliFn, fresh_verdict) -> None:
    keyring.set_keyring(null.Keyring())
    refused = login(cli)
    assert refused.exit_code == 10
    assert "no OS keyring backend" in refused.error["message"]
    assert "Keyring keeps nothing" in refused.error["message"]
    kept = login(cli, "--insecure-storage")
    assert kept.exit_code == 0, kept.stderr
    assert kept.json["storage"] == "file"
    status = cli("auth", "status", "--json")
    assert status.exit_code == 0, status.stderr
    assert status.json["storage"] == "file"


def test_a_keyring_that_keeps_nothing_is_found_out_by_reading_back(
    server: RemoteServer, cli: CliFn, fresh_verdict
) -> None:
    keyring.set_keyring(ForgetfulKeyring())
    refused = login(cli)
    assert refused.exit_code == 10
    assert "did not keep the token" in refused.error["message"]
    kept = login(cli, "--insecure-storage")
    assert kept.exit_code == 0, kept.stderr
    assert kept.json["storage"] == "file"  # never "keyring" for a token that is gone
    assert cli("auth", "status", "--json").exit_code == 0


@pytest.mark.slow
def test_null_backend_chosen_by_environment_in_a_real_process(
    server: RemoteServer, tmp_path: Path, home: Path
) -> None:
    """keyring's documented switch-off, PYTHON_KEYRING_BACKEND, in a fresh process."""
    live = start_live_server(server.app)
    try:
        env = {
            **os.environ,
            "GUANCE_BILLING_SERVER": live.url,
            "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        }
        env.pop("GUANCE_BILLING_TOKEN", None)

        def run(*args: str, input: str = "") -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "guance_billing_cli", *args],
                input=input, capture_output=True, text=True, env=env, timeout=60,
            )  # fmt: skip

        said = run("auth", "login", "--email", "ops@acme.com", "--password-stdin", "--json",
                   input=PASSWORD + "\n")  # fmt: skip
        assert said.returncode == 10, said.stderr
        assert "keeps nothing" in said.stderr
        said = run("auth", "login", "--email", "ops@acme.com", "--password-stdin",
                   "--insecure-storage", input=PASSWORD + "\n")  # fmt: skip
        assert said.returncode == 0, said.stderr
        assert "token in file" in said.stderr
        after = run("auth", "status", "--json")
        assert after.returncode == 0, after.stderr
        assert json.loads(after.stdout)["storage"] == "file"
    finally:
        live.stop()


# -- 8. a hanging keyring is asked once and remembered ----------------------------------


@pytest.mark.slow
def test_a_hanging_keyring_is_asked_once_per_process_and_remembered(
    server: RemoteServer, cli: CliFn, monkeypatch: pytest.MonkeyPatch, fresh_verdict
) -> None:
    backend = HangingKeyring()
    keyring.set_keyring(backend)
    monkeypatch.setattr(token_store, "KEYRING_TIMEOUT", 0.2)
    try:
        kept = login(cli, "--insecure-storage")
        assert kept.exit_code == 0, kept.stderr
        assert kept.json["storage"] == "file"
        assert backend.calls == 1  # one probe, not one per step
        started = time.monotonic()
        status = cli("auth", "status", "--json")
        assert status.exit_code == 0, status.stderr
        assert status.json["storage"] == "file"
        assert "did not answer" in status.json["keyring_error"]
        assert backend.calls == 1
        assert time.monotonic() - started < 0.2 * 5
        # a new process (no in-process verdict) still remembers, from the verdict file
        keyring_access._verdict = None
        assert cli("auth", "status", "--json").exit_code == 0
        assert backend.calls == 1
        # ... for a while: an old verdict is asked again
        path = keyring_access._verdict_file()
        data = json.loads(path.read_text())
        data["at"] -= keyring_access.REMEMBER_SECONDS + 1
        path.write_text(json.dumps(data))
        keyring_access._verdict = None
        assert cli("auth", "status", "--json").exit_code == 0
        assert backend.calls == 2
    finally:
        backend.release.set()


@pytest.mark.slow
def test_a_hanging_keyring_costs_a_later_process_nothing(
    server: RemoteServer, home: Path, tmp_path: Path
) -> None:
    """Real processes, a Secret Service that never answers (tests/support/hanging_keyring.py)."""
    live = start_live_server(server.app)
    try:
        env = {
            **os.environ,
            "GUANCE_BILLING_SERVER": live.url,
            "PYTHON_KEYRING_BACKEND": "hanging_keyring.HangingKeyring",
            "HANGING_KEYRING_LOG": str(tmp_path / "keyring-calls.log"),
            "PYTHONPATH": os.pathsep.join([str(SUPPORT), os.environ.get("PYTHONPATH", "")]),
        }
        env.pop("GUANCE_BILLING_TOKEN", None)

        def run(*args: str, input: str = "") -> tuple[subprocess.CompletedProcess[str], float]:
            started = time.monotonic()
            done = subprocess.run(
                [sys.executable, "-m", "guance_billing_cli", *args],
                input=input, capture_output=True, text=True, env=env, timeout=60,
            )  # fmt: skip
            return done, time.monotonic() - started

        login_run, login_s = run("auth", "login", "--email", "ops@acme.com", "--password-stdin",
                                 "--insecure-storage", "--json", input=PASSWORD + "\n")  # fmt: skip
        assert login_run.returncode == 0, login_run.stderr
        assert json.loads(login_run.stdout)["storage"] == "file"
        calls = tmp_path / "keyring-calls.log"
        assert calls.read_text().splitlines() == ["get_password"]  # one probe, not two
        assert login_s >= 3.0  # it did wait the timeout once
        status, _ = run("auth", "status", "--json")
        assert status.returncode == 0, status.stderr
        shown = json.loads(status.stdout)
        assert shown["storage"] == "file"
        assert "did not answer within 3 s" in shown["keyring_error"]
        assert calls.read_text().splitlines() == ["get_password"]  # remembered: not asked
    finally:
        live.stop()


# -- 6. auth token --json ---------------------------------------------------------------


def test_auth_token_takes_json(server: RemoteServer, cli: CliFn) -> None:
    assert login(cli).exit_code == 0
    printed = cli("auth", "token", "--json")
    assert printed.exit_code == 0, printed.stderr
    body = printed.json
    assert body["server"] == URL and body["storage"] == "keyring"
    assert body["token"] == keyring.get_password("guance-billing", URL)
    assert printed.stderr == ""
    plain = cli("auth", "token")
    assert plain.stdout.strip() == body["token"]


# -- 2. login does not retarget a profile in use ----------------------------------------


def test_login_leaves_a_profile_that_points_elsewhere_alone(
    server: RemoteServer, cli: CliFn, home: Path, tmp_path: Path
) -> None:
    local = tmp_path / "mine.db"
    assert cli("config", "set", "store", str(local)).exit_code == 0
    assert cli("config", "set", "account", "mine").exit_code == 0
    before = (home / "config.toml").read_text()
    result = login(cli)
    assert result.exit_code == 0, result.stderr
    assert result.json["profile_updated"] is False
    assert (home / "config.toml").read_text() == before
    human = cli("auth", "token")  # the token was kept for the server all the same
    assert human.exit_code == 2  # no server selected: the profile is still local
    shown = cli("config", "show", "--json").json
    assert shown["store"] == f"sqlite:///{local}" and shown["server"] is None
    assert cli("--server", URL, "auth", "status", "--json").exit_code == 0


def test_login_fills_a_fresh_profile_and_store_flag_still_wins(
    server: RemoteServer, cli: CliFn, tmp_path: Path
) -> None:
    result = login(cli)
    assert result.exit_code == 0, result.stderr
    assert result.json["profile_updated"] is True
    assert cli("profile", "show", "--json").json["username"] == "acme"  # via the server
    other = tmp_path / "other.db"
    assert cli("--store", str(other), "store", "init").exit_code == 0  # reads create none
    local = cli("--store", f"sqlite:///{other}", "account", "list", "--json")
    assert local.exit_code == 0, local.stderr
    assert local.json == []  # the named store, not the server
    tokens = cli("--store", f"sqlite:///{other}", "server", "token", "list", "--json")
    assert tokens.exit_code == 0, tokens.stderr  # the store's (empty) token list, not exit 5
    assert tokens.json == []
