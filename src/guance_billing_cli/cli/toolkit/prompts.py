"""Every questionary call lives here. Prompts run only when ``interactive`` is true;
otherwise a missing value fails at once (exit 2) naming the flag that supplies it.
``unsafe_ask`` is used so Ctrl-C raises KeyboardInterrupt (exit 130) instead of
returning ``None``.

Prompts forgive (issue 15): a rejected answer is reported on its own line and the
question is asked again with an empty field (a hidden field never keeps stars
the user cannot see to delete); ``form`` re-asks only the field the service
rejected and keeps the others; declining a confirmation says nothing changed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from guance_billing_cli.errors import (
    BillingError,
    Declined,
    ExitCode,
    InputRequired,
    InvalidInput,
)
from guance_billing_cli.i18n import _

T = TypeVar("T")


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


def _speak_questionary() -> None:
    """questionary's own words in the operator's language: the confirm's key hint and
    its Yes/No (module constants the confirm prompt reads each time it draws)."""
    from questionary.prompts import confirm as confirm_module

    confirm_module.YES = _("Yes")  # type: ignore[attr-defined]
    confirm_module.NO = _("No")  # type: ignore[attr-defined]
    confirm_module.YES_OR_NO = _("(Y/n)")  # type: ignore[attr-defined]
    confirm_module.NO_OR_YES = _("(y/N)")  # type: ignore[attr-defined]


def confirm(message: str, *, default: bool = False) -> bool:
    import questionary

    _speak_questionary()
    return bool(questionary.confirm(message, default=default).unsafe_ask())


def select(message: str, choices: Sequence[str], *, default: str | None = None) -> str:
    import questionary

    question = questionary.select(
        message, choices=list(choices), default=default, instruction=_("(Use arrow keys)")
    )
    return str(question.unsafe_ask())


def _rejected(reason: str) -> None:
    sys.stderr.write("  " + _("{reason}; try again.").format(reason=reason) + "\n")
    sys.stderr.flush()


def until_valid(ask: Callable[[], str], check: Callable[[str], str | None]) -> str:
    """Ask until ``check`` returns no reason; each retry starts from an empty field."""
    while True:
        value = ask()
        reason = check(value)
        if reason is None:
            return value
        _rejected(reason)


def code_problem(value: str) -> str | None:
    digits = "".join(value.split())
    return None if len(digits) == 6 and digits.isdigit() else _("a code is 6 digits")


def verification_code(message: str) -> str:
    """A 6-digit verification code, typed hidden; a malformed one is cleared and asked again."""
    return "".join(until_valid(lambda: secret(message), code_problem).split())


def missing_code(message: str, *, interactive: bool) -> str:
    """No --code and no --code-stdin: the code asked at a terminal (``message``);
    without one, a usage error naming both."""
    if not interactive:
        raise InputRequired(
            "input_missing_one_of", field="code", alternatives=["code", "code_stdin"]
        )
    return verification_code(message)


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
    message: str,
    *,
    yes: bool,
    interactive: bool,
    operation: str = "",
    params: Mapping[str, str] | None = None,
) -> None:
    """Destructive actions: ``--yes``, or a confirmation at a terminal (``message``,
    already in the operator's language). ``operation``: what is being confirmed (an
    operation of ``cli/toolkit/words.py``; without one, the running command's own name)."""
    if yes:
        return
    if not interactive:
        raise InputRequired(
            "confirm_with_yes",
            field="yes",
            operation=operation or _running_command(),
            **dict(params or {}),
        )
    if not confirm(message, default=False):
        raise Declined("declined")


def confirm_command(
    ctx: Any,
    message: str,
    *,
    yes: bool,
    operation: str,
    params: Mapping[str, str] | None = None,
) -> None:
    """``confirm_or_require_yes`` for the command of ``ctx``: a person is asked only
    when that command runs at a terminal."""
    from guance_billing_cli.cli.toolkit.state import get_state

    confirm_or_require_yes(
        message,
        yes=yes,
        interactive=get_state(ctx).interactive,
        operation=operation,
        params=params,
    )


def secret_or_stdin(
    from_stdin: bool, *, flag: str, message: str, interactive: bool, field: str
) -> str:
    """One secret: the first line of stdin with ``flag``, else asked hidden at a
    terminal (``message``); without either, a usage error naming ``field``."""
    if from_stdin:
        return read_stdin_lines(1, flag=flag)[0]
    if interactive:
        return secret(message)
    raise InputRequired("input_missing", field=field)


def _running_command() -> str:
    """The command being run (``guance-billing invoice cancel``), from Typer's context."""
    from typer._click.globals import get_current_context

    context = get_current_context(silent=True)
    return context.command_path if context is not None else ""


# -- forms: guided commands that re-ask only the bad field --------------------------


@dataclass
class Ask:
    """One field of a guided command.

    ``name`` is the field the service names in its errors (``error.field``),
    ``flag`` the option that supplies it, ``label`` the words a person reads.
    Optional fields are not asked, but a rejected one is asked again at a terminal.
    """

    name: str
    flag: str
    label: str
    value: str | None = None
    required: bool = True
    choices: Sequence[str] | None = None
    hidden: bool = False

    def ask(self) -> str:
        # a translated label brings its own colon (":" or "："): "Username:"
        message = self.label if self.label.endswith((":", "：")) else f"{self.label}:"
        if self.choices:
            return select(message, self.choices)
        if self.hidden:
            return secret(message)
        return text(message)


def asks(
    names: Sequence[str],
    labels: Sequence[str],
    values: Sequence[str | None],
    *,
    required: bool,
) -> list[Ask]:
    """One ``Ask`` a field, its flag spelled from its name (``tax_id``: ``--tax-id``)."""
    return [
        Ask(name, "--" + name.replace("_", "-"), label, value, required=required)
        for name, label, value in zip(names, labels, values, strict=True)
    ]


def form(
    asks: Sequence[Ask], submit: Callable[[dict[str, str | None]], T], *, interactive: bool
) -> T:
    """Collect the fields, submit, and on a rejected field ask that one again.

    Without a terminal a missing required field fails at once (exit 2, naming its
    flag) and a rejected one fails with the service's error, naming the flag.
    """
    by_name = {a.name: a for a in asks}
    values: dict[str, str | None] = {a.name: a.value for a in asks}
    while True:
        for a in asks:
            if values[a.name] is None and a.required:
                if not interactive:
                    raise InputRequired("input_missing", field=a.name)
                values[a.name] = a.ask()
        try:
            return submit(values)
        except BillingError as error:
            target = by_name.get(error.field or "")
            if target is None or error.exit_code not in (ExitCode.USAGE, ExitCode.REFUSED):
                raise
            if not interactive:
                raise
            from guance_billing_cli.cli.toolkit.words import describe

            _rejected(describe(error, label=target.label.rstrip(":：")))
            values[target.name] = target.ask()


def read_stdin_lines(count: int, *, flag: str, labels: Sequence[str] | None = None) -> list[str]:
    """``count`` secret lines from stdin (``--password-stdin``, ``--code-stdin``).

    stdin is meant to be a pipe. When it is a terminal (someone typed the flag at a
    prompt, or inside ``guance-billing shell``) each line is asked for by its label
    and read hidden, never echoed: ``labels`` (else one from ``flag``)."""
    if sys.stdin.isatty():
        return [_hidden_line(label, flag) for label in _stdin_labels(count, flag, labels)]
    lines: list[str] = []
    for _line in range(count):
        line = sys.stdin.readline()
        if not line:
            raise InputRequired("stdin_lines", field=_field(flag), count=count)
        lines.append(line.rstrip("\r\n"))
    if any(not line for line in lines):
        raise InvalidInput("stdin_empty_line", field=_field(flag))
    return lines


def _stdin_labels(count: int, flag: str, labels: Sequence[str] | None) -> list[str]:
    if labels is not None:
        return list(labels)
    if "code" in flag:
        return [_("Verification code")] * count
    return [_("Password")] * count


def _hidden_line(label: str, flag: str) -> str:
    """One line typed at the terminal without echo (``--password-stdin`` at a terminal)."""
    import getpass

    prompt = _("{label} (typing is hidden, Enter ends it): ").format(label=label)
    value = getpass.getpass(prompt, stream=sys.stderr).strip("\r\n")
    if not value:
        raise InvalidInput("stdin_empty_line", field=_field(flag))
    return value


def note_reading_terminal(what: str) -> None:
    """Say on stderr that a command now reads ``what`` from the terminal (``--from-file -``)."""
    if sys.stdin.isatty():
        sys.stderr.write(
            _("Waiting for {what} from the terminal, one a line: type or paste them, then "
              "press Ctrl-D on an empty line; Ctrl-C cancels.").format(what=what) + "\n"
        )  # fmt: skip
        sys.stderr.flush()
