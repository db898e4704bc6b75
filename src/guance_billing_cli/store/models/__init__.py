"""All tables, one module per domain.

Table classes load lazily (PEP 562): ``from guance_billing_cli.store.models import
Account`` imports only ``models/accounts.py``, which keeps a local read within
its start-up budget. ``load_all()`` registers every table on ``SQLModel.metadata``
(Alembic and ``create_all`` need that). Add new tables to ``TABLES``.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

TABLES: dict[str, str] = {
    "Account": "accounts",
    "AuditCheckpoint": "audit",
    "AuditEvent": "audit",
    "AuditMeta": "audit",
    "Challenge": "challenges",
    "CloudAccount": "cloud",
    "Workspace": "cloud",
    "WorkspaceReminder": "cloud",
    "PasswordAttempt": "credentials",
    "PasswordReset": "credentials",
    "InvoiceAddress": "invoices",
    "InvoiceRequest": "invoices",
    "InvoiceTitle": "invoices",
    "RealnameSubmission": "realname",
    "ApiToken": "tokens",
    "IdempotencyKey": "idempotency",
    "ThrottleFailure": "challenges",
    "ChangeRequest": "verification",
}

__all__ = sorted(TABLES)

if TYPE_CHECKING:
    from guance_billing_cli.store.models.accounts import Account
    from guance_billing_cli.store.models.audit import AuditCheckpoint, AuditEvent, AuditMeta
    from guance_billing_cli.store.models.challenges import Challenge, ThrottleFailure
    from guance_billing_cli.store.models.cloud import CloudAccount, Workspace, WorkspaceReminder
    from guance_billing_cli.store.models.credentials import PasswordAttempt, PasswordReset
    from guance_billing_cli.store.models.idempotency import IdempotencyKey
    from guance_billing_cli.store.models.invoices import (
        InvoiceAddress,
        InvoiceRequest,
        InvoiceTitle,
    )
    from guance_billing_cli.store.models.realname import RealnameSubmission
    from guance_billing_cli.store.models.tokens import ApiToken
    from guance_billing_cli.store.models.verification import ChangeRequest


def __getattr__(name: str) -> Any:
    module = TABLES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)


def load_all() -> None:
    """Import every table module (registers all tables on SQLModel.metadata)."""
    for module in sorted(set(TABLES.values())):
        import_module(f"{__name__}.{module}")
