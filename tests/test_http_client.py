"""HttpClient transport behaviour: retries, timeouts, TLS options, odd server answers."""

from __future__ import annotations

import socket

import httpx
import pytest

from guance_billing_cli.client import http as http_module
from guance_billing_cli.client.http import HttpClient
from tests.support.cli import CliFn

URL = "http://billing.test"

# These route HttpClient themselves (or use a real socket); no in-process server.
pytestmark = pytest.mark.local_only


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch):
    """Route HttpClient to a handler; returns the list of requests it saw."""
    seen: list[httpx.Request] = []

    def install(handler):  # type: ignore[no-untyped-def]
        def wrapped(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return handler(request)

        transport = httpx.MockTransport(wrapped)
        monkeypatch.setattr(HttpClient, "transport_factory", lambda _base: transport)
        monkeypatch.setattr(http_module, "RETRY_DELAYS", (0.0, 0.0))
        monkeypatch.setenv("GUANCE_BILLING_SERVER", URL)
        monkeypatch.setenv("GUANCE_BILLING_TOKEN", "gbt_test")
        return seen

    return install


def refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("[Errno 111] Connection refused", request=request)


def test_reads_are_retried_on_connection_errors(cli: CliFn, counted) -> None:
    seen = counted(refuse)
    result = cli("account", "show", "acme", "--json")
    assert result.exit_code == 10
    assert len(seen) == 1 + http_module.READ_RETRIES
    assert "cannot reach server http://billing.test" in result.error["message"]
    # a next step, and no raw errno (issue 23)
    assert "(connection refused)" in result.error["message"]
    assert "Errno" not in result.error["message"]
    human = cli("account", "show", "acme")
    assert "guance-billing doctor checks both" in human.stderr


def test_writes_are_never_retried(cli: CliFn, counted) -> None:
    seen = counted(refuse)
    result = cli("profile", "update", "--account", "acme", "--region", "x", "--json")
    assert result.exit_code == 10
    assert len(seen) == 1
    assert seen[0].method == "PATCH"


def test_a_read_succeeds_after_a_transient_failure(cli: CliFn, counted) -> None:
    answers = iter([None])

    def flaky(request: httpx.Request) -> httpx.Response:
        if next(answers, "ok") is None:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, content=b"")

    seen = counted(flaky)
    result = cli("account", "list", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json == []
    assert len(seen) == 2


def test_an_error_without_a_body_is_unavailable(cli: CliFn, counted) -> None:
    counted(lambda request: httpx.Response(502, text="<html>Bad Gateway</html>"))
    result = cli("account", "show", "acme", "--json")
    assert result.exit_code == 10
    assert "HTTP 502" in result.error["message"]


def test_the_token_travels_as_a_bearer_header(cli: CliFn, counted) -> None:
    seen = counted(lambda request: httpx.Response(200, content=b""))
    assert cli("account", "list", "--json").exit_code == 0
    assert seen[0].headers["Authorization"] == "Bearer gbt_test"
    assert seen[0].url.path == "/v1/accounts"


def test_a_silent_server_times_out_with_exit_10(cli: CliFn, monkeypatch) -> None:
    with socket.socket() as listener:  # accepts connections (backlog), never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        monkeypatch.setenv("GUANCE_BILLING_TOKEN", "gbt_test")
        monkeypatch.setenv("GUANCE_BILLING_TIMEOUT", "0.3")
        result = cli(
            "--server", url, "profile", "update", "--account", "a", "--region", "x", "--json"
        )
    assert result.exit_code == 10
    assert f"server {url} did not answer within 0.3 s" in result.error["message"]


def test_missing_ca_bundle_is_a_usage_error(cli: CliFn, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("GUANCE_BILLING_TOKEN", "gbt_test")
    result = cli(
        "--server",
        "https://billing.example.invalid",
        "--ca-bundle",
        str(tmp_path / "missing.pem"),
        "account",
        "list",
        "--json",
    )
    assert result.exit_code == 2
    assert "missing.pem does not exist" in result.error["message"]


def test_a_server_url_needs_a_scheme(cli: CliFn, monkeypatch) -> None:
    monkeypatch.setenv("GUANCE_BILLING_TOKEN", "gbt_test")
    result = cli("--server", "billing.example.com", "account", "list", "--json")
    assert result.exit_code == 2
    assert "http:// or https://" in result.error["message"]
