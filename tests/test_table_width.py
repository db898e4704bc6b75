"""Tables fit the terminal (issue 23), in a real 80-column terminal (tmux).

Free text wraps at word boundaries; when the columns cannot fit, each record is a
block of label/value lines; an id, a state or a date is never split.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support.tmux import BIN_DIR, needs_tmux, terminal

pytestmark = [
    pytest.mark.slow,
    needs_tmux,
    pytest.mark.sqlite_only,
]  # the slow tier: a real terminal (tmux)

LONG_NAME = "Production observability for the European storefront and its checkout"


def _cli(home: Path, *args: str) -> None:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("GUANCE_BILLING_")}
    env.update(GUANCE_BILLING_HOME=str(home), NO_COLOR="1")
    done = subprocess.run(
        [str(BIN_DIR / "guance-billing"), *args], capture_output=True, text=True, env=env,
        timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def _lines(screen: str, start: str) -> list[str]:
    return screen[screen.index(start) :].splitlines()


def test_a_wide_list_folds_to_records_in_80_columns(home: Path, tmp_path: Path) -> None:
    _cli(home, "account", "create", "--username", "acme", "--company-name", "Acme Ltd",
         "--email", "ops@acme.example.com", "--phone", "+8613800138000")  # fmt: skip
    _cli(home, "account", "use", "acme")
    _cli(home, "workspace", "add", "--id", "ws_production_eu_01", "--name", LONG_NAME,
         "--site", "us1")  # fmt: skip
    _cli(home, "workspace", "add", "--id", "ws_staging", "--name", "Staging", "--site", "cn1")
    with terminal(home, tmp_path, width=80) as term:
        term.run("guance-billing workspace list")
        assert term.exit_code() == 0
        screen = term.screen()  # -J: a line the terminal wrapped comes back whole
    lines = _lines(screen, "Workspaces")
    assert all(len(line.rstrip()) <= 80 for line in lines), "\n".join(lines)
    text = "\n".join(lines)
    for whole in ("ws_production_eu_01", "ws_staging", "billing_center", "active"):
        assert whole in text  # never split
    assert text.count("state") == 2  # a block per record, each with its labels
    # the long name wraps (if at all) between words, never inside one
    words = set(text.split())
    assert {"Production", "observability", "storefront", "checkout"} <= words


def test_a_list_that_fits_stays_a_table(home: Path, tmp_path: Path) -> None:
    _cli(home, "config", "set", "account", "acme")
    with terminal(home, tmp_path, width=80) as term:
        term.run("guance-billing config show")
        assert term.exit_code() == 0
        screen = term.screen()
    lines = _lines(screen, "Configuration")
    assert any("key" in line and "value" in line and "source" in line for line in lines)
    assert any("account" in line and "acme" in line for line in lines)  # one row a key
    assert all(len(line.rstrip()) <= 80 for line in lines)
