"""What the OpenAPI document promises about request fields (issue 12).

The services stay the one place that *enforces* each rule (with their own clear
messages, for every transport). These helpers only *declare* the same rules in the
JSON schema — enums, patterns, lengths — so an integrator's generated input is
input the server accepts. Keep a pattern here in step with its service check; the
schemathesis run (scripts/schemathesis_run.py) fails when they drift.

Two rules are enforced here, because pydantic would otherwise coerce on the wire:
``WireDatetime`` refuses a bare number (``0.5`` is not a time) and ``WireBool``
refuses ``0``/``"yes"`` for a boolean.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, Field, StrictBool, ValidationError

from guance_billing_cli.schemas.plaintext import WIRE_CLASS as _HIDDEN

if TYPE_CHECKING:
    from guance_billing_cli.errors import InvalidInput

USERNAME = r"^[a-z0-9_.-]{3,32}$"
EMAIL = (
    r"^[a-z0-9_%+-]{1,32}(\.[a-z0-9_%+-]{1,16}){0,2}"
    r"@[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?){0,2}"
    r"\.(com|cn|net|org|io)$"
)
# A mainland China mobile number, E.164 (the service also takes other countries').
# an account's language: en or zh, with an optional region or script (zh-CN, zh_CN, en-US)
LANGUAGE = r"^([eE][nN]|[zZ][hH])([-_][A-Za-z0-9]{1,8}){0,2}$"
# (174 is left out: phonenumbers takes few of its numbers for mobiles)
PHONE = r"^\+86(13[0-9]|15[0-35-9]|17[0-35-8]|18[0-9]|19[0-35-9])[0-9]{8}$"
CODE = r"^[0-9]{6}$"
BANK_ACCOUNT = r"^[0-9][0-9 -]{4,38}[0-9]$"
LANDLINE = r"^\+?[0-9][0-9 ()-]{4,30}$"
# Formats a pattern cannot state (check characters, password classes). Named in the
# schema; scripts/schemathesis_hooks.py generates valid values for them.
# 18 characters each (`^[0-9A-HJ-NPQRTUWXY]{18}$`, `^[0-9]{17}[0-9X]$`) with a check character
USCC = {"format": "cn-uscc", "minLength": 18, "maxLength": 18}
RESIDENT_ID = {"format": "cn-resident-id", "minLength": 18, "maxLength": 18}
PASSWORD = {"format": "billing-password", "minLength": 8, "maxLength": 64}
LICENCE = {"format": "billing-licence"}  # base64 of a PNG, JPEG or PDF file
REQUEST_ID = r"^[a-z]{2,4}_[0-9a-f]{12}$"
WORKSPACE_ID = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"
# Plain text that is not blank: no control, format (bidi, zero-width), private-use or
# separator characters (``plaintext.CLASS``), and no whitespace at either end (the
# services strip what Python's str.strip strips, so the ends exclude exactly that).
_END = rf"[^\x20\x85\xa0\u1680\u2000-\u200a\u202f\u205f\u3000{_HIDDEN}]"
PRINTABLE = rf"^{_END}([^{_HIDDEN}]*{_END})?$"
_NUMBER = re.compile(r"\s*[-+]?\d+(\.\d*)?\s*")


def enum(values: Iterable[str], default: Any = ..., **kwargs: Any) -> Any:
    """A field whose schema lists the accepted values (the service checks them)."""
    return Field(default, json_schema_extra={"enum": list(values)}, **kwargs)


def pattern(regex: str, default: Any = ..., **kwargs: Any) -> Any:
    """A field whose schema carries the pattern the service checks."""
    return Field(default, json_schema_extra={"pattern": regex}, **kwargs)


def rule(schema: dict[str, Any], default: Any = ...) -> Any:
    """A field carrying one of the format rules above."""
    return Field(default, json_schema_extra=dict(schema))


def text(
    max_length: int, default: Any = ..., *, required: bool | None = None, blank: bool = True
) -> Any:
    """Printable text of at most ``max_length`` characters.

    A required field (no default, or ``required=True``) must not be blank; in an optional
    one, ``""`` means "not given", as the services read it (``blank=False``: refused).
    """
    if required is None:
        required = default is ...
    nonblank = required or not blank
    schema: dict[str, Any] = {
        "pattern": PRINTABLE if nonblank else f"^$|{PRINTABLE}",
        "maxLength": max_length,
    }
    if nonblank:
        schema["minLength"] = 1
    if required and default is not ...:
        schema["type"] = "string"  # optional in Python, required on the wire
    return Field(default, json_schema_extra=schema)


def _not_bool_or_text(value: Any) -> Any:
    if isinstance(value, bool | str):
        raise ValueError("an integer is a JSON number, not a boolean or a string")
    return value


def _not_a_number(value: Any) -> Any:
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError("a time is an ISO 8601 date-time, not a number")
    return value


WireDatetime = Annotated[datetime, BeforeValidator(_not_a_number)]
NOT_BOOL_OR_TEXT = BeforeValidator(_not_bool_or_text)
WireInt = Annotated[int, NOT_BOOL_OR_TEXT]
WireBool = StrictBool


# -- a request the schema refuses -------------------------------------------------------
#: pydantic's error type -> the reason a refusal names and the context key of its limit
#: (any other type: ``invalid_value``, pydantic's words)
_LIMITS: dict[str, tuple[str, str | None]] = {
    "string_too_long": ("too_long", "max_length"),
    "too_long": ("too_many", "max_length"),  # a list
    "string_too_short": ("required", None),  # min_length 1 (no other is stated): not blank
    "greater_than_equal": ("below_minimum", "ge"),
    "less_than_equal": ("above_maximum", "le"),
}


def refusal(
    errors: Sequence[Mapping[str, Any]],
    names: Mapping[str, str] | None = None,
    *,
    skip: Collection[str] = (),
) -> InvalidInput:
    """The refusal (exit 2; HTTP 422) of a request its schema refuses: the first of
    pydantic's ``errors``, with a reason, the field at fault (from the error's ``loc``
    without the parts in ``skip``; ``names``: the field as the faces name it) and the
    limit it passed. The server words a refused body with it, and a request model built
    by the CLI (``WireRequest``), so both transports refuse a value alike."""
    from guance_billing_cli.errors import InvalidInput

    if not errors:
        return InvalidInput("invalid_request")
    first = errors[0]
    loc = ".".join(str(part) for part in first.get("loc", ()) if part not in skip)
    field = (names or {}).get(loc, loc) or None
    reason, limit = _LIMITS.get(str(first.get("type")), ("", None))
    context = first.get("ctx") or {}
    if reason == "required" and context.get("min_length") != 1:
        reason = ""
    if field and reason and (limit is None or limit in context):
        params = {"limit": context[limit]} if limit else {}
        return InvalidInput(reason, field=field, **params)
    why = str(first.get("msg"))
    return InvalidInput("invalid_value" if field else "invalid_request_why", field=field, why=why)


class WireRequest(BaseModel):
    """A request's model: the CLI builds one from its options and files, the server
    validates a body against it. Its constraints (a list's ``maxItems``, a number's
    ``maximum``...) are the one statement of those limits; building a model that breaks
    one raises the ``refusal`` the server answers for the same body (exit 2), never a
    pydantic ``ValidationError`` (which the boundary would call an internal error)."""

    #: a field's name in a refusal when the faces know it by another name
    #: (``scopes`` is the CLI's ``--scope``, which the service calls ``scope``)
    refusal_fields: ClassVar[dict[str, str]] = {}

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise refusal(exc.errors(), type(self).refusal_fields) from None

    # pydantic calls a model's own __init__ also when validating a body or a nested
    # model unless it is marked as the base one (as RootModel's is): only a model built
    # in Python goes through the conversion above; the server words its 422 itself
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]
