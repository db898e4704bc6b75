"""Field validators: one place for each format rule. Each raises ``InvalidInput``
naming the field. Heavy libraries are imported only when a value is checked."""

from __future__ import annotations

import re

from guance_billing_cli.errors import InvalidInput
from guance_billing_cli.schemas import plaintext
from guance_billing_cli.schemas.accounts import INDUSTRIES

USERNAME_RE = re.compile(r"^[a-z0-9_.-]{3,32}$")
LIMITS = {
    "company_name": 128,
    "region": 64,
    "description": 500,
    "contact_name": 64,
}
DEFAULT_PHONE_REGION = "CN"


def hidden_problem(value: str, field: str) -> InvalidInput | None:
    """Free text is plain text (``plaintext``): a control character, or an invisible or
    direction-changing one (U+202E, a zero-width space...), is refused, naming it."""
    ch = plaintext.first_hidden(value)
    if ch is None:
        return None
    if ord(ch) < 32 or ord(ch) == 127:
        return InvalidInput("control_characters", field=field)
    return InvalidInput("invisible_characters", field=field, codepoint=plaintext.codepoint(ch))


def plain(value: str, field: str) -> str:
    """``value`` if it is plain text, else InvalidInput (exit 2) naming ``field``."""
    problem = hidden_problem(value, field)
    if problem is not None:
        raise problem
    return value


def _printable(value: str, field: str) -> str:
    return plain(value, field)


def username(value: str) -> str:
    value = value.strip()
    if not USERNAME_RE.fullmatch(value):
        raise InvalidInput("invalid_username", field="username")
    return value


def text(value: str, field: str, *, required: bool = False) -> str:
    value = _printable(value.strip(), field)
    limit = LIMITS[field]
    if required and not value:
        raise InvalidInput("required", field=field)
    if len(value) > limit:
        raise InvalidInput("too_long", field=field, limit=limit)
    return value


def industry(value: str) -> str:
    value = value.strip().lower()
    if value not in INDUSTRIES:
        raise InvalidInput("not_one_of", field="industry", choices=list(INDUSTRIES))
    return value


def language(value: str, field: str = "language") -> str:
    """``en`` or ``zh-CN`` (also accepted: ``zh``, ``zh_CN``, ``en-US``...)."""
    import re

    from guance_billing_cli import i18n
    from guance_billing_cli.schemas.wire_rules import LANGUAGE

    found = i18n.normalize(value) if re.fullmatch(LANGUAGE, value) else None
    if found is None:
        raise InvalidInput("not_one_of", field=field, choices=list(i18n.LANGUAGES))
    return found


def email(value: str, field: str = "email") -> str:
    """Syntax check only (no DNS); returns the normalized, lower-cased address."""
    from email_validator import EmailNotValidError, validate_email

    value = value.strip()
    if not value or len(value) > 254:
        raise InvalidInput("invalid_email", field=field)
    try:
        info = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        raise InvalidInput("invalid_email", field=field) from None
    return info.normalized.lower()


def phone(value: str, field: str = "phone") -> str:
    """A mobile number, returned in E.164. Numbers without ``+`` are taken as Chinese."""
    import phonenumbers

    raw = value.strip()
    # phonenumbers skips stray punctuation ("+8613800138000*"); a phone is digits and
    # the separators people type, nothing else
    if not raw or len(raw) > 32 or raw.strip("+0123456789 ()-."):
        raise InvalidInput("invalid_phone", field=field)
    try:
        number = phonenumbers.parse(raw, DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise InvalidInput("invalid_phone", field=field) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput("invalid_phone", field=field)
    kind = phonenumbers.number_type(number)
    mobile = (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )
    if kind not in mobile:
        raise InvalidInput("not_mobile", field=field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


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
        raise InvalidInput("invalid_tax_id", field=field, why=_why(exc)) from None


def resident_id(value: str, field: str = "id_number") -> str:
    """An 18-character resident ID number with a valid check digit, birth date and region.

    The message never repeats the number (it is personal data)."""
    from stdnum.cn import ric
    from stdnum.exceptions import ValidationError

    try:
        return str(ric.validate(value.strip()))
    except ValidationError as exc:
        raise InvalidInput("invalid_id_number", field=field, why=_why(exc)) from None
