"""The email / phone change flow: a small state machine on the challenge engine.

A change request walks ``awaiting_current_code → awaiting_new_code → completed``
and ends early as ``cancelled``, ``failed`` (a code got 5 wrong guesses) or
``expired`` (the current step's code, or the window to give the new address, ran
out: 10 min). Every code rule (hashing, lifetime, single use, voiding, attempts,
cooldown, send cap, throttles, audit of sends and guesses) is the engine's
(``services/challenges.py``); this module decides only which step comes next.
Completing a change ends the account's other sessions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, select

from guance_billing_cli.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    RuleViolation,
    VerificationFailed,
)
from guance_billing_cli.schemas.masking import mask_email, mask_phone
from guance_billing_cli.schemas.verification import (
    OPEN_STATES,
    ChangeRequestPublic,
    ChangeStart,
    CodeSubmit,
    NewAddress,
)
from guance_billing_cli.services import (
    accounts,
    audit,
    authz,
    challenges,
    locking,
    notices,
    sessions,
    throttles,
    validation,
)
from guance_billing_cli.services.context import ServiceContext
from guance_billing_cli.services.ids import new_id
from guance_billing_cli.store.models import Account, ChangeRequest

REQUEST_ID_RE = re.compile(r"chg_[0-9a-f]{12}")


@dataclass(frozen=True)
class Kind:
    """What differs between an email change and a phone change."""

    name: str  # email | phone
    label: str  # for messages
    field: str  # the request field that carries the new address

    @property
    def purpose(self) -> str:
        return f"{self.name}_change"

    def validate(self, value: str) -> str:
        if self.name == "email":
            return validation.email(value, self.field)
        return validation.phone(value, self.field)

    def mask(self, value: str, *, unlike: str | None = None) -> str:
        return mask_email(value, unlike=unlike) if self.name == "email" else mask_phone(value)


KINDS = {
    "email": Kind("email", "login email", "new_email"),
    "phone": Kind("phone", "login phone", "new_phone"),
}


def kind_of(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise InvalidInput(
            "unknown_change_kind", field="kind", value=name, choices=", ".join(KINDS)
        ) from None


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


def _other_address(req: ChangeRequest, address: str) -> str | None:
    """The address shown next to ``address`` in the flow (masks must tell them apart)."""
    return req.new_address if address == req.current_address else req.current_address


def to_public(
    ctx: ServiceContext, req: ChangeRequest, *, sessions_revoked: int = 0
) -> ChangeRequestPublic:
    now = ctx.now()
    kind = kind_of(req.kind)
    state = effective_state(req, now)
    is_open = state in OPEN_STATES
    sent_to = _target_address(req)
    code = challenges.current(ctx, req.id, step=req.code_target) if req.code_target else None
    status = challenges.status(ctx, code, channel=kind.name, address=sent_to, now=now)
    return ChangeRequestPublic(
        request_id=req.id,
        kind=req.kind,
        state=state,
        account_id=req.account_id,
        code_target=req.code_target,
        sent_to=kind.mask(sent_to, unlike=_other_address(req, sent_to)) if sent_to else None,
        new_address=(
            kind.mask(req.new_address, unlike=req.current_address) if req.new_address else None
        ),
        expires_at=req.expires_at if is_open else None,
        attempts_left=status.attempts_left,
        sends_left=status.sends_left if is_open else 0,
        resend_available_at=status.resend_at if is_open and sent_to else None,
        created_at=req.created_at,
        updated_at=req.updated_at,
        sessions_revoked=sessions_revoked,
    )


def _audit_view(req: ChangeRequest) -> dict[str, Any]:
    kind = kind_of(req.kind)
    sent_to = _target_address(req)
    return {
        "state": req.state,
        "sent_to": kind.mask(sent_to) if sent_to else None,
        "new_address": kind.mask(req.new_address) if req.new_address else None,
    }


# -- delivery -------------------------------------------------------------------


def _language(ctx: ServiceContext, req: ChangeRequest) -> str:
    account = ctx.session.get(Account, req.account_id)
    return account.language if account is not None else "en"


def _send_code(ctx: ServiceContext, req: ChangeRequest, *, target: str) -> None:
    """A new code for the request's current step, through the engine (which voids the
    older one, enforces cooldown and send cap, audits, and delivers last)."""
    kind = kind_of(req.kind)
    to = req.current_address if target == "current" else req.new_address
    assert to is not None
    row = challenges.issue(
        ctx,
        purpose=kind.purpose,
        subject=req.id,
        step=target,
        account_id=req.account_id,
        channel=kind.name,
        address=to,
        deliver=notices.code_deliverer(
            ctx.settings,
            channel="email" if kind.name == "email" else "sms",
            to=to,
            language=_language(ctx, req),
            purpose=f"{kind.name}_{'current' if target == 'current' else 'new'}",
            step=1 if target == "current" else 2,
        ),
    )
    req.code_target = target
    req.expires_at = row.expires_at
    req.updated_at = row.created_at
    ctx.session.add(req)


# -- loading and guards ---------------------------------------------------------


def _load(
    ctx: ServiceContext, *, request_id: str, kind: Kind, account: str | None, lock: bool = True
) -> ChangeRequest:
    """The request (locked for update unless ``lock`` is false). Unknown id, other kind,
    another account's request: exit 3, the same answer."""
    rid = request_id.strip()
    # Echo the id only when it looks like one: a code pasted in its place must not be printed.
    shown = rid if REQUEST_ID_RE.fullmatch(rid) else "***"
    stmt = select(ChangeRequest).where(ChangeRequest.id == rid)
    req = ctx.session.exec(stmt.with_for_update() if lock else stmt).first()
    # Another account's request answers exactly like a missing one.
    if req is None or req.kind != kind.name or not authz.may_access(ctx.actor, req.account_id):
        raise NotFound("change_request_not_found", kind=kind.name, ref=shown)
    if account is not None and accounts.find_account(ctx, account).id != req.account_id:
        raise NotFound("change_request_not_in_account", kind=kind.name, ref=shown, account=account)
    return req


