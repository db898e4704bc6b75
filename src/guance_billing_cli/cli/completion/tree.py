"""The parsed command tree, walked without running anything: groups, options, arguments.

Shared by completion (``cli/completion/engine.py``) and the global-options hoist
(``cli/completion/argv.py``); it knows no particular command, so it imports nothing of ours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def is_group(command: Any) -> bool:
    return hasattr(command, "list_commands")


def subcommand(group: Any, name: str) -> Any:
    try:
        return group.get_command(None, name)
    except Exception:  # a group that fails to load offers nothing
        return None


def options(command: Any) -> list[Any]:
    return [p for p in command.params if getattr(p, "param_type_name", "") == "option"]


def arguments(command: Any) -> list[Any]:
    return [p for p in command.params if getattr(p, "param_type_name", "") == "argument"]


def takes_value(option: Any) -> bool:
    return not (option.is_flag or option.count)


@dataclass
class Position:
    """Where the cursor stands after ``words``."""

    path: list[str] = field(default_factory=list)
    commands: list[Any] = field(default_factory=list)  # root first, then each sub-command
    expecting: Any = None  # an option waiting for its value
    positional: int = 0  # positional arguments given to the command reached
    values: dict[str, str] = field(default_factory=dict)  # option name -> value seen
    used: set[str] = field(default_factory=set)  # option names already given

    @property
    def command(self) -> Any:
        return self.commands[-1]


def find_option(position: Position, name: str) -> Any:
    """The option ``name`` of the command reached or, failing that, of a parent (global)."""
    for command in reversed(position.commands):
        for option in options(command):
            if name in option.opts or name in option.secondary_opts:
                return option
    return None
