"""The one engine for every one-time code: both steps of an email or phone change,
password reset and login by code.

Rules, each decided here and nowhere else:

- a code is 6 digits from ``secrets``, kept only as HMAC-SHA256 under
  ``keys.purpose_key("codes")`` (outside the store) bound to the challenge's id;
- valid ``CODE_TTL`` (10 minutes), single use; a newer code for the same request,
  or the same purpose and address, voids the older one;
- ``MAX_ATTEMPTS`` (5) wrong guesses end a code (state ``failed``);
- ``COOLDOWN`` (60 s) between two codes of one purpose to one address — also when
  the new code replaces a failed, expired or used one — and at most ``SEND_CAP``
  codes to one address per ``SEND_WINDOW`` (24 h), all purposes together;
- what people type is normalised (full-width digits, spaces, dashes); anything
  else that is not 6 digits is bad input (exit 2 / HTTP 422) and never counts;
- every wrong guess also counts against the address's and the client's failure
  budgets (``services/throttles.py``), checked before the code is compared;
- every send, wrong guess and lock-out is audited (never the code).

An address without an account gets a *phantom* challenge: the same row, rules and
answers, but nothing is delivered and no guess can succeed. Callers (the request
state machines) give the address and a ``deliver(code, expires_at)`` callback.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, func, select

from guance_billing_cli.errors import (
    BillingError,
    InvalidInput,
    RateLimited,
    VerificationFailed,
)
from guance_billing_cli.schemas.masking import mask_email, mask_phone
from guance_billing_cli.schemas.verification import ENDED
from guance_billing_cli.services import audit, throttles
from guance_billing_cli.services.context import ServiceContext
from guance_billing_cli.services.ids import new_id
from guance_billing_cli.store.models import Account, Challenge

log = logging.getLogger("guance_billing.challenges")

PURPOSES = ("login", "password_reset", "email_change", "phone_change")
CODE_TTL = timedelta(minutes=10)
COOLDOWN = timedelta(seconds=60)
MAX_ATTEMPTS = 5
SEND_CAP = 10
SEND_WINDOW = timedelta(hours=24)
CODE_LENGTH = 6

# Separators people type or paste inside a code: spaces (NFKC folds the ideographic
# one) and the dash family.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\u30fc\uff0d_.]")
_CODE = re.compile(rf"[0-9]{{{CODE_LENGTH}}}")

Deliver = Callable[[str, datetime], None]
#: the error reason of a code that is no longer open, by its state
ENDED_REASONS = {
    "used": "code_used",
    "voided": "code_voided",
    "failed": "code_failed",
    "expired": "code_expired",
}


# -- keys -----------------------------------------------------------------------------


def codes_key(ctx: ServiceContext) -> bytes:
    """The code-hashing key. A local store may create its key file; a shared
    (PostgreSQL) store must be given its key."""
    from guance_billing_cli.keys import derive as keys

    shared = ctx.session.get_bind().dialect.name == "postgresql"
    try:
        return keys.purpose_key("codes", create=not shared)
    except (keys.MissingSecretKey, keys.BadSecretKey) as exc:
        raise keys.unavailable(exc) from None


def _mac(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def address_key(ctx: ServiceContext, channel: str, address: str) -> str:
    """The throttle and send-log key of a normalised address (no address in the store)."""
    return "addr:" + _mac(codes_key(ctx), f"address:{channel}:{address.lower()}")


def client_key(ctx: ServiceContext) -> str:
    return "client:" + _mac(codes_key(ctx), f"client:{ctx.client}")[:48]


def _code_hash(ctx: ServiceContext, challenge_id: str, code: str) -> str:
    return _mac(codes_key(ctx), f"code:{challenge_id}:{code}")


# -- what people type -------------------------------------------------------------------


def normalise_code(text: str) -> str:
    """``"１２３ ４５６"``, ``"123-456"`` → ``"123456"``; anything else: InvalidInput."""
    folded = unicodedata.normalize("NFKC", text)
    value = _SEPARATORS.sub("", folded)
    if not _CODE.fullmatch(value):
        raise InvalidInput("malformed_code", field="code", length=CODE_LENGTH)
    return value


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_LENGTH):0{CODE_LENGTH}d}"


def mask(channel: str, address: str) -> str:
    return mask_email(address) if channel == "email" else mask_phone(address)


# -- issuing --------------------------------------------------------------------------


def require_cooldown_passed(last_sent_at: datetime | None, now: datetime) -> None:
    """The cooldown, the one place it is decided: RateLimited with the seconds left."""
    if last_sent_at is None:
        return
    wait = (last_sent_at + COOLDOWN - now).total_seconds()
    if wait > 0:
        seconds = math.ceil(wait)
        raise RateLimited("cooldown", cooldown=int(COOLDOWN.total_seconds()), retry_after=seconds)


def _require_send_allowed(ctx: ServiceContext, *, purpose: str, akey: str, now: datetime) -> None:
    last = ctx.session.exec(
        select(func.max(Challenge.created_at)).where(
            Challenge.address_key == akey, Challenge.purpose == purpose
        )
    ).one()
    require_cooldown_passed(last, now)
    sent = list(
        ctx.session.exec(
            select(Challenge.created_at)
            .where(Challenge.address_key == akey, col(Challenge.created_at) > now - SEND_WINDOW)
            .order_by(col(Challenge.created_at))
        )
    )
    throttles.require_under_cap("send_cap", sent, SEND_CAP, SEND_WINDOW, now)


def require_send_allowed(ctx: ServiceContext, *, purpose: str, channel: str, address: str) -> None:
    """Refuse (exit 8) now what ``issue`` would refuse for a code to ``address``: so a
    caller can check the cooldown and the cap before anything else answers."""
    akey = address_key(ctx, channel, address)
    throttles.serialize(ctx, akey)
    _require_send_allowed(ctx, purpose=purpose, akey=akey, now=ctx.now())


def _void(ctx: ServiceContext, *, purpose: str, subject: str, akey: str, now: datetime) -> None:
    stale = ctx.session.exec(
        select(Challenge).where(
            Challenge.state == "open",
            (Challenge.subject == subject)
            | ((Challenge.purpose == purpose) & (Challenge.address_key == akey)),
        )
    )
    for row in stale:
        finish(ctx, row, "voided", now)


def issue(
    ctx: ServiceContext,
    *,
    purpose: str,
    subject: str,
    account_id: str | None,
    channel: str,
    address: str,
    deliver: Deliver,
    step: str | None = None,
) -> Challenge:
    """A new code for ``subject`` sent to ``address`` (voiding older ones), in the
    caller's transaction. Delivery comes last: if it fails, everything rolls back and
    the send is not counted. ``account_id`` None: a phantom, nothing is delivered."""
    akey = address_key(ctx, channel, address)
    throttles.serialize(ctx, akey)
    now = ctx.now()
    _require_send_allowed(ctx, purpose=purpose, akey=akey, now=now)
    _void(ctx, purpose=purpose, subject=subject, akey=akey, now=now)
    code = new_code()
    row = Challenge(
        id=new_id("chl"),
        purpose=purpose,
        subject=subject,
        step=step,
        account_id=account_id,
        channel=channel,
        address_key=akey,
        created_at=now,
        expires_at=now + CODE_TTL,
    )
    row.code_hash = _code_hash(ctx, row.id, code)
    ctx.session.add(row)
    ctx.session.flush()
    # A phantom is audited too (support sees the probing; no account sees it), which
    # also keeps its cost close to a real send's.
    audit.record(
        ctx,
        action="challenge.send",
        target=subject,
        account_id=account_id,
        after={
            "purpose": purpose,
            "step": step,
            "channel": channel,
            "sent_to": mask(channel, address),
            "expires_at": row.expires_at.isoformat(),
            "delivered": account_id is not None,
        },
    )
    if account_id is not None:
        deliver(code, row.expires_at)
    return row


# -- checking -------------------------------------------------------------------------


def current(
    ctx: ServiceContext, subject: str, *, step: str | None = None, lock: bool = False
) -> Challenge | None:
    """The newest challenge of a request (of one step, when given), in any state.
    Within a step, two codes are at least the cooldown apart, so time orders them."""
    stmt = select(Challenge).where(Challenge.subject == subject)
    if step is not None:
        stmt = stmt.where(Challenge.step == step)
    stmt = stmt.order_by(col(Challenge.created_at).desc(), col(Challenge.id).desc()).limit(1)
    return ctx.session.exec(stmt.with_for_update() if lock else stmt).first()


def state_of(row: Challenge, now: datetime) -> str:
    if row.state == "open" and now >= row.expires_at:
        return "expired"
    return row.state


def finish(ctx: ServiceContext, row: Challenge, state: str, now: datetime) -> None:
    row.state = state
    row.code_hash = None
    row.finished_at = now
    ctx.session.add(row)


def attempts_left(row: Challenge | None) -> int:
    return MAX_ATTEMPTS if row is None else max(0, MAX_ATTEMPTS - row.attempts)


def verify(ctx: ServiceContext, *, row: Challenge, code: str) -> None:
    """Accept ``code`` for ``row`` (it becomes ``used``) or raise.

    Order: malformed input (exit 2, nothing counted); throttled address or client
    (exit 8); a code that is no longer open (exit 7, ``reason`` says why); a wrong
    code (exit 7, counted and committed; the fifth ends the code).
    """
    value = normalise_code(code)
    throttles.serialize(ctx, row.address_key)
    ckey = client_key(ctx)
    throttles.check(ctx, address_key=row.address_key, client_key=ckey)
    now = ctx.now()
    state = state_of(row, now)
    if state != "open":
        if state == "expired" and row.state == "open":
            finish(ctx, row, "expired", now)
            raise VerificationFailed("code_expired", state="expired").keep_changes()
        raise VerificationFailed(ENDED_REASONS.get(state, "code_used"), state=state)
    expected = row.code_hash or ""
    if row.account_id is not None and hmac.compare_digest(_code_hash(ctx, row.id, value), expected):
        finish(ctx, row, "used", now)
        return
    row.attempts += 1
    left = attempts_left(row)
    if left == 0:
        finish(ctx, row, "failed", now)
    else:
        ctx.session.add(row)
    note_failure(ctx, address_key=row.address_key, account_id=row.account_id, what=row.purpose)
    if row.account_id is not None:
        audit.record(
            ctx,
            action="challenge.wrong_code",
            target=row.subject,
            account_id=row.account_id,
            after={"purpose": row.purpose, "step": row.step, "attempts_left": left},
        )
        if left == 0:
            audit.record(
                ctx,
                action="challenge.exhausted",
                target=row.subject,
                account_id=row.account_id,
                after={"purpose": row.purpose, "step": row.step},
            )
    raise VerificationFailed(
        "wrong_code" if left else "exhausted",
        attempts_left=left,
        state="open" if left else "failed",
    ).keep_changes()


# -- failures and lock-outs (codes and passwords alike) ---------------------------------


def note_failure(
    ctx: ServiceContext, *, address_key: str, account_id: str | None, what: str
) -> list[int]:
    """Count one wrong guess (address and client), then ``after_failure``. Returns
    the failure rows' ids."""
    ids = throttles.record_failure(ctx, address_key=address_key, client_key=client_key(ctx))
    after_failure(ctx, address_key=address_key, account_id=account_id, what=what)
    return ids


