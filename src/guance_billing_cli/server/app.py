"""The FastAPI app: one route per declared operation (``api/<noun>.py``).

Where to look:

- which operations exist, their method, path, scope, description and whether they
  are public, their parameters and result types: their declarations in
  ``api/<noun>.py``, composed into ``BillingClient`` and described by
  ``client/operations.py``;
- what a request passes before an endpoint runs (request id, body limit, token,
  UTF-8, access log): ``server/gate.py``;
- the error body and the statuses each route documents: ``server/responses.py``;
- path-parameter patterns and strict body types: ``PATH_PATTERNS`` and
  ``_server_annotation`` below.

Every endpoint runs the same declaration a local store would (``LocalClient``) — one
transaction per call, the services deciding every rule. Domain errors become
``{"error": err.to_dict()}`` with ``err.http_status``; ``HttpClient`` turns them
back into the same errors, so a remote command exits with the local exit code.

``create_app(store_url)`` opens (and, for SQLite, migrates) the store at once, so
a bad store fails before the server listens. A PostgreSQL store is never
migrated implicitly: run ``guance-billing server migrate`` (or ``server run --migrate``).
"""

from __future__ import annotations

import hashlib
import inspect
import itertools
import json
import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from functools import cache
from typing import Annotated, Any, Literal

from fastapi import Body, Depends, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.security import HTTPBearer
from pydantic import BaseModel, StrictBool, create_model
from starlette.exceptions import HTTPException as StarletteHTTPException

from guance_billing_cli import __version__
from guance_billing_cli.client import wire
from guance_billing_cli.client.local import LocalClient
from guance_billing_cli.client.operations import Operation, operations, token_scopes
from guance_billing_cli.client.operations import get as get_operation
from guance_billing_cli.errors import (
    BillingError,
    ExitCode,
    InvalidInput,
    MalformedBody,
    PreconditionFailed,
    Unavailable,
)
from guance_billing_cli.schemas.verification import CHANGE_KINDS
from guance_billing_cli.server import auth
from guance_billing_cli.server.gate import BodyLimits, Gate
from guance_billing_cli.server.idempotency import IdempotencyStore
from guance_billing_cli.server.openapi_doc import name_bodies, split_variants
from guance_billing_cli.server.responses import (
    ErrorResponse,
    documented_errors,
    error_response,
    plain_error,
)
from guance_billing_cli.server.write_queue import WriteQueue
from guance_billing_cli.services.context import Actor, ServiceContext
from guance_billing_cli.store import engine as store_engine

log = logging.getLogger("guance_billing.server")

STREAM_CHUNK = 200  # rows per write of an NDJSON stream
DEFAULT_PAGE = 100  # rows of a JSON page when ``limit`` is not given
MAX_PAGE = 1000
NDJSON = "application/x-ndjson"
STORE_ENV = "GUANCE_BILLING_STORE"
MAX_BODY_ENV = "GUANCE_BILLING_MAX_BODY"
MAX_LARGE_BODY_ENV = "GUANCE_BILLING_MAX_LARGE_BODY"
ACCESS_LOG_ENV = "GUANCE_BILLING_ACCESS_LOG"

# Path parameters: what the OpenAPI document promises, and the server enforces
# (422 otherwise). ``ref``: an account id, username, email or phone, or a token
# id or name — any text without a slash.
PATH_PATTERNS: dict[str, str] = {
    "ref": r"^[^/]{1,254}$",
    "request_id": r"^[^/]{1,254}$",  # any text: an unknown id is 404, as locally
    "cloud_id": r"^cld_[0-9a-f]{12}$",
    "ws_id": r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$",
    "token_id": r"^[^/]{1,254}$",
    "title_id": r"^[^/]{1,254}$",
    "address_id": r"^[^/]{1,254}$",
}
# Query and body parameters with a closed set of values: an enum in the document, 422
# otherwise (a Literal for FastAPI). The protocol keeps ``str``: the local face checks
# the same set in the service.
PARAM_CHOICES: dict[str, tuple[str, ...]] = {"kind": CHANGE_KINDS}


