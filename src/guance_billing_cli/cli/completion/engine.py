"""Command-line completion: one plain API for shells and for ``guance-billing shell``.

Use::

    from guance_billing_cli.cli.completion import engine as completion

    completion.candidates(["cloud", "bind"], "")        # -> ["cld_0123…", "cld_4567…"]
    completion.candidates(["cloud"], "b")               # -> ["bind"]
    completion.candidates(["cloud", "list"], "--j")     # -> ["--json"]
    completion.complete(["workspace"], "")              # -> [Candidate("add", "Register …"), …]

``words`` are the tokens already typed after the program name (not the one
under the cursor); ``incomplete`` is the token under the cursor ("" when the
cursor stands after a space). ``complete`` gives each value with a one-line
help (zsh, fish and prompt_toolkit show it); ``candidates`` only the values.

What is offered, from the click tree the real commands are built from (so it
cannot drift from what the parser accepts): sub-commands, options of the command
reached plus the global ones (``--account``, ``--no-input``, ``--store`` … are
accepted anywhere on the line), the choices of a choice option, and **live
values**: account usernames, cloud account ids, workspace ids and open request
ids, of the kind a parameter declares in its type (``Live(kind)`` in its
``Annotated`` metadata, ``cli/toolkit/options.py``; ``live_kind`` below), read
from the store or server that the words select (``--store``,
``--server``, ``--profile`` and ``--account`` on the line win over the
environment and the profile, as when the command runs).

Live values never prompt and never write: a SQLite store is opened read-only, a
server is asked ``GET /v1/suggest`` with the token already stored, and a lookup
that has not answered within ``LIVE_BUDGET`` seconds is abandoned (no values,
no error). The live-value functions below can be called on their own, e.g.
``workspace_ids("ws-", where=Where.from_words(words))``.

Shell scripts: ``script("bash"|"zsh"|"fish")`` is what ``guance-billing
completion SHELL`` prints; the script calls ``guance-billing __complete``
(``main`` below), which ``__main__.main`` routes here before Typer parses anything.
``install(shell)`` writes the script where the shell finds it.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from guance_billing_cli.cli.completion.scripts import PROG, SHELLS, detect_shell, install, script
from guance_billing_cli.cli.completion.tree import (
    Position,
    find_option,
    is_group,
    subcommand,
    takes_value,
)
from guance_billing_cli.cli.completion.tree import arguments as _arguments
from guance_billing_cli.cli.completion.tree import options as _options

__all__ = [
    "PROG",
    "SHELLS",
    "Candidate",
    "Position",
    "candidates",
    "complete",
    "detect_shell",
    "find_option",
    "install",
    "is_group",
    "main",
    "script",
    "subcommand",
    "takes_value",
    "walk",
]
#: Seconds a live lookup may take before completion goes on without it
#: (env GUANCE_BILLING_COMPLETION_BUDGET: more for a server over a slow link).
LIVE_BUDGET = 0.2
BUDGET_ENV = "GUANCE_BILLING_COMPLETION_BUDGET"


def budget() -> float:
    try:
        return max(0.05, float(os.environ.get(BUDGET_ENV, "") or LIVE_BUDGET))
    except ValueError:
        return LIVE_BUDGET


LIVE_LIMIT = 50


class Candidate(NamedTuple):
    value: str
    help: str = ""


# -- where live values come from ---------------------------------------------------


@dataclass(frozen=True)
class Where:
    """The store or server, profile and account the words on the line select."""

    store: str | None = None
    server: str | None = None
    profile: str | None = None
    account: str | None = None
    ca_bundle: str | None = None
    insecure_http: bool | None = None

    @classmethod
    def from_words(cls, words: Sequence[str]) -> Where:
        position = walk(words)
        seen = position.values
        return cls(
            store=seen.get("store"),
            server=seen.get("server"),
            profile=seen.get("profile"),
            account=seen.get("account"),
            ca_bundle=seen.get("ca_bundle"),
            insecure_http=True if "insecure_http" in position.used else None,
        )


def _lookup(kind: str, prefix: str, where: Where) -> list[str]:
    from guance_billing_cli.client.suggest import live_values
    from guance_billing_cli.config import resolve_settings

    settings = resolve_settings(
        profile=where.profile,
        store=where.store,
        server=where.server,
        account=where.account,
        ca_bundle=where.ca_bundle,
        insecure_http=where.insecure_http,
    )
    account = settings.account
    return live_values(
        settings,
        kind,
        prefix=prefix,
        account=None if kind == "accounts" else account,
        limit=LIVE_LIMIT,
        timeout=budget(),
        ca_bundle=settings.ca_bundle,
        insecure_http=where.insecure_http,
    )


def live(kind: str, prefix: str = "", *, where: Where | None = None) -> list[str]:
    """Live values of ``kind`` (see ``services/suggestions.py``), within ``LIVE_BUDGET``.

    Runs the lookup in a daemon thread: a slow keyring, a busy file or a server
    that does not answer costs at most the budget, and any failure means no values.
    """
    result: list[str] = []

    def run() -> None:
        try:
            result.extend(_lookup(kind, prefix, where or Where()))
        except BaseException:  # completion must never fail loudly: no values
            return

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(budget() + 0.05)
    return list(result) if not worker.is_alive() else []


def account_names(prefix: str = "", *, where: Where | None = None) -> list[str]:
    """Usernames of the billing accounts the caller may see."""
    return live("accounts", prefix, where=where)


def cloud_account_ids(
    prefix: str = "", *, where: Where | None = None, status: str | None = None
) -> list[str]:
    """Cloud account ids of the selected billing account (``status``: subscribed|unsubscribed)."""
    kind = f"{status}_cloud_accounts" if status else "cloud_accounts"
    return live(kind, prefix, where=where)


def workspace_ids(prefix: str = "", *, where: Where | None = None) -> list[str]:
    """Ids of the selected billing account's workspaces (not dissolved)."""
    return live("workspaces", prefix, where=where)


