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


def sqlite_path(store_url: str) -> str | None:
    """The file of a SQLite store URL; None for PostgreSQL."""
    from guance_billing_cli.store import engine

    return engine.sqlite_path(store_url)


def redact_url(store_url: str) -> str:
    """The store URL without its password, to show."""
    from guance_billing_cli.store import engine

    return engine.redact_url(store_url)


def schema_state(store_url: str) -> tuple[str | None, str, frozenset[str]]:
    """(the store's schema revision, this tool's head, the revisions it knows); the store
    is opened without being created. Raises a BillingError when it cannot be read."""
    from guance_billing_cli.store import engine

    opened = engine.create_store_engine(store_url, create=False)
    try:
        return engine.schema_version(opened), engine.HEAD, frozenset(engine.REVISIONS)
    finally:
        opened.dispose()


def takes_writes(store_url: str) -> bool | None:
    """PostgreSQL: False on a read-only database; None when it cannot be asked."""
    from sqlalchemy import text

    from guance_billing_cli.store import engine

    try:
        opened = engine.create_store_engine(store_url)
        try:
            with opened.connect() as conn:
                read_only = conn.execute(text("SHOW transaction_read_only")).scalar()
        finally:
            opened.dispose()
    except Exception:  # doctor's store check reports an unreachable store
        return None
    return read_only != "on"


def _current_store_session(store_url: str) -> Any:
    """A session on a store at this tool's head, or None (no store yet, or behind)."""
    from sqlmodel import Session

    from guance_billing_cli.store import engine

    db_file = engine.sqlite_path(store_url)
    if db_file is not None and not Path(db_file).exists():
        return None
    opened = engine.create_store_engine(store_url)
    if engine.schema_version(opened) != engine.HEAD:
        opened.dispose()
        return None
    return Session(bind=opened)


NO_STORE = object()  #: what the two reads below answer when there is no current store


def recorded_key_fingerprint(store_url: str) -> Any:
    """The fingerprint of the key the store was written with (None: none yet), or
    NO_STORE."""
    from guance_billing_cli.services import store_keys
    from guance_billing_cli.services.context import Actor, ServiceContext

    session = _current_store_session(store_url)
    if session is None:
        return NO_STORE
    with session:
        return store_keys.recorded(ServiceContext(session=session, actor=Actor("doctor")))


def verify_recent_links(store_url: str, count: int) -> Any:
    """(links checked, the first bad finding or None) for the newest ``count`` audit
    links, or NO_STORE."""
    from guance_billing_cli.services import audit_proofs
    from guance_billing_cli.services.context import Actor, ServiceContext

    session = _current_store_session(store_url)
    if session is None:
        return NO_STORE
    with session:
        ctx = ServiceContext(session=session, actor=Actor("doctor"))
        return audit_proofs.verify_recent(ctx, count=count)
