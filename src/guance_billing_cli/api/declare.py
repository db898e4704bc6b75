"""How an operation is declared: once, on its method in ``api/<noun>.py``.

``@operation(...)`` marks a ``BillingClient`` method with everything the three
faces need, so none of them writes the operation out again:

- the HTTP route: method, path, token scope (``ANY``: every token), whether it is
  public (``auth=False``), the larger body limit (``large_body``), the Location of
  what it creates (``created``), ``idempotent`` (an ``Idempotency-Key`` is honoured)
  and ``etag_from`` (the read an ``If-Match`` is checked against) — the server builds
  its route and ``HttpClient`` its request from these (``client/operations.py``);
- how it runs on a store: the transaction kind (``READ``, ``WRITE``, ``DRY_RUN``:
  a write unless the call's ``dry_run`` says otherwise, ``NONE``: the service opens its
  own transactions and gets the context factory), the service (``"module:function"``
  in ``services/``, imported on first call, so declaring costs no SQLModel), the
  service keywords that differ from the protocol's parameter names (``args``), and the
  anti-enumeration timing floor (``floor``, seconds) — ``LocalClient`` runs it;
- its words: the one-sentence ``description`` of the OpenAPI document and the CLI
  ``command`` an error's next step names.

No SQLAlchemy and no schema imports here: this module is on every path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

#: Scope ``ANY``: every token may call it, scoped or not (who am I, log out).
ANY = "*"
BINDINGS = "bindings"

Transaction = Literal["read", "write", "dry_run", "none"]
READ: Transaction = "read"
WRITE: Transaction = "write"
DRY_RUN: Transaction = "dry_run"  # a write, a read when the call's ``dry_run`` is true
NONE: Transaction = "none"  # the service opens its transactions (given the factory)

# Anti-enumeration floors: the calls that take no token answer no sooner than this
# (also on error), so the time an answer takes does not tell whether an address has an
# account. Logins: argon2 (or a code check) is the same work for every address.
LOGIN_FLOOR = 0.06
# Sending a code: a real send writes a request and delivers a message, which a phantom
# does not; the floor is above what that takes (a person does not notice it).
SEND_FLOOR = 0.25


@dataclass(frozen=True)
class Route:
    """One operation's declaration (``client/operations.py`` adds its signature)."""

    method: str
    path: str
    scope: str | None = None
    auth: bool = True  # False: public (login); no token needed, none sent
    large_body: bool = False  # batches, licence scans: the larger body limit applies
    # issue 24 (docs/api.md): ``created``: the new resource's path, ``{id}`` (or a dotted
    # ``{workspace.id}``) filled from the answer: 201 with ``Location``; ``idempotent``:
    # an ``Idempotency-Key`` is honoured (creates and batch writes); ``etag_from``: the read
    # whose ``ETag`` an ``If-Match`` on this update/delete is checked against (412 if stale)
    created: str | None = None
    idempotent: bool = False
    etag_from: str | None = None
    # how it runs on a store (LocalClient): empty ``service`` for the rows of the old table
    tx: Transaction = READ
    service: str = ""
    args: tuple[tuple[str, str], ...] = ()  # protocol parameter -> service keyword
    floor: float | None = None
    # its words
    description: str = ""
    command: str | None = None

    def service_keyword(self, name: str) -> str:
        return dict(self.args).get(name, name)


def operation(
    method: str,
    path: str,
    *,
    service: str,
    tx: Transaction,
    description: str,
    scope: str | None = None,
    auth: bool = True,
    large_body: bool = False,
    created: str | None = None,
    idempotent: bool = False,
    etag_from: str | None = None,
    args: Mapping[str, str] | None = None,
    floor: float | None = None,
    command: str | None = None,
) -> Callable[[F], F]:
    """Declare the decorated protocol method an operation (see the module doc)."""
    route = Route(
        method,
        path,
        scope=scope,
        auth=auth,
        large_body=large_body,
        created=created,
        idempotent=idempotent,
        etag_from=etag_from,
        tx=tx,
        service=service,
        args=tuple((args or {}).items()),
        floor=floor,
        description=description,
        command=command,
    )

    def mark(func: F) -> F:
        func.__route__ = route  # type: ignore[attr-defined]
        return func

    return mark


def route_of(func: Any) -> Route | None:
    """The declaration on a protocol method, if it has one."""
    found = getattr(func, "__route__", None)
    return found if isinstance(found, Route) else None
