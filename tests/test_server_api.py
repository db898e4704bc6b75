"""The HTTP surface: every operation exposed, errors mapped, tokens and authorization."""

from __future__ import annotations

import pytest

from guance_billing_cli.client import operations
from guance_billing_cli.errors import ERRORS_BY_CODE, error_from_dict
from tests.support.cli import CliFn
from tests.support.remote import RemoteServer
from tests.support.store import store_dump


def test_every_protocol_method_is_exposed_over_http(remote_server: RemoteServer) -> None:
    declared = set(operations.protocol_methods())
    assert declared, "the protocol declares operations"
    missing = declared - set(operations.ROUTES)
    assert not missing, f"BillingClient methods without an HTTP route: {sorted(missing)}"
    stale = set(operations.ROUTES) - declared
    assert not stale, f"routes for methods the protocol no longer has: {sorted(stale)}"
    spec = remote_server.app.openapi()
    for op in operations.operations().values():
        assert op.path in spec["paths"], op.name
        assert op.method.lower() in spec["paths"][op.path], op.name
        assert spec["paths"][op.path][op.method.lower()]["operationId"] == op.name


def test_every_protocol_method_is_implemented_by_the_local_client() -> None:
    from guance_billing_cli.client.local import LocalClient

    client = LocalClient("sqlite:///unused.db")
    for name in operations.protocol_methods():
        assert operations.ROUTES[name].service, name  # run by LocalClient.run as declared
        assert name not in vars(LocalClient), f"LocalClient.{name} is written out"
        assert callable(getattr(client, name)), name
    with pytest.raises(AttributeError):
        client.no_such_operation  # noqa: B018


def test_http_client_answers_every_operation() -> None:
    from guance_billing_cli.client.http import HttpClient

    client = HttpClient("http://billing.test", token="x")
    for name in operations.protocol_methods():
        assert callable(getattr(client, name)), name
    with pytest.raises(AttributeError):
        client.no_such_operation  # noqa: B018


def test_errors_round_trip_with_the_same_exit_code() -> None:
    for code, cls in ERRORS_BY_CODE.items():
        error = cls("message", field="f", attempts_left=2)
        back = error_from_dict(error.to_dict())
        assert type(back) is cls, code
        assert back.exit_code == error.exit_code
        assert back.details == {"attempts_left": 2}


def test_openapi_is_served(remote_server: RemoteServer, cli: CliFn) -> None:
    import httpx

    with httpx.Client(transport=remote_server.transport, base_url=remote_server.url) as http:
        spec = http.get("/openapi.json").json()
        assert spec["info"]["title"] == "guance-billing"
        assert "/v1/accounts/{ref}/profile" in spec["paths"]
        assert http.get("/healthz").json()["status"] == "ok"
        missing = http.get("/v1/nothing")
        assert missing.status_code == 404
        assert "no endpoint GET /v1/nothing" in missing.json()["error"]["message"]


def test_a_remote_error_carries_status_body_and_exit_code(
    remote_server: RemoteServer, cli: CliFn
) -> None:
    import httpx

    with httpx.Client(transport=remote_server.transport, base_url=remote_server.url) as http:
        r = http.get(
            "/v1/accounts/nobody", headers={"Authorization": f"Bearer {remote_server.token}"}
        )
    assert r.status_code == 404
    assert r.json() == {
        "error": {
            "code": "not_found",
            "reason": "account_not_found",
            "message": "no billing account matches 'nobody'",
            "params": {"ref": "nobody"},
            "exit_code": 3,
            "ref": "nobody",  # the 0.1 place of parameters, kept for older scripts
        }
    }
    result = cli("account", "show", "nobody", "--json")
    assert result.exit_code == 3
    assert result.error["code"] == "not_found"


def test_malformed_request_body_is_a_usage_error(remote_server: RemoteServer, cli: CliFn) -> None:
    import httpx

    with httpx.Client(transport=remote_server.transport, base_url=remote_server.url) as http:
        r = http.post(
            "/v1/accounts",
            json={"username": "acme"},
            headers={"Authorization": f"Bearer {remote_server.token}"},
        )
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_input"
    assert r.json()["error"]["exit_code"] == 2


