"""Issue 12: the HTTP API as a product — transport safety, limits before work, and an
OpenAPI document that tells the truth. Each test drives a real `guance-billing server
run` (uvicorn) over loopback, as an integrator or an attacker would.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.servers import free_port

# the slow tier: the HTTP API against a real `server run` process
pytestmark = [pytest.mark.slow, pytest.mark.local_only]


@dataclass
class Live:
    url: str
    token: str
    home: Path
    log: Path
    proc: subprocess.Popen[bytes]

    def get(self, path: str, **kw) -> httpx.Response:  # type: ignore[no-untyped-def]
        return httpx.get(self.url + path, headers=self._auth(kw), timeout=30, **kw)

    def post(self, path: str, **kw) -> httpx.Response:  # type: ignore[no-untyped-def]
        return httpx.post(self.url + path, headers=self._auth(kw), timeout=30, **kw)

    def _auth(self, kw: dict) -> dict[str, str]:
        headers = kw.pop("headers", None)
        if headers is not None:
            return headers
        return {"Authorization": f"Bearer {self.token}"}


def cli_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUANCE_BILLING_")}
    env.update(GUANCE_BILLING_HOME=str(home), NO_COLOR="1", **extra)
    env.pop("CI", None)
    return env


def gb(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "guance_billing_cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def wait_up(url: str, proc: subprocess.Popen[bytes], **kw) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited {proc.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1, **kw).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError("server did not start")


def start(tmp: Path, *extra: str, scheme: str = "http", **kw) -> Live:  # type: ignore[no-untyped-def]
    home = tmp / "server-home"
    store = f"sqlite:///{home / 'billing.db'}"
    env = cli_env(home)
    assert gb(env, "server", "migrate", "--store", store).returncode == 0
    made = gb(
        env,
        "--store",
        store,
        "server",
        "token",
        "create",
        "--name",
        "t",
        "--role",
        "support",
        "--json",
    )
    assert made.returncode == 0, made.stderr
    port = free_port()
    log = tmp / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "guance_billing_cli", "server", "run", "--store", store,
             "--port", str(port), "--log-format", "json", *extra],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"{scheme}://127.0.0.1:{port}" if scheme == "http" else f"https://localhost:{port}"
    wait_up(url, proc, **kw)
    return Live(url, json.loads(made.stdout)["token"], home, log, proc)


def stop(proc: subprocess.Popen[bytes]) -> int:
    proc.terminate()
    try:
        return proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    server = start(tmp_path_factory.mktemp("live"))
    try:
        yield server
    finally:
        stop(server.proc)


@pytest.fixture(scope="module")
def acct(live: Live) -> dict:
    r = live.post(
        "/v1/accounts",
        json={
            "username": "acme",
            "company_name": "Acme",
            "email": "ops@acme.example.com",
            "phone": "+8613800138000",
        },
    )
    assert r.status_code == 201, r.text
    return r.json()


# -- 1. transport safety -------------------------------------------------------------------


def test_server_refuses_plain_http_on_a_reachable_address(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    port = str(free_port())
    result = gb(env, "server", "run", "--host", "0.0.0.0", "--port", port)
    assert result.returncode == 2
    assert "refusing to serve plain HTTP on 0.0.0.0" in result.stderr
    assert "clear text" in result.stderr and "--tls-certfile" in result.stderr
    with socket.socket() as s:  # nothing listens
        assert s.connect_ex(("127.0.0.1", int(port))) != 0


def test_tls_server_and_ca_bundle(tmp_path: Path) -> None:
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    cert = ca.issue_cert("localhost", "127.0.0.1")
    certfile, keyfile, bundle = tmp_path / "cert.pem", tmp_path / "key.pem", tmp_path / "ca.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(certfile))
    cert.private_key_pem.write_to_path(str(keyfile))
    ca.cert_pem.write_to_path(str(bundle))
    server = start(
        tmp_path,
        "--host", "0.0.0.0", "--tls-certfile", str(certfile), "--tls-keyfile", str(keyfile),
        scheme="https", verify=ssl.create_default_context(cafile=str(bundle)),
    )  # fmt: skip
    try:
        env = cli_env(tmp_path / "client", GUANCE_BILLING_TOKEN=server.token)
        trusted = gb(env, "--server", server.url, "--ca-bundle", str(bundle), "auth", "status")
        assert trusted.returncode == 0, trusted.stderr
        assert "support" in trusted.stdout
        untrusted = gb(env, "--server", server.url, "auth", "status")
        assert untrusted.returncode == 10
        assert "certificate" in untrusted.stderr.lower()
    finally:
        stop(server.proc)


class CapturingProxy:
    """A loopback 'network path' that records every byte a client sends through it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.seen = b""
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                with contextlib.suppress(OSError):  # a client that sent nothing
                    self.seen += conn.recv(65536)
                conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")


