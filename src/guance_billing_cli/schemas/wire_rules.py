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
from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, StrictBool

from guance_billing_cli.schemas.plaintext import WIRE_CLASS as _HIDDEN

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
