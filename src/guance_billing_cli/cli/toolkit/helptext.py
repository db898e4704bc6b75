"""Help that reads as words: ``--username USERNAME``, ``ACCOUNT``; no ``<str>``, ``{account}``.

Typer 0.29 prints an option's value as its type (``--email <str>``, ``WS
<list[str]>``) and a required argument in braces (``{REQUEST_ID}``). ``readable``
walks a built click command and gives every parameter an upper-case word as its
metavar (its own metavar when it has one), shows arguments as ``NAME``,
``[NAME]`` or ``NAME...`` in the usage line, and drops the type after an
argument's name.

``localize`` (issue 23) puts the whole help in the operator's language: each parameter's
help from the catalog, click's own words (``Usage:``, the section headings, ``[default:
…]``, ``[required]``, the help option's line), and Chinese wrapped by display width.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from guance_billing_cli.i18n import N_, _, translate


def _word(param: Any) -> str:
    return str(param.metavar or (param.name or "value").upper())


def _usage(param: Any) -> Any:
    def usage_name() -> str:
        name = _word(param).strip("[]")
        name = name if param.required else f"[{name}]"
        return name + ("..." if param.nargs != 1 and not name.endswith("...") else "")

    return usage_name


def readable(command: Any) -> Any:
    for param in getattr(command, "params", []):
        kind = getattr(param, "param_type_name", "")
        if kind == "option" and not (param.is_flag or param.count):
            param.metavar = _word(param)
        elif kind == "argument":
            param.metavar = _word(param)
            param._usage_display_name = _usage(param)
            param.display_type_rich = lambda ctx: None
    for sub in getattr(command, "commands", {}).values():
        readable(sub)
    return command


# -- help in the operator's language (issue 23) ------------------------------------------

#: the words Typer prints itself in help, marked for the catalog. ``typer.core`` looks them
#: up with ``gettext.gettext`` (the process-wide "messages" domain, which no catalog of ours
#: serves); ``localize`` points that lookup at our catalog instead.
TYPER_WORDS = (
    N_("Usage:"),
    N_("Arguments"),
    N_("Options"),
    N_("Commands"),
    N_("{heading}:"),
    N_("Show this message and exit."),
    N_("default: {default}"),
    N_("required"),
    N_("env var: {var}"),
    N_("(dynamic)"),
    N_("Aborted!"),
    N_("Missing command."),
    N_("No such command {name!r}."),
)


#: a wide (CJK) character; ASCII text is wrapped by click as before
_WIDE_RANGES = (
    "\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6"
)
_IDEOGRAPH = "\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f"
_OPEN = "（《「『【“‘"
_CLOSE = "，。；：、）》」』】！？”’"


@cache
def _wide() -> re.Pattern[str]:
    return re.compile(f"[{_WIDE_RANGES}]")


@cache
def _units() -> re.Pattern[str]:
    """What a line may break before: a space, or a unit (one wide character or one run of
    narrow ones) with the punctuation that must stay with it. Compiled on first use: it
    costs milliseconds, and English help never needs it."""
    return re.compile(
        rf"\s+|[{_OPEN}]*(?:[{_IDEOGRAPH}]|[^\s{_OPEN}{_CLOSE}{_IDEOGRAPH}]+)[{_CLOSE}]*"
        rf"|[{_OPEN}{_CLOSE}]"
    )


def _has_wide(text: str) -> bool:
    return any(ord(c) >= 0x1100 for c in text) and _wide().search(text) is not None


def _cells(text: str) -> int:
    return len(text) + len(_wide().findall(text))


def _fill(text: str, width: int, first: str, rest: str) -> str:
    """``text`` in lines of at most ``width`` cells, breaking at spaces and between wide
    characters (click counts characters and breaks only at spaces: a Chinese paragraph
    would run past the terminal's edge)."""
    lines, line, used, gap = [], first, _cells(first), False
    for unit in _units().findall(" ".join(text.split())):
        if unit.isspace():
            gap = line.strip() != ""
            continue
        size = _cells(unit) + gap
        if line.strip() and used + size > width:
            lines.append(line)
            line, used = rest + unit, _cells(rest) + _cells(unit)
        else:
            line, used = line + " " * gap + unit, used + size
        gap = False
    return "\n".join([*lines, line])


def _wrap(text: str, width: int, first: str = "", rest: str = "") -> str:
    """click's ``wrap_text`` (paragraphs, ``\\b`` blocks kept), counting display cells."""
    from typer._click.formatting import wrap_text

    if not _has_wide(text):
        return str(wrap_text(text, width, first, rest, preserve_paragraphs=True))
    out = []
    for paragraph in re.split(r"\n\s*\n", text.expandtabs()):
        lines = paragraph.splitlines()
        if lines and lines[0].strip() == "\b":
            out.append("\n".join(first + line for line in lines[1:]))
        else:
            out.append(_fill(paragraph, width, first, rest))
    return "\n\n".join(out)


@cache
def _formatter_class() -> Any:
    """click's help formatter, with its "Usage:" prefix and section headings translated and
    text wrapped by display width."""
    from typer._click.formatting import HelpFormatter

    class LocalFormatter(HelpFormatter):
        def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
            super().write_usage(prog, args, prefix if prefix is not None else _("Usage:") + " ")

        def write_heading(self, heading: str) -> None:
            line = _("{heading}:").format(heading=translate(heading))
            self.write(f"{'':>{self.current_indent}}{line}\n")

        def write_text(self, text: str) -> None:
            indent = " " * self.current_indent
            self.write(_wrap(text, self.width, indent, indent) + "\n")

        def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
            rows = list(rows)
            if not any(_has_wide(second) for _first, second in rows):
                return super().write_dl(rows, col_max, col_spacing)
            first_col = min(max(len(first) for first, _second in rows), col_max) + col_spacing
            text_width = max(self.width - first_col - 2, 10)
            for first, second in rows:
                self.write(f"{'':>{self.current_indent}}{first}")
                if not second:
                    self.write("\n")
                    continue
                if len(first) <= first_col - col_spacing:
                    self.write(" " * (first_col - len(first)))
                else:
                    self.write("\n" + " " * (first_col + self.current_indent))
                lines = _wrap(second, text_width).splitlines() or [""]
                self.write(lines[0] + "\n")
                for line in lines[1:]:
                    self.write(f"{'':>{first_col + self.current_indent}}{line}\n")
            return None

    return LocalFormatter


def _context_class(command: Any) -> Any:
    base = command.context_class
    return base if getattr(base, "_localized", False) else _localized_context(base)


@cache
def _localized_context(base: Any) -> Any:
    return type(base.__name__, (base,), {"formatter_class": _formatter_class(), "_localized": True})


def _help_option_in_words(command: Any) -> None:
    """The ``-h, --help`` line ("Show this message and exit.") in the operator's language:
    click builds that option on first use with an English help, so it is worded here."""
    if "get_help_option" in vars(command):
        return
    built = command.get_help_option

    def get_help_option(ctx: Any) -> Any:
        option = built(ctx)
        if option is not None:
            option.help = _("Show this message and exit.")
        return option

    command.get_help_option = get_help_option


def localize(command: Any) -> Any:
    """``command`` and every sub-command already built, with their options' and arguments'
    help, click's own words ("Usage:", "Options:", "[default: …]", "[required]") and the
    help option in the operator's language. The help texts are looked up in the catalog as
    written (``make catalogs`` extracts every ``help=`` of a ``typer.Option`` /
    ``typer.Argument``); a text without a translation stays as written."""
    import typer.core

    typer.core._ = _  # type: ignore[attr-defined]  # Typer's gettext lookups: our catalog
    _localize(command)
    return command


def english(thing: Any) -> Any:
    """``thing.help`` as first written (English), kept aside the first time: help is
    worded from the English each time, since a ``shell`` session changes language
    between commands that share the same built command tree."""
    return thing.__dict__.setdefault("_english_help", thing.help)


def _localize(command: Any) -> None:
    for param in getattr(command, "params", []):
        if param.help:
            param.help = translate(english(param))
    command.context_class = _context_class(command)
    _help_option_in_words(command)
    for sub in getattr(command, "commands", {}).values():
        _localize(sub)
