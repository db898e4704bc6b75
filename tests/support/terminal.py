"""The CLI in a subprocess on a real pseudo-terminal (the ``terminal`` fixture), for
prompts. (``tests.support.tmux`` is a whole bash in tmux, for completion and shells.)"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\r")


@dataclass
class Screen:
    exit_code: int
    text: str  # everything the terminal showed, escape sequences removed


def terminal_env() -> dict[str, str]:
    return {
        **os.environ,
        "TERM": "xterm",
        "PROMPT_TOOLKIT_NO_CPR": "1",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        "COLUMNS": "200",
        "LINES": "50",
    }


class Terminal:
    """The CLI in a subprocess on a real pseudo-terminal, on the test's backend."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def run(
        self, *args: str, answers: Sequence[tuple[str, str]] = (), timeout: float = 30
    ) -> Screen:
        """Run ``guance-billing ARGS``; when the screen shows ``prompt``, type ``keys``."""
        import select
        import subprocess
        import sys
        import time

        master, slave = os.openpty()
        proc = subprocess.Popen(
            [sys.executable, "-m", "guance_billing_cli", *args],
            stdin=slave, stdout=slave, stderr=slave, env=self.env, start_new_session=True,
        )  # fmt: skip
        os.close(slave)
        seen, pending = "", list(answers)
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                ready, _, _ = select.select([master], [], [], 0.1)
                if ready:
                    try:
                        chunk = os.read(master, 4096)
                    except OSError:  # the child closed the terminal
                        break
                    if not chunk:
                        break
                    seen += chunk.decode("utf-8", "replace")
                if pending and pending[0][0] in ANSI.sub("", seen):
                    os.write(master, pending.pop(0)[1].encode())
                if proc.poll() is not None and not ready:
                    break
            code = proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            os.close(master)
        return Screen(code, ANSI.sub("", seen))
