"""The error boundary: exit codes, JSON errors, no tracebacks, no secrets."""

from __future__ import annotations

import pytest

from guance_billing_cli import __version__
from guance_billing_cli.services import accounts as accounts_service
from tests.support.cli import CliFn


def test_version(cli: CliFn) -> None:
    result = cli("--version")
    assert result.exit_code == 0
    from guance_billing_cli.store.engine import HEAD

    # the release and the store schema it serves (issue 21)
    assert result.stdout.strip() == f"guance-billing {__version__} (store schema {HEAD})"


def test_help_documents_exit_codes(cli: CliFn) -> None:
    result = cli("--help")
    assert result.exit_code == 0
    assert "10 store or server" in result.stdout
    assert "130 interrupted" in result.stdout


def test_unknown_option_is_a_usage_error(cli: CliFn) -> None:
    result = cli("account", "list", "--bogus")
    assert result.exit_code == 2
    assert "No such option" in result.stderr
    assert "Traceback" not in result.stderr


def test_usage_error_under_json_has_the_json_shape(cli: CliFn) -> None:
    result = cli("account", "show", "--json")
    assert result.exit_code == 2
    assert result.error["code"] == "usage_error"
    assert result.error["exit_code"] == 2


def test_unexpected_error_exits_1_without_traceback_or_secret(
    cli: CliFn, make_account, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_account("acme")

    def boom(ctx, *, ref):  # type: ignore[no-untyped-def]
        raise RuntimeError("hunter2-secret in the message")

    monkeypatch.setattr(accounts_service, "get", boom)
    result = cli("account", "show", "acme")
    assert result.exit_code == 1
    assert "internal error (RuntimeError)" in result.stderr
    assert "--debug" in result.stderr
    assert "Traceback" not in result.stderr
    assert "hunter2" not in result.stderr + result.stdout
    as_json = cli("account", "show", "acme", "--json")
    assert as_json.exit_code == 1
    assert as_json.error["code"] == "internal_error"


def test_debug_shows_the_traceback(cli: CliFn, make_account, monkeypatch) -> None:
    make_account("acme")

    def boom(ctx, *, ref):  # type: ignore[no-untyped-def]
        raise RuntimeError("kaboom")

    monkeypatch.setattr(accounts_service, "get", boom)
    result = cli("--debug", "account", "show", "acme")
    assert result.exit_code == 1
    assert "Traceback" in result.stderr


def test_keyboard_interrupt_exits_130(cli: CliFn, make_account, monkeypatch) -> None:
    make_account("acme")

    def interrupted(ctx, *, ref):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    monkeypatch.setattr(accounts_service, "get", interrupted)
    result = cli("account", "show", "acme")
    assert result.exit_code == 130
    assert "interrupted" in result.stderr


def test_domain_error_with_debug_still_exits_with_its_code(cli: CliFn) -> None:
    assert cli("store", "init").exit_code == 0  # a read creates no store (issue 21)
    result = cli("--debug", "account", "show", "nobody")
    assert result.exit_code == 3