def open_request_ids(kind: str, prefix: str = "", *, where: Where | None = None) -> list[str]:
    """Open request ids: ``kind`` email, phone (change requests), password (resets), invoice."""
    table = {
        "email": "email_requests",
        "phone": "phone_requests",
        "password": "password_resets",
        "invoice": "pending_invoices",
    }
    return live(table[kind], prefix, where=where) if kind in table else []


# -- the command tree --------------------------------------------------------------


def root_command() -> Any:
    """The root click command, built as when the program runs (groups load on demand)."""
    import typer.main

    from guance_billing_cli.app import app

    return typer.main.get_command(app)


def walk(words: Sequence[str], root: Any = None) -> Position:
    position = Position(commands=[root if root is not None else root_command()])
    only_arguments = False
    for word in words:
        if position.expecting is not None:
            position.values[position.expecting.name] = word
            position.expecting = None
            continue
        if word == "--" and not only_arguments:
            only_arguments = True
            continue
        if word.startswith("-") and len(word) > 1 and not only_arguments:
            name, eq, value = word.partition("=")
            option = find_option(position, name)
            if option is not None:
                position.used.add(option.name)
                if takes_value(option):
                    if eq:
                        position.values[option.name] = value
                    else:
                        position.expecting = option
            continue
        command = position.command
        if is_group(command) and position.positional == 0:
            sub = subcommand(command, word)
            if sub is not None:
                position.commands.append(sub)
                position.path.append(word)
                continue
        position.positional += 1
    return position


# -- live kinds per parameter ------------------------------------------------------


def live_kind(command: Any, param: Any) -> str | None:
    """The live kind ``param`` of ``command`` declares in its type: ``Live(kind)`` in the
    ``Annotated`` metadata of its declaration (``cli/toolkit/options.py``), else None.

    The click parameter keeps only the bare type, so the declaration is read from the
    function the command runs; the parameter's name only finds it there."""
    from guance_billing_cli.cli.toolkit.options import Live

    annotation = _declarations(getattr(command, "callback", None)).get(param.name or "")
    for meta in getattr(annotation, "__metadata__", ()):
        if isinstance(meta, Live):
            return meta.kind
    return None


def _declarations(callback: Any) -> dict[str, Any]:
    """The parameters' annotations of a command's function, with their metadata."""
    if callback is None:
        return {}
    import inspect
    import typing

    try:
        return typing.get_type_hints(inspect.unwrap(callback), include_extras=True)
    except Exception:  # an annotation that does not resolve declares no kind
        return {}


def _owner(position: Position, param: Any) -> Any:
    """The command on the line that declares ``param`` (a global option: a parent)."""
    for command in reversed(position.commands):
        if any(p is param for p in command.params):
            return command
    return position.command


def _choices(param: Any) -> list[str]:
    """The values of a ``Literal`` or ``Enum`` annotation (Typer 0.29 keeps no click type)."""
    import enum
    import typing

    annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
    for candidate in (annotation, *typing.get_args(annotation)):
        if typing.get_origin(candidate) is typing.Literal:
            return [str(v) for v in typing.get_args(candidate)]
        if isinstance(candidate, type) and issubclass(candidate, enum.Enum):
            return [str(m.value) for m in candidate]
    return []


def _value_candidates(position: Position, param: Any, incomplete: str) -> list[Candidate]:
    choices = _choices(param)
    if choices:
        return [Candidate(c) for c in choices if c.startswith(incomplete)]
    kind = live_kind(_owner(position, param), param)
    if kind is None:
        return []
    where = Where(
        store=position.values.get("store"),
        server=position.values.get("server"),
        profile=position.values.get("profile"),
        account=position.values.get("account"),
        ca_bundle=position.values.get("ca_bundle"),
        insecure_http=True if "insecure_http" in position.used else None,
    )
    return [Candidate(v) for v in live(kind, incomplete, where=where)]


