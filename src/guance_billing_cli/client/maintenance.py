"""Operator work on a store itself, for the `store` and `keys` command groups.

Not ``BillingClient`` operations: they act on the store (its file, its schema, its
secret key) rather than on accounts, and only where the store is local. The CLI
reaches the store layer and the services only through ``client/`` (DESIGN.md §1,
``tests/test_layers.py``), so this module is that one door for them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

    from guance_billing_cli.config import Settings
    from guance_billing_cli.errors import Unavailable
    from guance_billing_cli.services.key_rotation import Rotation


def migrate(store_url: str, *, dry_run: bool = False) -> dict[str, Any]:
    """Apply (or with ``dry_run`` list) the pending schema migrations."""
    from guance_billing_cli.store import maintenance

    return maintenance.migrate(store_url, dry_run=dry_run)


def backup(store_url: str, target: Path) -> dict[str, Any]:
    """Copy a SQLite store to ``target``, consistent while others write."""
    from guance_billing_cli.store import maintenance

    return maintenance.backup(store_url, target)


def restore(store_url: str, file: Path) -> dict[str, Any]:
    """Replace a SQLite store with a checked backup ``file``."""
    from guance_billing_cli.store import maintenance

    return maintenance.restore(store_url, file)


def verify(store_url: str, *, settings: Settings | None = None) -> dict[str, Any]:
    """Integrity, schema revision and audit chain of the store, as a report."""
    from guance_billing_cli.store import maintenance

    def audit_chain() -> dict[str, Any]:
        """The audit chain, verified through the ``verify_audit`` operation."""
        from guance_billing_cli.client.connect import store_client
        from guance_billing_cli.schemas.audit import AuditVerifyRequest

        client = store_client(store_url, settings=settings, migrate=False)
        try:
            result = client.verify_audit(AuditVerifyRequest())
        finally:
            client.close()
        return {
            "ok": result.ok,
            "checked": result.checked,
            "problem": result.problem,
            "first_bad_id": result.first_bad_id,
        }

    return maintenance.verify(store_url, audit_chain=audit_chain)


def unavailable_if_not_ok(report: dict[str, Any]) -> None:
    """Raise ``Unavailable`` when ``verify`` found the store damaged or unreadable."""
    from guance_billing_cli.store import maintenance

    maintenance.unavailable_if_not_ok(report)


def schema_refusal(version: str | None) -> Unavailable:
    """Why a process refuses to write under the store's schema ``version``."""
    from guance_billing_cli.store import engine

    return engine.schema_refusal(version)


def rotate_key(store_url: str, *, settings: Settings, new_master: bytes) -> Rotation:
    """Move the store to a new secret key (``services/key_rotation.py``), as the local
    operator, in one write transaction."""
    from guance_billing_cli.client.connect import store_client
    from guance_billing_cli.services import key_rotation

    client = store_client(store_url, settings=settings)  # as the local operator
    try:
        with client.context(write=True) as service:
            return key_rotation.rotate(service, new_master=new_master)
    finally:
        client.close()


# --- What `doctor` reads from a local store (cli/toolkit/doctor_checks.py) -------------

NO_STORE = object()  #: what the reads below answer when there is no current store


class StoreReads:
    """What one ``doctor`` run reads from a local store, through one engine: opened on
    first use without creating the store (nothing is migrated, nothing written), kept
    for the run's checks, disposed by ``close``."""

    def __init__(self, store_url: str) -> None:
        self.store_url = store_url
        self._engine: Engine | None = None
        self._version: str | None = None
        self._version_read = False

    def __enter__(self) -> StoreReads:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def _opened(self) -> Engine:
        from guance_billing_cli.store import engine

        if self._engine is None:
            self._engine = engine.create_store_engine(self.store_url, create=False)
        return self._engine

    def _schema_version(self) -> str | None:
        """The store's revision, read once (a failed read is tried again by the next
        check, which reports it in its turn). Raises a BillingError when unreadable."""
        from guance_billing_cli.store import engine

        if not self._version_read:
            self._version = engine.schema_version(self._opened())
            self._version_read = True
        return self._version

    def schema_state(self) -> tuple[str | None, str, frozenset[str]]:
        """(the store's schema revision, this tool's head, the revisions it knows).
        Raises a BillingError when the store cannot be read or was made by a
        development build before the first release (it can never be current)."""
        from guance_billing_cli.store import engine

        version = self._schema_version()
        if version is not None and version in engine.PRE_RELEASE:
            raise engine.predates_release(version)
        return version, engine.HEAD, frozenset(engine.REVISIONS)

    def takes_writes(self) -> bool | None:
        """PostgreSQL: False on a read-only database; None when it cannot be asked."""
        from sqlalchemy import text

        try:
            with self._opened().connect() as conn:
                read_only = conn.execute(text("SHOW transaction_read_only")).scalar()
        except Exception:  # doctor's store check reports an unreachable store
            return None
        return read_only != "on"

    def _current_session(self) -> Session | None:
        """A session on the store if it is at this tool's head, else None (no store
        yet, or behind)."""
        from sqlmodel import Session

        from guance_billing_cli.config import sqlite_path
        from guance_billing_cli.store import engine

        db_file = sqlite_path(self.store_url)
        if db_file is not None and not Path(db_file).exists():
            return None
        if self._schema_version() != engine.HEAD:
            return None
        return Session(bind=self._opened())

    def recorded_key_fingerprint(self) -> Any:
        """The fingerprint of the key the store was written with (None: none yet), or
        NO_STORE."""
        from guance_billing_cli.services import store_keys
        from guance_billing_cli.services.context import Actor, ServiceContext

        session = self._current_session()
        if session is None:
            return NO_STORE
        with session:
            return store_keys.recorded(ServiceContext(session=session, actor=Actor("doctor")))

    def verify_recent_links(self, count: int) -> Any:
        """(links checked, the first bad finding or None) for the newest ``count`` audit
        links, or NO_STORE."""
        from guance_billing_cli.services import audit_proofs
        from guance_billing_cli.services.context import Actor, ServiceContext

        session = self._current_session()
        if session is None:
            return NO_STORE
        with session:
            ctx = ServiceContext(session=session, actor=Actor("doctor"))
            return audit_proofs.verify_recent(ctx, count=count)