class RequestClient(LocalClient):
    """A ``LocalClient`` on the server's shared engine, acting for one request's actor."""

    def __init__(
        self, backend: Backend, actor: Actor, request_id: str | None, client: str = "unknown"
    ) -> None:
        super().__init__(backend.store_url, settings=backend.settings, actor=actor, migrate=False)
        self._engine = backend.engine
        self._backend = backend
        self.request_id = request_id
        self.client_address = client

    @contextmanager
    def context(  # type: ignore[override]
        self, *, write: bool, request_id: str | None = None
    ) -> Iterator[ServiceContext]:
        queue = self._backend.write_queue if write else None
        with (
            queue.turn() if queue is not None else nullcontext(),
            super().context(write=write, request_id=request_id or self.request_id) as ctx,
        ):
            yield ctx

    def close(self) -> None:  # the engine belongs to the app
        pass


class Backend:
    """The store behind the app: one engine shared by every request."""

    def __init__(
        self, store_url: str, *, settings: Any = None, migrate: bool | None = None
    ) -> None:
        if migrate is None:
            migrate = store_url.startswith("sqlite")
        auth.require_secret_key(store_url)
        self.trusted_proxies = auth.trusted_proxies()
        self.store_url = store_url
        self.settings = settings
        self.engine = store_engine.open_store(store_url, migrate=migrate)
        from guance_billing_cli.services import store_keys

        store_keys.check_at_start(self.engine)  # issue 19: the store's key, or no start
        db_path = store_engine.sqlite_path(store_url)
        self.write_queue = WriteQueue(db_path) if db_path else None
        self.idempotency = IdempotencyStore(self.engine, self.write_queue)

    def authenticate(self, token: str, request_id: str | None) -> Actor:
        from guance_billing_cli.services import tokens

        with RequestClient(self, auth.ANONYMOUS, request_id).context(write=False) as ctx:
            return tokens.authenticate(ctx, token=token)

    def readiness(self) -> dict[str, Any]:
        """Ready: the store answers and is at the schema this code serves. Not ready: a
        reason code (``store_unreachable``, ``store_not_ready`` for a store behind,
        ``schema_ahead`` for one a newer release migrated) and never a connection detail
        (host, port, user, database or driver message)."""
        try:
            version = store_engine.schema_version(self.engine)
        except Exception as exc:  # any driver error means "not ready", not a 500
            why = exc.reason if isinstance(exc, BillingError) else type(exc).__name__
            raise Unavailable("store_unreachable", why=why) from None
        if version == store_engine.HEAD:
            return {"status": "ready", "schema": version}
        if version is not None and version not in store_engine.REVISIONS:
            raise store_engine.schema_refusal(version)
        raise Unavailable(
            "store_not_ready",
            version=version or "none",
            head=store_engine.HEAD,
            next_step="migrate_store",
        )

    def dispose(self) -> None:
        self.engine.dispose()
        if self.write_queue is not None:
            self.write_queue.close()


def _stream(rows: Iterator[Any]) -> Iterator[str]:
    """NDJSON in chunks; an error after the first row becomes a last ``_error`` line."""
    buffer: list[str] = []
    try:
        for row in rows:
            buffer.append(json.dumps(wire.dump(row), ensure_ascii=False))
            if len(buffer) >= STREAM_CHUNK:
                yield "\n".join(buffer) + "\n"
                buffer = []
        if buffer:
            yield "\n".join(buffer) + "\n"
    except BillingError as error:
        yield "\n".join([*buffer, json.dumps({"_error": error.to_dict()})]) + "\n"
    except Exception:  # headers are sent: the client learns of the failure only in-band
        log.exception("stream failed")
        body = BillingError("internal_streaming").to_dict()
        yield "\n".join([*buffer, json.dumps({"_error": body})]) + "\n"
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()


_EMPTY = object()


def _retrying(client: LocalClient, name: str, kwargs: dict[str, Any]) -> Any:
    """Run an operation; a write that lost a race to a concurrent one (deadlock,
    serialization failure: rolled back whole) runs again, a bounded number of times,
    so several servers on one database never answer such a race with an error."""
    import random
    import time

    for attempt in range(store_engine.WRITE_ATTEMPTS):
        try:
            return getattr(client, name)(**kwargs)
        except Unavailable as exc:
            if exc.reason != "store_contention" or attempt + 1 == store_engine.WRITE_ATTEMPTS:
                raise
            log.info("%s lost a race with another writer; running it again", name)
            time.sleep(random.uniform(0.005, 0.05) * (attempt + 1))
    raise AssertionError("unreachable")


