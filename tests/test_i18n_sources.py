"""Services make no words: every error they raise names a registered reason, and no
message raised in ``services/`` names a CLI flag (grepped, and checked in the AST).

These tests fail, with the list of offending lines, when someone adds a literal
message or a flag; the fix is a reason in ``i18n/errors.py`` (docs/languages.md).
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import pytest

from guance_billing_cli import errors
from guance_billing_cli.i18n.errors import NOTES, REASONS

SRC = Path(errors.__file__).resolve().parent
SERVICES = SRC / "services"
# Modules below the CLI: they raise errors for every face, so they name no flag and
# write no sentence either. (cli/ may raise with a reason or a translated sentence.)
FACELESS = [
    SERVICES,
    SRC / "client",
    SRC / "server",
    SRC / "delivery",
    SRC / "store",
    SRC / "keys",
    SRC / "audit",
]
FACELESS_FILES = [SRC / "config.py", SRC / "cli" / "toolkit" / "doctor_checks.py", SRC / "paths.py"]

ERROR_NAMES = {
    name
    for name, value in vars(errors).items()
    if isinstance(value, type) and issubclass(value, errors.BillingError)
}
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")


def _modules(roots: list[Path], files: list[Path]) -> list[Path]:
    found = [p for root in roots for p in sorted(root.rglob("*.py"))] + files
    missing = [p for p in found if not p.exists()]
    assert not missing, f"moved? update the lists above: {missing}"
    return found


def _error_calls(tree: ast.AST) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name | ast.Attribute)
        and (node.func.id if isinstance(node.func, ast.Name) else node.func.attr) in ERROR_NAMES
    ]


def _strings(node: ast.AST) -> list[str]:
    return [
        n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]


def test_no_message_raised_in_services_names_a_cli_flag() -> None:
    """The grep of the issue: ``raise .*--`` over services/, plus every string in the
    arguments of an error (a multi-line raise is one statement, not one line)."""
    offenders = []
    for path in _modules([SERVICES], []):
        source = path.read_text()
        for number, line in enumerate(source.splitlines(), 1):
            if re.search(r"raise .*--[a-z]", line):
                offenders.append(f"{path.relative_to(SRC)}:{number}: {line.strip()}")
        for call in _error_calls(ast.parse(source)):
            for text in _strings(call):
                if FLAG.search(text):
                    offenders.append(f"{path.relative_to(SRC)}:{call.lineno}: {text!r}")
    assert not offenders, "services name CLI flags (raise a reason with a field instead):\n" + (
        "\n".join(offenders)
    )


def test_every_error_below_the_cli_is_raised_with_a_registered_reason() -> None:
    known = set(REASONS) | set(NOTES)
    offenders = []
    for path in _modules(FACELESS, FACELESS_FILES):
        for call in _error_calls(ast.parse(path.read_text())):
            if not call.args:
                continue
            first = call.args[0]
            where = f"{path.relative_to(SRC)}:{call.lineno}"
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                if first.value not in known:
                    offenders.append(f"{where}: {first.value!r} is not a reason")
            elif isinstance(first, ast.JoinedStr | ast.BinOp):
                offenders.append(f"{where}: a sentence built in place, not a reason")
    assert not offenders, (
        f"{len(offenders)} error(s) raised with words instead of a reason "
        "(add the reason and its template to i18n/errors.py):\n" + "\n".join(offenders)
    )


def test_no_reason_template_names_a_cli_flag() -> None:
    flagged = [f"{reason}: {entry.template}" for reason, entry in REASONS.items()
               if FLAG.search(entry.template)]  # fmt: skip
    assert not flagged, "\n".join(flagged)


@functools.cache
def _raised_as() -> dict[str, set[str]]:
    """Each literal reason below the CLI and in it: the error classes it is raised with."""
    found: dict[str, set[str]] = {}
    for path in _modules([*FACELESS, SRC / "cli"], FACELESS_FILES):
        for call in _error_calls(ast.parse(path.read_text())):
            first = call.args[0] if call.args else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                func = call.func
                name = func.id if isinstance(func, ast.Name) else func.attr
                found.setdefault(first.value, set()).add(name)
    return found


@pytest.mark.parametrize("reason", sorted(REASONS))
def test_a_reason_is_raised_as_its_documented_family(reason: str) -> None:
    """Each reason is raised with the error class the registry (and the docs) give it."""
    expected = REASONS[reason].family
    assert _raised_as().get(reason, set()) <= {expected}, (reason, _raised_as()[reason])


def test_every_next_operation_has_a_command() -> None:
    """An error's ``next`` is an operation the CLI can name as a command: a next step
    without one would reach the operator as a method name (``start_change``)."""
    from guance_billing_cli.cli.toolkit.words import OPERATION_COMMANDS, declared_command

    named = set()
    for path in _modules([*FACELESS, SRC / "cli"], FACELESS_FILES):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.keyword)
                and node.arg == "next_step"
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                named.add(node.value.value)
    assert len(named) > 5
    known = set(OPERATION_COMMANDS) | {n for n in named if declared_command(n)}
    assert not named - known, sorted(named - known)
