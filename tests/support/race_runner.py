"""Run ``guance-billing ARGS`` in this process, with its first write transaction held
at a barrier shared by every racer: each racer marks its arrival in RACE_DIR, then
waits until RACE_PARTIES racers have arrived, then writes. So the racers really do
write at once (a test's Popen order or stdin timing cannot serialise them).

Each racer leaves ``released-<pid>`` (the time it passed the barrier) for the test.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from guance_billing_cli.client.local import LocalClient

TIMEOUT = 60.0
_waited = False


def barrier() -> None:
    where = Path(os.environ["RACE_DIR"])
    parties = int(os.environ["RACE_PARTIES"])
    (where / f"arrived-{os.getpid()}").touch()
    deadline = time.monotonic() + TIMEOUT
    while len(list(where.glob("arrived-*"))) < parties:
        if time.monotonic() > deadline:
            (where / f"timeout-{os.getpid()}").touch()
            return
        time.sleep(0.002)
    (where / f"released-{os.getpid()}").write_text(repr(time.time()))


_context = LocalClient.context


def context(self, *, write, request_id=None):  # type: ignore[no-untyped-def]
    global _waited
    if write and not _waited:
        _waited = True
        barrier()
    return _context(self, write=write, request_id=request_id)


LocalClient.context = context  # type: ignore[method-assign]

if __name__ == "__main__":
    from guance_billing_cli.app import app

    sys.exit(app(sys.argv[1:], prog_name="guance-billing"))