def etag_of(data: Any) -> str:
    """A strong ETag: a digest of the resource's JSON (the same answer, the same tag)."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def _location(template: str, result: Any) -> str:
    """``/v1/accounts/{id}`` filled from the answer (``{workspace.id}``: a nested field)."""
    from urllib.parse import quote

    def value(match: re.Match[str]) -> str:
        found = result
        for part in match.group(1).split("."):
            found = getattr(found, part)
        return quote(str(found), safe="")

    return re.sub(r"{([\w.]+)}", value, template)


def _check_if_match(client: LocalClient, op: Operation, kwargs: dict[str, Any], given: str) -> None:
    """412 unless ``If-Match`` names the resource's current ETag (or is ``*``)."""
    read = get_operation(str(op.route.etag_from))
    assert read is not None, op.route.etag_from
    names = {p.name for p in read.params}
    current = getattr(client, read.name)(**{k: v for k, v in kwargs.items() if k in names})
    tag = etag_of(wire.dump(current))
    tags = [t.strip() for t in given.split(",")]
    if "*" in tags or tag in tags:
        return
    raise PreconditionFailed("etag_mismatch", given=given[:80], current=tag)


def _answer(client: LocalClient, op: Operation, kwargs: dict[str, Any], headers: Any = None) -> Any:
    if op.streams:
        limit = kwargs.pop("limit", None) if _page_limit_field(op) is None else None
        cursor = kwargs.pop("cursor", None)
        if not _wants_ndjson((headers or {}).get("accept")):
            return _page(client, op, kwargs, limit, cursor)
    if not op.streams:
        result = _retrying(client, op.name, kwargs)
        data = wire.dump(result)
        answer_headers: dict[str, str] = {}
        status = 200
        if op.route.created and getattr(result, "changed", True):
            status = 201
            answer_headers["Location"] = _location(op.route.created, result)
        if op.method == "GET" or _same_as_read(op):
            answer_headers["ETag"] = etag_of(data)
        return JSONResponse(data, status_code=status, headers=answer_headers)
    rows = iter(getattr(client, op.name)(**kwargs))
    try:  # run the service up to its first row, so early errors get their HTTP status
        first = next(rows)
    except StopIteration:
        first = _EMPTY

    def chained() -> Iterator[Any]:
        if first is not _EMPTY:
            yield first
        yield from rows

    it = chained()
    return StreamingResponse(_stream(it), media_type="application/x-ndjson")


@cache
def page_model(row: Any) -> type[BaseModel]:
    """``{"items": [row, ...], "next_cursor": str | null}``, a named component schema."""
    return create_model(  # type: ignore[call-overload,no-any-return]
        f"{row.__name__}Page",
        __doc__=f"One page of {row.__name__} rows; pass `next_cursor` as `cursor` for the "
        "next page (null: this was the last).",
        items=(list[row], ...),
        next_cursor=(str | None, None),
    )


# A cursor is opaque to clients; today ``o`` and the position in the list (rows before
# it are skipped). Its pattern is in the document, so any cursor that matches is valid
# (past the end: an empty last page).
CURSOR_PATTERN = r"^o[0-9]{1,9}$"


def _cursor_offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    if not re.fullmatch(CURSOR_PATTERN, cursor):
        raise InvalidInput("invalid_value", field="cursor", why="not a cursor this server gave")
    return int(cursor[1:])


def _make_cursor(offset: int) -> str:
    return f"o{offset}"


def _page_limit_field(op: Operation) -> str | None:
    """The query model parameter that already has a ``limit`` field (it sizes the page)."""
    for p in op.params:
        if p.where == "query" and p.is_model and "limit" in p.annotation.model_fields:
            return p.name
    return None


