"""config show | set | unset | path, profiles and precedence."""

from __future__ import annotations

import stat

import pytest

from tests.support.cli import CliFn


def test_path_and_set_create_a_private_file(cli: CliFn, home) -> None:
    result = cli("config", "path")
    assert result.exit_code == 0
    assert result.stdout.strip() == str(home / "config.toml")
    assert cli("config", "set", "account", "acme").exit_code == 0
    mode = stat.S_IMODE((home / "config.toml").stat().st_mode)
    assert mode == 0o600
    assert stat.S_IMODE(home.stat().st_mode) == 0o700


# About the default store and store precedence (local-pg sets GUANCE_BILLING_STORE).
@pytest.mark.sqlite_only
def test_set_show_unset(cli: CliFn, home) -> None:
    cli("config", "set", "store", str(home / "other.db"))
    shown = cli("config", "show", "--json").json
    assert shown["store"] == f"sqlite:///{home / 'other.db'}"
    assert shown["sources"]["store"] == "profile default"
    assert cli("config", "unset", "store").exit_code == 0
    shown = cli("config", "show", "--json").json
    assert shown["sources"]["store"] == "default"
    assert shown["store"] == f"sqlite:///{home / 'billing.db'}"


def test_unknown_key_is_refused(cli: CliFn, home) -> None:
    result = cli("config", "set", "colour", "blue", "--json")
    assert result.exit_code == 2
    assert "unknown config key 'colour'" in result.error["message"]
    assert not (home / "config.toml").exists()


# About the default store and store precedence (local-pg sets GUANCE_BILLING_STORE).
@pytest.mark.sqlite_only
def test_precedence_flag_env_profile_default(cli: CliFn, home) -> None:
    cli("config", "set", "store", "/tmp/from-profile.db")
    assert cli("config", "show", "--json").json["store"] == "sqlite:////tmp/from-profile.db"
    env = {"GUANCE_BILLING_STORE": "/tmp/from-env.db"}
    shown = cli("config", "show", "--json", env=env).json
    assert shown["store"] == "sqlite:////tmp/from-env.db"
    assert shown["sources"]["store"] == "env GUANCE_BILLING_STORE"
    shown = cli("--store", "/tmp/from-flag.db", "config", "show", "--json", env=env).json
    assert shown["store"] == "sqlite:////tmp/from-flag.db"
    assert shown["sources"]["store"] == "flag"


def test_named_profiles_keep_their_own_accounts(cli: CliFn, make_account) -> None:
    make_account("acme")
    make_account("globex")
    cli("account", "use", "acme")
    cli("--profile", "other", "account", "use", "globex")
    assert cli("profile", "show", "--json").json["username"] == "acme"
    assert cli("--profile", "other", "profile", "show", "--json").json["username"] == "globex"
    env = {"GUANCE_BILLING_PROFILE": "other"}
    assert cli("profile", "show", "--json", env=env).json["username"] == "globex"


@pytest.mark.sqlite_only
def test_store_flag_selects_another_store(cli: CliFn, make_account, home) -> None:
    make_account("acme")
    other = home / "second.db"
    assert cli("--store", str(other), "store", "init").exit_code == 0  # reads create none
    result = cli("--store", str(other), "account", "list", "--json")
    assert result.exit_code == 0
    assert result.json == []
    assert other.exists()


def test_broken_config_file_is_a_clear_error(cli: CliFn, home) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text("this is = = not toml")
    result = cli("account", "list")
    assert result.exit_code == 2
    assert "not valid TOML" in result.stderr


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("timeout", "abc", "key timeout must be a number of seconds greater than 0, not 'abc'"),
        ("timeout", "0", "config key timeout must be a number of seconds greater than 0"),
        ("timeout", "nan", "config key timeout must be a number of seconds"),
        ("lang", "xx", "config key lang must be one of: en, zh-CN; not 'xx'"),
        ("smtp.port", "70000", "config key smtp.port must be a port number from 1 to 65535"),
        ("smtp.starttls", "maybe", "config key smtp.starttls must be true or false"),
        ("insecure_http", "sure", "config key insecure_http must be true or false"),
        ("server", "example.com", "config key server must be a URL starting with http://"),
        ("sms.webhook_url", "ftp://x", "config key sms.webhook_url must be a URL"),
        ("smtp.from", "nobody", "config key smtp.from must be an email address"),
        ("ca_bundle", "/nonexistent/ca.pem", "config key ca_bundle names no file"),
        ("store", "mysql://db/x", "unsupported store"),
        ("account", "  ", "account needs a value; to remove it, use guance-billing config unset"),
    ],
)  # fmt: skip
def test_set_checks_each_key_as_its_flag_and_names_the_key(
    cli: CliFn, home, key: str, value: str, words: str
) -> None:
    """`config set` refuses what the command using the key would refuse (issue 23), naming
    the config key, never a flag (--timeout, --value) that does not exist."""
    result = cli("config", "set", key, value)
    assert result.exit_code == 2, result.stderr
    assert words in result.stderr
    assert "--" not in result.stderr.replace("--help", "")
    assert not (home / "config.toml").exists()  # nothing was written


def test_set_keeps_a_valid_value_in_its_normal_form(cli: CliFn, home) -> None:
    for key, value in (
        ("timeout", "2.5"),
        ("lang", "zh_CN"),
        ("smtp.starttls", "No"),
        ("smtp.port", "0587"),
        ("server", "https://billing.example.com/"),
    ):
        assert cli("config", "set", key, value).exit_code == 0  # fmt: skip
    settings = cli("config", "show", "--json").json["settings"]
    assert settings["timeout"] == "2.5" and settings["lang"] == "zh-CN"
    assert settings["smtp.starttls"] == "false" and settings["smtp.port"] == "587"
    text = (home / "config.toml").read_text()
    assert 'server = "https://billing.example.com"' in text


def test_a_bad_timeout_from_the_environment_names_the_key(
    cli: CliFn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GUANCE_BILLING_TIMEOUT", "abc")
    result = cli("--server", "http://127.0.0.1:9", "account", "list")
    assert result.exit_code == 2
    assert "config key timeout must be a number of seconds" in result.stderr
