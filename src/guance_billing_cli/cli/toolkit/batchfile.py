"""Batch input files for `cloud bind|unbind --from-file` and `workspace add --from-file`.

Accepted (one format per file, detected from the first meaningful line):

- one workspace id a line (bind/unbind only);
- CSV with a header row naming the columns (``workspace_id`` for bind/unbind;
  ``id,name,site`` for add); one record per line (no quoted newlines);
- NDJSON: one JSON object a line with the same keys.

Blank lines and lines starting with ``#`` are skipped. UTF-8 (a BOM is allowed)
or UTF-16 with a BOM. A line that cannot be used (bad encoding, bad JSON, wrong
number of CSV fields, missing key, too long) becomes a row with its line number
and an ``error``, which the service reports as ``refused``: a bad line never stops
the batch. Only an unreadable file or a CSV header without the needed columns
fails the whole command (exit 2). Stdlib only: this runs before any heavy import.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from guance_billing_cli.errors import InvalidInput

MAX_LINE = 4096  # characters; longer lines are refused rows, not parsed


Row = dict[str, Any]  # line, and workspace_id (+ name, site) or error: a BatchItem's fields


def row(line: int | None, **fields: str | None) -> Row:
    return {"line": line, **fields}


def read_source(source: str) -> bytes:
    """The bytes of ``source`` (a path, or ``-`` for stdin)."""
    if source == "-":
        from guance_billing_cli.cli.toolkit.prompts import note_reading_terminal
        from guance_billing_cli.i18n import _

        note_reading_terminal(_("workspace ids"))
        return sys.stdin.buffer.read()
    try:
        return Path(source).read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InvalidInput(
            "from_file_unreadable", field="from_file", path=source, why=reason
        ) from None


def _lines(data: bytes) -> Iterator[tuple[int, str | None, str | None]]:
    """(line number, text or None, error or None) for every physical line."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise InvalidInput("from_file_utf16", field="from_file") from None
        for number, line in enumerate(text.split("\n"), 1):
            if "\x00" in line:
                yield number, None, "line contains a NUL character"
                continue
            yield number, line.rstrip("\r"), None
        return
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for number, raw in enumerate(data.split(b"\n"), 1):
        if len(raw) > MAX_LINE * 4:
            yield number, None, f"line is longer than {MAX_LINE} characters"
            continue
        if b"\x00" in raw:  # no store can hold it, and a server refuses it whole
            yield number, None, "line contains a NUL character"
            continue
        try:
            yield number, raw.rstrip(b"\r").decode("utf-8"), None
        except UnicodeDecodeError:
            yield number, None, "line is not valid UTF-8"


def _meaningful(text: str) -> bool:
    stripped = text.strip()
    return bool(stripped) and not stripped.startswith("#")


def parse(data: bytes, *, columns: Sequence[str], plain_ids: bool) -> list[Row]:
    """Rows of a batch file. ``columns``: the keys each record needs, the id first."""
    rows: list[Row] = []
    mode: str | None = None
    header: list[str] = []
    for number, text, error in _lines(data):
        if error is None and text is not None and len(text) > MAX_LINE:
            error = f"line is longer than {MAX_LINE} characters"
        if error is not None:
            rows.append(row(number, error=error))
            continue
        assert text is not None
        if not _meaningful(text):
            continue
        text = text.strip()
        if mode is None:
            mode, header = _detect(text, columns, plain_ids=plain_ids)
            if mode == "csv":
                continue
        if mode == "ndjson":
            rows.append(_from_json(number, text, columns))
        elif mode == "csv":
            rows.append(_from_csv(number, text, header, columns))
        else:
            rows.append(row(number, workspace_id=text))
    return rows


def _detect(text: str, columns: Sequence[str], *, plain_ids: bool) -> tuple[str, list[str]]:
    if text.startswith("{"):
        return "ndjson", []
    fields = _csv_fields(text)
    names = [f.strip().lower() for f in fields] if fields is not None else []
    if columns[0] in names or len(names) > 1:
        missing = [c for c in columns if c not in names]
        if missing:
            raise InvalidInput(
                "from_file_missing_columns",
                field="from_file",
                missing=missing,
                columns=",".join(columns),
            )
        return "csv", names
    if plain_ids:
        return "ids", []
    raise InvalidInput(
        "from_file_no_header",
        field="from_file",
        columns=",".join(columns),
    )


def _csv_fields(text: str) -> list[str] | None:
    try:
        return next(csv.reader([text]))
    except (csv.Error, StopIteration):
        return None


def _row(number: int, values: dict[str, str], columns: Sequence[str]) -> Row:
    if "name" in columns:
        return row(
            number,
            workspace_id=values.get(columns[0]),
            name=values.get("name"),
            site=values.get("site"),
        )
    return row(number, workspace_id=values.get(columns[0]))


def _from_csv(number: int, text: str, header: list[str], columns: Sequence[str]) -> Row:
    fields = _csv_fields(text)
    if fields is None:
        return row(number, error="line is not valid CSV")
    if len(fields) != len(header):
        return row(number, error=f"expected {len(header)} CSV fields, found {len(fields)}")
    values = {name: value.strip() for name, value in zip(header, fields, strict=True)}
    if not values.get(columns[0]):
        return row(number, error=f"empty {columns[0]}")
    return _row(number, values, columns)


def _from_json(number: int, text: str, columns: Sequence[str]) -> Row:
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):
        return row(number, error="line is not a valid JSON object")
    if not isinstance(obj, dict):
        return row(number, error="line is not a JSON object")
    values: dict[str, str] = {}
    for column in columns:
        value = obj.get(column)
        if not isinstance(value, str) or not value.strip():
            return row(number, error=f"missing or non-string {column!r}")
        values[column] = value.strip()
    return _row(number, values, columns)


def collect(
    ids: Sequence[str], source: str | None, *, columns: Sequence[str], plain_ids: bool
) -> list[Row]:
    """Workspace ids from arguments (no line number) followed by the file's rows."""
    rows = [row(None, workspace_id=i) for i in ids]
    if source is not None:
        rows += parse(read_source(source), columns=columns, plain_ids=plain_ids)
    return rows
