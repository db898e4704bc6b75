"""The server's checkpoint writer: a signed checkpoint every N events or M minutes.

``server run --checkpoint-dir DIR`` (or any server on PostgreSQL, without a DIR) starts
one ``Checkpointer`` thread in the process that supervises the workers. It polls the
store and writes a checkpoint (to the store's record, and as a file in DIR if given)
when N events have accumulated since the last one, or M minutes have passed and there
is at least one new event; a last one on shutdown.

Several servers on one store each run one, yet each checkpoint is written once: the
decision and the write are one transaction under the audit append lock, so the second
server finds the first's checkpoint and nothing due. Each host's DIR then holds the
checkpoints its own process wrote; ``audit verify --checkpoints DIR`` fills the rest
from the store's signed record (``audit_proofs._store_copies``).
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
        self, store_url: str, directory: Path | None, schedule: Schedule, *, poll: float = 1.0
    ) -> None:
        super().__init__(name="audit-checkpointer", daemon=True)
        from guance_billing_cli.client.connect import store_client
        from guance_billing_cli.services.context import Actor

        self.client = store_client(
            store_url, actor=Actor(name="server:checkpointer", role="support"), migrate=False
        )
        self.directory = directory
        self.schedule = schedule
        self.poll = poll
        self.stopping = threading.Event()
        self.written: list[Path] = []
        self.last_failure: str | None = None

    def write_if_due(self, *, final: bool = False) -> str | None:
        """Decide and sign in one write transaction (several servers: one writes); then
        copy the checkpoint to DIR, if any. What was written, for the log."""
        from guance_billing_cli.audit import files as audit_files
        from guance_billing_cli.services import audit_proofs

        with self.client.context(write=True) as ctx:
            signed = audit_proofs.checkpoint_if_due(
                ctx, events=self.schedule.events, seconds=self.schedule.seconds, final=final
            )
        if signed is None:
            return None
        label = signed.label or "checkpoint"
        if self.directory is None:
            return f"{label} (in the store)"
        text = audit_files.checkpoint_text(signed.statement, signed.signature)
        path = audit_files.write_checkpoint(self.directory, label, text)
        self.written.append(path)
        return str(path)

    def tick(self, *, final: bool = False) -> None:
        try:
            written = self.write_if_due(final=final)
            if written:
                sys.stderr.write(f"audit checkpoint written: {written}\n")
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


def anchors_by_default(store_url: str) -> bool:
    """A server on PostgreSQL (the several-servers set-up) anchors even without a DIR."""
    return store_url.startswith(("postgresql", "postgres"))


@contextlib.contextmanager
def running(store_url: str, directory: Path | None, every: str) -> Iterator[None]:
    """Run a checkpointer around the server: with a directory, or on PostgreSQL by
    default (checkpoints kept in the store); ``every`` ``off`` turns it off."""
    if every.strip().lower() == "off" or (directory is None and not anchors_by_default(store_url)):
        yield
        return
    checkpointer = Checkpointer(store_url, directory, parse_every(every))
    checkpointer.start()
    try:
        yield
    finally:
        checkpointer.stop()
