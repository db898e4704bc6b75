"""Every error reason: its error class and its English template; and the words of an error.

A service raises ``Conflict("value_taken", field="email", value=...)``: the
reason names what went wrong, the parameters carry the facts. ``REASONS`` below
is the one list of reasons (``docs/exit-codes.md`` is checked against it). A
template's placeholders are ``str.format`` names of the parameters; two are
special and rendered by the face:

- ``{field}``: the input at fault — the CLI shows its flag (``--new-email``),
  the HTTP API its field name (``new_email``);
- ``{next}`` and ``{operation}``: an operation (a ``BillingClient`` method) —
  the CLI shows its command (``guance-billing password reset``), the API its name.

Templates are marked with ``N_`` so Babel extracts them into the catalogs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from guance_billing_cli.errors import (
    AuthenticationFailed,
    BatchPartlyFailed,
    BillingError,
    Conflict,
    InputRequired,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
    RuleViolation,
    Unavailable,
    VerificationFailed,
)
from guance_billing_cli.i18n import N_, translate


class Reason(NamedTuple):
    error: type[BillingError]
    template: str


# fmt: off
REASONS: dict[str, Reason] = {
    # -- generic input ------------------------------------------------------------
    "internal": Reason(BillingError, N_("internal error ({detail})")),
    "required": Reason(InvalidInput, N_("{field} is required and must not be blank")),
    "too_long": Reason(InvalidInput, N_("{field} must be at most {limit} characters")),
    "control_characters": Reason(InvalidInput, N_("{field} must not contain control characters")),
    "not_one_of": Reason(InvalidInput, N_("{field} must be one of: {choices}")),
    "invalid_email": Reason(InvalidInput, N_("{field} is not a valid email address")),
    "invalid_phone": Reason(InvalidInput, N_("{field} is not a valid phone number")),
    "not_mobile": Reason(InvalidInput, N_("{field} must be a mobile number")),
    "invalid_username": Reason(InvalidInput, N_("{field} must be 3-32 characters of a-z, 0-9, '_', '.', '-'")),
    "invalid_tax_id": Reason(InvalidInput, N_("{field} is not a valid Unified Social Credit Code: {why}")),
    "invalid_id_number": Reason(InvalidInput, N_("{field} is not a valid resident ID number: {why}")),
    "input_missing": Reason(InputRequired, N_("{field} is required (no terminal to ask for it)")),
    "nothing_to_update": Reason(InvalidInput, N_("nothing to update: give at least one of {fields}")),
    "invalid_language": Reason(InvalidInput, N_("{field} must be one of: {choices}")),
    # -- lookup ---------------------------------------------------------------------
    "account_not_found": Reason(NotFound, N_("no billing account matches {ref!r}")),
    # -- uniqueness -----------------------------------------------------------------
    "value_taken": Reason(Conflict, N_("{field} is already used by another account")),
    # -- permission -----------------------------------------------------------------
    "support_only": Reason(PermissionDenied, N_("{operation} is a support action; this token's role is {role}")),
    "account_denied": Reason(PermissionDenied, N_("permission denied for that account")),
    "scope_denied": Reason(PermissionDenied, N_("this token is limited to scope {scopes}")),
}
# fmt: on

#: families without a reason of their own (used by the catalog test and docs)
FAMILIES: tuple[type[BillingError], ...] = (
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
)


@dataclass(frozen=True)
class Face:
    """How one face names an input field and an operation inside a sentence."""

    field: Callable[[str], str]
    operation: Callable[[str], str]


API = Face(field=lambda name: name, operation=lambda name: name)


class _Values(dict[str, Any]):
    def __missing__(self, key: str) -> str:  # a missing parameter must not hide the error
        return "?"


def show(value: Any) -> Any:
    """A parameter as it reads in a sentence (lists joined; values verbatim)."""
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(str(v) for v in value)
    return value


def words(error: BillingError, *, language: str = "en", face: Face = API) -> str:
    """The sentence for ``error`` in ``language``, naming fields and operations as ``face`` does."""
    entry = REASONS.get(error.reason)
    if entry is None:  # a literal message of older code
        return error.reason
    values = _Values({key: show(value) for key, value in error.params.items()})
    if error.field:
        values["field"] = face.field(error.field)
    if error.next_step:
        values["next"] = face.operation(error.next_step)
    if isinstance(error.params.get("fields"), list):  # several inputs, named by the face
        values["fields"] = ", ".join(face.field(str(name)) for name in error.params["fields"])
    if isinstance(values.get("operation"), str):
        values["operation"] = face.operation(values["operation"])
    template = translate(entry.template, language)
    try:
        return template.format_map(values)
    except (ValueError, AttributeError, IndexError, KeyError):  # a broken translation
        return entry.template.format_map(values)


def placeholders(template: str) -> set[str]:
    """The parameter names a template uses."""
    import string

    return {
        name.split(".")[0].split("[")[0]
        for _, name, _, _ in string.Formatter().parse(template)
        if name
    }


def reasons_markdown() -> str:
    """The table of ``docs/exit-codes.md`` (regenerate: ``python -m guance_billing_cli.i18n.errors``)."""
    rows = [
        "| `reason` | `code` | exit | HTTP | meaning (English template) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for reason, (error, template) in sorted(REASONS.items()):
        meaning = template.replace("|", "\\|")
        rows.append(
            f"| `{reason}` | `{error.code}` | {int(error.exit_code)} | {error.http_status} "
            f"| {meaning} |"
        )
    return "\n".join(rows)


if __name__ == "__main__":
    print(reasons_markdown())
