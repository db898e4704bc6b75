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

    return maintenance.verify(store_url, settings=settings)


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
    from guance_billing_cli.client.local import LocalClient, local_actor
    from guance_billing_cli.services import key_rotation

    client = LocalClient(store_url, settings=settings, actor=local_actor())
    try:
        with client.context(write=True) as service:
            return key_rotation.rotate(service, new_master=new_master)
    finally:
        client.close()