@pytest.mark.parametrize("command", [("auth", "status"), ("account", "show", "acme")])
def test_client_never_sends_a_token_in_clear_to_another_host(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    proxy = CapturingProxy()
    secret = "gbt_" + "s3cr3t" * 7
    env = cli_env(
        tmp_path,
        GUANCE_BILLING_TOKEN=secret,
        HTTP_PROXY=f"http://127.0.0.1:{proxy.port}",
        http_proxy=f"http://127.0.0.1:{proxy.port}",
    )
    refused = gb(env, "--server", "http://billing.example.com", *command)
    assert refused.returncode == 2
    assert "refusing to send credentials in clear text to billing.example.com" in refused.stderr
    assert proxy.seen == b""
    # told so, it does send — which shows the proxy would have seen the token
    allowed = gb(env, "--server", "http://billing.example.com", "--insecure-http", *command)
    assert allowed.returncode == 10
    assert secret.encode() in proxy.seen


def test_client_never_sends_a_password_in_clear(tmp_path: Path) -> None:
    proxy = CapturingProxy()
    env = cli_env(tmp_path, HTTP_PROXY=f"http://127.0.0.1:{proxy.port}")
    result = subprocess.run(
        [sys.executable, "-m", "guance_billing_cli", "--server", "http://billing.example.com",
         "auth", "login", "--email", "ops@acme.example.com", "--password-stdin",
         "--insecure-storage"],
        env=env, input="correct horse battery\n", capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "clear text" in result.stderr
    assert proxy.seen == b""


# -- 2. limits before work -----------------------------------------------------------------


def test_a_body_over_the_limit_is_413_before_it_is_read(live: Live) -> None:
    big = b'{"email": "' + b"a" * (2 * 1024 * 1024) + b'"}'
    r = live.post("/v1/auth/login", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert r.json()["error"]["exit_code"] == 2

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while read
        for _ in range(40):
            yield b" " * 65536

    r = live.post("/v1/auth/login", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413


def test_the_token_is_checked_before_the_body(live: Live) -> None:
    # an invalid body without a token: 401 (not 422, which would reveal the schema)
    r = live.post("/v1/accounts", json={"nonsense": 1}, headers={})
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert r.json()["error"]["code"] == "authentication_failed"
    # a large batch without a token: 401 too, although it is within the batch limit
    rows = [{"workspace_id": f"w{i}"} for i in range(50_000)]
    r = live.post("/v1/workspaces/unbind", json={"items": rows}, headers={})
    assert r.status_code == 401


def test_out_of_range_integers_are_422_not_500(live: Live, acct: dict) -> None:
    r = live.get(f"/v1/accounts/{acct['id']}/workspaces", params={"limit": 10**30})
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "limit"
    r = live.post(
        "/v1/tokens", json={"name": "x", "role": "support", "expires_in_days": 99999999999}
    )
    assert r.status_code == 422
    assert r.json()["error"]["exit_code"] == 2


def test_non_utf8_and_malformed_json_are_400_with_the_usage_exit_code(live: Live) -> None:
    headers = {"Authorization": f"Bearer {live.token}", "Content-Type": "application/json"}
    for body in (b'{"username": "\xff\xfe"}', b'{"username": '):
        r = live.post("/v1/accounts", content=body, headers=headers)
        assert r.status_code == 400, body
        assert r.json()["error"]["exit_code"] == 2


def test_nul_characters_are_refused_not_500(live: Live, acct: dict) -> None:
    r = live.post(
        f"/v1/accounts/{acct['id']}/workspaces/batch",
        content=b'{"items": [{"workspace_id": "w\\u0000x", "name": "N", "site": "cn1"}]}',
        headers={"Authorization": f"Bearer {live.token}", "Content-Type": "application/json"},
    )
    # in a body: refused whole (422, exit 2), as the CLI refuses a NUL line in a batch file
    assert r.status_code == 422, r.text
    assert r.json()["error"]["exit_code"] == 2 and "NUL" in r.json()["error"]["message"]
    r = live.get("/v1/accounts/a%00b")
    assert r.status_code == 422 and "NUL" in r.json()["error"]["message"]
    assert live.get("/v1/audit/events", params={"action": "a\x00"}).status_code == 422


# -- 3. an OpenAPI that tells the truth ----------------------------------------------------


def test_openapi_documents_every_status_with_one_error_schema(live: Live) -> None:
    spec = httpx.get(live.url + "/openapi.json", timeout=60).json()
    error_ref = "#/components/schemas/ErrorResponse"
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if path in ("/healthz", "/readyz"):
                continue
            for status in ("400", "401", "403", "404", "409", "422", "429", "500", "503"):
                content = op["responses"][status]["content"]["application/json"]
                assert content["schema"]["$ref"] == error_ref, (method, path, status)
            assert "WWW-Authenticate" in op["responses"]["401"]["headers"]
            assert "Retry-After" in op["responses"]["429"]["headers"]
            # login, login by code and a forgotten password need no token (issue 11)
            public = op["operationId"] in (
                "login",
                "send_login_code",
                "forgot_password",
                "reset_forgotten_password",
            )
            assert ("security" in op) is not public, op["operationId"]
    detail = spec["components"]["schemas"]["ErrorDetail"]
    assert {"code", "message", "exit_code", "params"} <= set(detail["properties"])
    # every reference resolves (a streamed row's model is listed too)
    refs = set(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(spec)))
    assert refs - set(spec["components"]["schemas"]) == set()
    assert {"AuditEventPublic", "AuditExportLine", "SessionPublic"} <= refs


def test_enums_and_patterns_are_in_the_schema(live: Live) -> None:
    schemas = httpx.get(live.url + "/openapi.json", timeout=60).json()["components"]["schemas"]

    def variants(name: str, field: str) -> list:  # a "one of" body: named variants (issue 24)
        refs = [v["$ref"].rsplit("/", 1)[1] for v in schemas[name]["oneOf"]]
        found = [schemas[ref]["properties"][field] for ref in refs]
        return [v for f in found for v in (f["enum"] if "enum" in f else [f["const"]])]

    assert variants("CloudAccountCreate", "provider") == ["aws", "aliyun", "huawei"]
    assert "cn1" in schemas["WorkspaceCreate"]["properties"]["site"]["enum"]
    assert variants("TokenCreate", "role") == ["owner", "support"]
    assert schemas["CodeSubmit"]["properties"]["code"]["pattern"] == "^[0-9]{6}$"


def test_an_unknown_change_kind_is_422_and_documented(live: Live, acct: dict) -> None:
    spec = httpx.get(live.url + "/openapi.json", timeout=60).json()
    params = spec["paths"]["/v1/accounts/{ref}/changes/latest"]["get"]["parameters"]
    kind = next(p for p in params if p["name"] == "kind")
    assert kind["schema"]["enum"] == ["email", "phone"]
    r = live.get(f"/v1/accounts/{acct['id']}/changes/latest", params={"kind": "fax"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "kind", r.text


def test_schema_valid_values_found_refused_by_schemathesis_are_accepted(
    live: Live, acct: dict
) -> None:
    # an encoded ':' in a workspace id is checked once decoded (it was 422 undecoded)
    made = live.post(
        f"/v1/accounts/{acct['id']}/workspaces", json={"id": "8:x", "name": "C", "site": "cn1"}
    )
    assert made.status_code == 201, made.text
    assert live.get("/v1/workspaces/8%3Ax").json()["id"] == "8:x"
    bad = live.get("/v1/workspaces/a%2Fb")  # a slash is still no workspace id
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "ws_id"
    # a change kind in a body is an enum too (it was free text, then 422 from the service)
    spec = httpx.get(live.url + "/openapi.json", timeout=60).json()
    body = spec["paths"]["/v1/changes/{request_id}/cancel"]["post"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert spec["components"]["schemas"][ref]["properties"]["kind"]["enum"] == ["email", "phone"]
    # the language pattern says what the service takes ("" is neither)
    language = spec["components"]["schemas"]["ProfileUpdate"]["properties"]["language"]
    assert "pattern" in language
    r = httpx.patch(
        live.url + f"/v1/accounts/{acct['id']}/profile",
        json={"language": ""},
        headers={"Authorization": f"Bearer {live.token}"},
        timeout=30,
    )
    assert r.status_code == 422, r.text


def test_405_says_allow(live: Live) -> None:
    r = httpx.put(live.url + "/v1/accounts", headers={"Authorization": f"Bearer {live.token}"})
    assert r.status_code == 405
    assert r.headers["Allow"] == "GET, HEAD, POST"
    r = httpx.request("OPTIONS", live.url + "/v1/workspaces/unbind")
    assert r.status_code == 405 and r.headers["Allow"] == "POST"


def test_429_says_retry_after(live: Live, acct: dict) -> None:
    body = {"email": "ops@acme.example.com", "password": "wrong-password-1"}
    statuses = [live.post("/v1/auth/login", json=body, headers={}).status_code for _ in range(7)]
    assert statuses[-1] == 429, statuses
    r = live.post("/v1/auth/login", json=body, headers={})
    assert int(r.headers["Retry-After"]) > 0
    assert r.json()["error"]["exit_code"] == 8


def test_types_are_strict_on_the_wire(live: Live) -> None:
    r = live.get("/v1/audit/events", params={"until": "0.5"})
    assert r.status_code == 422
    r = live.post("/v1/workspaces/unbind", json={"items": [], "dry_run": 0})
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "dry_run"


def test_rows_carry_from_on_the_wire(live: Live, acct: dict) -> None:
    r = live.post(
        f"/v1/accounts/{acct['id']}/workspaces",
        json={"id": "wksp_from1", "name": "From", "site": "cn1"},
    )
    assert r.status_code == 201, r.text
    r = live.post("/v1/workspaces/unbind", json={"items": [{"workspace_id": "wksp_from1"}]})
    assert r.status_code == 200, r.text
    row = r.json()["results"][0]
    assert "from" in row and "from_" not in row


def test_streamed_rows_match_the_documented_ndjson_schema(live: Live, acct: dict) -> None:
    import jsonschema_rs  # schemathesis's validator

    spec = httpx.get(live.url + "/openapi.json", timeout=60).json()
    op = spec["paths"]["/v1/accounts/{ref}/workspaces"]["get"]
    schema = op["responses"]["200"]["content"]["application/x-ndjson"]["schema"]
    validator = jsonschema_rs.validator_for({**schema, "components": spec["components"]})
    for n in range(2):
        made = live.post(
            f"/v1/accounts/{acct['id']}/workspaces",
            json={"id": f"wksp_nd{n:04d}", "name": f"Stream {n}", "site": "cn1"},
        )
        assert made.status_code == 201, made.text
    r = live.get(
        f"/v1/accounts/{acct['id']}/workspaces",
        headers={"Authorization": f"Bearer {live.token}", "Accept": "application/x-ndjson"},
    )
    assert r.headers["content-type"].startswith("application/x-ndjson")
    rows = [json.loads(line) for line in r.text.splitlines()]
    assert {row["id"] for row in rows} >= {"wksp_nd0000", "wksp_nd0001"}
    assert validator.is_valid(rows)  # as scripts/schemathesis_hooks.py reads a stream
    assert validator.is_valid([*rows, {"_error": {"code": "x", "message": "m", "exit_code": 1}}])
    broken = [{k: v for k, v in rows[0].items() if k != "site"}]
    assert not validator.is_valid(broken)  # a row missing a field is caught


# -- 6. operations -------------------------------------------------------------------------


def test_health_readiness_and_a_log_without_personal_data(live: Live, acct: dict) -> None:
    assert httpx.get(live.url + "/healthz").json()["status"] == "ok"
    assert httpx.get(live.url + "/readyz").json()["status"] == "ready"
    headers = {"Authorization": f"Bearer {live.token}", "X-Request-ID": "trace-42"}
    live.get("/v1/accounts/ops@acme.example.com", headers=headers)
    live.get("/v1/accounts/+8613800138000")
    time.sleep(0.3)
    lines = [json.loads(x) for x in live.log.read_text().splitlines() if x.startswith("{")]
    text = live.log.read_text()
    assert "acme.example.com" not in text and "13800138000" not in text
    traced = [x for x in lines if x.get("request_id") == "trace-42"]
    assert traced and traced[0]["route"] == "/v1/accounts/{ref}"
    assert traced[0]["status"] == 200 and traced[0]["actor"].startswith("tok_")
    assert traced[0]["latency_ms"] >= 0


def test_sigterm_finishes_the_request_in_flight(tmp_path: Path) -> None:
    import fcntl

    server = start(tmp_path)
    lock = os.open(server.home / "billing.db.write-lock", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(lock, fcntl.LOCK_EX)  # the next write waits for its turn: in flight
    answers: list[httpx.Response] = []
    body = {"username": "late", "company_name": "Late", "email": "l@late.example.com",
            "phone": "+8613800138001"}  # fmt: skip
    writer = threading.Thread(target=lambda: answers.append(server.post("/v1/accounts", json=body)))
    writer.start()
    time.sleep(1.0)
    server.proc.terminate()  # SIGTERM while the write waits
    time.sleep(1.0)
    assert server.proc.poll() is None, "the server quit with a request in flight"
    fcntl.flock(lock, fcntl.LOCK_UN)
    os.close(lock)
    writer.join(timeout=30)
    # uvicorn re-raises SIGTERM once drained: the usual "terminated by SIGTERM" status
    assert server.proc.wait(timeout=30) in (0, -15)
    assert answers and answers[0].status_code in (200, 201), answers
    assert answers[0].json()["username"] == "late"


# -- 5. a surface you can read -------------------------------------------------------------


def test_http_client_answers_every_operation_by_its_declaration() -> None:
    """No operation is written out on ``HttpClient``: each is sent as declared."""
    from guance_billing_cli.client.http import HttpClient
    from guance_billing_cli.client.operations import ROUTES

    client = HttpClient("http://billing.test", token="x")
    for name in ROUTES:
        assert name not in vars(HttpClient), f"HttpClient.{name} is written out"
        assert callable(getattr(client, name)), name