def _finish(ctx: ServiceContext, req: ChangeRequest, state: str, now: datetime) -> None:
    req.state = state
    req.finished_at = now
    req.updated_at = now
    ctx.session.add(req)
    for step in ("current", "new"):
        code = challenges.current(ctx, req.id, step=step)
        if code is not None and code.state == "open":
            challenges.finish(ctx, code, "voided", now)


def _end(ctx: ServiceContext, req: ChangeRequest, state: str, now: datetime, why: str) -> None:
    before = {"state": req.state}
    _finish(ctx, req, state, now)
    audit.record_on(ctx, req, f"{req.kind}.change.{why}", before=before, after={"state": state})


def _require_open(ctx: ServiceContext, req: ChangeRequest, now: datetime) -> None:
    """Refuse (exit 7) a finished request; record an expiry the first time it is noticed."""
    state = effective_state(req, now)
    if state in OPEN_STATES:
        return
    recorded = state == "expired" and req.state != "expired"
    if recorded:
        _end(ctx, req, "expired", now, "expire")
    raise challenges.request_ended(
        state, request_id=req.id, kind=req.kind, next_step="start_change", recorded=recorded
    )


def _check_new_address(ctx: ServiceContext, kind: Kind, account: Account, new: str) -> None:
    """Same as current → exit 6; used by another account → exit 6 (conflict)."""
    if getattr(account, kind.name) == new:
        raise RuleViolation("address_unchanged", field=kind.field, kind=kind.name)
    accounts.ensure_unique(ctx, exclude_id=account.id, given_as=kind.field, **{kind.name: new})


def _probe_new_address(
    ctx: ServiceContext,
    kind: Kind,
    account: Account,
    new: str,
    *,
    code_to: str,
    confirmed: bool = False,
) -> None:
    """Whether ``new`` is free, answered only at a price: the next code's cooldown and
    send cap (to ``code_to``) first, then one of the account's address checks
    (``throttles.charge_probe``: ``PROBE_BUDGET`` a day, and a cooldown unless the
    current address was ``confirmed`` with its code — a mistyped taken address is
    then corrected at once), audited and kept whether the address is taken or free."""
    if getattr(account, kind.name) == new:
        raise RuleViolation("address_unchanged", field=kind.field, kind=kind.name)
    challenges.require_send_allowed(ctx, purpose=kind.purpose, channel=kind.name, address=code_to)
    throttles.charge_probe(
        ctx,
        account_id=account.id,
        kind=kind.name,
        cooldown=None if confirmed else challenges.COOLDOWN,
    )
    try:
        _check_new_address(ctx, kind, account, new)
    except Conflict as exc:
        _audit_probe(ctx, kind, account, new, taken=True)
        raise exc.keep_changes() from None
    _audit_probe(ctx, kind, account, new, taken=False)


