"""Who may do what: one place for role, ownership and scope checks."""

from __future__ import annotations

from guance_billing_cli.errors import PermissionDenied
from guance_billing_cli.services.context import Actor


def require_support(actor: Actor, operation: str) -> None:
    """``operation``: the ``BillingClient`` method refused (the face names it)."""
    if actor.role != "support":
        raise PermissionDenied("support_only", operation=operation, role=actor.role)


def may_access(actor: Actor, account_id: str) -> bool:
    """Support reaches every account, an owner only its own. An object of another
    account is answered as missing (``NotFound``), never as forbidden: its id must
    not tell that it exists."""
    return actor.role == "support" or actor.account_id == account_id


def require_account_access(actor: Actor, account_id: str) -> None:
    """Owners reach only their own account (no hint whether another one exists)."""
    if actor.role == "support":
        return
    if actor.account_id != account_id:
        raise PermissionDenied("account_denied")


def require_scope(actor: Actor, scope: str) -> None:
    """A scoped token may use only the operations of its scopes."""
    if actor.scopes and scope not in actor.scopes:
        raise PermissionDenied("scope_denied", scopes=sorted(actor.scopes))
