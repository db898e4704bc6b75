"""Field validators: one place for each format rule. Each raises ``InvalidInput``
naming the field. Heavy libraries are imported only when a value is checked."""

from __future__ import annotations

import re

from guance_billing_cli.errors import InvalidInput
from guance_billing_cli.schemas.accounts import INDUSTRIES

USERNAME_RE = re.compile(r"^[a-z0-9_.-]{3,32}$")
LIMITS = {
    "company_name": 128,
    "region": 64,
    "description": 500,
    "contact_name": 64,
}
DEFAULT_PHONE_REGION = "CN"


def _printable(value: str, field: str) -> str:
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise InvalidInput(f"{field} must not contain control characters", field=field)
    return value


def username(value: str) -> str:
    value = value.strip()
    if not USERNAME_RE.fullmatch(value):
        raise InvalidInput(
            "username must be 3-32 characters of a-z, 0-9, '_', '.', '-'", field="username"
        )
    return value


def text(value: str, field: str, *, required: bool = False) -> str:
    value = _printable(value.strip(), field)
    limit = LIMITS[field]
    if required and not value:
        raise InvalidInput(f"{field} is required and must not be blank", field=field)
    if len(value) > limit:
        raise InvalidInput(f"{field} must be at most {limit} characters", field=field)
    return value


def industry(value: str) -> str:
    value = value.strip().lower()
    if value not in INDUSTRIES:
        raise InvalidInput(f"industry must be one of: {', '.join(INDUSTRIES)}", field="industry")
    return value


def email(value: str, field: str = "email") -> str:
    """Syntax check only (no DNS); returns the normalized, lower-cased address."""
    from email_validator import EmailNotValidError, validate_email

    value = value.strip()
    if not value or len(value) > 254:
        raise InvalidInput(f"{field} is not a valid email address", field=field)
    try:
        info = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidInput(f"{field} is not a valid email address: {exc}", field=field) from None
    return info.normalized.lower()


def phone(value: str, field: str = "phone") -> str:
    """A mobile number, returned in E.164. Numbers without ``+`` are taken as Chinese."""
    import phonenumbers

    raw = value.strip()
    # phonenumbers skips stray punctuation ("+8613800138000*"); a phone is digits and
    # the separators people type, nothing else
    if not raw or len(raw) > 32 or raw.strip("+0123456789 ()-."):
        raise InvalidInput(f"{field} is not a valid phone number", field=field)
    try:
        number = phonenumbers.parse(raw, DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise InvalidInput(f"{field} is not a valid phone number", field=field) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput(f"{field} is not a valid phone number", field=field)
    kind = phonenumbers.number_type(number)
    mobile = (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )
    if kind not in mobile:
        raise InvalidInput(f"{field} must be a mobile number", field=field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def looks_like_email(value: str) -> bool:
    return "@" in value


def looks_like_phone(value: str) -> bool:
    stripped = value.replace(" ", "").replace("-", "")
    return stripped.startswith("+") or (stripped.isdigit() and len(stripped) >= 7)


def _why(exc: Exception) -> str:
    """python-stdnum's reason, as a clause ("the number has an invalid length")."""
    message = str(getattr(exc, "message", "") or exc).strip().rstrip(".")
    return message[:1].lower() + message[1:]


def tax_id(value: str, field: str = "tax_id") -> str:
    """An 18-character Unified Social Credit Code with a valid check character."""
    from stdnum.cn import uscc
    from stdnum.exceptions import ValidationError

    try:
        return str(uscc.validate(value.strip()))
    except ValidationError as exc:
        raise InvalidInput(
            f"{field} is not a valid Unified Social Credit Code: {_why(exc)}", field=field
        ) from None


def resident_id(value: str, field: str = "id_number") -> str:
    """An 18-character resident ID number with a valid check digit, birth date and region.

    The message never repeats the number (it is personal data)."""
    from stdnum.cn import ric
    from stdnum.exceptions import ValidationError

    try:
        return str(ric.validate(value.strip()))
    except ValidationError as exc:
        raise InvalidInput(
            f"{field} is not a valid resident ID number: {_why(exc)}", field=field
        ) from None
