"""Shared set-up of the benchmarks."""

from __future__ import annotations

import compileall
import os
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"


def like_an_install() -> None:
    """Measure the tool as installed: with bytecode cached.

    `pip install` compiles site-packages at install time, so the baselines
    (`import typer`, `import sqlmodel`, ...) load cached bytecode. An editable
    checkout under PYTHONDONTWRITEBYTECODE would recompile our ~10k lines on
    every start and measure the compiler instead of the tool.
    """
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    compileall.compile_dir(str(SRC), quiet=1)


def cli_cmd(*args: str) -> list[str]:
    """The installed `guance-billing` beside this Python, else `python -m`."""
    import sys

    script = Path(sys.executable).parent / "guance-billing"
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-m", "guance_billing_cli", *args]


# The account every local benchmark reads: `account create` then `account use`.
BENCH_ACCOUNT = (
    "account",
    "create",
    "--username",
    "bench",
    "--company-name",
    "Bench Ltd",
    "--email",
    "bench@example.com",
    "--phone",
    "+8613800138000",
)
