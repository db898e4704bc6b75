"""Verification codes and the email / phone change flow.

A change request walks ``awaiting_current_code → awaiting_new_code → completed``
and ends early as ``cancelled``, ``failed`` (5 wrong codes) or ``expired`` (the
current step's code, or the window to give the new address, ran out: 10 min).

Codes are 6 digits from ``secrets``; only an HMAC-SHA256 keyed with a per-store
secret (``store_secrets``) is kept, bound to the request and the address it went
to, and compared in constant time. A newer code replaces (voids) the older one;
a confirmed code is cleared (single use). Resend cooldown, send count and wrong
attempts live on the request row, which every write locks first (``BEGIN
IMMEDIATE`` on SQLite, ``FOR UPDATE`` on PostgreSQL), so the rules hold across
processes. The code is delivered inside the same transaction: if delivery
fails, everything rolls back and the send is not counted.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select

from guance_billing_cli.errors import (
    NotFound,
    RateLimited,
    RuleViolation,
    VerificationFailed,
)
from guance_billing_cli.ids import new_id
from guance_billing_cli.masking import mask_email, mask_phone
from guance_billing_cli.schemas.verification import OPEN_STATES, ChangeRequestPublic
from guance_billing_cli.services import accounts, audit, authz, validation
from guance_billing_cli.services.context import ServiceContext
from guance_billing_cli.store.models import Account, ChangeRequest, StoreSecret

CODE_TTL = timedelta(minutes=10)
RESEND_COOLDOWN = timedelta(seconds=60)
MAX_SENDS = 5  # per address within one request (the first send included)
MAX_ATTEMPTS = 5  # wrong codes over the whole request
HMAC_KEY_NAME = "verification_hmac_key"
CODE_RE = re.compile(r"\d{6}")
REQUEST_ID_RE = re.compile(r"chg_[0-9a-f]{12}")


@dataclass(frozen=True)
class Kind:
    """What differs between an email change and a phone change."""

    name: str  # email | phone
    label: str  # for messages
    flag: str  # CLI flag that supplies the new address

    def validate(self, value: str) -> str:
        field = self.flag.lstrip("-").replace("-", "_")
        if self.name == "email":
            return validation.email(value, field)
        return validation.phone(value, field)

    def mask(self, value: str) -> str:
        return mask_email(value) if self.name == "email" else mask_phone(value)


KINDS = {
    "email": Kind("email", "login email", "--new-email"),
    "phone": Kind("phone", "login phone", "--new-phone"),
}


def require_cooldown_passed(last_sent_at: datetime | None, now: datetime, what: str) -> None:
    """The resend cooldown, the one place it is decided: RateLimited (exit 8) with
    the seconds left when ``what`` was sent less than RESEND_COOLDOWN ago."""
    if last_sent_at is None:
        return
    wait = (last_sent_at + RESEND_COOLDOWN - now).total_seconds()
    if wait > 0:
        seconds = math.ceil(wait)
        raise RateLimited(
            f"{what} was sent less than {int(RESEND_COOLDOWN.total_seconds())} s ago; "
            f"resend in {seconds} s",
            retry_after=seconds,
        )


def kind_of(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise NotFound(f"unknown change kind {name!r}") from None


# -- codes ----------------------------------------------------------------------


def new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def hmac_key(ctx: ServiceContext) -> bytes:
    row = ctx.session.get(StoreSecret, HMAC_KEY_NAME)
    if row is None:  # the migration creates it; this covers a store that lost it
        row = StoreSecret(name=HMAC_KEY_NAME, value=secrets.token_hex(32), created_at=ctx.now())
        ctx.session.add(row)
        ctx.session.flush()
    return bytes.fromhex(row.value)


def code_hash(key: bytes, *, request_id: str, target: str, code: str) -> str:
    """Keyed hash bound to the request and the address: a code is worth nothing elsewhere."""
    message = f"{request_id}:{target}:{code}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


# -- views ----------------------------------------------------------------------


def effective_state(req: ChangeRequest, now: datetime) -> str:
    """The stored state, or ``expired`` once an open request's deadline has passed."""
    if req.state in OPEN_STATES and req.expires_at is not None and now >= req.expires_at:
        return "expired"
    return req.state


