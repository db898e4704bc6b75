"""Each operation is declared once (issue 20): on its method in ``api/<noun>.py``.

The declaration is the only ``def`` of that name in ``src/``; the local runner, the
HTTP transport and the server read it. Static checks: no store, no server.
"""

from __future__ import annotations

import ast
import inspect
import sys
from collections import defaultdict
from importlib import import_module
from pathlib import Path
from typing import Protocol

import pytest

from guance_billing_cli.client import operations

SRC = Path(operations.__file__).resolve().parents[1]


def _definitions() -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                found[node.name].append(f"{path.relative_to(SRC)}:{node.lineno}")
    return found


def test_every_operation_name_is_defined_once_in_src() -> None:
    names = operations.protocol_methods()
    assert len(names) > 60
    defined = _definitions()
    twice = {name: defined[name] for name in names if len(defined[name]) != 1}
    assert not twice, twice
    for name in names:
        assert defined[name][0].startswith("api/"), (name, defined[name])


def test_every_operation_is_declared_with_a_service() -> None:
    assert sorted(operations.ROUTES) == operations.protocol_methods()
    for name, route in operations.ROUTES.items():
        assert route.service.count(":") == 1, name
        assert route.description, name
        assert route.tx in ("read", "write", "dry_run", "none"), name


def test_each_service_is_keyword_only_and_takes_the_declared_arguments() -> None:
    """The runner passes every protocol parameter by keyword, under its own name."""
    for name, op in operations.operations().items():
        module, _, function = op.route.service.partition(":")
        service = getattr(import_module(f"guance_billing_cli.services.{module}"), function)
        params = list(inspect.signature(service).parameters.values())
        assert params[0].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD, name  # ctx
        rest = {p.name: p for p in params[1:]}
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in rest.values()), name
        wanted = {p.name for p in op.params}
        assert wanted == set(rest), (name, sorted(wanted), sorted(rest))
        if op.route.tx == "dry_run":
            dry = any(p.name == "dry_run" for p in op.params) or any(
                p.is_model and "dry_run" in p.annotation.model_fields for p in op.params
            )
            assert dry, name


def test_each_slice_names_the_schema_modules_it_imports() -> None:
    """``SCHEMAS`` of ``api/<noun>.py`` (read at run time to resolve its annotations)
    names exactly the schema modules its ``TYPE_CHECKING`` block imports."""
    slices = sorted((SRC / "api").glob("*.py"))
    checked = 0
    for path in slices:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {
            (node.module or "").rsplit(".", 1)[1]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            and (node.module or "").startswith("guance_billing_cli.schemas.")
        }
        module = sys.modules.get(f"guance_billing_cli.api.{path.stem}") or import_module(
            f"guance_billing_cli.api.{path.stem}"
        )
        if imported:
            assert set(module.SCHEMAS) == imported, path.name
            checked += 1
    assert checked >= 9


def test_a_declaration_says_only_what_differs_from_the_defaults() -> None:
    """``@operation("METHOD /path", "module:function", ...)``: the transaction by the
    method, ``idempotent`` by ``created``, the description from the docstring."""
    from guance_billing_cli.api.declare import BATCH, DRY_RUN, Route, operation, route_of

    class Things(Protocol):
        @operation("GET /v1/things/{ref}", "things:get")
        def get_thing(self, ref: str) -> str:
            """Read one thing;
            answers an ETag."""

        @operation("POST /v1/things", "things:add", created="/v1/things/{id}")
        def add_thing(self) -> str:
            """Add a thing."""

        @operation(
            "POST /v1/secrets", "things:secret", created="/v1/secrets/{id}", idempotent=False
        )
        def add_secret(self) -> str:
            """Add a secret."""

        @operation("POST /v1/things/batch", "things:batch", DRY_RUN, **BATCH, command="thing add")
        def add_things(self) -> str:
            """Add things."""

    assert route_of(Things.get_thing) == Route(
        "GET",
        "/v1/things/{ref}",
        tx="read",
        service="things:get",
        description="Read one thing; answers an ETag.",
    )
    added = route_of(Things.add_thing)
    assert added is not None and (added.tx, added.idempotent) == ("write", True)
    secret = route_of(Things.add_secret)
    assert secret is not None and (secret.created, secret.idempotent) == ("/v1/secrets/{id}", False)
    batch = route_of(Things.add_things)
    assert batch is not None
    assert (batch.tx, batch.large_body, batch.idempotent, batch.command) == (
        "dry_run",
        True,
        True,
        "thing add",
    )
    with pytest.raises(ValueError, match="METHOD /path"):
        operation("POST/v1/things", "things:add")
