"""Races that really race (issue 10): processes whose first write waits at one barrier
until all of them are ready (``race_runner.py`` is the process)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

RUNNER = Path(__file__).parent / "race_runner.py"


@dataclass
class Race:
    where: Path
    parties: int

    def command(self, *args: str) -> list[str]:
        return [sys.executable, str(RUNNER), *args]

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        return {
            **(os.environ if base is None else base),
            "RACE_DIR": str(self.where),
            "RACE_PARTIES": str(self.parties),
        }

    def assert_raced(self, within: float = 2.0) -> None:
        """Every racer waited at the barrier, and they were released together."""
        assert not list(self.where.glob("timeout-*")), "a racer gave up waiting"
        released = [float(p.read_text()) for p in self.where.glob("released-*")]
        assert len(released) == self.parties, released
        assert max(released) - min(released) < within, released