def _target_address(req: ChangeRequest) -> str | None:
    if req.code_target == "current":
        return req.current_address
    if req.code_target == "new":
        return req.new_address
    return None


def to_public(req: ChangeRequest, now: datetime) -> ChangeRequestPublic:
    kind = kind_of(req.kind)
    state = effective_state(req, now)
    is_open = state in OPEN_STATES
    sent_to = _target_address(req)
    resend_at = None
    if is_open and req.code_hash is not None and req.sends < MAX_SENDS and req.last_sent_at:
        resend_at = req.last_sent_at + RESEND_COOLDOWN
    return ChangeRequestPublic(
        request_id=req.id,
        kind=req.kind,
        state=state,
        account_id=req.account_id,
        code_target=req.code_target,
        sent_to=kind.mask(sent_to) if sent_to else None,
        new_address=kind.mask(req.new_address) if req.new_address else None,
        expires_at=req.expires_at if is_open else None,
        attempts_left=max(0, MAX_ATTEMPTS - req.attempts),
        sends_left=max(0, MAX_SENDS - req.sends) if is_open else 0,
        resend_available_at=resend_at,
        created_at=req.created_at,
        updated_at=req.updated_at,
    )


def _audit_view(req: ChangeRequest, now: datetime) -> dict[str, Any]:
    public = to_public(req, now)
    return {
        "state": public.state,
        "sent_to": public.sent_to,
        "new_address": public.new_address,
        "attempts_left": public.attempts_left,
    }


# -- delivery -------------------------------------------------------------------


def _deliver(ctx: ServiceContext, req: ChangeRequest, *, to: str, code: str) -> None:
    """The code, in the account's language (notices.py has the words)."""
    from guance_billing_cli import notices

    kind = kind_of(req.kind)
    account = ctx.session.get(Account, req.account_id)
    assert req.expires_at is not None and account is not None
    target = "current" if (req.code_target or "current") == "current" else "new"
    notices.send_code(
        ctx.settings,
        channel="email" if kind.name == "email" else "sms",
        to=to,
        language=account.language,
        purpose=f"{kind.name}_{target}",
        code=code,
        expires_at=req.expires_at,
        step=1 if target == "current" else 2,
    )


def _send_code(ctx: ServiceContext, req: ChangeRequest, *, target: str) -> None:
    """Issue a new code (voiding the older one) and deliver it, in the caller's transaction.

    The bookkeeping is flushed first and delivery comes last: a delivery error
    rolls the whole transaction back, so the send is not counted.
    """
    now = ctx.now()
    code = new_code()
    req.code_hash = code_hash(hmac_key(ctx), request_id=req.id, target=target, code=code)
    req.code_target = target
    req.expires_at = now + CODE_TTL
    req.sends += 1
    req.last_sent_at = now
    req.updated_at = now
    ctx.session.add(req)
    ctx.session.flush()
    to = req.current_address if target == "current" else req.new_address
    assert to is not None
    _deliver(ctx, req, to=to, code=code)


# -- loading and guards ---------------------------------------------------------


def _load(
    ctx: ServiceContext, *, request_id: str, kind: Kind, account: str | None, lock: bool = True
) -> ChangeRequest:
    """The request (locked for update unless ``lock`` is false). Unknown id, other kind
    or other account: exit 3."""
    rid = request_id.strip()
    # Echo the id only when it looks like one: a code pasted in its place must not be printed.
    shown = repr(rid) if REQUEST_ID_RE.fullmatch(rid) else "with that id"
    stmt = select(ChangeRequest).where(ChangeRequest.id == rid)
    req = ctx.session.exec(stmt.with_for_update() if lock else stmt).first()
    if req is None or req.kind != kind.name:
        raise NotFound(f"no {kind.name} change request {shown}")
    authz.require_account_access(ctx.actor, req.account_id)
    if account is not None and accounts.find_account(ctx, account).id != req.account_id:
        raise NotFound(f"{kind.name} change request {shown} does not belong to account {account!r}")
    return req


