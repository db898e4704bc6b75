"""Issue 24: HTTP semantics other programs can build on, and the declared contract
(errors, scopes). Each rule against a real `guance-billing server run` (uvicorn) over
loopback: 201 + Location, 415, HEAD, ETag / If-Match (412), Idempotency-Key (stored in
the database: a second server process replays the first one's answer).
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.support.servers import free_port
from tests.test_api_contract import Live, cli_env, gb, start, stop, wait_up

# the slow tier: the HTTP API against a real `server run` process
pytestmark = [pytest.mark.slow, pytest.mark.local_only]
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    server = start(tmp_path_factory.mktemp("http"))
    try:
        yield server
    finally:
        stop(server.proc)


def auth(live: Live, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {live.token}", **extra}


def new_account(live: Live, username: str, **headers: str) -> httpx.Response:
    n = sum(map(ord, username)) % 10_000
    return httpx.post(
        live.url + "/v1/accounts",
        json={
            "username": username,
            "company_name": f"{username} Ltd",
            "email": f"ops@{username}.example.com",
            "phone": f"+86138001{n:05d}",
        },
        headers=auth(live, **headers),
        timeout=30,
    )


def db_rows(live: Live, sql: str, *args: object) -> list[tuple]:
    with sqlite3.connect(live.home / "billing.db") as conn:
        return conn.execute(sql, args).fetchall()


@pytest.fixture(scope="module")
def acct(live: Live) -> dict:
    r = new_account(live, "http-acme")
    assert r.status_code == 201, r.text
    return r.json()


# -- 201 + Location ------------------------------------------------------------------------


def test_a_create_is_201_with_the_location_of_the_new_resource(live: Live, acct: dict) -> None:
    r = new_account(live, "located")
    assert r.status_code == 201, r.text
    assert r.headers["Location"] == f"/v1/accounts/{r.json()['id']}"
    back = live.get(r.headers["Location"])
    assert back.status_code == 200 and back.json()["username"] == "located"
    # a workspace: 201 the first time; the same again changes nothing: 200, no Location
    body = {"id": "wksp_loc1", "name": "Loc", "site": "cn1"}
    made = live.post(f"/v1/accounts/{acct['id']}/workspaces", json=body)
    assert made.status_code == 201 and made.headers["Location"] == "/v1/workspaces/wksp_loc1"
    again = live.post(f"/v1/accounts/{acct['id']}/workspaces", json=body)
    assert again.status_code == 200 and "Location" not in again.headers
    assert again.json()["changed"] is False


def test_a_created_token_is_read_back_at_its_location(live: Live) -> None:
    """``get_token``, the first operation added after issue 20 declared each once (one
    declaration in ``api/auth.py``, one service): the Location ``create_token`` answers
    now reads the token back, by id or name, never its secret."""
    made = live.post("/v1/tokens", json={"name": "located-token", "role": "support"})
    assert made.status_code == 201, made.text
    secret = made.json()["token"]
    back = live.get(made.headers["Location"])
    assert back.status_code == 200, back.text
    assert back.json()["id"] == made.json()["id"] and back.json()["name"] == "located-token"
    assert "token" not in back.json() and secret not in back.text
    assert live.get("/v1/tokens/located-token").json()["id"] == made.json()["id"]
    missing = live.get("/v1/tokens/no-such-token")
    assert missing.status_code == 404, missing.text
    assert missing.json()["error"]["reason"] == "token_not_found"


# -- 415 -----------------------------------------------------------------------------------


def test_a_body_not_declared_json_is_415_and_changes_nothing(live: Live) -> None:
    before = db_rows(live, "SELECT count(*) FROM accounts")
    body = b'{"username": "formed", "company_name": "F", "email": "f@f.example.com"}'
    for content_type in ("text/plain", "application/x-www-form-urlencoded", None):
        headers = auth(live, **({"Content-Type": content_type} if content_type else {}))
        r = httpx.post(live.url + "/v1/accounts", content=body, headers=headers, timeout=30)
        assert r.status_code == 415, (content_type, r.text)
        error = r.json()["error"]
        assert error["reason"] == "body_not_declared_json" and error["exit_code"] == 2
    assert db_rows(live, "SELECT count(*) FROM accounts") == before
    # JSON with a charset, or a +json type, is JSON
    r = httpx.post(
        live.url + "/v1/workspaces/unbind",
        content=b'{"items": [], "dry_run": true}',
        headers=auth(live, **{"Content-Type": "application/json; charset=utf-8"}),
    )
    assert r.status_code != 415, r.text


# -- HEAD ----------------------------------------------------------------------------------


def test_head_answers_wherever_get_does(live: Live, acct: dict) -> None:
    r = httpx.head(live.url + "/healthz")
    assert r.status_code == 200 and r.content == b""
    got = live.get(f"/v1/accounts/{acct['id']}")
    head = httpx.head(live.url + f"/v1/accounts/{acct['id']}", headers=auth(live))
    assert head.status_code == 200 and head.content == b""
    assert head.headers["ETag"] == got.headers["ETag"]
    assert head.headers["content-length"] == got.headers["content-length"]
    # the token and scope rules hold for HEAD as for GET
    assert httpx.head(live.url + f"/v1/accounts/{acct['id']}").status_code == 401
    # a path without GET: still 405, and every Allow lists HEAD beside GET
    r = httpx.head(live.url + "/v1/auth/logout", headers=auth(live))
    assert r.status_code == 405 and r.headers["Allow"] == "POST"
    r = httpx.put(live.url + f"/v1/accounts/{acct['id']}", headers=auth(live))
    assert r.status_code == 405 and r.headers["Allow"] == "GET, HEAD, PATCH"


# -- ETag and If-Match ---------------------------------------------------------------------


def test_if_match_applies_a_change_only_to_the_version_read(live: Live, acct: dict) -> None:
    path = f"/v1/accounts/{acct['id']}"
    read = live.get(path)
    tag = read.headers["ETag"]
    assert tag.startswith('"') and tag == live.get(path).headers["ETag"]  # stable
    changed = httpx.patch(
        live.url + path + "/profile",
        json={"contact_name": "Li Lei"},
        headers=auth(live, **{"If-Match": tag}),
    )
    assert changed.status_code == 200, changed.text
    new_tag = changed.headers["ETag"]
    assert new_tag != tag and live.get(path).headers["ETag"] == new_tag
    # the old tag is stale now: 412, and nothing changed
    stale = httpx.patch(
        live.url + path + "/profile",
        json={"contact_name": "Han Meimei"},
        headers=auth(live, **{"If-Match": tag}),
    )
    assert stale.status_code == 412, stale.text
    error = stale.json()["error"]
    assert error["reason"] == "etag_mismatch" and error["params"]["current"] == new_tag
    assert live.get(path).json()["contact_name"] == "Li Lei"
    # "*" (any version) and no If-Match at all both apply
    for headers in (auth(live, **{"If-Match": "*"}), auth(live)):
        r = httpx.patch(live.url + path + "/profile", json={"contact_name": "Z"}, headers=headers)
        assert r.status_code == 200, r.text
    # a dissolve (a delete) with a stale tag is refused too; the workspace stays
    body = {"id": "wksp_etag1", "name": "E", "site": "cn1"}
    assert live.post(f"{path}/workspaces", json=body).status_code == 201
    ws_tag = live.get("/v1/workspaces/wksp_etag1").headers["ETag"]
    r = live.post(
        "/v1/workspaces/wksp_etag1/dissolve", json={}, headers=auth(live, **{"If-Match": '"0"'})
    )
    assert r.status_code == 412, r.text
    assert live.get("/v1/workspaces/wksp_etag1").headers["ETag"] == ws_tag


# -- Idempotency-Key -----------------------------------------------------------------------


def test_a_retried_create_with_its_key_gets_the_first_answer(live: Live) -> None:
    key = str(uuid.uuid4())
    first = new_account(live, "retried", **{"Idempotency-Key": key})
    assert first.status_code == 201, first.text
    again = new_account(live, "retried", **{"Idempotency-Key": key})
    assert again.status_code == 201, again.text
    assert again.json() == first.json() and again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert db_rows(live, "SELECT count(*) FROM accounts WHERE username='retried'") == [(1,)]
    # without the key a retry is what it always was: the username is taken
    assert new_account(live, "retried").status_code == 409
    # the same key with another body is refused, and runs nothing
    other = new_account(live, "another", **{"Idempotency-Key": key})
    assert other.status_code == 409 and other.json()["error"]["reason"] == "idempotency_key_reused"
    assert db_rows(live, "SELECT count(*) FROM accounts WHERE username='another'") == [(0,)]
    # a key that is no header-safe text is refused
    bad = new_account(live, "spaced", **{"Idempotency-Key": "has space"})
    assert bad.status_code == 422 and bad.json()["error"]["reason"] == "idempotency_key_invalid"


def test_a_failed_request_releases_its_key(live: Live) -> None:
    key = str(uuid.uuid4())
    taken = new_account(live, "http-acme", **{"Idempotency-Key": key})
    assert taken.status_code == 409
    assert db_rows(live, "SELECT count(*) FROM idempotency_keys WHERE key=?", key) == [(0,)]


def test_a_batch_write_with_a_key_runs_once(live: Live, acct: dict) -> None:
    key = str(uuid.uuid4())
    path = f"/v1/accounts/{acct['id']}/workspaces/batch"
    rows = {
        "items": [{"workspace_id": f"wksp_idem{n}", "name": "I", "site": "cn1"} for n in range(3)]
    }
    first = live.post(path, json=rows, headers=auth(live, **{"Idempotency-Key": key}))
    assert first.status_code == 200, first.text
    again = live.post(path, json=rows, headers=auth(live, **{"Idempotency-Key": key}))
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert [r["result"] for r in again.json()["results"]] == ["added"] * 3  # not "unchanged"


def test_keys_expire_after_24_hours_and_belong_to_their_caller(live: Live) -> None:
    key = str(uuid.uuid4())
    assert new_account(live, "expiring", **{"Idempotency-Key": key}).status_code == 201
    # another caller with the same key is another request (here: the username is taken)
    made = gb(
        cli_env(live.home),
        "--store", f"sqlite:///{live.home / 'billing.db'}",
        "server", "token", "create", "--name", "other", "--role", "support", "--json",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    import json

    other = Live(live.url, json.loads(made.stdout)["token"], live.home, live.log, live.proc)
    assert new_account(other, "expiring", **{"Idempotency-Key": key}).status_code == 409
    # 25 hours later the key is void: the request runs again (and finds the name taken)
    past = (datetime.now(UTC) - timedelta(hours=25)).strftime("%Y-%m-%d %H:%M:%S.%f")
    with sqlite3.connect(live.home / "billing.db") as conn:
        conn.execute("UPDATE idempotency_keys SET created_at=? WHERE key=?", (past, key))
    assert new_account(live, "expiring", **{"Idempotency-Key": key}).status_code == 409
    assert db_rows(live, "SELECT count(*) FROM idempotency_keys WHERE key=?", key) == [(0,)]


def test_a_second_server_process_replays_the_first_ones_answer(live: Live) -> None:
    store = f"sqlite:///{live.home / 'billing.db'}"
    port = free_port()
    with open(live.home.parent / "second.log", "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "guance_billing_cli", "server", "run", "--store", store,
             "--port", str(port)],
            env=cli_env(live.home), stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        second = Live(f"http://127.0.0.1:{port}", live.token, live.home, live.log, proc)
        wait_up(second.url, proc)
        key = str(uuid.uuid4())
        first = new_account(live, "twoproc", **{"Idempotency-Key": key})
        assert first.status_code == 201, first.text
        replay = new_account(second, "twoproc", **{"Idempotency-Key": key})
        assert replay.status_code == 201 and replay.json() == first.json()
        assert replay.headers["Idempotent-Replayed"] == "true"
    finally:
        stop(proc)


def test_the_http_client_sends_a_key_on_creates_and_batches(live: Live, acct: dict) -> None:
    from guance_billing_cli.client.http import HttpClient
    from guance_billing_cli.schemas.settlement import BatchItem, WorkspaceCreate

    before = db_rows(live, "SELECT count(*) FROM idempotency_keys")[0][0]
    client = HttpClient(live.url, token=live.token)
    try:
        made = client.add_workspace(
            acct["id"], WorkspaceCreate(id="wksp_cli1", name="C", site="cn1")
        )
        assert made.changed is True
        result = client.add_workspaces(
            acct["id"], [BatchItem(workspace_id="wksp_cli2", name="C", site="cn1")]
        )
        assert [row.result for row in result.results] == ["added"]
    finally:
        client.close()
    assert db_rows(live, "SELECT count(*) FROM idempotency_keys")[0][0] == before + 2


# -- the declared contract: errors and scopes ----------------------------------------------


def test_error_detail_declares_reason_params_and_next(live: Live) -> None:
    spec = httpx.get(live.url + "/openapi.json", timeout=60).json()
    detail = spec["components"]["schemas"]["ErrorDetail"]
    assert {"code", "reason", "message", "params", "exit_code", "next"} <= set(detail["properties"])
    assert all(p.get("description") for p in detail["properties"].values())
    r = live.get("/v1/accounts/nobody-here")
    body = r.json()["error"]
    assert r.status_code == 404 and body["reason"] == "account_not_found"
    assert isinstance(body["params"], dict)


def test_scopes_are_declared_per_operation_as_the_gate_enforces_them(live: Live) -> None:
    from guance_billing_cli.client.operations import operations, scope_table, token_scopes
    from guance_billing_cli.errors import PermissionDenied
    from guance_billing_cli.server.auth import check_scope
    from guance_billing_cli.services.context import Actor

    spec = httpx.get(live.url + "/openapi.json", timeout=60).json()
    scoped = Actor("ci", role="support", scopes=frozenset({"bindings"}))
    for op in operations().values():
        doc = spec["paths"][op.path][op.method.lower()]
        if not op.route.auth:
            assert "security" not in doc, op.name
            continue
        declared = doc["security"][0]["HTTPBearer"]
        assert declared == doc["x-token-scopes"] == token_scopes(op), op.name
        try:
            check_scope(scoped, op)
            allowed = True
        except PermissionDenied:
            allowed = False
        assert allowed == ("bindings" in declared), op.name
    # the table in docs/api.md is generated from the same rows
    assert scope_table() in (ROOT / "docs" / "api.md").read_text()


# -- lists as JSON pages -------------------------------------------------------------------


def test_every_list_answers_json_pages_and_ndjson_on_request(live: Live) -> None:
    made = new_account(live, "paged")
    assert made.status_code == 201, made.text
    ref = made.json()["id"]
    for n in range(5):
        body = {"id": f"wksp_page{n}", "name": f"P{n}", "site": "cn1"}
        assert live.post(f"/v1/accounts/{ref}/workspaces", json=body).status_code == 201
    path = f"/v1/accounts/{ref}/workspaces"
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = live.get(path, params=params)
        assert page.status_code == 200 and page.headers["content-type"] == "application/json"
        body = page.json()
        assert set(body) == {"items", "next_cursor"} and len(body["items"]) <= 2
        seen += [row["id"] for row in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and seen == [f"wksp_page{n}" for n in range(5)]
    # the whole list as NDJSON, for exports and the CLI
    stream = live.get(path, headers=auth(live, Accept="application/x-ndjson"))
    assert stream.headers["content-type"].startswith("application/x-ndjson")
    assert [__import__("json").loads(x)["id"] for x in stream.text.splitlines()] == seen
    # a cursor this server did not give is 422, naming the field
    bad = live.get(path, params={"cursor": "nonsense!"})
    assert bad.status_code == 422 and bad.json()["error"]["params"]["field"] == "cursor"
    # every list operation is documented with a JSON page, limit and cursor
    from guance_billing_cli.client.operations import operations

    spec = httpx.get(live.url + "/openapi.json", timeout=60).json()
    lists = [op for op in operations().values() if op.streams]
    assert len(lists) >= 10
    for op in lists:
        doc = spec["paths"][op.path]["get"]
        names = {p["name"] for p in doc["parameters"]}
        assert {"limit", "cursor"} <= names, op.name
        content = doc["responses"]["200"]["content"]
        assert content["application/json"]["schema"]["$ref"].endswith("Page"), op.name
        assert "application/x-ndjson" in content, op.name
    # and answers one, e.g. the accounts and the audit trail
    body = live.get("/v1/audit/events", params={"limit": 1}).json()
    assert len(body["items"]) == 1 and body["next_cursor"]
    assert len(live.get("/v1/accounts", params={"limit": 1}).json()["items"]) == 1


def test_no_api_pages_that_load_scripts_from_a_public_cdn(live: Live) -> None:
    for path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        r = httpx.get(live.url + path)
        assert r.status_code == 404 and "cdn" not in r.text.lower(), path
    assert httpx.get(live.url + "/openapi.json", timeout=60).status_code == 200


def test_every_operation_has_a_description() -> None:
    from guance_billing_cli.client.operations import ROUTES

    assert sorted(name for name, route in ROUTES.items() if not route.description) == []
