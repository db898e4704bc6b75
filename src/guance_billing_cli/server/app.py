"""The FastAPI app: routes generated from ``client/operations.py``.

Every route authenticates the bearer token, builds the ``Actor`` it stands for
and calls the same ``LocalClient`` method a local store would run — one
transaction per call, the services deciding every rule. Domain errors become
``{"error": err.to_dict()}`` with ``err.http_status``; ``HttpClient`` turns them
back into the same errors, so a remote command exits with the local exit code.

``create_app(store_url)`` opens (and, for SQLite, migrates) the store at once, so
a bad store fails before the server listens. A PostgreSQL store is never
migrated implicitly: run ``guance-billing server migrate`` (or ``server run --migrate``).
"""

from __future__ import annotations

import inspect
import json
import logging
import os
import secrets
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Annotated, Any

from fastapi import Body, Depends, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException

from guance_billing_cli import __version__
from guance_billing_cli.client import wire
from guance_billing_cli.client.local import LocalClient
from guance_billing_cli.client.operations import Operation, operations
from guance_billing_cli.errors import BillingError, InvalidInput
from guance_billing_cli.server import auth
from guance_billing_cli.services.context import Actor, ServiceContext
from guance_billing_cli.store import engine as store_engine

log = logging.getLogger("guance_billing.server")

STREAM_CHUNK = 200  # rows per write of an NDJSON stream
STORE_ENV = "GUANCE_BILLING_STORE"


class RequestClient(LocalClient):
    """A ``LocalClient`` on the server's shared engine, acting for one request's actor."""

    def __init__(self, backend: Backend, actor: Actor, request_id: str | None) -> None:
        super().__init__(backend.store_url, settings=backend.settings, actor=actor, migrate=False)
        self._engine = backend.engine
        self.request_id = request_id

    def context(  # type: ignore[override]
        self, *, write: bool, request_id: str | None = None
    ) -> AbstractContextManager[ServiceContext]:
        return super().context(write=write, request_id=request_id or self.request_id)

    def close(self) -> None:  # the engine belongs to the app
        pass


class Backend:
    """The store behind the app: one engine shared by every request."""

    def __init__(
        self, store_url: str, *, settings: Any = None, migrate: bool | None = None
    ) -> None:
        if migrate is None:
            migrate = store_url.startswith("sqlite")
        self.store_url = store_url
        self.settings = settings
        self.engine = store_engine.open_store(store_url, migrate=migrate)

    def authenticate(self, token: str, request_id: str | None) -> Actor:
        from guance_billing_cli.services import tokens

        with RequestClient(self, auth.ANONYMOUS, request_id).context(write=False) as ctx:
            return tokens.authenticate(ctx, token=token)

    def dispose(self) -> None:
        self.engine.dispose()


def _error_response(error: BillingError) -> JSONResponse:
    return JSONResponse({"error": error.to_dict()}, status_code=error.http_status)


def _validation_message(exc: RequestValidationError) -> tuple[str, str | None]:
    errors = exc.errors()
    if not errors:
        return "invalid request", None
    first = errors[0]
    loc = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path")]
    field = ".".join(loc) or None
    return (f"{field}: {first.get('msg')}" if field else str(first.get("msg"))), field


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


def _run(
    backend: Backend, op: Operation, actor: Actor, request_id: str, kwargs: dict[str, Any]
) -> Any:
    auth.check_scope(actor, op)
    client = RequestClient(backend, actor, request_id)
    result = getattr(client, op.name)(**kwargs)
    if not op.streams:
        return JSONResponse(wire.dump(result))
    rows = iter(result)
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


def _signature(op: Operation, bearer: HTTPBearer) -> inspect.Signature:
    params = [
        inspect.Parameter("gb_request", inspect.Parameter.KEYWORD_ONLY, annotation=Request),
        inspect.Parameter(
            "gb_credentials",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
        ),
    ]
    for p in op.params:
        if p.where == "local":
            continue
        default = p.default
        if p.where == "path":
            marker: Any = Path()
            default = inspect.Parameter.empty
        elif p.where == "query":
            marker = Query()
        else:
            marker = Body() if op.body_is_model else Body(embed=True)
        params.append(
            inspect.Parameter(
                p.name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=Annotated[p.annotation, marker],
                default=default,
            )
        )
    return inspect.Signature(params)


def _add_route(app: FastAPI, backend: Backend, op: Operation, bearer: HTTPBearer) -> None:
    def endpoint(
        gb_request: Request, gb_credentials: HTTPAuthorizationCredentials | None, **kwargs: Any
    ) -> Any:
        request_id = gb_request.headers.get("x-request-id") or secrets.token_hex(8)
        if op.route.auth:
            token = auth.require_token(gb_credentials.credentials if gb_credentials else None)
            actor = backend.authenticate(token, request_id)
        else:
            actor = auth.ANONYMOUS
        return _run(backend, op, actor, request_id[:64], kwargs)

    endpoint.__signature__ = _signature(op, bearer)  # type: ignore[attr-defined]
    endpoint.__name__ = op.name
    doc = inspect.getdoc(getattr(LocalClient, op.name)) or op.name.replace("_", " ")
    extra: dict[str, Any] = {}
    if op.streams:
        extra["response_class"] = StreamingResponse
        extra["responses"] = {200: {"description": f"NDJSON stream of {op.returns.__name__}"}}
    else:
        extra["response_model"] = op.returns
    app.add_api_route(
        op.path,
        endpoint,
        methods=[op.method],
        name=op.name,
        operation_id=op.name,
        summary=op.name.replace("_", " "),
        description=doc,
        **extra,
    )


def create_app(store_url: str, *, settings: Any = None, migrate: bool | None = None) -> FastAPI:
    """The server app on ``store_url`` (SQLite migrates itself; PostgreSQL must be current)."""
    if settings is None:
        from guance_billing_cli.config import resolve_settings

        settings = resolve_settings(store=store_url)
    backend = Backend(store_url, settings=settings, migrate=migrate)
    app = FastAPI(
        title="guance-billing",
        version=__version__,
        description="Guance Billing Center administration API (one endpoint per CLI operation).",
    )
    app.state.backend = backend
    bearer = HTTPBearer(
        auto_error=False, description="A token from `server token create` or `auth login`."
    )

    @app.exception_handler(BillingError)
    async def _billing_error(_request: Request, exc: BillingError) -> JSONResponse:
        return _error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        message, field = _validation_message(exc)
        return _error_response(InvalidInput(message, field=field))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code in (404, 405):
            message = (
                f"the server has no endpoint {request.method} {request.url.path}; "
                "is it an older guance-billing?"
            )
        else:
            message = f"HTTP {exc.status_code}: {exc.detail}"
        body = {"code": "http_error", "message": message, "exit_code": 1}
        return JSONResponse({"error": body}, status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _internal(_request: Request, exc: Exception) -> JSONResponse:
        # The exception text may hold secrets: log it server-side, answer without it.
        log.error("internal error", exc_info=exc)
        return _error_response(BillingError("internal_server", detail=type(exc).__name__))

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    for op in operations().values():
        _add_route(app, backend, op, bearer)
    return app


def create_app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` (``server run --workers N``): store from the env."""
    url = os.environ.get(STORE_ENV)
    if not url:
        raise RuntimeError(f"{STORE_ENV} is not set")
    return create_app(url, migrate=False)