def _finish(ctx: ServiceContext, req: ChangeRequest, state: str, now: datetime) -> None:
    req.state = state
    req.code_hash = None
    req.finished_at = now
    req.updated_at = now
    ctx.session.add(req)


def _require_open(ctx: ServiceContext, req: ChangeRequest, now: datetime) -> None:
    """Refuse (exit 7) a finished request; record an expiry the first time it is noticed."""
    kind = kind_of(req.kind)
    state = effective_state(req, now)
    if state in OPEN_STATES:
        return
    restart = f"start again with `guance-billing {kind.name} change`"
    if state == "expired" and req.state != "expired":
        before = {"state": req.state}
        _finish(ctx, req, "expired", now)
        audit.record(
            ctx,
            action=f"{kind.name}.change.expire",
            target=req.id,
            account_id=req.account_id,
            before=before,
            after={"state": "expired"},
        )
        raise VerificationFailed(
            f"the code expired; {kind.name} change request {req.id} is expired: {restart}",
            state="expired",
            request_id=req.id,
        ).keep_changes()
    raise VerificationFailed(
        f"{kind.name} change request {req.id} is {state}: {restart}",
        state=state,
        request_id=req.id,
    )


def _check_new_address(ctx: ServiceContext, kind: Kind, account: Account, new: str) -> None:
    """Same as current → exit 6; used by another account → exit 6 (conflict)."""
    if getattr(account, kind.name) == new:
        raise RuleViolation(
            f"the new {kind.label} is the same as the current one",
            field=kind.flag.lstrip("-").replace("-", "_"),
        )
    accounts.ensure_unique(ctx, exclude_id=account.id, **{kind.name: new})


def _account(ctx: ServiceContext, req: ChangeRequest) -> Account:
    account = ctx.session.get(Account, req.account_id)
    if account is None:
        raise NotFound(f"the account of change request {req.id} no longer exists")
    return account


# -- operations -----------------------------------------------------------------


def start_change(
    ctx: ServiceContext, *, ref: str, kind: str, new_address: str | None = None
) -> ChangeRequestPublic:
    """Open a request and send a code to the current address.

    An open request of the same account and kind is cancelled. The 60 s cooldown
    also holds across requests, so starting over does not bypass it.
    """
    spec = kind_of(kind)
    account = accounts.find_account(ctx, ref)
    # Serialize concurrent starts for one account (SQLite already does: BEGIN IMMEDIATE).
    ctx.session.exec(select(Account.id).where(Account.id == account.id).with_for_update()).one()
    new = spec.validate(new_address) if new_address is not None else None
    if new is not None:
        _check_new_address(ctx, spec, account, new)
    now = ctx.now()
    siblings = select(ChangeRequest).where(
        ChangeRequest.account_id == account.id, ChangeRequest.kind == spec.name
    )
    latest = ctx.session.exec(
        siblings.where(col(ChangeRequest.last_sent_at).is_not(None))
        .order_by(col(ChangeRequest.last_sent_at).desc())
        .limit(1)
        .with_for_update()
    ).first()
    if latest is not None:
        require_cooldown_passed(latest.last_sent_at, now, f"a code for this account's {spec.label}")
    for old in ctx.session.exec(siblings.where(col(ChangeRequest.state).in_(OPEN_STATES))):
        before = {"state": old.state}
        _finish(ctx, old, "expired" if effective_state(old, now) == "expired" else "cancelled", now)
        audit.record(
            ctx,
            action=f"{spec.name}.change.cancel",
            target=old.id,
            account_id=account.id,
            before=before,
            after={"state": old.state, "reason": "superseded"},
        )
    req = ChangeRequest(
        id=new_id("chg"),
        account_id=account.id,
        kind=spec.name,
        state="awaiting_current_code",
        current_address=getattr(account, spec.name),
        new_address=new,
        created_at=now,
        updated_at=now,
    )
    ctx.session.add(req)
    _send_code(ctx, req, target="current")
    audit.record(
        ctx,
        action=f"{spec.name}.change.start",
        target=req.id,
        account_id=account.id,
        after=_audit_view(req, now),
    )
    return to_public(req, now)