# -- authentication -------------------------------------------------------------------


def test_no_token_is_exit_4(remote_server: RemoteServer, cli: CliFn, monkeypatch) -> None:
    monkeypatch.delenv("GUANCE_BILLING_TOKEN")
    result = cli("account", "list", "--json")
    assert result.exit_code == 4
    assert result.error["code"] == "authentication_failed"
    assert "auth login --server http://billing.test" in result.error["message"]


def test_wrong_token_is_exit_4(remote_server: RemoteServer, cli: CliFn) -> None:
    result = cli("account", "list", "--json", env={"GUANCE_BILLING_TOKEN": "gbt_wrong"})
    assert result.exit_code == 4
    assert "invalid, expired or revoked" in result.error["message"]


def test_revoked_token_stops_working_at_once(
    remote_server: RemoteServer, cli: CliFn, make_account
) -> None:
    make_account("acme")
    created = cli("server", "token", "create", "--name", "ops", "--role", "support", "--json")
    assert created.exit_code == 0, created.stderr
    token = created.json["token"]
    assert (
        cli("account", "show", "acme", "--json", env={"GUANCE_BILLING_TOKEN": token}).exit_code == 0
    )
    revoked = cli("server", "token", "revoke", created.json["id"], "--yes", "--json")
    assert revoked.exit_code == 0, revoked.stderr
    assert revoked.json["revoked_at"] is not None
    again = cli("account", "show", "acme", "--json", env={"GUANCE_BILLING_TOKEN": token})
    assert again.exit_code == 4


