"""Global options anywhere on the line: ``cloud list --no-input`` = ``--no-input cloud list``.

Click reads an option only at the level that defines it, so the root's options
(``--account``, ``--no-input``, ``--store``, ``--server``, ``--profile``,
``--debug``, ``--ca-bundle``) given after a sub-command would be "No such
option". ``hoist`` moves each one that the sub-command does not define itself
in front of the command path, with its value; a sub-command's own option of the
same name (``auth login --server``, ``profile show --account``) stays where it is
and wins. Words after ``--`` are never moved.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

#: Cheap pre-check: only a line naming one of these can need hoisting.
GLOBAL_NAMES = frozenset(
    {"--account", "--no-input", "--store", "--server", "--profile", "--debug", "--ca-bundle"}
)


def needs_hoisting(argv: Sequence[str]) -> bool:
    return any(arg.partition("=")[0] in GLOBAL_NAMES for arg in argv[1:])


def hoist(argv: Sequence[str], root: Any) -> list[str]:
    if not needs_hoisting(argv):
        return list(argv)
    from guance_billing_cli.cli.completion import tree as command_tree

    position = command_tree.Position(commands=[root])
    front: list[str] = []
    rest: list[str] = []
    first_command = 0
    i = 0
    while i < len(argv):
        word = argv[i]
        if word == "--":
            rest.extend(argv[i:])
            break
        if word.startswith("-") and len(word) > 1:
            name, eq, _ = word.partition("=")
            own = (
                command_tree.find_option(
                    command_tree.Position(commands=position.commands[1:]), name
                )
                if len(position.commands) > 1
                else None
            )
            option = own or command_tree.find_option(command_tree.Position(commands=[root]), name)
            width = 2 if option is not None and command_tree.takes_value(option) and not eq else 1
            target = front if own is None and option is not None and position.path else rest
            target.extend(argv[i : i + width])
            i += width
            continue
        command = position.command
        if command_tree.is_group(command) and position.positional == 0:
            sub = command_tree.subcommand(command, word)
            if sub is not None:
                if not position.path:
                    first_command = len(rest)
                position.commands.append(sub)
                position.path.append(word)
                rest.append(word)
                i += 1
                continue
        position.positional += 1
        rest.append(word)
        i += 1
    # after the options given before the command (a shell session's own), so that one
    # given again after the command wins, as it would in place
    return rest[:first_command] + front + rest[first_command:]
