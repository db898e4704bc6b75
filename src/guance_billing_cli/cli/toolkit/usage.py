"""Typer's usage errors (unknown option, missing argument, bad value) in the operator's
language.

Typer 0.29 vendors click and writes these sentences in English without gettext; the
boundary asks ``message`` for the words instead of ``format_message``. The option
names, the values and the type's own detail (``'x' is not a valid integer``) stay as
they are; an error of a kind not known here keeps Typer's English words.
"""

from __future__ import annotations

import re
import sys
from typing import Any

import typer

from guance_billing_cli.i18n import N_, _, translate

_click = sys.modules[typer.BadParameter.__module__]

_MISSING = {
    "option": N_("Missing option {name}."),
    "argument": N_("Missing argument {name}."),
    "parameter": N_("Missing parameter {name}."),
}
#: sentences Typer builds itself, recognised by their shape
_SHAPES = (
    (re.compile(r"No such command '(?P<name>.*)'\.\Z", re.S), N_("No such command '{name}'.")),
    (
        re.compile(r"Got unexpected extra argument(?:s|\(s\))? \((?P<extra>.*)\)\Z", re.S),
        N_("Got unexpected extra argument(s) ({extra})"),
    ),
)


def message(exc: Any) -> str:
    """The usage error's sentence in the operator's language."""
    if isinstance(exc, _click.NoSuchOption):
        text = _("No such option: {name}").format(name=exc.option_name)
        if exc.possibilities:
            options = ", ".join(sorted(exc.possibilities))
            text += " " + _("(Possible options: {options})").format(options=options)
        return text
    if isinstance(exc, _click.MissingParameter) and not exc.message:
        kind = exc.param_type or (exc.param.param_type_name if exc.param else "parameter")
        hint = exc.param.get_error_hint() if exc.param else ""
        return translate(_MISSING.get(kind, _MISSING["parameter"])).format(name=hint)
    if isinstance(exc, _click.BadParameter) and not isinstance(exc, _click.MissingParameter):
        hint = exc.param_hint or (exc.param.get_error_hint() if exc.param else None)
        if hint is not None:
            if not isinstance(hint, str):
                hint = " / ".join(repr(x) for x in hint)
            return _("Invalid value for {name}: {why}").format(name=hint, why=exc.message)
        return _("Invalid value: {why}").format(why=exc.message)
    if type(exc) is _click.UsageError:
        for shape, template in _SHAPES:
            found = shape.match(exc.message)
            if found:
                return translate(template).format(**found.groupdict())
    return str(exc.format_message())


def show(exc: Any) -> None:
    """Print the error as Typer does (usage, help hint, error line), in the operator's words."""
    ctx = getattr(exc, "ctx", None)
    lines = []
    if ctx is not None:
        line = ctx.get_usage()
        if line.startswith("Usage:"):
            line = _("Usage:") + line[len("Usage:") :]
        lines.append(line)
        if ctx.command.get_help_option(ctx) is not None:
            command = f"{ctx.command_path} {ctx.help_option_names[0]}"
            lines.append(_("Try '{command}' for help.").format(command=command) + "\n")
    lines.append(_("Error: {message}").format(message=message(exc)))
    typer.echo("\n".join(lines), err=True)
