"""All output: rich tables for people; JSON, NDJSON and CSV for programs.

Data goes to stdout, diagnostics to stderr. rich is imported only when a table or
a styled message is printed.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import chain
from typing import Any

from guance_billing_cli.errors import InvalidInput

FORMATS = ("table", "json", "ndjson", "csv")


def to_data(obj: Any) -> Any:
    """Pydantic models (and lists of them) to plain JSON-able data."""
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json")
    if isinstance(obj, Mapping):
        return {k: to_data(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_data(v) for v in obj]
    return obj


def output_format(
    as_json: bool,
    output: str | None,
    *,
    formats: Sequence[str] = FORMATS,
    field: str = "output",
) -> str:
    """The format asked for: json with ``--json``, else ``output`` (default table), one
    of ``formats``; another is a usage error naming the option ``field``."""
    if as_json:
        return "json"
    fmt = (output or "table").lower()
    if fmt not in formats:
        raise InvalidInput("not_one_of", field=field, choices=list(formats))
    return fmt


def _stdout_console() -> Any:
    from rich.console import Console

    # Piped tables are never truncated: give them all the width they need.
    width = None if sys.stdout.isatty() else 10_000
    return Console(soft_wrap=False, highlight=False, width=width)


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _shown(cell: str) -> str:
    """A table cell with invisible and direction-changing characters written out
    (``\\u202e``): a value stored before free text had to be plain cannot disguise
    itself or its neighbours on a terminal."""
    from guance_billing_cli.schemas.plaintext import shown

    return shown(cell)


def write_json(data: Any) -> None:
    sys.stdout.write(json.dumps(to_data(data), ensure_ascii=False, indent=2) + "\n")
    sys.stdout.flush()


def emit(
    obj: Any,
    *,
    as_json: bool,
    title: str | None = None,
    fields: Sequence[str] | None = None,
) -> None:
    """One object: JSON, or a two-column table of its fields."""
    data = to_data(obj)
    if as_json:
        write_json(data)
        return
    from rich.markup import escape
    from rich.table import Table

    from guance_billing_cli.cli.toolkit.words import label

    table = Table(title=title, show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    for key in fields or list(data):
        table.add_row(label(key), escape(_shown(_cell(data.get(key)))))
    _stdout_console().print(table)


def result(
    obj: Any,
    *,
    as_json: bool,
    title: str,
    fields: Sequence[str],
    done: str | None = None,
) -> None:
    """What a command did: ``obj`` as JSON, or as a table and then ``done`` (a success
    line, already in the operator's language) on stderr."""
    emit(obj, as_json=as_json, title=title, fields=fields)
    if done is not None and not as_json:
        success(done)


def code_sent(sent: Any, *, as_json: bool, title: str, next_step: str) -> None:
    """A code went out and the command ends here: the request (``state`` code_sent) as
    JSON, or as a table and then ``next_step`` (worded) on stderr."""
    emit({**to_data(sent), "state": "code_sent"}, as_json=as_json, title=title)
    if not as_json:
        info(next_step)


def listing(
    fetch: Callable[[], Iterable[Any]],
    *,
    as_json: bool,
    output: str | None,
    columns: Sequence[str],
    title: str | None = None,
) -> int:
    """A list command: the format is checked first (a bad ``--output`` asks nothing of
    the store), then the rows ``fetch()`` returns are streamed. Returns their number."""
    fmt = output_format(as_json, output)
    return emit_rows(fetch(), fmt=fmt, columns=columns, title=title)


#: Columns of free text: these wrap. Every other column (ids, dates, codes, states,
#: amounts) is printed whole: never cut, never wrapped, so it can be copied.
FREE_TEXT = frozenset(
    {
        "name", "title", "reason", "description", "company_name", "address", "recipient",
        "bank_name", "region", "contact_name", "message", "detail", "fix", "value", "before",
        "after",
    }
)  # fmt: skip


def _print_table(columns: Sequence[str], cells: list[list[str]], *, title: str | None) -> None:
    """A table that fits the terminal: free text wraps at word boundaries, everything
    else is printed whole; when even that is too wide, one block per record."""
    from rich.cells import cell_len
    from rich.markup import escape
    from rich.table import Table

    from guance_billing_cli.cli.toolkit.words import label

    console = _stdout_console()
    table = Table(title=title)
    cells = [[_shown(cell) for cell in row] for row in cells]
    whole = 0
    for i, column in enumerate(columns):
        header = label(column)  # in the operator's language; CJK cells are two wide
        widest = max([cell_len(header), *(cell_len(row[i]) for row in cells)])
        if column in FREE_TEXT:
            table.add_column(header, overflow="fold", min_width=min(widest, 12))
            whole += min(widest, 12) + 3
        else:
            table.add_column(header, no_wrap=True, min_width=widest)
            whole += widest + 3
    if whole + 1 > console.width:
        if sys.stdout.isatty():  # too narrow for columns: a block per record
            _print_records(console, columns, cells, title=title)
            return
        console.width = whole + 1  # (never reached: piped tables get 10,000 columns)
    for row in cells:
        table.add_row(*(escape(cell) for cell in row))
    console.print(table)


def _print_records(
    console: Any, columns: Sequence[str], cells: list[list[str]], *, title: str | None
) -> None:
    """Each record as label/value lines; free text wraps at word boundaries, an id or a
    date is never split (a value wider than the terminal runs on rather than break)."""
    from rich.markup import escape
    from rich.table import Table

    from guance_billing_cli.cli.toolkit.words import label

    if title:
        console.print(escape(title), style="italic")
    for n, row in enumerate(cells):
        block = Table(show_header=False, box=None, pad_edge=False, expand=False)
        block.add_column(style="bold", no_wrap=True)
        block.add_column(overflow="fold")
        for column, cell in zip(columns, row, strict=True):
            block.add_row(label(column), escape(cell))
        if n:
            console.print()
        console.print(block)


def emit_rows(
    rows: Iterable[Any],
    *,
    fmt: str,
    columns: Sequence[str],
    title: str | None = None,
) -> int:
    """A list, streamed for json/ndjson/csv. Returns the number of rows.

    Nothing reaches stdout before the first row is known good: a list that fails
    at once (not found, refused token) leaves stdout empty, never a lone ``[``.
    """
    out = sys.stdout
    it = iter(rows)
    first = next(it, _END)
    rest: Iterable[Any] = () if first is _END else chain((first,), it)
    count = 0
    if fmt == "json":
        out.write("[")
        for row in rest:
            out.write(
                ("," if count else "") + "\n  " + json.dumps(to_data(row), ensure_ascii=False)
            )
            count += 1
        out.write("\n]\n" if count else "]\n")
    elif fmt == "ndjson":
        for row in rest:
            out.write(json.dumps(to_data(row), ensure_ascii=False) + "\n")
            count += 1
    elif fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for row in rest:
            data = to_data(row)
            writer.writerow([_cell(data.get(c)) for c in columns])
            count += 1
    else:
        cells = [[_cell(to_data(row).get(c)) for c in columns] for row in rest]
        count = len(cells)
        if count:
            _print_table(columns, cells, title=title)
        else:
            from guance_billing_cli.i18n import _

            info(_("No results."))
    out.flush()
    return count


_END = object()


def _diagnostic(message: str, *, mark: str = "") -> None:
    """A line on stderr; styled (with ``mark``) only on a colour terminal."""
    if os.environ.get("NO_COLOR") or not sys.stderr.isatty():
        sys.stderr.write(message + "\n")
        sys.stderr.flush()
        return
    from rich.markup import escape

    _stderr_console().print(mark + escape(message))


def info(message: str) -> None:
    """A diagnostic line on stderr."""
    _diagnostic(message)


def success(message: str) -> None:
    _diagnostic(message, mark="[green]✓[/green] ")


def warn(message: str) -> None:
    from guance_billing_cli.i18n import _

    sys.stderr.write(_("warning: {message}").format(message=message) + "\n")
    sys.stderr.flush()


def error(body: Mapping[str, Any], *, as_json: bool) -> None:
    if as_json:
        sys.stderr.write(json.dumps({"error": dict(body)}, ensure_ascii=False) + "\n")
    else:
        from guance_billing_cli.i18n import _

        sys.stderr.write(_("error: {message}").format(message=body["message"]) + "\n")
    sys.stderr.flush()
