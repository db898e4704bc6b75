"""A request past a limit its wire schema states (issue 20): one refusal on every backend.

The limits a request model states (a list's ``maxItems``, a number's ``maximum``, a
string's ``maxLength``) are stated once, in ``schemas/``, and published in the API
document. Past one, the CLI answered ``internal error (ValidationError)`` (exit 1)
where a refusal was due: nine ``--scope`` where a token takes eight. Now building the
request model is the refusal (``schemas/wire_rules.py``: ``WireRequest``, ``refusal``),
and the server words its 422 for the same body with the same function, so the CLI says
the same line, exits 2 and changes nothing on a store and through a server.
"""

from __future__ import annotations

import inspect
import typing
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from tests.support.cli import CliFn
from tests.support.store import store_dump

SCOPES_9 = [arg for _ in range(9) for arg in ("--scope", "bindings")]
LONG_ACCOUNT = "a" * 321


def _toml(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _many_clouds(tmp_path: Path) -> str:
    return _toml(tmp_path, "clouds.toml", "".join(f"[cloud.c{i}]\n" for i in range(10_001)))


def _many_ids(tmp_path: Path, table: str) -> str:
    ids = ",".join(f'"w{i}"' for i in range(200_001))
    return _toml(tmp_path, "ids.toml", f"[{table}]\nworkspaces = [{ids}]\n")


# (what, the command's arguments given a tmp dir, the one line, reason, field, limit)
CASES: list[tuple[str, Any, str, str, str, int | None]] = [
    (
        "nine scopes",
        lambda tmp: ["server", "token", "create", "--name", "t", "--role", "owner",
                     "--account", "acme", *SCOPES_9],
        "error: --scope must have at most 8 items",
        "too_many", "scope", 8,
    ),
    (
        "an account ref longer than 320 (plan)",
        lambda tmp: ["bindings", "plan", "--account", LONG_ACCOUNT,
                     _toml(tmp, "empty.toml", "")],
        "error: --account must be at most 320 characters",
        "too_long", "account", 320,
    ),
    (
        "an account ref longer than 320 (apply)",
        lambda tmp: ["bindings", "apply", "--yes", "--account", LONG_ACCOUNT,
                     _toml(tmp, "empty.toml", "")],
        "error: --account must be at most 320 characters",
        "too_long", "account", 320,
    ),
    (
        "a cloud account id longer than 64",
        lambda tmp: ["bindings", "plan", "--account", "acme",
                     _toml(tmp, "long.toml", f"[cloud.{'c' * 65}]\nworkspaces = []\n")],
        "error: cloud.ID must be at most 64 characters",
        "too_long", "cloud.ID", 64,
    ),
    (
        "an empty cloud account id",
        lambda tmp: ["bindings", "plan", "--account", "acme",
                     _toml(tmp, "blank.toml", '[cloud.""]\nworkspaces = []\n')],
        "error: cloud.ID is required and must not be blank",
        "required", "cloud.ID", None,
    ),
    (
        "more than 10000 cloud accounts",
        lambda tmp: ["bindings", "plan", "--account", "acme", _many_clouds(tmp)],
        "error: cloud.* must have at most 10000 items",
        "too_many", "cloud.*", 10_000,
    ),
    (
        "more than 200000 workspaces under a cloud account",
        lambda tmp: ["bindings", "plan", "--account", "acme", _many_ids(tmp, "cloud.c1")],
        "error: cloud.ID.workspaces must have at most 200000 items",
        "too_many", "cloud.ID.workspaces", 200_000,
    ),
    (
        "more than 200000 workspaces in the billing center",
        lambda tmp: ["bindings", "plan", "--account", "acme", _many_ids(tmp, "billing_center")],
        "error: billing_center.workspaces must have at most 200000 items",
        "too_many", "billing_center.workspaces", 200_000,
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "line", "reason", "field", "limit"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_a_request_past_a_limit_is_refused_in_one_line_and_changes_nothing(
    cli: CliFn,
    make_account: Any,
    home: Path,
    tmp_path: Path,
    args: Any,
    line: str,
    reason: str,
    field: str,
    limit: int | None,
) -> None:
    make_account("acme")
    argv = args(tmp_path)
    before = store_dump(home)
    result = cli(*argv)
    assert result.exit_code == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [line], result.stderr
    refused = cli(*argv, "--json")
    assert refused.exit_code == 2, refused.stderr
    error = refused.error
    assert (error["code"], error["reason"], error["params"]["field"]) == (
        "invalid_input",
        reason,
        field,
    )
    assert error["params"].get("limit") == limit
    assert store_dump(home) == before


def test_the_refusal_speaks_the_operators_language(cli: CliFn, make_account: Any) -> None:
    make_account("acme")
    argv = ["server", "token", "create", "--name", "t", "--role", "owner", "--account", "acme"]
    result = cli("--lang", "zh-CN", *argv, *SCOPES_9)
    assert result.exit_code == 2, result.stderr
    assert "--scope" in result.stderr and "8" in result.stderr
    assert "must have" not in result.stderr  # the zh_CN words, not the English ones
    eight = cli(*argv, *SCOPES_9[:16], "--json")  # at the limit: a token
    assert eight.exit_code == 0, eight.stderr
    assert eight.json["scopes"] == ["bindings"]


# -- through the server: the same body answered 422, and read back as the same error ----
@pytest.mark.remote_only
def test_the_server_answers_the_same_refusal_and_the_client_reads_it_back(
    remote_server: Any, make_account: Any, home: Path
) -> None:
    """A body the CLI would not build (another client, an older CLI) gets the same
    reason, field and limit from the server (422); ``HttpClient`` turns it into the
    error the CLI's own model raises, so the line the CLI prints is the same."""
    import httpx

    from guance_billing_cli.client.http import HttpClient
    from guance_billing_cli.errors import InvalidInput
    from guance_billing_cli.schemas.tokens import TokenCreate

    make_account("acme")
    before = store_dump(home)
    body = {"name": "t", "role": "owner", "account": "acme", "scopes": ["bindings"] * 9}
    auth = {"Authorization": f"Bearer {remote_server.token}"}
    with httpx.Client(transport=remote_server.transport, base_url=remote_server.url) as http:
        answer = http.post("/v1/tokens", json=body, headers=auth)
        assert answer.status_code == 422, answer.text
        error = answer.json()["error"]
        assert (error["reason"], error["params"], error["exit_code"]) == (
            "too_many",
            {"field": "scope", "limit": 8},
            2,
        )
        assert error["message"] == "scope must have at most 8 items"  # the API's words
        for days, reason, limit in ((0, "below_minimum", 1), (3651, "above_maximum", 3650)):
            answer = http.post("/v1/tokens", json={**body, "scopes": [], "expires_in_days": days},
                               headers=auth)  # fmt: skip
            assert answer.status_code == 422, answer.text
            error = answer.json()["error"]
            assert (error["reason"], error["params"]) == (
                reason,
                {"field": "expires", "limit": limit},
            )
        # a nested field is named by its place in the body
        plan = {"desired": {"clouds": [{"cloud_account_id": "c" * 65}]}, "account": "acme"}
        answer = http.post("/v1/bindings/plan", json=plan, headers=auth)
        assert answer.status_code == 422, answer.text
        error = answer.json()["error"]
        assert (error["reason"], error["params"]) == (
            "too_long",
            {"field": "desired.clouds.0.cloud_account_id", "limit": 64},
        )
    with pytest.raises(InvalidInput) as built:  # what the CLI builds
        TokenCreate(**body)
    client = HttpClient(remote_server.url, token=remote_server.token)
    try:
        with pytest.raises(InvalidInput) as answered:  # what the server answers
            client.create_token(TokenCreate.model_construct(**body))
    finally:
        client.close()
    for error in (built.value, answered.value):
        assert (error.reason, error.field, error.params) == ("too_many", "scope", {"limit": 8})
    assert store_dump(home) == before


def test_every_request_model_refuses_as_the_wire_does() -> None:
    """Every model an operation takes (and every model inside one) is a ``WireRequest``:
    the CLI building it past a limit gets the refusal, not a ``ValidationError``."""
    from guance_billing_cli.client.operations import operations
    from guance_billing_cli.schemas.wire_rules import WireRequest

    found: set[type[BaseModel]] = set()

    def walk(annotation: Any) -> None:
        for arg in typing.get_args(annotation):
            walk(arg)
        model = inspect.isclass(annotation) and issubclass(annotation, BaseModel)
        if model and annotation not in found:
            found.add(annotation)
            for field in annotation.model_fields.values():
                walk(field.annotation)

    for op in operations().values():
        for param in op.params:
            if param.where != "local":
                walk(param.annotation)
    assert len(found) > 30
    assert sorted(m.__name__ for m in found if not issubclass(m, WireRequest)) == []
