"""The server's checkpoint writer: a signed checkpoint every N events or M minutes.

``server run --checkpoint-dir DIR`` starts one ``Checkpointer`` thread in the process
that supervises the workers, so there is exactly one writer however many workers
serve requests. It polls the store, and writes a checkpoint (to the store's record
and as a file in DIR) when N events have accumulated since the last one, or M
minutes have passed and there is at least one new event; a last one on shutdown.
"""

from __future__ import annotations

import contextlib
import re
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from guance_billing_cli.errors import BillingError, InvalidInput

DEFAULT_EVERY = "1000,10m"
_PART = re.compile(r"^(\d+)([smh]?)$")
_SECONDS = {"s": 1, "m": 60, "h": 3600}


@dataclass(frozen=True)
class Schedule:
    events: int | None
    seconds: float | None


def parse_every(text: str) -> Schedule:
    """``"1000"`` events, ``"10m"`` time, or both: ``"1000,10m"`` (s, m, h)."""
    events: int | None = None
    seconds: float | None = None
    for part in (p.strip() for p in text.split(",")):
        match = _PART.fullmatch(part)
        if not match or int(match.group(1)) < 1:
            raise InvalidInput("checkpoint_interval", field="checkpoint_every", value=part)
        if match.group(2):
            seconds = int(match.group(1)) * _SECONDS[match.group(2)]
        else:
            events = int(match.group(1))
    return Schedule(events, seconds)


class Checkpointer(threading.Thread):
    def __init__(
        self, store_url: str, directory: Path, schedule: Schedule, *, poll: float = 1.0
    ) -> None:
        super().__init__(name="audit-checkpointer", daemon=True)
        from guance_billing_cli.client.local import LocalClient
        from guance_billing_cli.services.context import Actor

        self.client = LocalClient(
            store_url, actor=Actor(name="server:checkpointer", role="support"), migrate=False
        )
        self.directory = directory
        self.schedule = schedule
        self.poll = poll
        self.stopping = threading.Event()
        self.written: list[Path] = []
        self.last_failure: str | None = None

    def due(self, *, final: bool = False) -> bool:
        from guance_billing_cli import clock
        from guance_billing_cli.services import audit_proofs

        with self.client.context(write=False) as ctx:
            new, last_at, intact = audit_proofs.pending(ctx)
        if not intact:
            return True  # writing fails and says why: the signed end of the trail is gone
        if new == 0:
            return False
        if final or last_at is None or (self.schedule.events and new >= self.schedule.events):
            return True
        age = (clock.now() - last_at).total_seconds()
        return bool(self.schedule.seconds and age >= self.schedule.seconds)

    def write(self) -> Path:
        from guance_billing_cli import audit_files

        signed = self.client.write_audit_checkpoint()
        text = audit_files.checkpoint_text(signed.statement, signed.signature)
        path = audit_files.write_checkpoint(self.directory, signed.label or "checkpoint", text)
        self.written.append(path)
        return path

    def tick(self, *, final: bool = False) -> None:
        try:
            if self.due(final=final):
                path = self.write()
                sys.stderr.write(f"audit checkpoint written: {path}\n")
                sys.stderr.flush()
        except BillingError as exc:  # keep serving; the operator sees why in the log (once)
            if exc.message != self.last_failure:
                sys.stderr.write(f"audit checkpoint failed: {exc.message}\n")
                sys.stderr.flush()
            self.last_failure = exc.message
        else:
            self.last_failure = None

    def run(self) -> None:
        while not self.stopping.wait(self.poll):
            self.tick()

    def stop(self) -> None:
        self.stopping.set()
        if self.is_alive():
            self.join(timeout=30)
        self.tick(final=True)
        self.client.close()


@contextlib.contextmanager
def running(store_url: str, directory: Path | None, every: str) -> Iterator[None]:
    """Run a checkpointer around the server when a directory is configured."""
    if directory is None:
        yield
        return
    checkpointer = Checkpointer(store_url, directory, parse_every(every))
    checkpointer.start()
    try:
        yield
    finally:
        checkpointer.stop()