def test_expired_token_is_refused(remote_server: RemoteServer, cli: CliFn, monkeypatch) -> None:
    from datetime import timedelta

    import guance_billing_cli.services.clock as clock

    created = cli(
        "server",
        "token",
        "create",
        "--name",
        "short",
        "--role",
        "support",
        "--expires-days",
        "1",
        "--json",
    )
    assert created.exit_code == 0, created.stderr
    env = {"GUANCE_BILLING_TOKEN": created.json["token"]}
    assert cli("account", "list", "--json", env=env).exit_code == 0
    later = clock.now() + timedelta(days=1, seconds=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert cli("account", "list", "--json", env=env).exit_code == 4


# -- authorization ----------------------------------------------------------------------


@pytest.fixture
def owner_token(remote_server: RemoteServer, cli: CliFn, make_account):
    def make(account: str, *scopes: str) -> str:
        args = [
            "server",
            "token",
            "create",
            "--name",
            f"{account}-owner",
            "--role",
            "owner",
            "--account",
            account,
            "--json",
        ]
        for scope in scopes:
            args += ["--scope", scope]
        result = cli(*args)
        assert result.exit_code == 0, result.stderr
        assert result.json["role"] == "owner"
        return str(result.json["token"])

    return make


def test_owner_reaches_only_its_own_account(cli: CliFn, make_account, owner_token, home) -> None:
    make_account("acme")
    make_account("globex")
    env = {"GUANCE_BILLING_TOKEN": owner_token("acme")}
    own = cli("profile", "show", "--account", "acme", "--json", env=env)
    assert own.exit_code == 0, own.stderr
    assert own.json["username"] == "acme"
    other = cli("profile", "show", "--account", "globex", "--json", env=env)
    missing = cli("profile", "show", "--account", "nobody", "--json", env=env)
    assert other.exit_code == missing.exit_code == 5
    assert other.error["message"] == missing.error["message"]  # no hint whether it exists
    before = store_dump(home)
    update = cli("profile", "update", "--account", "globex", "--region", "x", "--json", env=env)
    assert update.exit_code == 5
    assert store_dump(home) == before
    listed = cli("account", "list", "--json", env=env)
    assert [a["username"] for a in listed.json] == ["acme"]


def test_owner_cannot_do_support_actions(cli: CliFn, make_account, owner_token) -> None:
    make_account("acme")
    env = {"GUANCE_BILLING_TOKEN": owner_token("acme")}
    created = cli(
        "account",
        "create",
        "--username",
        "evil",
        "--company-name",
        "E",
        "--email",
        "e@evil.com",
        "--phone",
        "+8613900000001",
        "--json",
        env=env,
    )
    assert created.exit_code == 5
    flag = cli("account", "update", "acme", "--arbitrary-settlement", "on", "--json", env=env)
    assert flag.exit_code == 5
    token = cli("server", "token", "create", "--name", "x", "--role", "support", "--json", env=env)
    assert token.exit_code == 5


def test_bindings_scope_allows_nothing_else(cli: CliFn, make_account, owner_token) -> None:
    make_account("acme")
    env = {"GUANCE_BILLING_TOKEN": owner_token("acme", "bindings")}
    refused = cli("profile", "show", "--account", "acme", "--json", env=env)
    assert refused.exit_code == 5
    assert "limited to scope bindings" in refused.error["message"]
    me = cli("auth", "status", "--json", env=env)
    assert me.exit_code == 0, me.stderr
    assert me.json["scopes"] == ["bindings"]


def test_token_create_validates(cli: CliFn, make_account, remote_server: RemoteServer) -> None:
    make_account("acme")
    no_account = cli("server", "token", "create", "--name", "x", "--role", "owner", "--json")
    assert no_account.exit_code == 2
    assert no_account.error["field"] == "account"
    bad_scope = cli(
        "server",
        "token",
        "create",
        "--name",
        "x",
        "--role",
        "support",
        "--scope",
        "everything",
        "--json",
    )
    assert bad_scope.exit_code == 2
    assert "known scopes: bindings" in bad_scope.error["message"]
    bad_role = cli("server", "token", "create", "--name", "x", "--role", "admin", "--json")
    assert bad_role.exit_code == 2


def test_an_owner_reaches_nothing_of_another_account(
    cli: CliFn, make_account, owner_token, home
) -> None:
    """Every domain, over HTTP: nothing of globex is readable or writable with acme's token."""
    make_account("acme")
    globex = make_account("globex")
    ws = cli(
        "workspace",
        "add",
        "--account",
        "globex",
        "--id",
        "wksp_globex",
        "--name",
        "G",
        "--site",
        "cn1",
        "--json",
    )
    assert ws.exit_code == 0, ws.stderr
    cloud = cli(
        "cloud",
        "add",
        "--account",
        "globex",
        "--provider",
        "aliyun",
        "--account-id",
        "1234567890123456",
        "--instance-id",
        "cmgj0012345",
        "--json",
    )
    assert cloud.exit_code == 0, cloud.stderr
    env = {"GUANCE_BILLING_TOKEN": owner_token("acme")}
    before = store_dump(home)
    attempts = [
        ("profile", "show", "--account", "globex"),
        ("realname", "show", "--account", "globex"),
        ("invoice", "title", "list", "--account", "globex"),
        ("workspace", "list", "--account", "globex"),
        ("workspace", "show", "wksp_globex"),
        ("cloud", "show", cloud.json["id"]),
        ("cloud", "list", "--account", "globex"),
        ("email", "change", "--account", "globex", "--new-email", "x@acme.com"),
        ("workspace", "dissolve", "wksp_globex", "--yes"),
        ("cloud", "unsubscribe", cloud.json["id"], "--yes"),
        ("server", "token", "list"),
        ("audit", "verify"),
    ]
    for args in attempts:
        result = cli(*args, "--json", env=env)
        assert result.exit_code in (3, 5), (args, result.exit_code, result.stdout)
        assert "globex" not in result.stdout, args
    events = cli("audit", "list", "--json", env=env)
    assert events.exit_code == 0, events.stderr
    assert events.json  # acme's own events are there
    assert all(e["account_id"] != globex["id"] for e in events.json)
    assert store_dump(home) == before
