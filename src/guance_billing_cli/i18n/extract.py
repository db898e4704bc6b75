"""Babel extractor: the ``_()`` / ``N_()`` messages of a module, and its help summaries.

Used only when catalogs are made (``make catalogs``, the catalog test); it imports
Babel, which the installed tool never does. Besides the marked messages it yields
the help of every command, so ``--help`` is in the operator's language without a
marker in each docstring:

- the docstring of a function decorated with ``@<typer>.command(...)`` or
  ``@<typer>.callback(...)`` and the ``help=`` string of ``typer.Typer(...)``: the
  summary line, each paragraph, the heading of an example block (its command lines
  stay as written), cut as ``i18n.help_segments`` cuts them at run time;
- the ``help=`` string of every ``typer.Option(...)`` / ``typer.Argument(...)``.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

from babel.messages.extract import extract_python

KEYWORDS = {
    "_": None,
    "N_": None,
    "ngettext": (1, 2),
    "translate": (1,),
    "pgettext_noop": ((1, "c"), 2),
}
HELP_COMMENT = "help of a command"


def _words(text: str) -> list[str]:
    """The parts of a command's help that the catalog holds (``i18n.help_segments``)."""
    from guance_billing_cli.i18n import help_segments

    return [part for part, words in help_segments(text) if words] if text.strip() else []


def _is_command_decorator(node: ast.expr) -> bool:
    target = node.func if isinstance(node, ast.Call) else node
    return isinstance(target, ast.Attribute) and target.attr in ("command", "callback")


def help_summaries(source: str) -> Iterator[tuple[int, str]]:
    """(line, words) for every command docstring, ``Typer(help=...)`` and
    ``.command(help=...)`` (its summary, its
    paragraphs, the heading of an example) and every ``help=`` of a ``typer.Option`` or
    ``typer.Argument`` (as written: the CLI looks it up whole)."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and any(
            _is_command_decorator(d) for d in node.decorator_list
        ):
            doc = ast.get_docstring(node)
            for part in _words(doc or ""):
                yield node.lineno, part
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name not in ("Typer", "command", "callback", "Option", "Argument"):
                continue
            for keyword in node.keywords:
                value = keyword.value
                if (
                    keyword.arg == "help"
                    and isinstance(value, ast.Constant)
                    and isinstance(value.value, str)
                ):
                    if name in ("Typer", "command", "callback"):  # a command's whole help
                        for part in _words(inspect.cleandoc(value.value)):
                            yield node.lineno, part
                    elif value.value.strip():
                        yield node.lineno, value.value


def extract(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: dict[str, Any],
) -> Iterator[tuple[int, str | None, str | tuple[str, ...], list[str]]]:
    yield from extract_python(fileobj, keywords, comment_tags, options)  # type: ignore[arg-type,misc]
    fileobj.seek(0)
    source = fileobj.read().decode(options.get("encoding", "utf-8"))
    for lineno, text in help_summaries(source):
        yield lineno, None, text, [HELP_COMMENT]


def messages(paths: Any) -> dict[tuple[str, str | None], list[str]]:
    """(msgid, context) -> places, for every message in ``paths`` (the catalog test uses it)."""
    from babel.messages.extract import extract as babel_extract

    found: dict[tuple[str, str | None], list[str]] = {}
    for path in paths:
        with open(path, "rb") as fh:
            found_here = babel_extract(extract, fh, KEYWORDS)  # type: ignore[arg-type]
            for lineno, message, _comments, context in found_here:
                msgid = message if isinstance(message, str) else message[0]
                found.setdefault((msgid, context), []).append(f"{path}:{lineno}")
    return found
