"""Promises every command keeps on every backend (issue 10's list of bugs found by
trying the tool as a new user): clean stdout on errors, flags win, clear refusals."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.support.backends import Backend
from tests.support.cli import CliFn
from tests.support.settlement import ALIYUN_ID, add_cloud, add_ws, ok
from tests.support.store import store_dump
from tests.support.terminal import Terminal


@pytest.fixture
def acme(cli: CliFn, make_account) -> dict:
    account = make_account("acme")
    ok(cli("account", "use", "acme"))
    return account


# -- 1. nothing on stdout before the first row is known good ---------------------------


@pytest.mark.parametrize("output", ["--json", "--output=ndjson", "--output=csv"])
def test_a_list_that_fails_at_once_prints_nothing_on_stdout(
    cli: CliFn, acme: dict, output: str
) -> None:
    result = cli("workspace", "list", "--account", "nosuch", output)
    assert result.exit_code == 3
    assert result.stdout == ""
    assert "no billing account matches 'nosuch'" in result.stderr


def test_an_empty_list_is_still_an_empty_document(cli: CliFn, acme: dict) -> None:
    result = cli("workspace", "list", "--json")
    assert result.exit_code == 0
    assert result.json == []
    csv = cli("workspace", "list", "--output", "csv")
    assert csv.exit_code == 0 and csv.stdout.startswith("id,")


@pytest.mark.remote_only
def test_a_refused_token_leaves_stdout_empty(
    cli: CliFn, acme: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GUANCE_BILLING_TOKEN", "gbt_not-a-real-token")
    result = cli("workspace", "list", "--json")
    assert result.exit_code == 4
    assert result.stdout == ""
    assert result.error["code"] == "authentication_failed"


@pytest.mark.remote_only
def test_a_list_the_role_may_not_see_leaves_stdout_empty(
    cli: CliFn, acme: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = ok(cli("server", "token", "create", "--name", "o", "--role", "owner",
                   "--account", "acme", "--json")).json  # fmt: skip
    monkeypatch.setenv("GUANCE_BILLING_TOKEN", owner["token"])
    result = cli("server", "token", "list", "--json")
    assert result.exit_code == 5
    assert result.stdout == ""
    assert result.error["code"] == "permission_denied"


# -- 2. flags win over environment and profile ------------------------------------------


def test_store_flag_wins_over_a_server_from_env_and_profile(
    cli: CliFn, acme: dict, tmp_path: Path
) -> None:
    ok(cli("config", "set", "server", "http://127.0.0.1:9"))  # nothing listens there
    other = tmp_path / "other.db"
    env = {"GUANCE_BILLING_SERVER": "http://127.0.0.1:9"}
    ok(cli("--store", str(other), "store", "init", env=env))  # a read creates no store
    result = cli("--store", f"sqlite:///{other}", "account", "list", "--json", env=env)
    assert result.exit_code == 0, result.stderr
    assert result.json == []  # the other store: empty, and no server was asked
    shown = cli("--store", str(other), "config", "show", "--json", env=env).json
    assert shown["store"] == f"sqlite:///{other}"
    assert shown["server"] is None


def test_an_empty_server_flag_means_no_server(cli: CliFn, home: Path) -> None:
    ok(cli("config", "set", "server", "http://127.0.0.1:9"))
    ok(cli("--server", "", "store", "init"))  # a read creates no store (issue 21)
    result = cli("--server", "", "account", "list", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json == []


def test_store_and_server_flags_together_are_a_usage_error(cli: CliFn, tmp_path: Path) -> None:
    result = cli("--store", str(tmp_path / "x.db"), "--server", "http://127.0.0.1:9",
                 "account", "list", "--json")  # fmt: skip
    assert result.exit_code == 2
    assert "--store or --server, not both" in result.error["message"]
    assert not (tmp_path / "x.db").exists()


# -- 3. unsupported store schemes and a missing driver ---------------------------------


@pytest.mark.parametrize("url", ["mysql://x", "oracle://u@h/db", "mongodb://h"])
def test_an_unsupported_store_scheme_is_exit_2_naming_the_supported_ones(
    cli: CliFn, url: str, home: Path
) -> None:
    before = store_dump(home)
    result = cli("--store", url, "account", "list", "--json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.error["field"] == "store"
    assert "sqlite:///PATH" in result.error["message"]
    assert "postgresql+psycopg://" in result.error["message"]
    assert store_dump(home) == before


def test_a_postgresql_store_without_psycopg_is_exit_10_naming_the_package(
    cli: CliFn, monkeypatch: pytest.MonkeyPatch
) -> None:
    # psycopg cannot be uninstalled for one test: None in sys.modules is how Python
    # itself marks a module that must not import (ImportError on import).
    with monkeypatch.context() as patch:
        patch.setitem(sys.modules, "psycopg", None)
        url = "postgresql+psycopg://u@127.0.0.1:9/db"
        result = cli("--store", url, "account", "list", "--json")
    assert result.exit_code == 10
    assert "psycopg" in result.error["message"]
    assert "pip install" in result.error["message"]


# -- 5. declining a confirmation --------------------------------------------------------


def test_declining_dissolve_says_nothing_changed(
    cli: CliFn, acme: dict, terminal: Terminal
) -> None:
    add_ws(cli, "w1", "cn1")
    screen = terminal.run(
        "workspace", "dissolve", "w1", "--account", "acme", answers=[("cannot be undone", "n")]
    )
    assert screen.exit_code == 11, screen.text
    assert "nothing was changed" in screen.text
    assert "interrupted" not in screen.text
    assert ok(cli("workspace", "show", "w1", "--json")).json["state"] == "active"


def test_declining_unsubscribe_says_nothing_changed(
    cli: CliFn, acme: dict, terminal: Terminal
) -> None:
    cloud = add_cloud(cli, "aliyun", ALIYUN_ID, "i-1")
    screen = terminal.run(
        "cloud", "unsubscribe", cloud["id"], "--account", "acme",
        answers=[("No workspace settles through it", "n")],
    )  # fmt: skip
    assert screen.exit_code == 11, screen.text
    assert "nothing was changed" in screen.text
    shown = ok(cli("cloud", "show", cloud["id"], "--json")).json
    assert shown["status"] == "subscribed"


def test_confirming_at_the_terminal_goes_ahead(cli: CliFn, acme: dict, terminal: Terminal) -> None:
    add_ws(cli, "w1", "cn1")
    screen = terminal.run(
        "workspace", "dissolve", "w1", "--account", "acme", answers=[("cannot be undone", "y")]
    )
    assert screen.exit_code == 0, screen.text
    assert ok(cli("workspace", "show", "w1", "--json")).json["state"] == "dissolved"


# -- 10 and the NUL byte: batches under --json ------------------------------------------


def test_bind_json_keeps_stderr_clean(cli: CliFn, acme: dict) -> None:
    cloud = add_cloud(cli, "aliyun", ALIYUN_ID, "i-1")
    add_ws(cli, "w1", "cn1")
    add_ws(cli, "w2", "cn1")
    result = cli("cloud", "bind", cloud["id"], "w1", "--json")
    assert result.exit_code == 0
    assert result.json["summary"]["bound"] == 1
    assert result.stderr == ""
    human = cli("cloud", "bind", cloud["id"], "w2")
    assert human.exit_code == 0
    assert "1 row(s): bound 1" in human.stderr  # people still get the summary


def test_a_nul_byte_in_a_bind_file_is_a_refused_row_on_every_store(
    cli: CliFn, acme: dict, tmp_path: Path, home: Path
) -> None:
    cloud = add_cloud(cli, "aliyun", ALIYUN_ID, "i-1")
    add_ws(cli, "w1", "cn1")
    batch = tmp_path / "ids.txt"
    batch.write_bytes(b"w\x001\nw1\n")
    result = cli("cloud", "bind", cloud["id"], "--from-file", str(batch), "--json")
    assert result.exit_code == 9, result.stderr
    rows = {r["line"]: r for r in result.json["results"]}
    assert rows[1]["result"] == "refused" and "NUL character" in rows[1]["reason"]
    assert rows[2]["result"] == "bound"
    assert result.error["code"] == "batch_partly_failed"
    before = store_dump(home)
    batch.write_bytes(b"w\x001\n")
    only_bad = cli("cloud", "unbind", cloud["id"], "--from-file", str(batch), "--json")
    assert only_bad.exit_code == 6
    assert store_dump(home) == before


# -- the backend itself -----------------------------------------------------------------


def test_the_backend_is_the_one_named(cli: CliFn, backend: Backend, acme: dict) -> None:
    """The matrix is real: the server (or the local client) uses the named store."""
    from tests.support.store import StoreDB

    usernames = StoreDB(backend.store_url).column("SELECT username FROM accounts")
    assert usernames == ["acme"]
    assert backend.store_url.startswith(
        "postgresql+psycopg://" if backend.is_postgres else "sqlite:///"
    )
    shown = cli("config", "show", "--json").json
    if backend.is_remote:
        assert shown["server"] == backend.remote.url  # type: ignore[union-attr]
    else:
        assert shown["server"] is None
        assert shown["store"] == backend.store_url
    assert json.loads(cli("account", "list", "--json").stdout)[0]["username"] == "acme"