def _page(
    client: LocalClient,
    op: Operation,
    kwargs: dict[str, Any],
    limit: int | None,
    cursor: str | None,
) -> Any:
    """A JSON page of a list: ``limit`` rows from ``cursor`` on, and the next cursor."""
    start = _cursor_offset(cursor)
    model_param = _page_limit_field(op)
    if model_param is not None:  # the service's own limit would cut the list: page it here
        model = kwargs[model_param]
        limit = model.limit
        kwargs = {**kwargs, model_param: model.model_copy(update={"limit": None})}
    size = limit or DEFAULT_PAGE
    rows = iter(getattr(client, op.name)(**kwargs))
    try:
        window = list(itertools.islice(rows, start, start + size + 1))
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()
    more = len(window) > size
    items = [wire.dump(row) for row in window[:size]]
    return JSONResponse(
        {"items": items, "next_cursor": _make_cursor(start + size) if more else None}
    )


def _wants_ndjson(accept: str | None) -> bool:
    return NDJSON in (accept or "").lower()


def _same_as_read(op: Operation) -> bool:
    """An update answering the resource as its read does: the answer carries the ETag."""
    read = get_operation(op.route.etag_from) if op.route.etag_from else None
    return read is not None and read.returns is op.returns


def _run(
    backend: Backend,
    op: Operation,
    actor: Actor,
    request_id: str,
    kwargs: dict[str, Any],
    caller: str = "unknown",
    headers: Any = None,
) -> Any:
    client = RequestClient(backend, actor, request_id, caller)
    headers = headers or {}
    given = headers.get("if-match")
    if op.route.etag_from and given:
        _check_if_match(client, op, kwargs, given)
    key = headers.get("idempotency-key") if op.route.idempotent else None
    if key is not None:
        return backend.idempotency.run(actor, op, key, kwargs, lambda: _answer(client, op, kwargs))
    return _answer(client, op, kwargs, headers)


def _document_stream_rows(app: FastAPI, rows: list[Any]) -> None:
    """FastAPI lists a model in ``components`` only when a body or a JSON response uses
    it; a streamed row's model is added here, so every ``$ref`` in the document resolves."""
    default = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = default()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in rows:
            if model.__name__ not in components:
                own = model.model_json_schema(
                    ref_template="#/components/schemas/{model}", mode="serialization"
                )
                for name, nested in own.pop("$defs", {}).items():
                    components.setdefault(name, nested)
                components[model.__name__] = own
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


_HEADER_PARAMS = {
    "idempotency": {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "description": "Any unique text (a UUID): a retry with the same key within 24 hours "
        "gets the first answer again (`Idempotent-Replayed: true`) instead of running twice; "
        "the same key with another body is 409 `idempotency_key_reused`.",
        "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
    },
    "if_match": {
        "name": "If-Match",
        "in": "header",
        "required": False,
        "description": "The `ETag` of the resource as last read: the change applies only if "
        "it is still current (412 `etag_mismatch` otherwise).",
        "schema": {"type": "string"},
    },
}


def _document_contract(app: FastAPI, ops: dict[str, Operation]) -> None:
    """What FastAPI cannot say from the routes: each operation's token scopes (in its
    security requirement and ``x-token-scopes``), the ``Idempotency-Key`` and
    ``If-Match`` headers, and the scopes in the security scheme."""
    default = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = default()
        split_variants(schema.setdefault("components", {}).setdefault("schemas", {}))
        name_bodies(schema)
        for op in ops.values():
            doc = schema["paths"][op.path][op.method.lower()]
            params = doc.setdefault("parameters", [])
            if op.route.idempotent:
                params.append(_HEADER_PARAMS["idempotency"])
            if op.route.etag_from:
                params.append(_HEADER_PARAMS["if_match"])
            if not params:
                doc.pop("parameters")
            if op.route.auth:
                scopes = token_scopes(op)
                doc["security"] = [{"HTTPBearer": scopes}]
                doc["x-token-scopes"] = scopes
        scheme = schema.get("components", {}).get("securitySchemes", {}).get("HTTPBearer")
        if scheme is not None:
            scheme["description"] = (
                "A token from `server token create` or `auth login`. A token without scopes "
                "may call every operation its role allows; a token with scopes "
                "(`--scope bindings`) only the operations whose security requirement lists one "
                "of them (403 `scope_denied` otherwise). Table: docs/api.md."
            )
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def ndjson_schema(row: str) -> dict[str, Any]:
    """A stream's lines, as the array they make once split: the rows, then perhaps one
    ``_error`` line (``scripts/schemathesis_hooks.py`` splits them so for its checks)."""
    error_line = {
        "type": "object",
        "properties": {"_error": {"$ref": "#/components/schemas/ErrorDetail"}},
        "required": ["_error"],
        "additionalProperties": False,
    }
    return {
        "type": "array",
        "items": {"anyOf": [{"$ref": f"#/components/schemas/{row}"}, error_line]},
    }


