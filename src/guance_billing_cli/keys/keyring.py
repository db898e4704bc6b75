"""Calls into the OS keyring with a timeout (a locked or absent Secret Service can hang).

Shared by the CLI's token store, delivery secrets and ``doctor``.

A keyring that failed or hung is asked once per process: the verdict is kept for
the process and, in a small file in the config directory, for ``REMEMBER_SECONDS``
so the next commands do not each wait the timeout again (``doctor`` always probes
afresh). A backend that keeps nothing (keyring's documented null backend, the fail
backend, an empty chain) is no keyring at all.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

SERVICE = "guance-billing"
TIMEOUT = 3.0
REMEMBER_SECONDS = 600.0  # how long a failed keyring is not asked again

T = TypeVar("T")

# The process's verdict: (backend object, problem). Keyed by the backend object so a
# new backend (keyring.set_keyring) is asked afresh.
_verdict: tuple[Any, str] | None = None


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


def keeps_nothing(backend: Any) -> bool:
    """The fail or null backend, or a chain of nothing else: no keyring at all."""
    from keyring.backends import chainer, fail, null

    if isinstance(backend, fail.Keyring | null.Keyring):
        return True
    if isinstance(backend, chainer.ChainerBackend):
        return all(keeps_nothing(b) for b in backend.backends)
    return False


def backend_name(backend: Any) -> str:
    return f"{type(backend).__module__}.{type(backend).__qualname__}"


def _verdict_file() -> Any:
    from guance_billing_cli import paths

    return paths.config_dir() / "keyring-verdict.json"


def remembered_problem(backend: Any) -> str | None:
    """Why this backend failed recently (in this process, or within REMEMBER_SECONDS)."""
    if _verdict is not None and _verdict[0] is backend:
        return _verdict[1]
    try:
        data = json.loads(_verdict_file().read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("backend") != backend_name(backend):
        return None
    age = time.time() - float(data.get("at", 0))
    if not 0 <= age < REMEMBER_SECONDS:
        return None
    return f"{data.get('problem')} (remembered from {int(age)} s ago; `doctor` asks again)"


def remember_problem(backend: Any, problem: str) -> None:
    """Keep a failure for this process and, briefly, for the next commands."""
    global _verdict
    _verdict = (backend, problem)
    from guance_billing_cli import paths

    path = _verdict_file()
    try:
        paths.ensure_private_dir(path.parent)
        fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump({"backend": backend_name(backend), "problem": problem, "at": time.time()}, fh)
    except OSError:  # remembering is an optimisation; the verdict still holds in-process
        pass


def forget_problem() -> None:
    """Ask the keyring afresh (``doctor``; after the user fixed it)."""
    global _verdict
    _verdict = None
    with contextlib.suppress(OSError):  # nothing remembered
        _verdict_file().unlink()


def call(name: str, *args: Any, timeout: float = TIMEOUT) -> Any:
    """``keyring.<name>(*args)`` with a timeout, unless this backend is known to fail."""
    import keyring

    backend = keyring.get_keyring()
    problem = remembered_problem(backend)
    if problem:
        raise KeyringUnusable(problem)
    try:
        return with_timeout(getattr(backend, name), *args, timeout=timeout)
    except KeyringUnusable as exc:
        remember_problem(backend, str(exc))
        raise
