"""Every operation as the three faces read it: its declaration plus its signature.

Each operation is declared once, on its ``BillingClient`` method in
``api/<noun>.py`` (``api/declare.py``: route, transaction, scope, floor, service,
words). This module adds what the signature says, so the FastAPI routes
(``server/app.py``), the ``HttpClient`` requests and the ``LocalClient`` runs are
derived from the same description and cannot drift:

- parameters named in the path (``{ref}``) travel in the path;
- for ``GET``, the others travel as query parameters (a pydantic model's fields
  are flattened into the query);
- otherwise they travel as a JSON body: a single pydantic model parameter *is*
  the body, several parameters are embedded by name (``{"ref": ..., "data": {...}}``);
- a method returning ``Iterator[X]`` streams: the response is NDJSON, one ``X``
  a line (an error after the first row arrives as a last line ``{"_error": ...}``);
- any other return annotation is the JSON response body.

``large_body=True`` marks a body that may be larger than others (a batch, a
licence scan): the server's larger body limit applies. ``scope`` names the token
scope that may call an operation: a token limited to
scopes (``--scope bindings``) reaches only operations carrying one of them (or
``ANY``) — everything else is denied by default. ``auth=False`` marks the
operations that need no token (login). A callback parameter (``progress``) stays
on the caller's side: the server runs the batch and the client reports the end.

No SQLAlchemy here: this module is on the remote path.
"""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel

from guance_billing_cli.api.declare import ANY, Route, route_of
from guance_billing_cli.client.protocol import BillingClient

# Protocol members that are not operations.
NOT_OPERATIONS = frozenset({"close"})


def _declared() -> dict[str, Route]:
    """The routes declared on the protocol's methods (``api/<noun>.py``)."""
    found: dict[str, Route] = {}
    for klass in BillingClient.__mro__:
        for name, member in vars(klass).items():
            route = route_of(member)
            if route is not None:
                found.setdefault(name, route)
    return found


#: name of the BillingClient method -> its declaration
ROUTES: dict[str, Route] = _declared()


@dataclass(frozen=True)
class Param:
    name: str
    annotation: Any
    where: Literal["path", "query", "body", "local"]
    default: Any = inspect.Parameter.empty

    @property
    def is_model(self) -> bool:
        return inspect.isclass(self.annotation) and issubclass(self.annotation, BaseModel)

    @property
    def required(self) -> bool:
        return self.default is inspect.Parameter.empty


