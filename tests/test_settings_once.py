"""Settings resolved once per command (issue 20, item 4).

Every setting comes from one place, ``config.resolve_settings``: flag, then
environment variable, then the profile, then the built-in default. A `shell`
session runs many commands in one process: what one line's flags chose (its
language, its output, its store, account or TLS file) must be gone on the next.
"""

from __future__ import annotations

import json
import os

import pytest

from tests.support.cli import CliFn

NOT_FOUND_EN = "no billing account matches 'nobody'"
NOT_FOUND_ZH = "没有与 'nobody' 匹配的费用中心账号"
SUMMARY_EN = "Create a billing account."
SUMMARY_ZH = "创建费用中心账号。"


@pytest.fixture(autouse=True)
def _no_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start from the built-in default language (English)."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "GUANCE_BILLING_LANG"):
        monkeypatch.delenv(name, raising=False)


def test_a_lines_language_does_not_reach_the_next_line(cli: CliFn, make_account) -> None:
    make_account("acme")
    steps = (
        "--lang zh-CN profile show --account nobody\n"
        "profile show --account nobody\n"
        "--lang zh-CN account --help\n"
        "account --help\n"
    )
    result = cli("shell", "--keep-going", input=steps)
    assert result.exit_code == 9, result.stderr  # the two lookups failed, --keep-going
    errors = [line for line in result.stderr.splitlines() if "nobody" in line]
    assert len(errors) == 2, result.stderr
    assert NOT_FOUND_ZH in errors[0] and NOT_FOUND_EN not in errors[0]
    assert NOT_FOUND_EN in errors[1]
    # help built for Chinese is not kept for the next line's --help
    assert result.stdout.count(SUMMARY_ZH) == 1 and result.stdout.count(SUMMARY_EN) == 1
    assert result.stdout.index(SUMMARY_ZH) < result.stdout.index(SUMMARY_EN)


def test_a_sessions_language_yields_to_a_lines_own(cli: CliFn) -> None:
    steps = "account --help\n--lang en account --help\naccount --help\n"
    result = cli("--lang", "zh-CN", "shell", input=steps)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count(SUMMARY_ZH) == 2 and result.stdout.count(SUMMARY_EN) == 1
    first, rest = result.stdout.split(SUMMARY_EN)
    assert SUMMARY_ZH in first and SUMMARY_ZH in rest


def test_a_lines_output_store_account_and_ca_bundle_stay_on_that_line(
    cli: CliFn, make_account, tmp_path, backend
) -> None:
    make_account("acme")
    other = tmp_path / "other.db"
    assert cli("store", "init", "--store", str(other)).exit_code == 0
    steps = (
        "profile show --account acme --json\n"
        f"--store {other} account list --json\n"
        "account list --json\n"
        "--account acme profile show --json\n"
        "profile show --json\n"
        f"--server https://billing.example.invalid --ca-bundle {tmp_path / 'missing.pem'} "
        "account list --json\n"
        "account list --json\n"
        "profile show --account acme\n"
    )
    # a token, so the CA file is what the remote line trips on (remote: the server's own)
    token = {"GUANCE_BILLING_TOKEN": os.environ.get("GUANCE_BILLING_TOKEN") or "gbt_test"}
    result = cli("shell", "--keep-going", input=steps, env=token)
    assert result.exit_code == 9, result.stderr
    decoder, docs, rest = json.JSONDecoder(), [], result.stdout
    # remote: the test server answers every URL (its transport), so the CA line succeeds
    for _ in range(6 if backend.is_remote else 5):
        doc, end = decoder.raw_decode(rest.lstrip())
        docs.append(doc)
        rest = rest.lstrip()[end:]
    shown, other_store, session_store, by_flag, *_, again = docs
    assert shown["username"] == by_flag["username"] == "acme"
    assert other_store == []  # --store: that line read the other (empty) store
    assert [a["username"] for a in session_store] == ["acme"]  # the next, the session's
    # `profile show` without an account: the line before's --account did not stay
    assert "no billing account selected" in result.stderr
    # the missing CA file refused its line only; the next one reached the session's target
    assert ("missing.pem does not exist" in result.stderr) is not backend.is_remote
    assert [a["username"] for a in again] == ["acme"]
    # the last `profile show` is a table: no line's --json stayed
    assert "acme" in rest and "{" not in rest and rest.strip()