def verify_change(
    ctx: ServiceContext, *, request_id: str, kind: str, code: str, account: str | None = None
) -> ChangeRequestPublic:
    """Check the outstanding code. Current confirmed → code to the new address (if
    known); new confirmed → the change applies, in this transaction."""
    spec = kind_of(kind)
    req = _load(ctx, request_id=request_id, kind=spec, account=account)
    now = ctx.now()
    _require_open(ctx, req, now)
    left = max(0, MAX_ATTEMPTS - req.attempts)
    if req.code_hash is None or req.code_target is None:
        raise RuleViolation(
            f"no code is outstanding: give the new {spec.label} first "
            f"(`guance-billing {spec.name} verify {req.id} {spec.flag} ...`)",
            state=req.state,
        )
    value = "".join(code.split())
    if not CODE_RE.fullmatch(value):
        raise VerificationFailed(
            f"malformed code: a code is 6 digits; {left} attempt(s) left",
            attempts_left=left,
            state=req.state,
        )
    candidate = code_hash(hmac_key(ctx), request_id=req.id, target=req.code_target, code=value)
    if not hmac.compare_digest(candidate, req.code_hash):
        req.attempts += 1
        req.updated_at = now
        left = max(0, MAX_ATTEMPTS - req.attempts)
        before = {"state": req.state}
        if left == 0:
            _finish(ctx, req, "failed", now)
            message = (
                f"wrong code; no attempts left: {spec.name} change request {req.id} failed. "
                f"Start again with `guance-billing {spec.name} change`"
            )
        else:
            ctx.session.add(req)
            message = f"wrong code; {left} attempt(s) left"
        audit.record(
            ctx,
            action=f"{spec.name}.change.wrong_code",
            target=req.id,
            account_id=req.account_id,
            before=before,
            after=_audit_view(req, now),
        )
        raise VerificationFailed(message, attempts_left=left, state=req.state).keep_changes()

    before = {"state": req.state}
    req.code_hash = None  # single use
    req.updated_at = now
    if req.code_target == "current":
        req.state = "awaiting_new_code"
        req.sends = 0  # the send limit counts per address
        if req.new_address is not None:
            _check_new_address(ctx, spec, _account(ctx, req), req.new_address)
            _send_code(ctx, req, target="new")
        else:
            req.code_target = None
            req.expires_at = now + CODE_TTL  # the window to give the new address
            ctx.session.add(req)
        audit.record(
            ctx,
            action=f"{spec.name}.change.confirm_current",
            target=req.id,
            account_id=req.account_id,
            before=before,
            after=_audit_view(req, now),
        )
    else:
        _apply(ctx, spec, req, now)
    return to_public(req, now)


def _apply(ctx: ServiceContext, spec: Kind, req: ChangeRequest, now: datetime) -> None:
    account = _account(ctx, req)
    assert req.new_address is not None
    if getattr(account, spec.name) != req.current_address:
        raise RuleViolation(
            f"the account's {spec.label} changed since this request started; "
            f"start again with `guance-billing {spec.name} change`"
        )
    # Another account may have taken the address meanwhile (exit 6, nothing changed);
    # the unique index backs this check up against a concurrent writer.
    _check_new_address(ctx, spec, account, req.new_address)
    old = getattr(account, spec.name)
    setattr(account, spec.name, req.new_address)
    account.updated_at = now
    ctx.session.add(account)
    _finish(ctx, req, "completed", now)
    ctx.session.flush()
    audit.record(
        ctx,
        action=f"{spec.name}.change",
        target=account.id,
        account_id=account.id,
        before={spec.name: old, "request_id": req.id},
        after={spec.name: req.new_address, "request_id": req.id},
    )