def _audit_probe(
    ctx: ServiceContext, kind: Kind, account: Account, new: str, *, taken: bool
) -> None:
    audit.record_on(
        ctx,
        account,
        f"{kind.name}.change.address_check",
        after={"new_address": kind.mask(new), "taken": taken},
    )


def _account(ctx: ServiceContext, req: ChangeRequest) -> Account:
    account = ctx.session.get(Account, req.account_id)
    if account is None:
        raise NotFound("request_account_gone", request_id=req.id)
    return account


# -- operations -----------------------------------------------------------------


def start(ctx: ServiceContext, *, ref: str, data: ChangeStart) -> ChangeRequestPublic:
    """Open a request and send a code to the current address.

    An open request of the same account and kind is cancelled. The engine's cooldown
    holds per address across requests, so starting over does not bypass it.
    """
    kind, new_address = data.kind, data.new_address
    spec = kind_of(kind)
    account = accounts.find_account(ctx, ref)
    # Serialize concurrent starts for one account (SQLite already does: BEGIN IMMEDIATE).
    ctx.session.exec(select(Account.id).where(Account.id == account.id).with_for_update()).one()
    new = spec.validate(new_address) if new_address is not None else None
    if new is not None:
        _probe_new_address(ctx, spec, account, new, code_to=getattr(account, spec.name))
    now = ctx.now()
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
    _send_code(ctx, req, target="current")  # refuses (cooldown, cap) before anything ends
    siblings = select(ChangeRequest).where(
        ChangeRequest.account_id == account.id,
        ChangeRequest.kind == spec.name,
        ChangeRequest.id != req.id,
        col(ChangeRequest.state).in_(OPEN_STATES),
    )
    for old in ctx.session.exec(siblings):
        before = {"state": old.state}
        _finish(ctx, old, "expired" if effective_state(old, now) == "expired" else "cancelled", now)
        audit.record_on(
            ctx,
            old,
            f"{spec.name}.change.cancel",
            before=before,
            after={"state": old.state, "reason": "superseded"},
        )
    audit.record_on(ctx, req, f"{spec.name}.change.start", after=_audit_view(req))
    return to_public(ctx, req)


def verify(
    ctx: ServiceContext,
    *,
    request_id: str,
    data: CodeSubmit,
    kind: str,
    account: str | None = None,
) -> ChangeRequestPublic:
    """Check the outstanding code. Current confirmed → code to the new address (if
    known); new confirmed → the change applies, in this transaction."""
    code = data.code.get_secret_value()
    challenges.normalise_code(code)  # bad input is exit 2 before anything else
    spec = kind_of(kind)
    req = _load(ctx, request_id=request_id, kind=spec, account=account)
    # the last step checks the account's address and who else holds the new one
    locking.hold(ctx, [f"account:{req.account_id}", f"address:{req.new_address or ''}"])
    now = ctx.now()
    _require_open(ctx, req, now)
    if req.code_target is None:
        raise RuleViolation("new_address_needed", field=spec.field, state=req.state)
    row = challenges.current(ctx, req.id, step=req.code_target, lock=True)
    if row is None:
        raise VerificationFailed("no_code", state=req.state, next_step="resend_change")
    try:
        challenges.verify(ctx, row=row, code=code)
    except VerificationFailed as exc:
        if row.state in ("failed", "expired"):
            state = "failed" if row.state == "failed" else "expired"
            _end(ctx, req, state, now, "fail" if state == "failed" else "expire")
            # the meaning stays the engine's (reason and words); the params say which
            # request it ended
            exc.params.update(state=state, request_id=req.id)
        else:
            exc.details["state"] = req.state
        raise
    before = {"state": req.state}
    if req.code_target == "current":
        req.state = "awaiting_new_code"
        req.updated_at = now
        if req.new_address is not None:
            _check_new_address(ctx, spec, _account(ctx, req), req.new_address)
            _send_code(ctx, req, target="new")
        else:
            req.code_target = None
            req.expires_at = now + challenges.CODE_TTL  # the window to give the new address
            ctx.session.add(req)
        audit.record_on(
            ctx, req, f"{spec.name}.change.confirm_current", before=before, after=_audit_view(req)
        )
        return to_public(ctx, req)
    revoked = _apply(ctx, spec, req, now)
    return to_public(ctx, req, sessions_revoked=revoked)


