"""The error vocabulary: every domain error carries its exit code and a machine code.

Services raise these; the CLI boundary (``cli/toolkit/boundary.py``) turns them into exit
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
    """Base of all expected errors.

    ``code`` (class level) is the stable family a script branches on; ``reason``
    is the stable name of what went wrong (``email_taken``), with ``params`` (the
    field at fault, the value, a limit, ``retry_after``...) and ``next_step``, the
    operation that helps next (a ``BillingClient`` method name, never a CLI
    flag). The words are made by a face: ``i18n/errors.py`` holds each reason's
    English template; the CLI renders it in the operator's language with flag
    names, the server in English with field and operation names.

    A string that is not a registered reason is kept as a literal English message
    (older code); ``tests/test_i18n_errors.py`` lists every such raise.
    """

    exit_code: ExitCode = ExitCode.INTERNAL
    code: str = "internal_error"
    http_status: int = 500
    #: When true (see ``keep_changes``) the transaction commits before the error
    #: propagates: a counted failure (wrong password, wrong code) must persist
    #: although the operation is refused. Every transport honours it.
    commit: bool = False

    def __init__(
        self,
        reason: str,
        /,
        *,
        field: str | None = None,
        next_step: str | None = None,
        **params: Any,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field
        self.next_step = next_step
        self.params = params

    @property
    def details(self) -> dict[str, Any]:
        """The parameters (older name)."""
        return self.params

    @property
    def registered(self) -> bool:
        from guance_billing_cli.i18n.errors import REASONS

        return self.reason in REASONS

    @property
    def message(self) -> str:
        """The English words, as the HTTP API gives them (field and operation names)."""
        from guance_billing_cli.i18n.errors import words

        return words(self)

    @message.setter
    def message(self, text: str) -> None:
        """Replace the words with a literal English sentence (older code; see the class doc)."""
        self.reason = text

    def __str__(self) -> str:
        return self.message

    def keep_changes(self) -> Self:
        """Commit what the service wrote so far, then raise: ``raise X(...).keep_changes()``."""
        self.commit = True
        return self

    def to_dict(self, *, message: str | None = None) -> dict[str, Any]:
        """The JSON error shape; ``message`` overrides the English API words."""
        params = dict(self.params)
        if self.field:
            params["field"] = self.field
        body: dict[str, Any] = {"code": self.code}
        if self.registered:
            body["reason"] = self.reason
        body["message"] = self.message if message is None else message
        body["params"] = params
        body["exit_code"] = int(self.exit_code)
        if self.next_step:
            body["next"] = self.next_step
        # 0.1 put the parameters at the top level; scripts may still read them there
        for key, value in params.items():
            body.setdefault(key, value)
        return body


class InvalidInput(BillingError):
    """A malformed value (bad email, phone, tax id, file, ...)."""

    exit_code, code, http_status = ExitCode.USAGE, "invalid_input", 422


class MalformedBody(InvalidInput):
    """A request body that is not JSON or not UTF-8: HTTP 400 (the CLI's usage exit, 2)."""

    http_status = 400


class UnsupportedMediaType(MalformedBody):
    """A request body that is not declared as JSON (``Content-Type``): HTTP 415."""

    http_status = 415


class BodyTooLarge(InvalidInput):
    """A request body over the server's limit: HTTP 413."""

    http_status = 413


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


class PreconditionFailed(RuleViolation):
    """``If-Match`` names a version that is no longer current: HTTP 412, nothing changed."""

    http_status = 412


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


#: every error class by name: the family a reason names in ``i18n/errors.py`` ``REASONS``
FAMILIES: dict[str, type[BillingError]] = {
    cls.__name__: cls
    for cls in (
        *ERRORS_BY_CODE.values(),
        MalformedBody,
        UnsupportedMediaType,
        BodyTooLarge,
        PreconditionFailed,
    )
}


def error_from_dict(body: dict[str, Any]) -> BillingError:
    """Rebuild a domain error from its ``to_dict`` form (used by the HTTP client)."""
    cls = ERRORS_BY_CODE.get(str(body.get("code")), BillingError)
    params = body.get("params")
    if not isinstance(params, dict):  # an older server: parameters at the top level
        reserved = {"code", "reason", "message", "exit_code", "field", "next", "params"}
        params = {k: v for k, v in body.items() if k not in reserved}
    params = {k: v for k, v in params.items() if k != "field"}
    field = body.get("field") or (body.get("params") or {}).get("field")
    from guance_billing_cli.i18n.errors import REASONS

    reason = body.get("reason")
    if not isinstance(reason, str) or reason not in REASONS:  # unknown here: keep its words
        reason = str(body.get("message", "error"))
    return cls(reason, field=field, next_step=body.get("next"), **params)


def reasons_markdown() -> str:
    """The table of ``docs/exit-codes.md`` (regenerate: ``python -m guance_billing_cli.errors``)."""
    from guance_billing_cli.i18n.errors import REASONS

    rows = [
        "| `reason` | `code` | exit | HTTP | meaning (English template) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for reason, (name, template) in sorted(REASONS.items()):
        error = FAMILIES[name]
        meaning = template.replace("|", "\\|")
        rows.append(
            f"| `{reason}` | `{error.code}` | {int(error.exit_code)} | {error.http_status} "
            f"| {meaning} |"
        )
    return "\n".join(rows)


if __name__ == "__main__":
    print(reasons_markdown())
