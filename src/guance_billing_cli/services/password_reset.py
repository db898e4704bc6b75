"""Password reset: a verification code to the login email or phone, then a new password.

Built on the verification primitives of ``services/verification.py`` (6-digit
codes from ``secrets``, an HMAC keyed with the store's secret and bound to the
request and address, the same lifetimes and limits) and on ``delivery``. A
reset walks ``awaiting_code → completed`` and ends early as ``cancelled`` (a
newer reset started), ``failed`` (5 wrong codes) or ``expired`` (10 minutes).
Completing it sets the password (a first one too) and lifts the wrong-password
lock of ``password change``.
"""

from __future__ import annotations

import hmac
import re
from datetime import datetime
from typing import Any

from sqlmodel import col, select

from guance_billing_cli.errors import (
    InvalidInput,
    NotFound,
    RateLimited,
    VerificationFailed,
)
from guance_billing_cli.ids import new_id
from guance_billing_cli.masking import mask_email, mask_phone
from guance_billing_cli.schemas.credentials import (
    RESET_CHANNELS,
    PasswordResetComplete,
    PasswordResetPublic,
)
from guance_billing_cli.services import accounts, audit, authz, credentials
from guance_billing_cli.services.context import ServiceContext
from guance_billing_cli.services.verification import (
    CODE_RE,
    CODE_TTL,
    MAX_ATTEMPTS,
    MAX_SENDS,
    RESEND_COOLDOWN,
    code_hash,
    hmac_key,
    new_code,
    require_cooldown_passed,
)
from guance_billing_cli.store.models import Account, PasswordReset

REQUEST_ID_RE = re.compile(r"pwr_[0-9a-f]{12}")
RESTART = "start again with `guance-billing password reset`"


def _mask(reset: PasswordReset) -> str:
    return mask_email(reset.address) if reset.via == "email" else mask_phone(reset.address)


def effective_state(reset: PasswordReset, now: datetime) -> str:
    if reset.state == "awaiting_code" and reset.expires_at is not None and now >= reset.expires_at:
        return "expired"
    return reset.state


def to_public(reset: PasswordReset, now: datetime) -> PasswordResetPublic:
    state = effective_state(reset, now)
    is_open = state == "awaiting_code"
    resend_at = None
    if is_open and reset.sends < MAX_SENDS and reset.last_sent_at is not None:
        resend_at = reset.last_sent_at + RESEND_COOLDOWN
    return PasswordResetPublic(
        request_id=reset.id,
        state=state,
        account_id=reset.account_id,
        via=reset.via,
        sent_to=_mask(reset),
        expires_at=reset.expires_at if is_open else None,
        attempts_left=max(0, MAX_ATTEMPTS - reset.attempts),
        sends_left=max(0, MAX_SENDS - reset.sends) if is_open else 0,
        resend_available_at=resend_at,
        created_at=reset.created_at,
        updated_at=reset.updated_at,
    )


def _audit_view(reset: PasswordReset, now: datetime) -> dict[str, Any]:
    public = to_public(reset, now)
    return {"state": public.state, "via": public.via, "sent_to": public.sent_to}


def _deliver(ctx: ServiceContext, reset: PasswordReset, account: Account, code: str) -> None:
    from guance_billing_cli import notices

    assert reset.expires_at is not None
    notices.send_code(
        ctx.settings,
        channel=reset.via,
        to=reset.address,
        language=account.language,
        purpose="password_reset",
        code=code,
        expires_at=reset.expires_at,
        username=account.username,
    )


def _send_code(ctx: ServiceContext, reset: PasswordReset, account: Account) -> None:
    """A new code (voiding the older one), delivered last: a delivery error rolls back."""
    now = ctx.now()
    code = new_code()
    reset.code_hash = code_hash(hmac_key(ctx), request_id=reset.id, target=reset.address, code=code)
    reset.expires_at = now + CODE_TTL
    reset.sends += 1
    reset.last_sent_at = now
    reset.updated_at = now
    ctx.session.add(reset)
    ctx.session.flush()
    _deliver(ctx, reset, account, code)


def _finish(ctx: ServiceContext, reset: PasswordReset, state: str, now: datetime) -> None:
    reset.state = state
    reset.code_hash = None
    reset.finished_at = now
    reset.updated_at = now
    ctx.session.add(reset)


def _load(
    ctx: ServiceContext, *, request_id: str, account: str | None, lock: bool = True
) -> PasswordReset:
    rid = request_id.strip()
    # Echo the id only when it looks like one: a code pasted in its place must not be printed.
    shown = repr(rid) if REQUEST_ID_RE.fullmatch(rid) else "with that id"
    stmt = select(PasswordReset).where(PasswordReset.id == rid)
    reset = ctx.session.exec(stmt.with_for_update() if lock else stmt).first()
    if reset is None:
        raise NotFound(f"no password reset request {shown}")
    authz.require_account_access(ctx.actor, reset.account_id)
    if account is not None and accounts.find_account(ctx, account).id != reset.account_id:
        raise NotFound(f"password reset request {shown} does not belong to account {account!r}")
    return reset


