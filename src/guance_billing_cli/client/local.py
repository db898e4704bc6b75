"""``LocalClient``: runs the declared operations in-process against a store.

A small generic runner: ``client.bind_workspaces(...)`` looks up the operation's
declaration (``api/settlement.py``) and runs its service in one transaction of the
declared kind: writes start ``BEGIN IMMEDIATE`` on SQLite and commit only if the
service returns; any error rolls everything back. The calls that take no token
answer no sooner than their declared floor.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING, Any

from guance_billing_cli.api.declare import DRY_RUN, NONE, WRITE, Route
from guance_billing_cli.errors import BillingError, Conflict, Unavailable
from guance_billing_cli.services.context import Actor, ServiceContext
from guance_billing_cli.store import engine as store_engine

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from guance_billing_cli.client.operations import Operation
    from guance_billing_cli.config import Settings


@contextmanager
def answer_no_sooner(seconds: float) -> Iterator[None]:
    """Answer the calls that take no token no sooner than ``seconds`` after they
    arrived, whatever happened (also on error), so the time an answer takes does not
    tell whether the address has an account. The wait is after the transaction has
    ended: no lock is held while waiting."""
    import time

    started = time.monotonic()
    try:
        yield
    finally:
        rest = seconds - (time.monotonic() - started)
        if rest > 0:
            time.sleep(rest)


def _service(reference: str) -> Any:
    """``"module:function"`` in ``services/``, imported on first use."""
    from importlib import import_module

    module, _, function = reference.partition(":")
    return getattr(import_module(f"guance_billing_cli.services.{module}"), function)


def _writes(route: Route, values: dict[str, Any]) -> bool:
    """Whether a call runs in a write transaction: ``DRY_RUN`` reads when the call's
    ``dry_run`` (or its request model's ``dry_run`` field) is true."""
    if route.tx != DRY_RUN:
        return route.tx in (WRITE, NONE)
    dry = values.get("dry_run")
    if dry is None:
        dry = any(getattr(value, "dry_run", None) is True for value in values.values())
    return not dry


def local_actor() -> Actor:
    """The operator of a local store is support (they hold the whole file)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry / no login name, e.g. in a container
        user = "unknown"
    return Actor(name=f"local:{user}", role="support")


class LocalClient:
    def __init__(
        self,
        store_url: str,
        *,
        settings: Settings | None = None,
        actor: Actor | None = None,
        migrate: bool | None = None,
    ) -> None:
        self.store_url = store_url
        self.settings = settings
        self.actor = actor or local_actor()
        self._migrate = migrate
        self._engine: Engine | None = None
        #: who calls, for the per-client throttle (the server sets the peer address)
        self.client_address = "local"

    @property
    def engine(self) -> Engine:
        return self._open(create=True)

    def _open(self, *, create: bool) -> Engine:
        """The engine, opened on first use: a read never creates a missing store (issue 21);
        ``migrate`` None: SQLite migrates itself (after a copy), PostgreSQL never does."""
        if self._engine is None:
            self._engine = store_engine.open_store(
                self.store_url, migrate=self._migrate, create=create
            )
        return self._engine

    @contextmanager
    def context(self, *, write: bool, request_id: str | None = None) -> Iterator[ServiceContext]:
        """A service context inside one transaction (committed on success)."""
        from sqlalchemy.exc import IntegrityError, OperationalError
        from sqlmodel import Session

        engine = self._open(create=write)
        bind = engine.execution_options(**store_engine.WRITE) if write else engine
        deferred: BillingError | None = None
        try:
            with Session(bind=bind, expire_on_commit=False) as session, session.begin():
                ctx = ServiceContext(
                    session=session,
                    actor=self.actor,
                    settings=self.settings,
                    request_id=request_id,
                    client=self.client_address,
                )
                if write:  # issue 19: a process with another key than the store's writes nothing
                    from guance_billing_cli.services import store_keys

                    store_keys.ensure_same_key(ctx)
                try:
                    yield ctx
                except BillingError as error:
                    if not error.commit:
                        raise
                    deferred = error  # counted failure: commit it, then raise below
        except BillingError:
            raise
        except IntegrityError as exc:
            from guance_billing_cli.services.accounts import unique_conflict

            known = unique_conflict(str(exc.orig))
            raise known or Conflict("store_conflict") from None
        except OperationalError as exc:
            reason = str(exc.orig).splitlines()[0] if exc.orig else type(exc).__name__
            if store_engine.is_contention(exc):  # rolled back: the caller may run it again
                raise Unavailable(
                    "store_contention", store=store_engine.redact_url(self.store_url)
                ) from None
            raise Unavailable(
                "store_unavailable", store=store_engine.redact_url(self.store_url), why=reason
            ) from None
        if deferred is not None:
            raise deferred

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    # -- the operations (api/<noun>.py) ------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        """``client.bind_workspaces(...)``: the declared operation, run by ``run``."""
        from guance_billing_cli.client.operations import method

        return method(self, name, self.run)

    def run(self, op: Operation, values: dict[str, Any]) -> Any:
        """Run ``op`` as declared: its service in a transaction of the declared kind
        (``NONE``: the service opens its own), answered no sooner than its floor."""
        service = _service(op.route.service)
        if op.streams:
            return self._rows(service, values, write=_writes(op.route, values))
        with answer_no_sooner(op.route.floor) if op.route.floor else nullcontext():
            if op.route.tx == NONE:
                return service(self.context, **values)
            with self.context(write=_writes(op.route, values)) as ctx:
                return service(ctx, **values)

    def _rows(self, service: Any, kwargs: dict[str, Any], *, write: bool) -> Iterator[Any]:
        with self.context(write=write) as ctx:  # opened on the first row asked for
            yield from service(ctx, **kwargs)