def _apply(ctx: ServiceContext, spec: Kind, req: ChangeRequest, now: datetime) -> int:
    """Change the address; end the account's other sessions. Returns how many ended."""
    account = _account(ctx, req)
    assert req.new_address is not None
    if getattr(account, spec.name) != req.current_address:
        raise RuleViolation("address_changed_meanwhile", kind=spec.name, next_step="start_change")
    # Another account may have taken the address meanwhile (exit 6, nothing changed);
    # the unique index backs this check up against a concurrent writer.
    _check_new_address(ctx, spec, account, req.new_address)
    old = getattr(account, spec.name)
    setattr(account, spec.name, req.new_address)
    account.updated_at = now
    ctx.session.add(account)
    _finish(ctx, req, "completed", now)
    ctx.session.flush()
    audit.record_on(
        ctx,
        account,
        f"{spec.name}.change",
        before={spec.name: old, "request_id": req.id},
        after={spec.name: req.new_address, "request_id": req.id},
    )
    return sessions.revoke_others(ctx, account_id=account.id, why=f"{spec.name}.change")


def set_new_address(
    ctx: ServiceContext,
    *,
    request_id: str,
    data: NewAddress,
    kind: str,
    account: str | None = None,
) -> ChangeRequestPublic:
    """Give the new address after the current one was confirmed; sends its code."""
    new_address = data.new_address
    spec = kind_of(kind)
    req = _load(ctx, request_id=request_id, kind=spec, account=account)
    now = ctx.now()
    _require_open(ctx, req, now)
    if req.state != "awaiting_new_code":
        raise RuleViolation("confirm_current_first", kind=spec.name, state=req.state)
    if req.new_address is not None:
        raise RuleViolation(
            "new_address_already_given", kind=spec.name, state=req.state, next_step="start_change"
        )
    new = spec.validate(new_address)
    _probe_new_address(ctx, spec, _account(ctx, req), new, code_to=new, confirmed=True)
    req.new_address = new
    _send_code(ctx, req, target="new")
    audit.record_on(ctx, req, f"{spec.name}.change.new_address", after=_audit_view(req))
    return to_public(ctx, req)


def resend(
    ctx: ServiceContext, *, request_id: str, kind: str, account: str | None = None
) -> ChangeRequestPublic:
    """A new code to the same address (the older one stops working)."""
    spec = kind_of(kind)
    req = _load(ctx, request_id=request_id, kind=spec, account=account)
    now = ctx.now()
    _require_open(ctx, req, now)
    if req.code_target is None:
        raise RuleViolation("new_address_needed", field=spec.field, state=req.state)
    _send_code(ctx, req, target=req.code_target)
    audit.record_on(ctx, req, f"{spec.name}.change.resend", after=_audit_view(req))
    return to_public(ctx, req)


def cancel(
    ctx: ServiceContext, *, request_id: str, kind: str, account: str | None = None
) -> ChangeRequestPublic:
    """Cancel an open request; cancelling a cancelled one is a no-op."""
    req = _load(ctx, request_id=request_id, kind=kind_of(kind), account=account)
    if req.state == "cancelled":
        return to_public(ctx, req)
    now = ctx.now()
    _require_open(ctx, req, now)
    _end(ctx, req, "cancelled", now, "cancel")
    return to_public(ctx, req)


def get(
    ctx: ServiceContext, *, request_id: str, kind: str, account: str | None = None
) -> ChangeRequestPublic:
    spec = kind_of(kind)
    req = _load(ctx, request_id=request_id, kind=spec, account=account, lock=False)
    return to_public(ctx, req)


def latest(ctx: ServiceContext, *, ref: str, kind: str) -> ChangeRequestPublic:
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
        raise NotFound("no_change_request", username=account.username, kind=spec.name)
    return to_public(ctx, req)
