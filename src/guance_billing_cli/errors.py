"""The error vocabulary: every domain error carries its exit code and a machine code.

Services raise these; the CLI boundary (``cli/boundary.py``) turns them into exit
codes, the server into HTTP statuses, and the HTTP client back into the same errors.
Messages must never contain secrets (codes, passwords, tokens).
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any, Self


class ExitCode(IntEnum):
    OK = 0
    INTERNAL = 1
    USAGE = 2
    NOT_FOUND = 3
    AUTH = 4
    PERMISSION = 5
    REFUSED = 6
    VERIFICATION = 7
    RATE_LIMITED = 8
    PARTIAL = 9
    UNAVAILABLE = 10
    DECLINED = 11
    INTERRUPTED = 130


class BillingError(Exception):
    """Base of all expected errors. ``code`` is stable and machine-readable."""

    exit_code: ExitCode = ExitCode.INTERNAL
    code: str = "internal_error"
    http_status: int = 500
    #: When true (see ``keep_changes``) the transaction commits before the error
    #: propagates: a counted failure (wrong password, wrong code) must persist
    #: although the operation is refused. Every transport honours it.
    commit: bool = False

    def __init__(self, message: str, *, field: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details

    def keep_changes(self) -> Self:
        """Commit what the service wrote so far, then raise: ``raise X(...).keep_changes()``."""
        self.commit = True
        return self

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "code": self.code,
            "message": self.message,
            "exit_code": int(self.exit_code),
        }
        if self.field:
            body["field"] = self.field
        body.update(self.details)
        return body


class InvalidInput(BillingError):
    """A malformed value (bad email, phone, tax id, file, ...)."""

    exit_code, code, http_status = ExitCode.USAGE, "invalid_input", 422


class InputRequired(BillingError):
    """A value is missing and there is no terminal to ask for it."""

    exit_code, code, http_status = ExitCode.USAGE, "input_required", 422


class NotFound(BillingError):
    exit_code, code, http_status = ExitCode.NOT_FOUND, "not_found", 404


class AuthenticationFailed(BillingError):
    exit_code, code, http_status = ExitCode.AUTH, "authentication_failed", 401


class PermissionDenied(BillingError):
    exit_code, code, http_status = ExitCode.PERMISSION, "permission_denied", 403


class RuleViolation(BillingError):
    """Refused by a business rule (once a month, real-name required, ...)."""

    exit_code, code, http_status = ExitCode.REFUSED, "rule_violation", 409


class Conflict(RuleViolation):
    """A unique value is taken (username, email, phone, ...)."""

    code = "conflict"


class VerificationFailed(BillingError):
    """Wrong, expired, used or exhausted verification code."""

    exit_code, code, http_status = ExitCode.VERIFICATION, "verification_failed", 400


class RateLimited(BillingError):
    exit_code, code, http_status = ExitCode.RATE_LIMITED, "rate_limited", 429


class BatchPartlyFailed(BillingError):
    exit_code, code, http_status = ExitCode.PARTIAL, "batch_partly_failed", 207


class Unavailable(BillingError):
    """The store, the server or a delivery channel cannot be reached or used."""

    exit_code, code, http_status = ExitCode.UNAVAILABLE, "unavailable", 503


class Declined(BillingError):
    """The user answered no to a confirmation: nothing was changed."""

    exit_code, code, http_status = ExitCode.DECLINED, "declined", 409


ERRORS_BY_CODE: dict[str, type[BillingError]] = {
    cls.code: cls
    for cls in (
        BillingError,
        InvalidInput,
        InputRequired,
        NotFound,
        AuthenticationFailed,
        PermissionDenied,
        RuleViolation,
        Conflict,
        VerificationFailed,
        RateLimited,
        BatchPartlyFailed,
        Unavailable,
        Declined,
    )
}


def error_from_dict(body: dict[str, Any]) -> BillingError:
    """Rebuild a domain error from its ``to_dict`` form (used by the HTTP client)."""
    cls = ERRORS_BY_CODE.get(str(body.get("code")), BillingError)
    extra = {k: v for k, v in body.items() if k not in {"code", "message", "exit_code", "field"}}
    return cls(str(body.get("message", "error")), field=body.get("field"), **extra)
