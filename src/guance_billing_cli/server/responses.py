"""What the API answers when it does not answer 200: one error schema, every status.

Every error is ``{"error": {"code", "reason", "message", "params", "exit_code", "next"?}}``
(``ErrorResponse``; docs/api.md). ``error_response`` turns a ``BillingError`` into that body with
the headers its status promises: ``WWW-Authenticate: Bearer`` on 401,
``Retry-After`` on 429. ``documented_errors`` is what the OpenAPI document lists
for an operation — the statuses the server can give it, no more, no fewer.
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from guance_billing_cli.errors import BillingError, ExitCode

DEFAULT_RETRY_AFTER = 60  # seconds, when a rate limit does not say how long


class ErrorDetail(BaseModel):
    """One error. A program branches on ``reason`` (or on the family ``code``), reads the
    facts from ``params`` and the operation that helps from ``next``; ``message`` is for
    people (English). Other keys (the parameters again, for 0.1 readers) may appear."""

    model_config = ConfigDict(extra="allow")

    code: str = Field(
        pattern=r"^[a-z_]+$",
        examples=["not_found"],
        description="The family, one per exit code (docs/exit-codes.md): "
        "`invalid_input`, `not_found`, `authentication_failed`, `permission_denied`, "
        "`rule_violation`, `conflict`, `verification_failed`, `rate_limited`, `unavailable`, ...",
    )
    reason: str | None = Field(
        default=None,
        examples=["value_taken"],
        description="The stable name of what went wrong (table in docs/exit-codes.md); "
        "absent only on a few transport errors, where `code` says it all.",
    )
    message: str = Field(description="English words for people; never parse it.")
    params: dict[str, Any] | None = Field(
        default=None,
        examples=[{"field": "email"}],
        description="The facts of the error: `field` (the input at fault), a `value`, "
        "a `limit`, `retry_after` seconds, `scopes`, ...",
    )
    exit_code: int = Field(ge=0, le=255, description="What the CLI exits with for it.")
    next: str | None = Field(
        default=None,
        examples=["start_password_reset"],
        description="The operation (an operationId) that helps next, when there is one.",
    )
    field: str | None = Field(default=None, description="Older name of `params.field`.")


class ErrorResponse(BaseModel):
    error: ErrorDetail


def error_response(error: BillingError, *, headers: dict[str, str] | None = None) -> JSONResponse:
    status = error.http_status
    extra = dict(headers or {})
    if status == 401:
        extra.setdefault("WWW-Authenticate", 'Bearer realm="guance-billing"')
    if status == 429:
        retry = error.details.get("retry_after", DEFAULT_RETRY_AFTER)
        extra.setdefault("Retry-After", str(int(retry)))
    return JSONResponse({"error": error.to_dict()}, status_code=status, headers=extra)


def plain_error(
    status: int, code: str, message: str, exit_code: ExitCode, headers: dict[str, str] | None = None
) -> JSONResponse:
    """An error that is no domain error (413, 404 for an unknown path, ...)."""
    body = {
        "code": code,
        "reason": code,
        "message": message,
        "params": {},
        "exit_code": int(exit_code),
    }
    return JSONResponse({"error": body}, status_code=status, headers=headers)


_HEADER_TEXT = {"schema": {"type": "string"}}
_DESCRIPTIONS = {
    400: "Malformed request (body not JSON or not UTF-8), or a wrong/expired code",
    401: "No, malformed, unknown, expired or revoked bearer token; wrong login",
    403: "The token may not do this (role, account or scope)",
    404: "No such account, request, workspace, cloud account or token",
    409: "Refused by a business rule, or the value is taken",
    412: "If-Match names an ETag that is no longer current: nothing changed",
    413: "Request body larger than the server accepts",
    415: "The body is not declared as JSON (Content-Type)",
    422: "A value is malformed or missing",
    429: "Too many attempts; try again after Retry-After seconds",
    500: "Internal error (details only in the server log)",
    503: "The store or a delivery channel is unavailable",
}
_HEADERS = {
    401: {"WWW-Authenticate": {"description": "Bearer", **_HEADER_TEXT}},
    429: {"Retry-After": {"description": "Seconds to wait", **_HEADER_TEXT}},
}


def documented_errors(*, body: bool, if_match: bool = False) -> dict[int | str, dict[str, Any]]:
    """The error responses of one operation, for FastAPI's ``responses=``."""
    # 401 on public routes too: a wrong password or code at login
    statuses = [400, 401, 403, 404, 409, 422, 429, 500, 503]
    if body:
        statuses += [413, 415]
    if if_match:
        statuses.append(412)
    return {
        status: {
            "model": ErrorResponse,
            "description": _DESCRIPTIONS[status],
            **({"headers": _HEADERS[status]} if status in _HEADERS else {}),
        }
        for status in sorted(statuses)
    }