@dataclass(frozen=True)
class Operation:
    name: str
    route: Route
    params: tuple[Param, ...]
    returns: Any  # the annotation of the result (the item type when streaming)
    streams: bool
    signature: inspect.Signature

    @property
    def method(self) -> str:
        return self.route.method

    @property
    def path(self) -> str:
        return self.route.path

    def bind(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """A call's arguments by parameter name, defaults filled in (``TypeError`` as a
        Python call with the wrong arguments would raise)."""
        bound = self.signature.bind(None, *args, **kwargs)
        bound.apply_defaults()
        return {name: value for name, value in bound.arguments.items() if name != "self"}

    @property
    def body_is_model(self) -> bool:
        """A single pydantic parameter is the whole body (not embedded by name)."""
        body = [p for p in self.params if p.where == "body"]
        return len(body) == 1 and body[0].is_model


def protocol_methods() -> list[str]:
    """Every operation the protocol declares."""
    return sorted(
        {
            name
            for klass in BillingClient.__mro__
            if klass.__module__.startswith("guance_billing_cli.")
            for name, member in vars(klass).items()
            if inspect.isfunction(member)
            and not name.startswith("_")
            and name not in NOT_OPERATIONS
        }
    )


def _is_callable(annotation: Any) -> bool:
    import collections.abc

    if typing.get_origin(annotation) is collections.abc.Callable:
        return True
    return any(_is_callable(arg) for arg in typing.get_args(annotation))


class _LazySchemas(dict[str, Any]):
    """Schema names for ``get_type_hints``, imported only when an annotation uses them,
    from the ``SCHEMAS`` modules a noun's slice names (``api/<noun>.py``): a remote
    command builds only the schemas of its own noun."""

    def __init__(self, modules: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.modules = modules

    def __missing__(self, name: str) -> Any:
        from importlib import import_module

        for module in self.modules:
            value = getattr(import_module(f"guance_billing_cli.schemas.{module}"), name, None)
            if value is not None:
                self[name] = value
                return value
        raise KeyError(name)


def _describe(name: str, route: Route) -> Operation:
    import sys

    func = getattr(BillingClient, name)
    modules = getattr(sys.modules[func.__module__], "SCHEMAS", ())
    hints = typing.get_type_hints(func, localns=_LazySchemas(modules))
    signature = inspect.signature(func)
    in_path = set(re.findall(r"{(\w+)}", route.path))
    params: list[Param] = []
    for pname, p in signature.parameters.items():
        if pname == "self":
            continue
        where: Literal["path", "query", "body", "local"]
        if _is_callable(hints[pname]):
            where = "local"  # a callback (progress) stays on the caller's side
        elif pname in in_path:
            where = "path"
        elif route.method == "GET":
            where = "query"
        else:
            where = "body"
        params.append(Param(pname, hints[pname], where, p.default))
    missing = in_path - {p.name for p in params}
    if missing:
        raise TypeError(f"route {route.path} of {name} names unknown parameters {missing}")
    returns = hints.get("return", type(None))
    streams = typing.get_origin(returns) in (Iterator, typing.Iterator)
    if streams:
        returns = typing.get_args(returns)[0]
    return Operation(name, route, tuple(params), returns, streams, signature)


@cache
def _describe_cached(name: str) -> Operation:
    return _describe(name, ROUTES[name])


def operations() -> dict[str, Operation]:
    """Every exposed operation (the server builds its routes from this)."""
    return {name: _describe_cached(name) for name in ROUTES}


def token_scopes(op: Operation) -> list[str]:
    """The token scopes that reach ``op`` besides an unscoped token (which reaches every
    operation its role allows): ``[]`` only an unscoped token, every scope for ``ANY``."""
    from guance_billing_cli.schemas.tokens import TOKEN_SCOPES

    if op.route.scope == ANY:
        return sorted(TOKEN_SCOPES)
    return [op.route.scope] if op.route.scope else []


def scope_table() -> str:
    """The markdown table of docs/api.md (a test checks it is current)."""
    lines = [
        "| operationId | method and path | token scopes | Idempotency-Key | If-Match |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, op in sorted(operations().items(), key=lambda item: (item[1].path, item[0])):
        if not op.route.auth:
            scopes = "public (no token)"
        elif op.route.scope == ANY:
            scopes = "any token"
        else:
            scopes = ", ".join(["unscoped", *(f"`{s}`" for s in token_scopes(op))])
        lines.append(
            f"| `{name}` | `{op.method} {op.path}` | {scopes} | "
            f"{'yes' if op.route.idempotent else ''} | "
            f"{'yes' if op.route.etag_from else ''} |"
        )
    return "\n".join(lines) + "\n"


def get(name: str) -> Operation | None:
    """One operation, described on first use (a CLI call needs only its own)."""
    return _describe_cached(name) if name in ROUTES else None


def method(
    client: object, name: str, run: Callable[[Operation, dict[str, Any]], Any]
) -> Callable[..., Any]:
    """``client.<name>`` for a client's ``__getattr__``: the declared operation ``name``
    as a method that binds its call to the signature and hands it to ``run``
    (``AttributeError`` for a name that is no operation)."""
    op = get(name) if not name.startswith("_") else None
    if op is None:
        raise AttributeError(f"{type(client).__name__} has no operation {name!r}")

    def call(*args: Any, **kwargs: Any) -> Any:
        return run(op, op.bind(*args, **kwargs))

    call.__name__ = call.__qualname__ = name
    return call
