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
