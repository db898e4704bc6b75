"""One SQLite writer at a time, in arrival order instead of by polling.

SQLite lets one transaction write at a time. Left alone, concurrent writers poll
for the lock (SQLite's busy handler sleeps up to 100 ms between tries), so under
16 clients the unlucky ones wait seconds (issue 12: p99 1.2 s for a one-workspace
bind). Queued instead — the threads of a worker on a lock, the workers of a
server on ``flock`` of a file beside the database — a writer starts as soon as the
one before it commits. PostgreSQL needs none of this (its locks queue already).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

try:
    import fcntl
except ImportError:  # Windows: one worker process, so the thread lock alone suffices
    fcntl = None  # type: ignore[assignment]


class WriteQueue:
    def __init__(self, db_path: str) -> None:
        self.path = f"{db_path}.write-lock"
        self._threads = threading.Lock()
        self._fd: int | None = None

    @contextmanager
    def turn(self) -> Iterator[None]:
        with self._threads:
            if fcntl is None:
                yield
                return
            if self._fd is None:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
