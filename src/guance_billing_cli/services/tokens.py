"""Server API tokens: create (shown once), list, revoke, authenticate; password login.

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

from sqlmodel import col, func, select

from guance_billing_cli.errors import (
    AuthenticationFailed,
    Conflict,
    InvalidInput,
    NotFound,
    RateLimited,
)
from guance_billing_cli.ids import new_id
from guance_billing_cli.schemas.tokens import (
    TOKEN_ROLES,
    TOKEN_SCOPES,
    LoginCodeRequest,
    LoginCodeSent,
    LoginRequest,
    TokenCreate,
    TokenCreated,
    TokenPublic,
    WhoAmI,
)
from guance_billing_cli.services import accounts, audit, authz, validation
from guance_billing_cli.services.context import Actor, ServiceContext
from guance_billing_cli.store.models import Account, ApiToken, LoginCode, LoginFailure

TOKEN_PREFIX = "gbt_"
LOGIN_TOKEN_DAYS = 90
LOGIN_MAX_FAILURES = 5
LOGIN_WINDOW = timedelta(minutes=15)


def clean_token_name(value: str) -> str:
    value = value.strip()
    if not value or len(value) > 64 or any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise InvalidInput("token name must be 1-64 printable characters", field="name")
    return value


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def to_public(row: ApiToken) -> TokenPublic:
    return TokenPublic(
        id=row.id,
        name=row.name,
        role=row.role,
        account_id=row.account_id,
        scopes=row.scopes.split(),
        prefix=row.prefix,
        created_at=row.created_at,
        created_by=row.created_by,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


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
    audit.record(ctx, action=action, target=row.id, account_id=account_id, after=_snapshot(row))
    return TokenCreated(**to_public(row).model_dump(), token=secret)  # type: ignore[arg-type]


def create_token(ctx: ServiceContext, *, data: TokenCreate) -> TokenCreated:
    authz.require_support(ctx.actor, "creating a token")
    name = clean_token_name(data.name)
    if data.role not in TOKEN_ROLES:
        raise InvalidInput(f"role must be one of: {', '.join(TOKEN_ROLES)}", field="role")
    unknown = sorted(set(data.scopes) - set(TOKEN_SCOPES))
    if unknown:
        raise InvalidInput(
            f"unknown scope {', '.join(unknown)}; known scopes: {', '.join(TOKEN_SCOPES)}",
            field="scope",
        )
    if data.expires_in_days is not None and data.expires_in_days < 1:
        raise InvalidInput("expiry must be at least 1 day", field="expires")
    account_id = None
    if data.role == "owner":
        if not data.account:
            raise InvalidInput("an owner token needs --account", field="account")
        account_id = accounts.find_account(ctx, data.account).id
    elif data.account:
        raise InvalidInput(
            "a support token reaches every account; drop --account or use --role owner",
            field="account",
        )
    return _issue(
        ctx,
        name=name,
        role=data.role,
        account_id=account_id,
        scopes=data.scopes,
        expires_in_days=data.expires_in_days,
        action="token.create",
    )


def list_tokens(ctx: ServiceContext) -> Iterator[TokenPublic]:
    authz.require_support(ctx.actor, "listing tokens")
    for row in ctx.session.exec(
        select(ApiToken).order_by(col(ApiToken.created_at), col(ApiToken.id))
    ):
        yield to_public(row)


def revoke_token(ctx: ServiceContext, *, ref: str) -> TokenPublic:
    """Revoke by id or (unique) name. Revoking a revoked token changes nothing."""
    authz.require_support(ctx.actor, "revoking a token")
    rows = ctx.session.exec(
        select(ApiToken).where((ApiToken.id == ref) | (ApiToken.name == ref))
    ).all()
    if not rows:
        raise NotFound(f"no token matches {ref!r}")
    if len(rows) > 1:
        raise Conflict(f"{len(rows)} tokens are named {ref!r}; revoke by id", field="token")
    row = rows[0]
    if row.revoked_at is None:
        row.revoked_at = ctx.now()
        ctx.session.add(row)
        audit.record(
            ctx,
            action="token.revoke",
            target=row.id,
            account_id=row.account_id,
            after={"revoked_at": row.revoked_at.isoformat()},
        )
    return to_public(row)


def authenticate(ctx: ServiceContext, *, token: str) -> Actor:
    """The actor a bearer token stands for; AuthenticationFailed (exit 4) otherwise."""
    row = ctx.session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(token))).first()
    if (
        row is None
        or row.revoked_at is not None
        or (row.expires_at is not None and row.expires_at <= ctx.now())
    ):
        raise AuthenticationFailed("the token is invalid, expired or revoked; log in again")
    return Actor(
        name=f"token:{row.id}:{row.name}"[:128],
        role=row.role,
        account_id=row.account_id,
        scopes=frozenset(row.scopes.split()),
        token_id=row.id,
    )


def whoami(ctx: ServiceContext) -> WhoAmI:
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


def _login_account(ctx: ServiceContext, data: LoginRequest) -> Account | None:
    if bool(data.email) == bool(data.phone):
        raise InvalidInput("give exactly one of --email or --phone", field="email")
    if data.email:
        where = Account.email == validation.email(data.email)
    else:
        where = Account.phone == validation.phone(data.phone or "")
    return ctx.session.exec(select(Account).where(where)).first()


def login(ctx: ServiceContext, *, data: LoginRequest) -> TokenCreated:
    """Password login: an owner token for the account whose email or phone matches.

    Unknown address, no password and wrong password give the same answer. Failures
    are counted in the store (so the limit holds across server workers) and
    committed although the login is refused. With ``request_id`` + ``code`` it is
    a code login instead (``send_login_code``).
    """
    if data.code is not None or data.request_id is not None:
        return _login_with_code(ctx, data)
    if data.password is None:
        raise InvalidInput("a password is required", field="password")
    account = _login_account(ctx, data)
    refused = AuthenticationFailed(
        "wrong email/phone or password (an account without a password logs in with "
        "--with-code or sets one with `password reset`)"
    )
    if account is None:
        raise refused
    since = ctx.now() - LOGIN_WINDOW
    failures = ctx.session.exec(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.account_id == account.id, col(LoginFailure.at) > since)
    ).one()
    if failures >= LOGIN_MAX_FAILURES:
        raise RateLimited(
            f"too many failed logins; try again in {int(LOGIN_WINDOW.total_seconds() // 60)} "
            "minutes or reset the password"
        )
    from guance_billing_cli.services import credentials

    if account.password_hash is None or not credentials.verify_password(
        account.password_hash, data.password.get_secret_value()
    ):
        ctx.session.add(LoginFailure(account_id=account.id, at=ctx.now()))
        raise refused.keep_changes()
    return issue_login_token(ctx, account=account, token_name=data.token_name, method="password")


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


def logout(ctx: ServiceContext) -> TokenPublic:
    """Revoke the token the caller authenticated with (``auth logout``)."""
    token_id = ctx.actor.token_id
    row = ctx.session.get(ApiToken, token_id) if token_id else None
    if row is None:
        raise InvalidInput(
            "this session does not use a server token; nothing to revoke", field="token"
        )
    if row.revoked_at is None:
        row.revoked_at = ctx.now()
        ctx.session.add(row)
        audit.record(
            ctx,
            action="auth.logout",
            target=row.id,
            account_id=row.account_id,
            after={"revoked_at": row.revoked_at.isoformat()},
        )
    return to_public(row)


# -- login with a code (``auth login --with-code``) ------------------------------------
#
# Same rules as the email/phone change codes (services/verification.py): 6 digits
# from ``secrets``, stored only as a keyed HMAC bound to the request and address,
# valid 10 minutes, single use, a newer code voids the older, 5 wrong attempts end
# the request, 60 s between sends and at most 5 sends. An unknown address gets the
# same answer as a known one (nothing is sent), so codes cannot probe for accounts.


def send_login_code(ctx: ServiceContext, *, data: LoginCodeRequest) -> LoginCodeSent:
    from guance_billing_cli import notices
    from guance_billing_cli.masking import mask_email, mask_phone
    from guance_billing_cli.services import verification as v

    probe = LoginRequest(email=data.email, phone=data.phone)
    account = _login_account(ctx, probe)
    channel = "email" if data.email else "phone"
    address = validation.email(data.email) if data.email else validation.phone(data.phone or "")
    masked = mask_email(address) if channel == "email" else mask_phone(address)
    now = ctx.now()
    if account is None:
        return LoginCodeSent(request_id=new_id("lgn"), sent_to=masked, expires_at=now + v.CODE_TTL)
    row = ctx.session.exec(
        select(LoginCode)
        .where(
            LoginCode.account_id == account.id,
            LoginCode.channel == channel,
            col(LoginCode.used_at).is_(None),
            col(LoginCode.expires_at) > now,
        )
        .order_by(col(LoginCode.created_at).desc())
        .with_for_update()
    ).first()
    if row is not None and row.attempts < v.MAX_ATTEMPTS:
        v.require_cooldown_passed(row.last_sent_at, now, "a login code")
        if row.sends >= v.MAX_SENDS:
            raise RateLimited(f"at most {v.MAX_SENDS} login codes per 10 minutes; try later")
    else:
        row = LoginCode(
            id=new_id("lgn"),
            account_id=account.id,
            channel=channel,
            address=address,
            expires_at=now,
            last_sent_at=now,
            created_at=now,
        )
    code = v.new_code()
    row.code_hash = v.code_hash(v.hmac_key(ctx), request_id=row.id, target=address, code=code)
    row.expires_at = now + v.CODE_TTL
    row.sends += 1
    row.last_sent_at = now
    ctx.session.add(row)
    ctx.session.flush()
    audit.record(
        ctx,
        action="auth.login_code",
        target=row.id,
        account_id=account.id,
        after={"channel": channel, "sent_to": masked, "sends": row.sends},
    )
    notices.send_code(
        ctx.settings,
        channel=channel,
        to=address,
        language=account.language,
        purpose="login",
        code=code,
        expires_at=row.expires_at,
    )
    return LoginCodeSent(request_id=row.id, sent_to=masked, expires_at=row.expires_at)


def _login_with_code(ctx: ServiceContext, data: LoginRequest) -> TokenCreated:
    import hmac

    from guance_billing_cli.errors import VerificationFailed
    from guance_billing_cli.services import verification as v

    if not data.request_id or data.code is None:
        raise InvalidInput("a code login needs the request id and the code", field="code")
    account = _login_account(ctx, data)
    row = ctx.session.get(LoginCode, data.request_id.strip(), with_for_update=True)
    now = ctx.now()
    if (
        account is None
        or row is None
        or row.account_id != account.id
        or row.used_at is not None
        or row.code_hash is None
    ):
        raise VerificationFailed("wrong, expired or used login code; ask for a new one")
    if row.expires_at <= now:
        raise VerificationFailed("the login code expired; ask for a new one")
    if row.attempts >= v.MAX_ATTEMPTS:
        raise VerificationFailed("too many wrong codes; ask for a new one", attempts_left=0)
    code = data.code.get_secret_value().strip()
    expected = v.code_hash(v.hmac_key(ctx), request_id=row.id, target=row.address, code=code)
    if not (v.CODE_RE.fullmatch(code) and hmac.compare_digest(expected, row.code_hash)):
        row.attempts += 1
        if row.attempts >= v.MAX_ATTEMPTS:
            row.code_hash = None
        ctx.session.add(row)
        left = v.MAX_ATTEMPTS - row.attempts
        raise VerificationFailed(
            f"wrong login code; {left} attempt(s) left"
            if left
            else "wrong login code; no attempts left, ask for a new one",
            attempts_left=left,
        ).keep_changes()
    row.used_at = now
    row.code_hash = None
    ctx.session.add(row)
    return issue_login_token(ctx, account=account, token_name=data.token_name, method="code")