def after_failure(
    ctx: ServiceContext, *, address_key: str, account_id: str | None, what: str
) -> None:
    """At the address's budget: audit the lock-out and email the account."""
    if account_id is not None and throttles.locked_out(ctx, address_key):
        audit.record(
            ctx,
            action="auth.lockout",
            target=account_id,
            account_id=account_id,
            after={"after": what, "failures": throttles.ADDRESS_BUDGET},
        )
        _notify_lockout(ctx, account_id)


def _notify_lockout(ctx: ServiceContext, account_id: str) -> None:
    from guance_billing_cli.services import notices

    account = ctx.session.get(Account, account_id)
    if account is None:
        return
    hours = int(throttles.WINDOW.total_seconds() // 3600)
    try:
        notices.send_lockout(ctx.settings, account, hours=hours)
    except BillingError as exc:  # the lock-out holds either way; a lost notice is logged
        log.warning("lock-out notice for %s not delivered: %s", account_id, exc.message)


# -- what a request shows ----------------------------------------------------------


@dataclass(frozen=True)
class Status:
    attempts_left: int
    sends_left: int
    resend_at: datetime | None


def status(
    ctx: ServiceContext, row: Challenge | None, *, channel: str, address: str | None, now: datetime
) -> Status:
    """Attempts left on ``row``, codes left for ``address`` in the send window, and
    when the next one may be sent."""
    sends_left = SEND_CAP
    if address is not None:
        akey = address_key(ctx, channel, address)
        sent = ctx.session.exec(
            select(func.count())
            .select_from(Challenge)
            .where(Challenge.address_key == akey, col(Challenge.created_at) > now - SEND_WINDOW)
        ).one()
        sends_left = max(0, SEND_CAP - sent)
    return Status(
        attempts_left=attempts_left(row),
        sends_left=sends_left,
        resend_at=row.created_at + COOLDOWN if row is not None and sends_left else None,
    )


def request_ended(
    state: str, *, request_id: str, next_step: str, recorded: bool = False, **params: Any
) -> VerificationFailed:
    """The refusal (exit 7) of a change or reset request that is no longer open (its
    ``state``: ``ENDED``); ``recorded``: its end was written just now, and is kept."""
    error = VerificationFailed(
        ENDED.get(state, "request_completed"),
        state=state,
        request_id=request_id,
        next_step=next_step,
        **params,
    )
    return error.keep_changes() if recorded else error