def set_new_address(
    ctx: ServiceContext,
    *,
    request_id: str,
    kind: str,
    new_address: str,
    account: str | None = None,
) -> ChangeRequestPublic:
    """Give the new address after the current one was confirmed; sends its code."""
    spec = kind_of(kind)
    req = _load(ctx, request_id=request_id, kind=spec, account=account)
    now = ctx.now()
    _require_open(ctx, req, now)
    if req.state != "awaiting_new_code":
        raise RuleViolation(
            f"confirm the code sent to the current {spec.label} first", state=req.state
        )
    if req.new_address is not None:
        raise RuleViolation(
            f"this request already has a new {spec.label}; to use another, start again "
            f"with `guance-billing {spec.name} change {spec.flag} ...`",
            state=req.state,
        )
    new = spec.validate(new_address)
    _check_new_address(ctx, spec, _account(ctx, req), new)
    req.new_address = new
    req.sends = 0
    _send_code(ctx, req, target="new")
    audit.record(
        ctx,
        action=f"{spec.name}.change.new_address",
        target=req.id,
        account_id=req.account_id,
        after=_audit_view(req, now),
    )
    return to_public(req, now)


def resend(
    ctx: ServiceContext, *, request_id: str, kind: str, account: str | None = None
) -> ChangeRequestPublic:
    """A new code to the same address (the older one stops working)."""
    spec = kind_of(kind)
    req = _load(ctx, request_id=request_id, kind=spec, account=account)
    now = ctx.now()
    _require_open(ctx, req, now)
    if req.code_target is None:
        raise RuleViolation(f"no code to resend: give the new {spec.label} first", state=req.state)
    if req.sends >= MAX_SENDS:
        raise RateLimited(
            f"at most {MAX_SENDS} codes are sent to one address per request; "
            f"start again with `guance-billing {spec.name} change`",
            sends_left=0,
        )
    require_cooldown_passed(req.last_sent_at, now, "a code")
    _send_code(ctx, req, target=req.code_target)
    audit.record(
        ctx,
        action=f"{spec.name}.change.resend",
        target=req.id,
        account_id=req.account_id,
        after=_audit_view(req, now),
    )
    return to_public(req, now)


def cancel(
    ctx: ServiceContext, *, request_id: str, kind: str, account: str | None = None
) -> ChangeRequestPublic:
    """Cancel an open request; cancelling a cancelled one is a no-op."""
    spec = kind_of(kind)
    req = _load(ctx, request_id=request_id, kind=spec, account=account)
    now = ctx.now()
    if req.state == "cancelled":
        return to_public(req, now)
    _require_open(ctx, req, now)
    before = {"state": req.state}
    _finish(ctx, req, "cancelled", now)
    audit.record(
        ctx,
        action=f"{spec.name}.change.cancel",
        target=req.id,
        account_id=req.account_id,
        before=before,
        after={"state": "cancelled"},
    )
    return to_public(req, now)


def get_change(
    ctx: ServiceContext, *, request_id: str, kind: str, account: str | None = None
) -> ChangeRequestPublic:
    spec = kind_of(kind)
    req = _load(ctx, request_id=request_id, kind=spec, account=account, lock=False)
    return to_public(req, ctx.now())


def latest_change(ctx: ServiceContext, *, ref: str, kind: str) -> ChangeRequestPublic:
    """The account's most recent request of this kind (exit 3 if there is none)."""
    spec = kind_of(kind)
    account = accounts.find_account(ctx, ref)
    req = ctx.session.exec(
        select(ChangeRequest)
        .where(ChangeRequest.account_id == account.id, ChangeRequest.kind == spec.name)
        .order_by(col(ChangeRequest.created_at).desc(), col(ChangeRequest.id).desc())
        .limit(1)
    ).first()
    if req is None:
        raise NotFound(f"account {account.username} has no {spec.name} change request")
    return to_public(req, ctx.now())