def _server_annotation(annotation: Any) -> Any:
    """Body booleans are strict on the wire: ``0`` or ``"yes"`` is not ``false``."""
    return StrictBool if annotation is bool else annotation


def _signature(op: Operation) -> inspect.Signature:
    """The endpoint's parameters, for FastAPI: one per protocol parameter that travels."""
    params = [inspect.Parameter("gb_request", inspect.Parameter.KEYWORD_ONLY, annotation=Request)]
    for p in op.params:
        if p.where == "local":
            continue
        default = p.default
        annotation = _server_annotation(p.annotation)
        if p.name in PARAM_CHOICES and p.where in ("query", "body"):
            annotation = Literal[PARAM_CHOICES[p.name]]  # type: ignore[valid-type]
        if p.where == "path":
            # documented here, checked once decoded (the route sees it undecoded)
            marker: Any = Path(json_schema_extra={"pattern": PATH_PATTERNS[p.name]})
            default = inspect.Parameter.empty
        elif p.where == "query":
            marker = Query()
        else:
            marker = Body() if op.body_is_model else Body(embed=True)
        params.append(
            inspect.Parameter(
                p.name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=Annotated[annotation, marker],
                default=default,
            )
        )
    if op.streams:  # a JSON page: its size and where it starts (docs/api.md)
        if _page_limit_field(op) is None:
            params.append(
                inspect.Parameter(
                    "limit",
                    inspect.Parameter.KEYWORD_ONLY,
                    annotation=Annotated[
                        int | None,
                        Query(
                            ge=1, le=MAX_PAGE, description=f"Rows per page (default {DEFAULT_PAGE})"
                        ),
                    ],
                    default=None,
                )
            )
        params.append(
            inspect.Parameter(
                "cursor",
                inspect.Parameter.KEYWORD_ONLY,
                annotation=Annotated[
                    str | None,
                    Query(pattern=CURSOR_PATTERN, description="`next_cursor` of the previous page"),
                ],
                default=None,
            )
        )
    return inspect.Signature(params)