def _require_open(ctx: ServiceContext, reset: PasswordReset, now: datetime) -> None:
    state = effective_state(reset, now)
    if state == "awaiting_code":
        return
    if state == "expired" and reset.state != "expired":
        _finish(ctx, reset, "expired", now)
        audit.record(
            ctx, action="password.reset.expire", target=reset.id, account_id=reset.account_id,
            before={"state": "awaiting_code"}, after={"state": "expired"},
        )  # fmt: skip
        raise VerificationFailed(
            f"the code expired; password reset request {reset.id} is expired: {RESTART}",
            state="expired",
            request_id=reset.id,
        ).keep_changes()
    raise VerificationFailed(
        f"password reset request {reset.id} is {state}: {RESTART}",
        state=state,
        request_id=reset.id,
    )


def _account(ctx: ServiceContext, reset: PasswordReset) -> Account:
    account = ctx.session.get(Account, reset.account_id)
    if account is None:
        raise NotFound(f"the account of password reset request {reset.id} no longer exists")
    return account


def start_reset(ctx: ServiceContext, *, ref: str, via: str = "email") -> PasswordResetPublic:
    """Send a reset code to the account's login email or phone; older open resets end."""
    channel = via.strip().lower()
    if channel not in RESET_CHANNELS:
        raise InvalidInput(f"--via must be one of: {', '.join(RESET_CHANNELS)}", field="via")
    account = accounts.find_account(ctx, ref)
    now = ctx.now()
    mine = select(PasswordReset).where(PasswordReset.account_id == account.id)
    latest = ctx.session.exec(
        mine.where(col(PasswordReset.last_sent_at).is_not(None))
        .order_by(col(PasswordReset.last_sent_at).desc())
        .limit(1)
        .with_for_update()
    ).first()
    if latest is not None:
        require_cooldown_passed(latest.last_sent_at, now, "a password reset code")
    for old in ctx.session.exec(mine.where(PasswordReset.state == "awaiting_code")):
        state = "expired" if effective_state(old, now) == "expired" else "cancelled"
        _finish(ctx, old, state, now)
        audit.record(
            ctx, action="password.reset.cancel", target=old.id, account_id=account.id,
            before={"state": "awaiting_code"}, after={"state": state, "reason": "superseded"},
        )  # fmt: skip
    reset = PasswordReset(
        id=new_id("pwr"),
        account_id=account.id,
        via=channel,
        address=account.email if channel == "email" else account.phone,
        state="awaiting_code",
        created_at=now,
        updated_at=now,
    )
    ctx.session.add(reset)
    _send_code(ctx, reset, account)
    audit.record(
        ctx, action="password.reset.start", target=reset.id, account_id=account.id,
        after=_audit_view(reset, now),
    )  # fmt: skip
    return to_public(reset, now)


def complete_reset(
    ctx: ServiceContext,
    *,
    request_id: str,
    data: PasswordResetComplete,
    account: str | None = None,
) -> PasswordResetPublic:
    """Check the code and set the new password, in one transaction.

    The new password is checked against the policy first (exit 2, the code stays
    usable); a wrong code counts (exit 7, committed); the fifth ends the request.
    """
    reset = _load(ctx, request_id=request_id, account=account)
    now = ctx.now()
    _require_open(ctx, reset, now)
    owner = _account(ctx, reset)
    new_password = data.new_password.get_secret_value()
    credentials.check_policy(
        new_password, username=owner.username, email=owner.email, phone=owner.phone
    )
    left = max(0, MAX_ATTEMPTS - reset.attempts)
    value = "".join(data.code.get_secret_value().split())
    if not CODE_RE.fullmatch(value):
        raise VerificationFailed(
            f"malformed code: a code is 6 digits; {left} attempt(s) left",
            attempts_left=left,
            state=reset.state,
        )
    candidate = code_hash(hmac_key(ctx), request_id=reset.id, target=reset.address, code=value)
    if reset.code_hash is None or not hmac.compare_digest(candidate, reset.code_hash):
        reset.attempts += 1
        reset.updated_at = now
        left = max(0, MAX_ATTEMPTS - reset.attempts)
        if left == 0:
            _finish(ctx, reset, "failed", now)
            message = f"wrong code; no attempts left: password reset request {reset.id} failed. "
            message += RESTART[0].upper() + RESTART[1:]
        else:
            ctx.session.add(reset)
            message = f"wrong code; {left} attempt(s) left"
        audit.record(
            ctx, action="password.reset.wrong_code", target=reset.id,
            account_id=reset.account_id, after={"state": reset.state, "attempts_left": left},
        )  # fmt: skip
        raise VerificationFailed(message, attempts_left=left, state=reset.state).keep_changes()
    _finish(ctx, reset, "completed", now)
    credentials.set_password_after_reset(ctx, account=owner, password=new_password)
    return to_public(reset, now)


def resend_reset(
    ctx: ServiceContext, *, request_id: str, account: str | None = None
) -> PasswordResetPublic:
    reset = _load(ctx, request_id=request_id, account=account)
    now = ctx.now()
    _require_open(ctx, reset, now)
    if reset.sends >= MAX_SENDS:
        raise RateLimited(
            f"at most {MAX_SENDS} codes are sent per password reset request; {RESTART}",
            sends_left=0,
        )
    require_cooldown_passed(reset.last_sent_at, now, "a code")
    _send_code(ctx, reset, _account(ctx, reset))
    audit.record(
        ctx, action="password.reset.resend", target=reset.id, account_id=reset.account_id,
        after=_audit_view(reset, now),
    )  # fmt: skip
    return to_public(reset, now)


def get_reset(
    ctx: ServiceContext, *, request_id: str, account: str | None = None
) -> PasswordResetPublic:
    reset = _load(ctx, request_id=request_id, account=account, lock=False)
    return to_public(reset, ctx.now())
