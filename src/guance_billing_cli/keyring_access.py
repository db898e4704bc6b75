"""Calls into the OS keyring with a timeout (a locked or absent Secret Service can hang).

Shared by the CLI's token store, delivery secrets and ``doctor``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

SERVICE = "guance-billing"
TIMEOUT = 3.0

T = TypeVar("T")


class KeyringUnusable(Exception):
    """The keyring cannot be used; ``str(exc)`` says why."""


def with_timeout(fn: Callable[..., T], *args: Any, timeout: float = TIMEOUT) -> T:
    """Run a keyring call in a thread; KeyringUnusable after ``timeout`` seconds or on failure."""
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = fn(*args)
        except Exception as exc:  # backends raise anything (dbus, OS errors): all mean unusable
            result["error"] = exc

    thread = threading.Thread(target=target, name="keyring", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise KeyringUnusable(f"the keyring did not answer within {timeout:g} s")
    if "error" in result:
        exc = result["error"]
        raise KeyringUnusable(f"the keyring failed: {type(exc).__name__}: {exc}".rstrip(": "))
    return result["value"]  # type: ignore[no-any-return]