class RawPathRouting:
    """Route on the path as sent, so an encoded ``/`` (``%2F``) inside a path parameter
    stays inside it; the endpoint decodes each path parameter once (``_add_route``).
    Without this, ``account show a/b`` reached no endpoint remotely (exit 1) where the
    local store answers "not found" (exit 3)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        raw = scope.get("raw_path") if scope.get("type") == "http" else None
        if raw:
            scope = {**scope, "path": raw.split(b"?", 1)[0].decode("latin-1")}
        await self.app(scope, receive, send)


_TEXT: dict[str, Any] = {"schema": {"type": "string"}}


class HeadAsGet:
    """``HEAD`` wherever ``GET`` is: the GET runs (gate, token, scope alike) and its
    headers are sent without the body. Other paths keep their 405 (with ``Allow``)."""

    def __init__(self, app: Any, api: FastAPI) -> None:
        self.app = app
        self.api = api

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope.get("type") != "http" or scope.get("method") != "HEAD":
            await self.app(scope, receive, send)
            return
        from starlette.routing import Match

        as_get = {**scope, "method": "GET"}
        if not any(route.matches(as_get)[0] is Match.FULL for route in self.api.router.routes):
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Any) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app(as_get, receive, headers_only)


def _add_route(app: FastAPI, backend: Backend, op: Operation, bearer: HTTPBearer) -> None:
    from urllib.parse import unquote

    path_params = [p.name for p in op.params if p.where == "path"]

    def endpoint(gb_request: Request, **kwargs: Any) -> Any:
        # The gate (server/gate.py) has checked the token and the scope already.
        for name in path_params:  # routed undecoded (RawPathRouting): decode once here
            kwargs[name] = unquote(kwargs[name])
            if not re.fullmatch(PATH_PATTERNS[name], kwargs[name]):
                why = f"String should match pattern '{PATH_PATTERNS[name]}'"
                raise InvalidInput("invalid_value", field=name, why=why)
        state = gb_request.state
        caller = auth.client_address(
            gb_request.client.host if gb_request.client else None,
            gb_request.headers.get("x-forwarded-for"),
            backend.trusted_proxies,
        )
        return _run(backend, op, state.actor, state.request_id, kwargs, caller, gb_request.headers)

    endpoint.__signature__ = _signature(op)  # type: ignore[attr-defined]
    endpoint.__name__ = op.name
    doc = op.route.description
    has_body = any(p.where == "body" for p in op.params)
    responses: dict[int | str, dict[str, Any]] = documented_errors(
        body=has_body, if_match=op.route.etag_from is not None
    )
    extra: dict[str, Any] = {}
    if op.route.created:
        extra["status_code"] = 201
        responses[201] = {
            "description": "Created",
            "headers": {"Location": {"description": "The new resource", **_TEXT}},
        }
        if "changed" in getattr(op.returns, "model_fields", {}):
            responses[200] = {"model": op.returns, "description": "Already there: unchanged"}
    elif (op.method == "GET" and not op.streams) or _same_as_read(op):
        responses[200] = {
            "description": "Successful Response",
            "headers": {"ETag": {"description": "The resource's version (If-Match)", **_TEXT}},
        }
    if op.streams:
        extra["response_model"] = page_model(op.returns)
        responses[200] = {
            "description": f"A page of {op.returns.__name__} rows (JSON). With `Accept: "
            f"{NDJSON}`: the whole list as a stream, one {op.returns.__name__} a line "
            "(`limit` and `cursor` are ignored); an error after the first row ends the stream "
            'with one `{"_error": ErrorDetail}` line',
            "content": {NDJSON: {"schema": ndjson_schema(op.returns.__name__)}},
        }
    else:
        extra["response_model"] = op.returns
    app.add_api_route(
        op.path,
        endpoint,
        methods=[op.method],
        name=op.name,
        operation_id=op.name,
        tags=[op.path.split("/")[2]],  # accounts, auth, tokens, ...: a module per tag
        summary=op.name.replace("_", " "),
        description=doc,
        responses=responses,
        dependencies=[Depends(bearer)] if op.route.auth else [],
        **extra,
    )


def _allowed_methods(app: FastAPI, request: Request) -> list[str]:
    """Every method some route serves on this path (for a 405's ``Allow``)."""
    from starlette.routing import Match

    matching: dict[str, set[str]] = {}
    for route in app.router.routes:
        match, _ = route.matches({**request.scope, "method": "__none__"})
        if match is Match.PARTIAL:
            path = str(getattr(route, "path", ""))
            matching.setdefault(path, set()).update(getattr(route, "methods", None) or ())
    if not matching:
        return []
    # /v1/workspaces/unbind also matches /v1/workspaces/{ws_id}: the literal path wins
    best = min(matching, key=lambda path: path.count("{"))
    methods = set(matching[best])
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


def _validation_error(exc: RequestValidationError, route_name: str | None) -> BillingError:
    """Malformed JSON is 400; a value the schema refuses is 422, worded as the same
    request model built by the CLI is (``wire_rules.refusal``). Both exit 2."""
    from guance_billing_cli.schemas.wire_rules import refusal

    errors = exc.errors()
    if errors and errors[0].get("type") == "json_invalid":
        return MalformedBody("body_not_json")
    return refusal(errors, _refusal_fields(route_name), skip=("body", "query", "path"))


def _refusal_fields(route_name: str | None) -> dict[str, str]:
    """The faces' names of the fields of the operation's request models (``refusal_fields``),
    by their place in the request (``data.scopes`` in a body embedded by name)."""
    op = get_operation(route_name) if route_name else None
    if op is None:
        return {}
    names: dict[str, str] = {}
    for param in (p for p in op.params if p.is_model):
        embedded = param.where == "body" and not op.body_is_model
        prefix = f"{param.name}." if embedded else ""
        names.update({prefix + k: v for k, v in param.annotation.refusal_fields.items()})
    return names


def _limits_from_env() -> BodyLimits:
    defaults = BodyLimits()
    return BodyLimits(
        default=int(os.environ.get(MAX_BODY_ENV) or defaults.default),
        large=int(os.environ.get(MAX_LARGE_BODY_ENV) or defaults.large),
    )


def create_app(
    store_url: str,
    *,
    settings: Any = None,
    migrate: bool | None = None,
    limits: BodyLimits | None = None,
) -> FastAPI:
    """The server app on ``store_url`` (SQLite migrates itself; PostgreSQL must be current)."""
    if settings is None:
        from guance_billing_cli.config import resolve_settings

        settings = resolve_settings(store=store_url)
    backend = Backend(store_url, settings=settings, migrate=migrate)
    app = FastAPI(
        title="guance-billing",
        version=__version__,
        description="Guance Billing Center administration API (one endpoint per CLI operation). "
        'Every error is `{"error": {"code", "reason", "message", "params", "exit_code", "next"}}`; '
        "integrators: docs/api.md.",
        # no Swagger UI or ReDoc: FastAPI's load their scripts from public CDNs. Read
        # /openapi.json with any local viewer (docs/api.md).
        docs_url=None,
        redoc_url=None,
    )
    app.state.backend = backend
    app.add_middleware(RawPathRouting)
    bearer = HTTPBearer(
        auto_error=False, description="A token from `server token create` or `auth login`."
    )

    @app.exception_handler(BillingError)
    async def _billing_error(_request: Request, exc: BillingError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        route = getattr(_request.scope.get("route"), "name", None)
        return error_response(_validation_error(exc, route))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        where = f"{request.method} {request.url.path}"
        if exc.status_code == 405:
            allowed = _allowed_methods(app, request)
            return plain_error(
                405,
                "method_not_allowed",
                f"{request.method} is not allowed here; allowed: {', '.join(allowed)}",
                ExitCode.USAGE,
                headers={"Allow": ", ".join(allowed)},
            )
        if exc.status_code == 404:
            return plain_error(
                404,
                "not_found",
                f"the server has no endpoint {where}; is it an older guance-billing?",
                ExitCode.NOT_FOUND,
            )
        if exc.status_code == 400:  # FastAPI could not read the body
            return error_response(MalformedBody("body_unreadable"))
        return plain_error(
            exc.status_code,
            "http_error",
            f"HTTP {exc.status_code}: {exc.detail}",
            ExitCode.INTERNAL,
        )

    @app.exception_handler(Exception)
    async def _internal(_request: Request, exc: Exception) -> JSONResponse:
        # The exception text may hold secrets: log it server-side, answer without it.
        log.error("internal error", exc_info=exc)
        return error_response(BillingError("internal_server", detail=type(exc).__name__))

    @app.get("/healthz", tags=["operations"], summary="The process is up")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @app.get(
        "/readyz",
        tags=["operations"],
        summary="The store answers and its schema is at head",
        responses={503: {"model": ErrorResponse, "description": "Store unreachable or behind"}},
    )
    def readyz() -> dict[str, Any]:
        return backend.readiness()

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        """Prometheus text format (server/metrics.py; docs/server.md, "Metrics")."""
        from guance_billing_cli.server import metrics as server_metrics

        body, content_type = server_metrics.exposition(backend.engine)
        return Response(body, media_type=content_type)

    ops = operations()
    for op in ops.values():
        _add_route(app, backend, op, bearer)
    _document_stream_rows(app, [op.returns for op in ops.values() if op.streams])
    _document_contract(app, ops)
    app.add_middleware(
        Gate,  # type: ignore[arg-type]
        api=app,
        operations=ops,
        authenticate=backend.authenticate,
        limits=limits or _limits_from_env(),
        access_log=os.environ.get(ACCESS_LOG_ENV) != "0",
    )
    app.add_middleware(HeadAsGet, api=app)  # type: ignore[arg-type]
    return app


def create_app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` (``server run --workers N``): store from the env."""
    url = os.environ.get(STORE_ENV)
    if not url:
        raise RuntimeError(f"{STORE_ENV} is not set")
    return create_app(url, migrate=False)
