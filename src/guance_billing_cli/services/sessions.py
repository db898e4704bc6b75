"""An account's sessions: the owner tokens that log in to it.

A password change or reset and an email or phone change end every other session
of the account (the token that made the change keeps working); the caller says
how many ended. Owners list and revoke their own sessions.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlmodel import col, select

from guance_billing_cli.errors import NotFound, PermissionDenied
from guance_billing_cli.schemas.tokens import SessionPublic, SessionsRevoked
from guance_billing_cli.services import audit, locking
from guance_billing_cli.services.context import ServiceContext
from guance_billing_cli.store.models import ApiToken


def _active(ctx: ServiceContext, account_id: str) -> list[ApiToken]:
    """The account's live sessions, read after holding the account: two revokes at once
    end (and record) each session once."""
    locking.hold_accounts(ctx, [account_id])
    now = ctx.now()
    stmt = (
        select(ApiToken)
        .where(
            ApiToken.account_id == account_id,
            ApiToken.role == "owner",
            col(ApiToken.revoked_at).is_(None),
            (col(ApiToken.expires_at).is_(None)) | (col(ApiToken.expires_at) > now),
        )
        .order_by(col(ApiToken.created_at), col(ApiToken.id))
    )
    return list(ctx.session.exec(stmt))


def _revoke(ctx: ServiceContext, rows: list[ApiToken], *, why: str) -> int:
    now = ctx.now()
    for row in rows:
        row.revoked_at = now
        ctx.session.add(row)
        audit.record_on(
            ctx, row, "auth.session_revoke", after={"revoked_at": now.isoformat(), "reason": why}
        )
    return len(rows)


def revoke_others(ctx: ServiceContext, *, account_id: str, why: str) -> int:
    """End every session of the account except the caller's own; how many ended."""
    keep = ctx.actor.token_id
    return _revoke(ctx, [r for r in _active(ctx, account_id) if r.id != keep], why=why)


def _own_account(ctx: ServiceContext) -> str:
    account_id = ctx.actor.account_id
    if ctx.actor.role != "owner" or account_id is None:
        raise PermissionDenied("owner_only", next_step="login")
    return account_id


def list_own(ctx: ServiceContext) -> Iterator[SessionPublic]:
    from guance_billing_cli.services.tokens import to_public

    for row in _active(ctx, _own_account(ctx)):
        yield SessionPublic(**to_public(row).model_dump(), current=row.id == ctx.actor.token_id)


def revoke_one(ctx: ServiceContext, *, token_id: str) -> SessionsRevoked:
    account_id = _own_account(ctx)
    rows = [r for r in _active(ctx, account_id) if r.id == token_id.strip()]
    if not rows:
        raise NotFound("no_session")
    return SessionsRevoked(revoked=_revoke(ctx, rows, why="owner"), kept=ctx.actor.token_id)


def revoke_all_others(ctx: ServiceContext) -> SessionsRevoked:
    account_id = _own_account(ctx)
    return SessionsRevoked(
        revoked=revoke_others(ctx, account_id=account_id, why="owner"), kept=ctx.actor.token_id
    )


def revoke_all_sessions(ctx: ServiceContext) -> SessionsRevoked:
    """``auth logout --all``: every session, the caller's included."""
    account_id = _own_account(ctx)
    return SessionsRevoked(revoked=_revoke(ctx, _active(ctx, account_id), why="logout_all"))
