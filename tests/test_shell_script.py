"""`guance-billing shell` in script mode: commands from stdin or --file, one warm session.

In-process through the `cli` fixture (local store, and the real FastAPI app through
HttpClient), and in real processes for what only a process shows: a session that
stays open between commands while another process checks the store.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.cli import CliFn
from tests.support.store import store_dump


def json_documents(text: str) -> list[object]:
    """The JSON documents printed one after another on stdout."""
    decoder = json.JSONDecoder()
    docs, index = [], 0
    while index < len(text):
        if text[index].isspace():
            index += 1
            continue
        doc, index = decoder.raw_decode(text, index)
        docs.append(doc)
    return docs


def test_runs_each_line_and_skips_comments_and_blank_lines(cli: CliFn, make_account) -> None:
    make_account("acme")
    steps = """
# look the customer up
profile show --account acme --json

profile update --account acme --region "Hangzhou, CN" --json   # quoted as in sh
profile show --account acme --json
"""
    result = cli("shell", input=steps)
    assert result.exit_code == 0, result.stderr
    shown, updated, again = json_documents(result.stdout)
    assert shown["region"] == ""
    assert updated["region"] == again["region"] == "Hangzhou, CN"


def test_stops_at_the_first_failure_with_its_exit_code(cli: CliFn, make_account, home) -> None:
    make_account("acme")
    before = store_dump(home)
    steps = (
        "profile show --account acme --json\n"
        "profile show --account nobody --json\n"
        "profile update --account acme --region Mars --json\n"
    )
    result = cli("shell", input=steps)
    assert result.exit_code == 3
    # the failing command's error, exactly as the CLI prints it
    error_line = json.loads(result.stderr.splitlines()[0])
    assert error_line["error"]["code"] == "not_found"
    assert "line 2 failed with exit 3; stopped" in result.stderr
    assert len(json_documents(result.stdout)) == 1
    assert store_dump(home) == before  # the line after the failure never ran


def test_keep_going_runs_every_line_and_exits_9(cli: CliFn, make_account) -> None:
    make_account("acme")
    steps = (
        "profile show --account nobody\n"
        "profile update --account acme --industry nonsense\n"
        "profile update --account acme --region Mars --json\n"
    )
    result = cli("shell", "--keep-going", input=steps)
    assert result.exit_code == 9
    assert "error: no billing account matches 'nobody'" in result.stderr
    assert "2 command(s) failed (line 1, 2)" in result.stderr
    assert json_documents(result.stdout)[0]["region"] == "Mars"
    ok = cli("shell", "--keep-going", input="profile show --account acme --json\n")
    assert ok.exit_code == 0


def test_usage_errors_and_bad_quoting_exit_2(cli: CliFn, make_account) -> None:
    make_account("acme")
    unknown = cli("shell", input="profile show --colour\n")
    assert unknown.exit_code == 2
    assert "No such option: --colour" in unknown.stderr
    quote = cli("shell", input='profile update --region "Hangzhou\n')
    assert quote.exit_code == 2
    assert "error: cannot read the line: No closing quotation" in quote.stderr
    nested = cli("shell", input="shell\n")
    assert nested.exit_code == 2
    assert "already in a shell" in nested.stderr


def test_echo_prints_each_command_with_secrets_masked(cli: CliFn, make_account) -> None:
    make_account("acme")
    steps = "profile show --account acme --json\nemail verify chg_000000000000 --code 123456\n"
    result = cli("shell", "--echo", input=steps)
    assert result.exit_code == 3, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == "+ profile show --account acme --json"
    assert lines[1] == "+ email verify chg_000000000000 --code '***'"
    assert "123456" not in result.stderr


def test_options_never_carry_over(cli: CliFn, make_account) -> None:
    make_account("acme")
    result = cli("shell", input="profile show --account acme --json\nprofile show\n")
    # the second command has neither --json nor --account of the first
    assert result.exit_code == 2
    assert json.loads(result.stdout)["username"] == "acme"
    assert "no billing account selected" in result.stderr


def test_use_switches_the_sessions_account(cli: CliFn, make_account) -> None:
    make_account("acme")
    make_account("beta")
    steps = "use acme\nprofile show --json\nuse beta\nprofile show --json\nuse nobody\n"
    result = cli("shell", input=steps)
    assert result.exit_code == 3
    assert [d["username"] for d in json_documents(result.stdout)] == ["acme", "beta"]
    assert "no billing account matches 'nobody'" in result.stderr
    # the option selects the first account; it does not outlive the session
    started = cli("shell", "--account", "beta", input="profile show --json\n")
    assert started.json["username"] == "beta"
    assert "GUANCE_BILLING_ACCOUNT" not in os.environ
    after = cli("profile", "show", "--json")
    assert after.exit_code == 2


def test_config_set_is_seen_by_the_next_command(cli: CliFn, make_account) -> None:
    make_account("acme")
    make_account("beta")
    steps = (
        "config set account acme\nprofile show --json\n"
        "config set account beta\nprofile show --json\n"
    )
    result = cli("shell", input=steps)
    assert result.exit_code == 0, result.stderr
    assert [d["username"] for d in json_documents(result.stdout)] == ["acme", "beta"]


def test_exit_ends_the_script_with_its_code(cli: CliFn, make_account) -> None:
    make_account("acme")
    result = cli("shell", input="exit 4\nprofile update --account acme --region Mars\n")
    assert result.exit_code == 4
    assert cli("profile", "show", "--account", "acme", "--json").json["region"] == ""


def test_file_option_reads_the_script(cli: CliFn, make_account, tmp_path: Path) -> None:
    make_account("acme")
    steps = tmp_path / "steps.txt"
    steps.write_text("profile show --account acme --json\nprofile show --account x\n")
    result = cli("shell", "--file", str(steps))
    assert result.exit_code == 3
    assert json_documents(result.stdout)[0]["username"] == "acme"
    missing = cli("shell", "--file", str(tmp_path / "none.txt"))
    assert missing.exit_code == 2
    assert "error: cannot read" in missing.stderr


def test_a_binary_script_is_refused_in_one_line(
    cli: CliFn, make_account, tmp_path: Path, home: Path
) -> None:
    """A script file that is not UTF-8 text is a documented input error (2), not an
    internal error, and runs nothing."""
    make_account("acme")
    before = store_dump(home)
    binary = tmp_path / "binary.bin"
    binary.write_bytes(b"\xff\xfe\x00profile update --account acme --region Mars\n\x80\x81")
    result = cli("shell", "--file", str(binary))
    assert result.exit_code == 2, result.stderr
    assert f"error: {binary} is not a text file" in result.stderr
    assert "internal error" not in result.stderr
    assert store_dump(home) == before


def test_stdin_is_the_commands_only_with_file(
    cli: CliFn, make_account, tmp_path: Path, home: Path
) -> None:
    """Script on stdin: a command reading stdin finds it empty (it never eats the next
    commands). Script in --file: stdin is the commands' data."""
    make_account("acme")
    before = store_dump(home)
    steps = "workspace add --account acme --from-file - --json\nid,name,site\nws_one,One,cn1\n"
    eaten = cli("shell", input=steps)
    assert eaten.exit_code == 2, eaten.stderr
    assert "No such command 'id,name,site'" in eaten.stderr
    assert store_dump(home) == before
    script = tmp_path / "steps.txt"
    script.write_text("workspace add --account acme --from-file - --json\n")
    rows = "id,name,site\nws_one,One,cn1\nws_two,Two,cn1\n"
    fed = cli("shell", "--file", str(script), input=rows)
    assert fed.exit_code == 0, fed.stderr
    listed = cli("workspace", "list", "--account", "acme", "--json").json
    assert sorted(w["id"] for w in listed) == ["ws_one", "ws_two"]


