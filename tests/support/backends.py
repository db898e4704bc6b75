"""The backend matrix (issue 10) and the test tiers (issue 20).

Every test that uses the ``cli`` fixture (or asks for ``transport``/``backend``) runs on
each selected backend:

  local      LocalClient on a SQLite file in the test's GUANCE_BILLING_HOME
  local-pg   LocalClient on a fresh PostgreSQL database (GUANCE_BILLING_STORE)
  remote     HttpClient -> the real FastAPI app (in-process ASGI) over that SQLite file
  remote-pg  HttpClient -> the real FastAPI app over a fresh PostgreSQL database

Selecting (one way): ``--backends`` = ``quick`` (local,remote; the default), ``all``, or
a comma list; its default comes from the environment variable GUANCE_BILLING_TEST_BACKENDS.

Declaring (one way, markers): a test about one side says so:

  @pytest.mark.local_only   LocalClient only (local, local-pg): about the local store
  @pytest.mark.sqlite_only  the local SQLite file only (file modes, WAL, --store PATH)
  @pytest.mark.remote_only  through the server only (remote, remote-pg)

(``pytestmark = pytest.mark.sqlite_only`` for a whole module); a test that asks for
``remote_server`` is remote-only by itself.

Tiers (``--tier``): ``fast`` is what ``make test`` runs: the tests not marked
``@pytest.mark.slow``, each matrix test on ONE of local/remote (alternating test by test
down each file: see ``fast_backend``); ``rest`` is exactly everything
else on the selected backends; ``all`` (the default) is both.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.support.remote import RemoteServer

BACKENDS = ("local", "local-pg", "remote", "remote-pg")
BACKEND_SETS = {"quick": ("local", "remote"), "all": BACKENDS}
LOCAL_BACKENDS = frozenset({"local", "local-pg"})
REMOTE_BACKENDS = frozenset({"remote", "remote-pg"})
PG_BACKENDS = frozenset({"local-pg", "remote-pg"})
# The fast tier's backends: one local and one remote, no PostgreSQL server needed.
FAST_BACKENDS = ("local", "remote")
TIERS = ("fast", "rest", "all")


def parse_backends(value: str) -> tuple[str, ...]:
    """`quick`, `all` or a comma list of backend names, in matrix order."""
    names: set[str] = set()
    for part in value.replace(" ", "").split(","):
        if not part:
            continue
        if part in BACKEND_SETS:
            names.update(BACKEND_SETS[part])
        elif part in BACKENDS:
            names.add(part)
        else:
            choices = ", ".join((*BACKEND_SETS, *BACKENDS))
            raise pytest.UsageError(f"unknown test backend {part!r}; choose from {choices}")
    return tuple(b for b in BACKENDS if b in names)


def allowed_backends(node: pytest.Item | pytest.Function, fixturenames: Iterable[str]) -> set[str]:
    """The backends a test declares it runs on (its markers)."""
    if node.get_closest_marker("sqlite_only"):
        return {"local"}
    if node.get_closest_marker("local_only"):
        return set(LOCAL_BACKENDS)
    if node.get_closest_marker("remote_only") or "remote_server" in fixturenames:
        return set(REMOTE_BACKENDS)
    return set(BACKENDS)


def item_backend(item: pytest.Item) -> str | None:
    """The backend a collected test runs on; None outside the matrix."""
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return None
    value = callspec.params.get("transport")
    return value if isinstance(value, str) else None


def fast_backend(item: pytest.Item) -> str | None:
    """Where the fast tier runs a matrix test: one of FAST_BACKENDS (None: neither, e.g. a
    PostgreSQL-only test). A test allowed on both alternates with its neighbours in the
    file (1st test function local, 2nd remote, ...), so that each file, and each command
    a file tests, runs on both transports."""
    fixturenames = getattr(item, "fixturenames", ())
    choices = [b for b in FAST_BACKENDS if b in allowed_backends(item, fixturenames)]
    if len(choices) < 2:
        return choices[0] if choices else None
    module = getattr(item, "module", None)
    tests = [name for name in vars(module) if name.startswith("test")] if module else []
    name = getattr(item, "originalname", item.name)
    return choices[tests.index(name) % 2 if name in tests else 0]


def in_fast_tier(item: pytest.Item) -> bool:
    """In ``make test``: not slow, and outside the matrix or on its ``fast_backend``."""
    if item.get_closest_marker("slow"):
        return False
    backend = item_backend(item)
    return backend is None or backend == fast_backend(item)


@dataclass
class Backend:
    """Where a test's data lives and how the CLI reaches it (the ``backend`` fixture)."""

    name: str
    store_url: str  # the store the data lives in (the server's store for remote ones)
    remote: RemoteServer | None

    @property
    def is_remote(self) -> bool:
        return self.remote is not None

    @property
    def is_postgres(self) -> bool:
        return self.name in PG_BACKENDS
