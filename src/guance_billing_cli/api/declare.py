"""How an operation is declared: once, on its method in ``api/<noun>.py``.

``@operation("METHOD /path", "module:function", ...)`` marks a ``BillingClient``
method with everything the three faces need, so none of them writes the operation
out again; the common case says nothing (``api/invoices.py``)::

    @operation("POST /v1/accounts/{ref}/invoices", "invoices:request", created=...)
    def request_invoice(self, ref: str, data: InvoiceRequestCreate) -> InvoiceRequestPublic:
        # its docstring: "Request an invoice for an amount. 201; Idempotency-Key honoured."

- the HTTP route: method and path (one string), token scope (``ANY``: every token),
  whether it is public (``auth=False``), the larger body limit (``large_body``), the
  Location of what it creates (``created``), ``idempotent`` (an ``Idempotency-Key`` is
  honoured; by default exactly the creates) and ``etag_from`` (the read an ``If-Match``
  is checked against) — the server builds its route and ``HttpClient`` its request from
  these (``client/operations.py``);
- how it runs on a store: the service (``"module:function"`` in ``services/``,
  imported on first call, so declaring costs no SQLModel), the transaction kind
  (``READ``, ``WRITE`` — by default ``READ`` for a ``GET``, ``WRITE`` otherwise —
  ``DRY_RUN``: a write unless the call's ``dry_run`` says otherwise, ``NONE``: the
  service opens its own transactions and gets the context factory) and the
  anti-enumeration timing floor (``floor``, seconds) — ``LocalClient`` runs it, the
  service taking the protocol's parameter names as its keywords;
- its words: the one-sentence description of the OpenAPI document is the method's
  docstring (white space folded), and ``command`` is the CLI command an error's next
  step names.

Flag sets that travel together have names: ``BATCH`` (a batch write), ``PUBLIC_LOGIN``
and ``PUBLIC_SEND`` (a call without a token, and its floor); pass them as ``**BATCH``.
A declaration reads as one or two lines — route and service, then the rest — so the
slices are laid out by hand (``# fmt: off``); keep each line within 100 characters.
A docstring is needed: ``python -OO`` (which strips docstrings) would leave the OpenAPI
descriptions empty.

No SQLAlchemy and no schema imports here: this module is on every path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypedDict, TypeVar

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


class Flags(TypedDict, total=False):
    """Keywords of ``operation`` that travel together (pass a set as ``**BATCH``)."""

    auth: bool
    large_body: bool
    idempotent: bool
    floor: float


#: a batch write: the larger body limit, an ``Idempotency-Key`` honoured
BATCH: Flags = {"large_body": True, "idempotent": True}
#: no token; a login answers no sooner than ``LOGIN_FLOOR``, a code sent ``SEND_FLOOR``
PUBLIC_LOGIN: Flags = {"auth": False, "floor": LOGIN_FLOOR}
PUBLIC_SEND: Flags = {"auth": False, "floor": SEND_FLOOR}


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
    floor: float | None = None
    # its words
    description: str = ""
    command: str | None = None


def operation(
    route: str,
    service: str,
    tx: Transaction | None = None,
    *,
    scope: str | None = None,
    auth: bool = True,
    large_body: bool = False,
    created: str | None = None,
    idempotent: bool | None = None,
    etag_from: str | None = None,
    floor: float | None = None,
    command: str | None = None,
) -> Callable[[F], F]:
    """Declare the decorated protocol method an operation (see the module doc):
    ``route`` is ``"METHOD /path"``, ``tx`` defaults by the method (``GET``: ``READ``,
    else ``WRITE``), ``idempotent`` to whether it ``created`` something; the method's
    docstring is its description."""
    method, _, path = route.partition(" ")
    if not (method.isupper() and path.startswith("/")):
        raise ValueError(f"an operation's route is 'METHOD /path', not {route!r}")

    def mark(func: F) -> F:
        func.__route__ = Route(  # type: ignore[attr-defined]
            method,
            path,
            scope=scope,
            auth=auth,
            large_body=large_body,
            created=created,
            idempotent=created is not None if idempotent is None else idempotent,
            etag_from=etag_from,
            tx=tx or (READ if method == "GET" else WRITE),
            service=service,
            floor=floor,
            description=" ".join((func.__doc__ or "").split()),
            command=command,
        )
        return func

    return mark


def route_of(func: Any) -> Route | None:
    """The declaration on a protocol method, if it has one."""
    found = getattr(func, "__route__", None)
    return found if isinstance(found, Route) else None