def _option_candidates(position: Position, incomplete: str) -> list[Candidate]:
    found: dict[str, Candidate] = {}
    for depth, command in enumerate(reversed(position.commands)):
        for option in _options(command):
            if option.hidden or (option.name in position.used and not option.multiple):
                continue
            if depth > 0 and option.is_eager:  # --version, --help of a parent
                continue
            for opt in [*option.opts, *option.secondary_opts]:
                if opt.startswith("--") and opt.startswith(incomplete) and opt not in found:
                    found[opt] = Candidate(opt, _first_line(option.help))
    if "--help".startswith(incomplete):
        found.setdefault("--help", Candidate("--help", "Show this message and exit."))
    return sorted(found.values())


def _first_line(text: Any) -> str:
    lines = str(text or "").strip().splitlines()
    return lines[0].strip() if lines else ""


def _command_help(group: Any, name: str) -> str:
    built = getattr(group, "commands", {}).get(name)
    if built is not None:
        return str(built.get_short_help_str(limit=70))
    lazy = getattr(group, "lazy_commands", {}).get(name)
    return _first_line(lazy[1]) if lazy is not None else ""


def _subcommand_candidates(group: Any, incomplete: str) -> list[Candidate]:
    out = []
    for name in group.list_commands(None):
        if not name.startswith(incomplete):
            continue
        sub = getattr(group, "commands", {}).get(name)
        if sub is not None and getattr(sub, "hidden", False):
            continue
        out.append(Candidate(name, _command_help(group, name)))
    return out


def complete(words: Sequence[str], incomplete: str = "") -> list[Candidate]:
    """What may come next after ``words``, starting with ``incomplete``."""
    position = walk(words)
    if position.expecting is not None:
        return _value_candidates(position, position.expecting, incomplete)
    if incomplete.startswith("--") and "=" in incomplete:
        name, _, value = incomplete.partition("=")
        option = find_option(position, name)
        if option is None or not takes_value(option):
            return []
        return [
            Candidate(f"{name}={c.value}", c.help)
            for c in _value_candidates(position, option, value)
        ]
    if incomplete.startswith("-"):
        return _option_candidates(position, incomplete)
    command = position.command
    if is_group(command):
        return _subcommand_candidates(command, incomplete)
    arguments = _arguments(command)
    index = position.positional
    argument = None
    for param in arguments:
        if param.nargs == -1 or index < param.nargs:
            argument = param
            break
        index -= param.nargs
    if argument is not None:
        values = _value_candidates(position, argument, incomplete)
        if values or incomplete:
            return values
    return _option_candidates(position, incomplete) if not incomplete else []


def candidates(words: Sequence[str], incomplete: str = "") -> list[str]:
    """The values of ``complete`` (what a shell inserts)."""
    return [c.value for c in complete(words, incomplete)]


# -- shell scripts -----------------------------------------------------------------

# -- the hidden entry point the scripts call -----------------------------------------


def _split_line(line: str) -> tuple[list[str], str]:
    """Words before the cursor and the incomplete one, from bash's COMP_LINE."""
    import shlex

    try:
        tokens = shlex.split(line)
    except ValueError:  # an unclosed quote: complete the raw words
        tokens = line.split()
    incomplete = tokens.pop() if line and not line[-1].isspace() and tokens else ""
    return tokens[1:], incomplete


def _format(candidate: Candidate, shell: str, incomplete: str) -> str:
    value = candidate.value
    if shell == "bash":
        # bash splits --opt=value at "=": it completes only the part after it
        if incomplete.startswith("--") and "=" in incomplete:
            value = value.partition("=")[2]
        return value
    if shell == "zsh":
        escaped = value.replace("\\", "\\\\").replace(":", "\\:")
        return f"{escaped}:{candidate.help}" if candidate.help else escaped
    return f"{value}\t{candidate.help}" if candidate.help else value


def main(argv: Sequence[str], write: Callable[[str], Any] = sys.stdout.write) -> int:
    """``guance-billing __complete --shell SHELL (--line LINE | -- WORD... INCOMPLETE)``."""
    args = list(argv)
    shell = "bash"
    if args[:1] == ["--shell"] and len(args) > 1:
        shell, args = args[1], args[2:]
    if args[:1] == ["--line"] and len(args) > 1:
        words, incomplete = _split_line(args[1])
    else:
        if args[:1] == ["--"]:
            args = args[1:]
        words, incomplete = args[:-1], (args[-1] if args else "")
    try:
        found = complete(words, incomplete)
    except Exception:  # a completion bug must not print a traceback into the shell
        return 0
    for candidate in found:
        write(_format(candidate, shell, incomplete) + "\n")
    return 0
