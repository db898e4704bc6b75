"""Who may do what: one place for role, ownership and scope checks."""

from __future__ import annotations

from guance_billing_cli.errors import PermissionDenied
from guance_billing_cli.services.context import Actor


def require_support(actor: Actor, what: str) -> None:
    if actor.role != "support":
        raise PermissionDenied(f"{what} is a support action; this token's role is {actor.role}")


def require_account_access(actor: Actor, account_id: str) -> None:
    """Owners reach only their own account (no hint whether another one exists)."""
    if actor.role == "support":
        return
    if actor.account_id != account_id:
        raise PermissionDenied("permission denied for that account")


def require_scope(actor: Actor, scope: str) -> None:
    """A scoped token may use only the operations of its scopes."""
    if actor.scopes and scope not in actor.scopes:
        allowed = ", ".join(sorted(actor.scopes))
        raise PermissionDenied(f"this token is limited to scope {allowed}")
