"""What the API answers when it does not answer 200: one error schema, every status.

Every error is ``{"error": {"code", "message", "exit_code", "field"?, "params"?}}``
(``ErrorResponse``). ``error_response`` turns a ``BillingError`` into that body with
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
    """One error. ``code`` is stable; ``exit_code`` is what the CLI exits with."""

    model_config = ConfigDict(extra="allow")

    code: str = Field(pattern=r"^[a-z_]+$", examples=["not_found"])
    message: str
    exit_code: int = Field(ge=0, le=255)
    field: str | None = None
    params: dict[str, Any] | None = None


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
    body = {"code": code, "message": message, "exit_code": int(exit_code)}
    return JSONResponse({"error": body}, status_code=status, headers=headers)


_HEADER_TEXT = {"schema": {"type": "string"}}
_DESCRIPTIONS = {
    400: "Malformed request (body not JSON or not UTF-8), or a wrong/expired code",
    401: "No, malformed, unknown, expired or revoked bearer token; wrong login",
    403: "The token may not do this (role, account or scope)",
    404: "No such account, request, workspace, cloud account or token",
    409: "Refused by a business rule, or the value is taken",
    413: "Request body larger than the server accepts",
    422: "A value is malformed or missing",
    429: "Too many attempts; try again after Retry-After seconds",
    500: "Internal error (details only in the server log)",
    503: "The store or a delivery channel is unavailable",
}
_HEADERS = {
    401: {"WWW-Authenticate": {"description": "Bearer", **_HEADER_TEXT}},
    429: {"Retry-After": {"description": "Seconds to wait", **_HEADER_TEXT}},
}


def documented_errors(*, body: bool) -> dict[int | str, dict[str, Any]]:
    """The error responses of one operation, for FastAPI's ``responses=``."""
    # 401 on public routes too: a wrong password or code at login
    statuses = [400, 401, 403, 404, 409, 422, 429, 500, 503]
    if body:
        statuses.append(413)
    return {
        status: {
            "model": ErrorResponse,
            "description": _DESCRIPTIONS[status],
            **({"headers": _HEADERS[status]} if status in _HEADERS else {}),
        }
        for status in sorted(statuses)
    }
