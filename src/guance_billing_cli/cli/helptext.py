"""Help that reads as words: ``--username USERNAME``, ``ACCOUNT``; no ``<str>``, ``{account}``.

Typer 0.29 prints an option's value as its type (``--email <str>``, ``WS
<list[str]>``) and a required argument in braces (``{REQUEST_ID}``). ``readable``
walks a built click command and gives every parameter an upper-case word as its
metavar (its own metavar when it has one), shows arguments as ``NAME``,
``[NAME]`` or ``NAME...`` in the usage line, and drops the type after an
argument's name.
"""

from __future__ import annotations

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


def _formatter_class() -> Any:
    """click's help formatter, with its "Usage:" prefix and section headings translated."""
    from typer._click.formatting import HelpFormatter

    class LocalFormatter(HelpFormatter):
        def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
            super().write_usage(prog, args, prefix if prefix is not None else _("Usage:") + " ")

        def write_heading(self, heading: str) -> None:
            line = _("{heading}:").format(heading=translate(heading))
            self.write(f"{'':>{self.current_indent}}{line}\n")

    return LocalFormatter


def _context_class(command: Any) -> Any:
    base = command.context_class
    if getattr(base, "_localized", False):
        return base
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


def _localize(command: Any) -> None:
    for param in getattr(command, "params", []):
        if param.help:
            param.help = translate(param.help)
    command.context_class = _context_class(command)
    _help_option_in_words(command)
    for sub in getattr(command, "commands", {}).values():
        _localize(sub)
