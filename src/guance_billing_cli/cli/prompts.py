"""Every questionary call lives here. Prompts run only when ``interactive`` is true;
otherwise a missing value fails at once (exit 2) naming the flag that supplies it.
``unsafe_ask`` is used so Ctrl-C raises KeyboardInterrupt (exit 130) instead of
returning ``None``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from guance_billing_cli.errors import Declined, InputRequired, InvalidInput
from guance_billing_cli.i18n import _


def _field(flag: str) -> str:
    return flag.lstrip("-").replace("-", "_")


def text(
    message: str, *, default: str = "", validate: Callable[[str], bool | str] | None = None
) -> str:
    import questionary

    question = (
        questionary.text(message, default=default, validate=validate)
        if validate is not None
        else questionary.text(message, default=default)
    )
    return str(question.unsafe_ask())


def secret(message: str) -> str:
    import questionary

    return str(questionary.password(message).unsafe_ask())


def confirm(message: str, *, default: bool = False) -> bool:
    import questionary

    return bool(questionary.confirm(message, default=default).unsafe_ask())


def select(message: str, choices: Sequence[str], *, default: str | None = None) -> str:
    import questionary

    return str(questionary.select(message, choices=list(choices), default=default).unsafe_ask())


def verification_code(message: str) -> str:
    """A 6-digit verification code, typed hidden; malformed input is refused at the prompt."""
    import questionary

    def valid(value: str) -> bool | str:
        digits = "".join(value.split())
        return (len(digits) == 6 and digits.isdigit()) or _("a code is 6 digits")

    return "".join(str(questionary.password(message, validate=valid).unsafe_ask()).split())


def require(
    value: str | None,
    *,
    flag: str,
    message: str,
    interactive: bool,
    choices: Sequence[str] | None = None,
) -> str:
    """``value`` if given, else ask at a terminal, else fail naming ``flag``."""
    if value is not None:
        return value
    if not interactive:
        raise InputRequired("input_missing", field=_field(flag))
    if choices:
        return select(message, choices)
    return text(message)


def confirm_or_require_yes(
    message: str, *, yes: bool, interactive: bool, operation: str = ""
) -> None:
    """Destructive actions: ``--yes``, or a confirmation at a terminal (``message``,
    already in the operator's language). ``operation``: what is being confirmed."""
    if yes:
        return
    if not interactive:
        raise InputRequired("confirm_with_yes", field="yes", operation=operation)
    if not confirm(message, default=False):
        raise Declined("declined")


def read_stdin_lines(count: int, *, flag: str) -> list[str]:
    """``count`` secret lines from stdin (``--password-stdin``, ``--code-stdin``)."""
    lines: list[str] = []
    for _line in range(count):
        line = sys.stdin.readline()
        if not line:
            raise InputRequired("stdin_lines", field=_field(flag), count=count)
        lines.append(line.rstrip("\r\n"))
    if any(not line for line in lines):
        raise InvalidInput("stdin_empty_line", field=_field(flag))
    return lines
