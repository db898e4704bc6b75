"""Password hashing off the request path: argon2 on a small low-priority thread pool.

Shared by logins (``login``) and password changes (``credentials``); below both, so
neither imports the other for it.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from typing import Any, TypeVar

from guance_billing_cli.services.context import ServiceContext

#: how a service that opens its own transactions (a login, a password change) gets them
OpenContext = Callable[..., AbstractContextManager[ServiceContext]]
T = TypeVar("T")

# argon2 is slow on purpose (memory- and CPU-hard): a burst of logins would take every
# core from the server's other requests. Logins hash on a small pool of threads
# running at a lower scheduling priority (Linux niceness is per thread; the threads
# argon2 starts inherit it), so other accounts' requests go first and at most
# HASH_THREADS hashes (64 MiB each) run at once per server process.
HASH_THREADS = 2
HASH_NICENESS = 10
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _lower_priority() -> None:
    # not every platform has per-thread priorities; hashing works either way
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASH_NICENESS)


def hash_at_low_priority(work: Callable[..., T], *args: Any) -> T:
    """``work(*args)`` (an argon2 verify or hash) on the low-priority hashing pool."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                max_workers=HASH_THREADS, thread_name_prefix="argon2", initializer=_lower_priority
            )
    return _pool.submit(work, *args).result()