@pytest.mark.sqlite_only
def test_a_failed_command_rolls_back_and_the_next_one_runs(
    cli: CliFn, make_account, home: Path
) -> None:
    """A write that fails half-way (the audit insert is refused by a trigger after the
    account row changed) leaves nothing behind, and the session carries on."""
    make_account("acme")
    db = home / "billing.db"
    with sqlite3.connect(db) as conn:
        conn.execute(
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events "
            "BEGIN SELECT RAISE(ABORT, 'audit refused'); END"
        )
    before = store_dump(home)
    steps = (
        "profile update --account acme --region Mars --json\nprofile show --account acme --json\n"
    )
    result = cli("shell", "--keep-going", input=steps)
    assert result.exit_code == 9
    assert json.loads(result.stderr.splitlines()[0])["error"]["exit_code"] in (1, 6)
    assert json.loads(result.stdout)["region"] == ""
    assert store_dump(home) == before


@pytest.mark.local_only
def test_the_store_is_opened_once_per_session(
    cli: CliFn, make_account, monkeypatch: pytest.MonkeyPatch
) -> None:
    from guance_billing_cli.store import engine

    make_account("acme")
    opened: list[str] = []
    real_open = engine.open_store

    def counting_open(url: str, **kwargs: object):  # type: ignore[no-untyped-def]
        opened.append(url)
        return real_open(url, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "open_store", counting_open)
    result = cli("shell", input="profile show --account acme --json\n" * 20)
    assert result.exit_code == 0
    assert len(json_documents(result.stdout)) == 20
    assert len(opened) == 1


