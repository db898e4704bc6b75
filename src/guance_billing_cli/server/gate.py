"""What every request passes before an endpoint sees it (an ASGI middleware).

In this order, cheapest first, so a stranger costs the server as little as possible:

1. a request id (the client's ``X-Request-ID`` if it is sane, else a new one),
   echoed in the response;
2. ``Content-Length`` above the route's limit: 413, nothing read;
3. the bearer token (and the token's scope) for every route that needs one:
   401/403 **before** the body is read or validated, so a stranger learns
   nothing about the input schema and cannot make the server parse a big body;
4. the body, read up to the limit (413 beyond it, also without
   ``Content-Length``), declared as JSON (``Content-Type``; 415 otherwise) and
   checked to be UTF-8 (400); a NUL character in the path
   or the query is 422 (PostgreSQL cannot compare one; in a body the services
   refuse it, a batch row by row, as for a local store);
5. the body must arrive within its deadline (``server/slow_clients.py``): 408 and
   the connection closed for a client that trickles it;
6. one access log line (``server/logs.py``): route template, status, latency,
   actor, request id — no path, so no personal data.

The endpoint finds the actor in ``request.state.actor`` and the request id in
``request.state.request_id``.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio.to_thread
from starlette.routing import Match

from guance_billing_cli.client.operations import Operation
from guance_billing_cli.errors import (
    BillingError,
    BodyTooLarge,
    InvalidInput,
    MalformedBody,
    UnsupportedMediaType,
)
from guance_billing_cli.server import auth, logs, metrics
from guance_billing_cli.server.responses import error_response

if TYPE_CHECKING:
    from fastapi import FastAPI

    from guance_billing_cli.services.context import Actor

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

MiB = 1024 * 1024
DEFAULT_MAX_BODY = 1 * MiB
DEFAULT_MAX_LARGE_BODY = 32 * MiB  # a 100k-row batch, a 10 MiB licence scan in base64
REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._:-]{1,64}")


@dataclass(frozen=True)
class BodyLimits:
    default: int = DEFAULT_MAX_BODY
    large: int = DEFAULT_MAX_LARGE_BODY  # routes marked ``large_body``

    def of(self, op: Operation) -> int:
        return self.large if op.route.large_body else self.default


class Gate:
    def __init__(
        self,
        app: Callable[[Scope, Receive, Send], Awaitable[None]],
        *,
        api: FastAPI,
        operations: dict[str, Operation],
        authenticate: Callable[[str, str], Actor],
        limits: BodyLimits,
        access_log: bool = True,
    ) -> None:
        self.app = app
        self.access_log = access_log
        self.api = api
        self.operations = operations
        self.authenticate = authenticate
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = _request_id(scope)
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        state["actor"] = auth.ANONYMOUS
        status = {"code": 500}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        op, template = self._route(scope)
        try:
            if op is None:
                await self.app(scope, receive, send_with_id)
                return
            try:
                receive = await self._admit(scope, receive, op, request_id)
            except BillingError as error:
                await error_response(error)(scope, receive, send_with_id)
                return
            except BodyTimeout as late:
                await _request_timeout(late)(scope, receive, send_with_id)
                return
            await self.app(scope, receive, send_with_id)
        finally:
            metrics.observe(
                scope["method"], template, status["code"], time.perf_counter() - started
            )
            if self.access_log:
                self._log(scope, request_id, template, status["code"], started)

    def _log(
        self, scope: Scope, request_id: str, template: str, status: int, started: float
    ) -> None:
        actor: Actor = scope["state"]["actor"]
        client = scope.get("client")
        logs.access(
            request_id=request_id,
            method=scope["method"],
            route=template,
            status=status,
            latency_ms=(time.perf_counter() - started) * 1000,
            actor=actor.token_id or actor.role,
            client=client[0] if client else "-",
        )

    def _route(self, scope: Scope) -> tuple[Operation | None, str]:
        """The operation a request is for (full match) and its path template for the log."""
        template = "(no route)"
        for route in self.api.router.routes:
            match, _ = route.matches(scope)
            if match is Match.FULL:
                return self.operations.get(getattr(route, "name", "")), str(route.path)  # type: ignore[attr-defined]
            if match is Match.PARTIAL:
                template = str(getattr(route, "path", template))
        return None, template

    async def _admit(
        self, scope: Scope, receive: Receive, op: Operation, request_id: str
    ) -> Receive:
        limit = self.limits.of(op)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            raise _too_large(limit)
        if op.route.auth:
            token = auth.require_token(auth.bearer_token(_header(scope, b"authorization")))
            actor = await anyio.to_thread.run_sync(self.authenticate, token, request_id)
            auth.check_scope(actor, op)
            scope["state"]["actor"] = actor
        if "\x00" in scope["path"] or b"%00" in scope.get("query_string", b"").lower():
            raise NulCharacter()
        if op.method == "GET":
            return receive
        body = await _read_body_in_time(receive, limit, declared)
        if body.strip() and not _is_json(_header(scope, b"content-type")):
            content_type = _header(scope, b"content-type") or "none"
            raise UnsupportedMediaType("body_not_declared_json", content_type=content_type[:80])
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedBody("body_not_utf8") from None
        return _replay(body, receive)


def _request_timeout(late: BodyTimeout) -> Any:
    from guance_billing_cli.errors import ExitCode
    from guance_billing_cli.server.responses import plain_error

    return plain_error(
        408, "request_timeout", str(late), ExitCode.UNAVAILABLE, headers={"Connection": "close"}
    )


class NulCharacter(InvalidInput):
    """No path or query value may hold U+0000 (PostgreSQL cannot compare it): 422."""

    def __init__(self) -> None:
        super().__init__("nul_character")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _is_json(content_type: str | None) -> bool:
    """``application/json`` or a ``+json`` type, parameters (charset) aside."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def _request_id(scope: Scope) -> str:
    given = _header(scope, b"x-request-id")
    if given and REQUEST_ID_RE.fullmatch(given):
        return given
    return f"req_{secrets.token_hex(8)}"


def _content_length(scope: Scope) -> int | None:
    value = _header(scope, b"content-length")
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise MalformedBody("content_length_not_a_number") from None


def _too_large(limit: int) -> BodyTooLarge:
    return BodyTooLarge("request_too_large", limit=limit)


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _read_body_in_time(receive: Receive, limit: int, declared: int | None) -> bytes:
    """The body within ``slow_clients.body_deadline``: a client that trickles it is
    answered 408 and its connection closed (``BodyTimeout``)."""
    from guance_billing_cli.server.slow_clients import body_deadline

    seconds = body_deadline(declared, limit)
    with anyio.move_on_after(seconds) as scope:
        return await _read_body(receive, limit)
    assert scope.cancelled_caught
    raise BodyTimeout(seconds)


class BodyTimeout(Exception):
    """The body did not arrive within its deadline (408, ``Connection: close``)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"request body not received within {seconds:.0f} s")
        self.seconds = seconds


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body already read, then the connection's own messages (a disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
