"""Server API tokens: create (shown once), list, revoke, authenticate; the token a
login hands out (``services/login.py`` decides the login).

A token is ``gbt_`` + 43 url-safe characters (256 random bits from ``secrets``).
Only its SHA-256 is stored; a high-entropy secret needs no salt or slow KDF.
Unknown, revoked and expired tokens get the same answer, so a probe learns nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from sqlmodel import col, select

from guance_billing_cli.errors import (
    AuthenticationFailed,
    Conflict,
    InvalidInput,
    NotFound,
)
from guance_billing_cli.schemas import plaintext
from guance_billing_cli.schemas.tokens import (
    TOKEN_ROLES,
    TOKEN_SCOPES,
    TokenCreate,
    TokenCreated,
    TokenPublic,
    WhoAmI,
)
from guance_billing_cli.services import audit, authz, locking
from guance_billing_cli.services.account_lookup import find_account
from guance_billing_cli.services.context import Actor, ServiceContext
from guance_billing_cli.services.ids import new_id
from guance_billing_cli.services.rows import view
from guance_billing_cli.store.models import Account, ApiToken

TOKEN_PREFIX = "gbt_"
LOGIN_TOKEN_DAYS = 90


def clean_token_name(value: str) -> str:
    value = value.strip()
    if not value or len(value) > 64 or plaintext.first_hidden(value) is not None:
        raise InvalidInput("invalid_token_name", field="name")
    return value


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def to_public(row: ApiToken) -> TokenPublic:
    return view(TokenPublic, row, scopes=row.scopes.split())


def _snapshot(row: ApiToken) -> dict[str, Any]:
    return to_public(row).model_dump(mode="json", exclude={"created_at"})


def _issue(
    ctx: ServiceContext,
    *,
    name: str,
    role: str,
    account_id: str | None,
    scopes: list[str],
    expires_in_days: int | None,
    action: str,
) -> TokenCreated:
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = ctx.now()
    row = ApiToken(
        id=new_id("tok"),
        name=name,
        role=role,
        account_id=account_id,
        scopes=" ".join(sorted(set(scopes))),
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        token_hash=hash_token(secret),
        created_at=now,
        created_by=ctx.actor.name[:128],
        expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    ctx.session.add(row)
    ctx.session.flush()
    audit.record_on(ctx, row, action, after=_snapshot(row))
    return TokenCreated(**to_public(row).model_dump(), token=secret)  # type: ignore[arg-type]


def create(ctx: ServiceContext, *, data: TokenCreate) -> TokenCreated:
    authz.require_support(ctx.actor, "creating a token")
    name = clean_token_name(data.name)
    if data.role not in TOKEN_ROLES:
        raise InvalidInput("not_one_of", field="role", choices=list(TOKEN_ROLES))
    unknown = sorted(set(data.scopes) - set(TOKEN_SCOPES))
    if unknown:
        raise InvalidInput(
            "unknown_scope", field="scope", value=unknown, choices=list(TOKEN_SCOPES)
        )
    if data.expires_in_days is not None and data.expires_in_days < 1:
        raise InvalidInput("expiry_too_short", field="expires")
    account_id = None
    if data.role == "owner":
        if not data.account:
            raise InvalidInput("owner_token_needs_account", field="account")
        account_id = find_account(ctx, data.account).id
    elif data.account:
        raise InvalidInput("support_token_no_account", field="account", role_field="role")
    return _issue(
        ctx,
        name=name,
        role=data.role,
        account_id=account_id,
        scopes=data.scopes,
        expires_in_days=data.expires_in_days,
        action="token.create",
    )


def list_all(ctx: ServiceContext) -> Iterator[TokenPublic]:
    authz.require_support(ctx.actor, "listing tokens")
    for row in ctx.session.exec(
        select(ApiToken).order_by(col(ApiToken.created_at), col(ApiToken.id))
    ):
        yield to_public(row)


def _find(ctx: ServiceContext, ref: str) -> ApiToken:
    """The token whose id or (unique) name is ``ref``."""
    rows = ctx.session.exec(
        select(ApiToken).where((ApiToken.id == ref) | (ApiToken.name == ref))
    ).all()
    if not rows:
        raise NotFound("token_not_found", ref=ref)
    if len(rows) > 1:
        raise Conflict("token_name_ambiguous", field="token", count=len(rows), ref=ref)
    return rows[0]


def get(ctx: ServiceContext, *, ref: str) -> TokenPublic:
    """One token by id or (unique) name, never its secret."""
    authz.require_support(ctx.actor, "reading a token")
    return to_public(_find(ctx, ref))


def revoke(ctx: ServiceContext, *, ref: str) -> TokenPublic:
    """Revoke by id or (unique) name. Revoking a revoked token changes nothing."""
    authz.require_support(ctx.actor, "revoking a token")
    row = _find(ctx, ref)
    locking.hold(ctx, [f"token:{row.id}"])  # one revoke at a time: one event (re-read)
    if row.revoked_at is None:
        row.revoked_at = ctx.now()
        ctx.session.add(row)
        audit.record_on(ctx, row, "token.revoke", after={"revoked_at": row.revoked_at.isoformat()})
    return to_public(row)


def authenticate(ctx: ServiceContext, *, token: str) -> Actor:
    """The actor a bearer token stands for; AuthenticationFailed (exit 4) otherwise."""
    row = ctx.session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(token))).first()
    if (
        row is None
        or row.revoked_at is not None
        or (row.expires_at is not None and row.expires_at <= ctx.now())
    ):
        raise AuthenticationFailed("token_invalid", next_step="login")
    return Actor(
        name=f"token:{row.id}:{row.name}"[:128],
        role=row.role,
        account_id=row.account_id,
        scopes=frozenset(row.scopes.split()),
        token_id=row.id,
    )


def who(ctx: ServiceContext) -> WhoAmI:
    actor = ctx.actor
    username = None
    if actor.account_id:
        account = ctx.session.get(Account, actor.account_id)
        username = account.username if account else None
    return WhoAmI(
        actor=actor.name,
        role=actor.role,
        account_id=actor.account_id,
        username=username,
        scopes=sorted(actor.scopes),
        token_id=actor.token_id,
    )


def issue_login_token(
    ctx: ServiceContext, *, account: Account, token_name: str | None, method: str
) -> TokenCreated:
    """The owner token a successful login (password or code) hands out."""
    name = f"login:{account.username}" + (f" {token_name}" if token_name else "")
    owner_ctx = ServiceContext(
        session=ctx.session,
        actor=Actor(name=f"login:{method}:{account.username}", role="owner", account_id=account.id),
        settings=ctx.settings,
        request_id=ctx.request_id,
    )
    return _issue(
        owner_ctx,
        name=clean_token_name(name[:64]),
        role="owner",
        account_id=account.id,
        scopes=[],
        expires_in_days=LOGIN_TOKEN_DAYS,
        action="auth.login",
    )


def revoke_current(ctx: ServiceContext) -> TokenPublic:
    """Revoke the token the caller authenticated with (``auth logout``)."""
    token_id = ctx.actor.token_id
    row = ctx.session.get(ApiToken, token_id) if token_id else None
    if row is None:
        raise InvalidInput("session_without_token", field="token")
    if row.revoked_at is None:
        row.revoked_at = ctx.now()
        ctx.session.add(row)
        audit.record_on(ctx, row, "auth.logout", after={"revoked_at": row.revoked_at.isoformat()})
    return to_public(row)