# -- real processes ----------------------------------------------------------------


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUANCE_BILLING_")}
    env.update(GUANCE_BILLING_HOME=str(home), NO_COLOR="1")
    env.pop("CI", None)
    return env


def _read_until(stream, marker: str, timeout: float = 30) -> str:  # type: ignore[no-untyped-def]
    seen = ""
    deadline = time.monotonic() + timeout
    while marker not in seen:
        assert time.monotonic() < deadline, f"no {marker!r} in {seen!r}"
        line = stream.readline()
        assert line, f"stream ended before {marker!r}: {seen!r}"
        seen += line
    return seen


@pytest.mark.sqlite_only
def test_no_transaction_stays_open_between_commands(make_account, home: Path) -> None:
    """While the session waits for its next line, another process can write at once."""
    make_account("acme")
    proc = subprocess.Popen(
        [sys.executable, "-m", "guance_billing_cli", "shell", "--keep-going"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(home),
    )
    assert proc.stdin and proc.stdout
    try:
        for line in (
            "profile update --account acme --region Mars --json",
            "profile update --account nobody --region Venus --json",  # fails
            "workspace list --account acme --json",  # a streamed read
            "config path",
        ):
            proc.stdin.write(line + "\n")
        proc.stdin.flush()
        _read_until(proc.stdout, "config.toml")
        with sqlite3.connect(home / "billing.db", timeout=0, isolation_level=None) as other:
            other.execute("BEGIN IMMEDIATE")  # fails at once if the session held a write
            region = other.execute("SELECT region FROM accounts").fetchone()[0]
            other.execute("ROLLBACK")
        assert region == "Mars"
    finally:
        proc.stdin.close()
        code = proc.wait(timeout=30)
    assert code == 9


@pytest.mark.slow
def test_script_against_a_real_server(tmp_path: Path) -> None:
    """The same script semantics through HttpClient to `server run` under uvicorn."""
    from tests.support.servers import start_server, stop

    server_proc, live = start_server(tmp_path)
    try:
        token = live.admin(
            "server", "token", "create", "--name", "ops", "--role", "support", "--json"
        ).json["token"]
        env = _env(live.client_home)
        env.update(GUANCE_BILLING_SERVER=live.url, GUANCE_BILLING_TOKEN=token)
        steps = tmp_path / "steps.txt"
        steps.write_text(
            "account create --username acme --company-name 'Acme Ltd' --email ops@acme.com "
            "--phone +8613800138000 --json\n"
            "use acme\n"
            "workspace add --id ws_remote1 --name 'Remote one' --site cn1 --json\n"
            "workspace show ws_nope --json\n"
            "workspace list --json\n"
        )

        def shell(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "guance_billing_cli", "shell", *args],
                capture_output=True,
                text=True,
                env=env,
                timeout=60,
                stdin=subprocess.DEVNULL,
            )

        stopped = shell("--file", str(steps), "--echo")
        assert stopped.returncode == 3, stopped.stderr
        assert "+ workspace show ws_nope --json" in stopped.stderr
        assert json.loads(stopped.stderr.splitlines()[-2])["error"]["code"] == "not_found"
        assert "line 4 failed with exit 3; stopped" in stopped.stderr
        assert "workspace list" not in stopped.stderr

        steps.write_text(
            "use acme\nworkspace show ws_nope\nworkspace list --json\nprofile show --json\n"
        )
        going = shell("--file", str(steps), "--keep-going")
        assert going.returncode == 9, going.stderr
        listed, profile = json_documents(going.stdout)
        assert [w["id"] for w in listed] == ["ws_remote1"]
        assert profile["username"] == "acme"
        assert "1 command(s) failed (line 2)" in going.stderr

        steps.write_text("use acme\nprofile show --json\n")
        assert shell("--file", str(steps)).returncode == 0
    finally:
        stop(server_proc)


def test_help_lists_shell_words_and_commands(cli: CliFn) -> None:
    result = cli("shell", input="help\nhelp profile show\n")
    assert result.exit_code == 0, result.stderr
    assert "use ACCOUNT" in result.stdout
    assert "workspace" in result.stdout
    assert "Usage: guance-billing profile show [OPTIONS]" in result.stdout