@pytest.mark.sqlite_only
def test_each_level_wins_over_the_next_for_the_language(cli: CliFn, make_account) -> None:
    """What the operator reads: flag > GUANCE_BILLING_LANG > profile > locale > English."""
    make_account("acme")

    def says(*args: str, env: dict[str, str] | None = None) -> str:
        result = cli(*args, "profile", "show", "--account", "nobody", env=env)
        assert result.exit_code == 3
        return "zh" if NOT_FOUND_ZH in result.stderr else "en"

    assert says() == "en"  # built-in default
    assert says(env={"LANG": "zh_CN.UTF-8"}) == "zh"  # the locale
    assert cli("config", "set", "lang", "en").exit_code == 0
    assert says(env={"LANG": "zh_CN.UTF-8"}) == "en"  # profile over the locale
    assert says(env={"GUANCE_BILLING_LANG": "zh-CN"}) == "zh"  # environment over profile
    assert says("--lang", "en", env={"GUANCE_BILLING_LANG": "zh-CN"}) == "en"  # flag over env


@pytest.mark.sqlite_only
def test_each_level_wins_over_the_next_for_account_timeout_and_ca_bundle(
    cli: CliFn, make_account, tmp_path
) -> None:
    for name in ("acme", "beta", "gamma"):
        make_account(name)

    def who(*args: str, env: dict[str, str] | None = None) -> str:
        result = cli(*args, "profile", "show", "--json", env=env)
        assert result.exit_code == 0, result.stderr
        return str(result.json["username"])

    assert cli("profile", "show", "--json").exit_code == 2  # default: no account
    assert cli("config", "set", "account", "acme").exit_code == 0
    assert who() == "acme"
    assert who(env={"GUANCE_BILLING_ACCOUNT": "beta"}) == "beta"
    assert who("--account", "gamma", env={"GUANCE_BILLING_ACCOUNT": "beta"}) == "gamma"

    def shown(*args: str, env: dict[str, str] | None = None) -> dict[str, object]:
        result = cli(*args, "config", "show", "--json", env=env)
        assert result.exit_code == 0, result.stderr
        return {row["key"]: (row["value"], row["source"]) for row in result.json["values"]}

    assert shown()["timeout"] == (None, "default (unset)")
    assert cli("config", "set", "timeout", "12").exit_code == 0
    assert shown()["timeout"] == ("12", "profile default")
    env = {"GUANCE_BILLING_TIMEOUT": "3"}
    assert shown(env=env)["timeout"] == ("3", "env GUANCE_BILLING_TIMEOUT")
    pem = tmp_path / "ca.pem"
    pem.write_text("not used\n")
    assert cli("config", "set", "ca_bundle", str(pem)).exit_code == 0
    env = {"GUANCE_BILLING_CA_BUNDLE": str(tmp_path / "env.pem")}
    from_env = shown(env=env)["ca_bundle"]
    assert from_env == (str(tmp_path / "env.pem"), "env GUANCE_BILLING_CA_BUNDLE")
    flag = shown("--ca-bundle", str(tmp_path / "flag.pem"), env=env)["ca_bundle"]
    assert flag == (str(tmp_path / "flag.pem"), "flag")


def test_the_settings_object_is_frozen() -> None:
    import dataclasses

    from guance_billing_cli.config import resolve_settings

    settings = resolve_settings(store="sqlite:///x.db", lang="zh_CN", ca_bundle="ca.pem")
    assert settings.language == "zh-CN" and settings.ca_bundle == "ca.pem"
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.account = "acme"  # type: ignore[misc]
    with pytest.raises(TypeError):
        settings.values["timeout"] = "1"  # type: ignore[index]


@pytest.mark.sqlite_only
def test_a_lines_global_option_after_the_command_wins_over_the_sessions(
    cli: CliFn, make_account, home, tmp_path
) -> None:
    make_account("acme")
    other = tmp_path / "other.db"
    assert cli("store", "init", "--store", str(other)).exit_code == 0
    steps = f"account list --json --store {home / 'billing.db'}\naccount list --json\n"
    result = cli("--store", str(other), "shell", input=steps)
    assert result.exit_code == 0, result.stderr
    decoder = json.JSONDecoder()
    mine, end = decoder.raw_decode(result.stdout)
    sessions = json.loads(result.stdout[end:])
    assert [a["username"] for a in mine] == ["acme"]  # the line's --store, moved in front
    assert sessions == []  # then the session's again
