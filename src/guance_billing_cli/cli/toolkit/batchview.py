"""Showing a batch: per-row results, the summary, the exit code, the progress bar.

Exit codes (DESIGN §3): 0 when no row was refused, 9 when some were, 6 when all
were. The results are printed first, then the error (so ``--json`` still gets the
whole ``results`` document on stdout).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from guance_billing_cli.cli.toolkit import render
from guance_billing_cli.errors import BatchPartlyFailed, BillingError, RuleViolation
from guance_billing_cli.i18n import _

RESULT_COLUMNS = ("line", "workspace_id", "result", "from", "to", "reason")
TABLE_ROWS = 50  # beyond this the table shows refused rows only
PROGRESS_THRESHOLD = 500  # rows; smaller batches finish before a bar would help


def on_terminal() -> bool:
    """A person is watching stderr (not piped, not CI)."""
    return sys.stderr.isatty() and not os.environ.get("CI")


@contextmanager
def progress(total: int, label: str) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on stderr for large batches at a terminal; else nothing."""
    if total < PROGRESS_THRESHOLD or not on_terminal():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total)

        def update(done: int, all_: int) -> None:
            bar.update(task, completed=done, total=all_)

        yield update


def run(
    items: list[Any],
    call: Callable[[list[Any], Callable[[int, int], None] | None], Any],
    *,
    label: str,
    verb: str,
    fmt: str,
) -> None:
    """A batch command's work: ``call(items, progress)`` under a progress bar (``label``;
    large batches at a terminal only), then its results shown as ``show`` does."""
    with progress(len(items), label) as on_progress:
        result = call(items, on_progress)
    show(result, fmt=fmt, verb=verb)


def show(result: Any, *, fmt: str, verb: str) -> None:
    """Print ``result`` (a BatchResult) and raise the batch's exit code if rows were refused.

    Each row's ``reason`` is written by the CLI, in the operator's language; scripts
    read ``reason_code`` and ``params``, which never change with the language."""
    for row in result.results:
        if row.reason_code:
            row.reason = _reason_words(row.reason_code, row.params)
    if fmt == "json":
        # pydantic's own serializer: 10,000 rows in ~20 ms, where json.dumps(indent=2)
        # falls back to the pure-Python encoder and costs more than the whole bind.
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
        sys.stdout.flush()
    else:
        rows = render.to_data(result.results)
        if fmt in ("ndjson", "csv"):
            render.emit_rows(rows, fmt=fmt, columns=RESULT_COLUMNS)
        else:
            shown = (
                rows if len(rows) <= TABLE_ROWS else [r for r in rows if r["result"] == "refused"]
            )
            if shown:
                render.emit_rows(shown[:TABLE_ROWS], fmt="table", columns=RESULT_COLUMNS)
            if len(shown) > TABLE_ROWS:
                render.info(
                    _("... {count} more; use --json or --output csv for all rows").format(
                        count=len(shown) - TABLE_ROWS
                    )
                )
    summary = dict(result.summary)
    parts = ", ".join(f"{k} {v}" for k, v in summary.items() if v or k in (verb, "refused"))
    total = len(result.results)
    refused = summary.get("refused", 0)
    if result.dry_run and fmt != "json":  # under --json, stderr carries a JSON error or nothing
        render.info(_("Dry run: nothing was written."))
    if not refused:
        if fmt != "json":  # under --json, stderr carries a JSON error or nothing
            render.success(_("{total} row(s): {parts}.").format(total=total, parts=parts))
        return
    if refused == total:
        raise RuleViolation("batch_all_refused", total=total, summary=summary)
    raise BatchPartlyFailed(
        "batch_partly_refused", refused=refused, total=total, parts=parts, summary=summary
    )


def _reason_words(code: str, params: dict[str, Any] | None) -> str:
    from guance_billing_cli.cli.toolkit.words import describe

    return describe(BillingError(code, **(params or {})))
