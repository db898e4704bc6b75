"""Issue 22: an audit export is whole or rejected. An attacker who hands an auditor a
file cut after the last event they want seen (or with the ``end`` trailer removed or
edited to hide the cut) gets a failed ``audit verify --file``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests import test_audit_export
from tests.support.cli import CliFn

pytestmark = pytest.mark.slow  # the slow tier: attack simulations

exported = test_audit_export.exported  # an export of 2 of 7 events, and the public key


def _rewrite(export: Path, change: Callable[[list[dict[str, Any]]], None]) -> None:
    lines = [json.loads(line) for line in export.read_text().splitlines()]
    change(lines)
    export.write_text("".join(json.dumps(line) + "\n" for line in lines))


def _drop_end(lines: list[dict[str, Any]]) -> None:
    assert lines[-1]["kind"] == "end"
    del lines[-1]


def _cut_after_first_event(lines: list[dict[str, Any]]) -> None:
    """Keep the header, the checkpoints and events up to the first one: a plausible file
    — but the checkpoint lists more, so this was caught before; dropping the end too is
    the case that passed."""
    first = next(i for i, line in enumerate(lines) if line["kind"] in ("event", "withheld"))
    del lines[first + 1 :]


def _fewer_events(lines: list[dict[str, Any]]) -> None:
    lines[-1]["events"] -= 1


def _fewer_withheld(lines: list[dict[str, Any]]) -> None:
    lines[-1]["withheld"] = 0


def _bad_uncovered(lines: list[dict[str, Any]]) -> None:
    lines[-1]["uncovered"] = "none"


def _line_after_end(lines: list[dict[str, Any]]) -> None:
    lines.append(dict(next(line for line in lines if line["kind"] == "event")))


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (_drop_end, "no end line"),
        (_cut_after_first_event, "events are missing"),
        (_fewer_events, "the end line says 1 events but the export holds 2"),
        (_fewer_withheld, "the end line says 0 withheld but the export holds 3"),
        (_bad_uncovered, "is not a count"),
        (_line_after_end, "after the export's end"),
    ],
    ids=[
        "end-removed",
        "cut-short",
        "events-altered",
        "withheld-altered",
        "uncovered-altered",
        "line-after-end",
    ],
)
def test_an_export_without_its_whole_trailer_fails(
    cli: CliFn,
    exported: tuple[Path, Path],
    change: Callable[[list[dict[str, Any]]], None],
    words: str,
) -> None:
    export, key = exported
    args = ["audit", "verify", "--file", str(export), "--public-key", str(key), "--json"]
    assert cli(*args).exit_code == 0  # the file as exported passes
    _rewrite(export, change)
    result = cli(*args)
    assert result.exit_code in (2, 6), result.stderr
    assert words in json.dumps(result.error), result.error
    assert result.stdout == "" or json.loads(result.stdout).get("ok") is not True
