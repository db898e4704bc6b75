"""Password reset: a small state machine on the challenge engine.

A reset walks ``awaiting_code → completed`` and ends early as ``cancelled`` (a
newer reset started), ``failed`` (its code got 5 wrong guesses) or ``expired``
(10 minutes). Every code rule is the engine's (``services/challenges.py``).
Completing it sets the password (a first one too), lifts the wrong-password lock
of ``password change`` and ends the account's other sessions.

Two ways in: for an account (a support engineer, or the owner with a token), and
by login address without a token (``forgot``). The second answers the same for an
address with and without an account: a phantom challenge stands in for the one
that would have been sent.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlmodel import select

from guance_billing_cli.errors import InvalidInput, NotFound, VerificationFailed
from guance_billing_cli.schemas.credentials import (
    RESET_CHANNELS,
    PasswordResetComplete,
    PasswordResetPublic,
    PasswordResetStart,
)
from guance_billing_cli.schemas.tokens import (
    ForgottenPasswordReset,
    LoginCodeSent,
    PasswordForgotten,
    PasswordResetDone,
)
from guance_billing_cli.services import (
    accounts,
    audit,
    authz,
    challenges,
    credentials,
    notices,
    sessions,
)
from guance_billing_cli.services.context import ServiceContext
from guance_billing_cli.services.ids import new_id
from guance_billing_cli.store.models import Account, Challenge, PasswordReset

REQUEST_ID_RE = re.compile(r"pwr_[0-9a-f]{12}")
PURPOSE = "password_reset"


def effective_state(reset: PasswordReset, now: datetime) -> str:
    if reset.state == "awaiting_code" and reset.expires_at is not None and now >= reset.expires_at:
        return "expired"
    return reset.state


def to_public(
    ctx: ServiceContext, reset: PasswordReset, *, sessions_revoked: int = 0
) -> PasswordResetPublic:
    now = ctx.now()
    state = effective_state(reset, now)
    is_open = state == "awaiting_code"
    status = challenges.status(
        ctx, challenges.current(ctx, reset.id), channel=reset.via, address=reset.address, now=now
    )
    return PasswordResetPublic(
        request_id=reset.id,
        state=state,
        account_id=reset.account_id,
        via=reset.via,
        sent_to=challenges.mask(reset.via, reset.address),
        expires_at=reset.expires_at if is_open else None,
        attempts_left=status.attempts_left,
        sends_left=status.sends_left if is_open else 0,
        resend_available_at=status.resend_at if is_open else None,
        created_at=reset.created_at,
        updated_at=reset.updated_at,
        sessions_revoked=sessions_revoked,
    )


def _send_code(ctx: ServiceContext, reset: PasswordReset, account: Account) -> None:
    row = challenges.issue(
        ctx,
        purpose=PURPOSE,
        subject=reset.id,
        account_id=account.id,
        channel=reset.via,
        address=reset.address,
        deliver=notices.code_deliverer(
            ctx.settings,
            channel=reset.via,
            to=reset.address,
            language=account.language,
            purpose="password_reset",
            username=account.username,
        ),
    )
    reset.expires_at = row.expires_at
    reset.updated_at = row.created_at
    ctx.session.add(reset)


def _finish(ctx: ServiceContext, reset: PasswordReset, state: str, now: datetime) -> None:
    reset.state = state
    reset.finished_at = now
    reset.updated_at = now
    ctx.session.add(reset)
    code = challenges.current(ctx, reset.id)
    if code is not None and code.state == "open":
        challenges.finish(ctx, code, "voided", now)


def _load(
    ctx: ServiceContext, *, request_id: str, account: str | None, lock: bool = True
) -> PasswordReset:
    rid = request_id.strip()
    # Echo the id only when it looks like one: a code pasted in its place must not be printed.
    shown = rid if REQUEST_ID_RE.fullmatch(rid) else "***"
    stmt = select(PasswordReset).where(PasswordReset.id == rid)
    reset = ctx.session.exec(stmt.with_for_update() if lock else stmt).first()
    # Another account's request answers exactly like a missing one.
    if reset is None or not authz.may_access(ctx.actor, reset.account_id):
        raise NotFound("reset_not_found", ref=shown)
    if account is not None and accounts.find_account(ctx, account).id != reset.account_id:
        raise NotFound("reset_not_in_account", ref=shown, account=account)
    return reset


def _require_open(ctx: ServiceContext, reset: PasswordReset, now: datetime) -> None:
    state = effective_state(reset, now)
    if state == "awaiting_code":
        return
    recorded = state == "expired" and reset.state != "expired"
    if recorded:
        _finish(ctx, reset, "expired", now)
        audit.record_on(
            ctx, reset, "password.reset.expire", before={"state": "awaiting_code"},
            after={"state": "expired"},
        )  # fmt: skip
    raise challenges.request_ended(
        state, request_id=reset.id, next_step="start_password_reset", recorded=recorded
    )


def _account(ctx: ServiceContext, reset: PasswordReset) -> Account:
    account = ctx.session.get(Account, reset.account_id)
    if account is None:
        raise NotFound("request_account_gone", request_id=reset.id)
    return account


def _open_reset(ctx: ServiceContext, account: Account, channel: str) -> PasswordReset:
    """A new reset with its first code; older open resets of the account end."""
    now = ctx.now()
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
    _send_code(ctx, reset, account)  # refuses (cooldown, cap) before anything ends
    mine = select(PasswordReset).where(
        PasswordReset.account_id == account.id,
        PasswordReset.state == "awaiting_code",
        PasswordReset.id != reset.id,
    )
    for old in ctx.session.exec(mine):
        state = "expired" if effective_state(old, now) == "expired" else "cancelled"
        _finish(ctx, old, state, now)
        superseded = {"state": state, "reason": "superseded"}
        audit.record_on(
            ctx, old, "password.reset.cancel", before={"state": "awaiting_code"}, after=superseded
        )
    sent_to = challenges.mask(channel, reset.address)
    audit.record_on(
        ctx, reset, "password.reset.start",
        after={"state": reset.state, "via": channel, "sent_to": sent_to},
    )  # fmt: skip
    return reset


def start_reset(ctx: ServiceContext, *, ref: str, data: PasswordResetStart) -> PasswordResetPublic:
    """Send a reset code to the account's login email or phone; older open resets end."""
    channel = data.via.strip().lower()
    if channel not in RESET_CHANNELS:
        raise InvalidInput("not_one_of", field="via", choices=list(RESET_CHANNELS))
    account = accounts.find_account(ctx, ref)
    return to_public(ctx, _open_reset(ctx, account, channel))


def forgot(ctx: ServiceContext, *, data: PasswordForgotten) -> LoginCodeSent:
    """Start a reset by login address, without a token. The same answer whether or
    not the address has an account (a phantom challenge when it has none)."""
    from guance_billing_cli.services import login

    channel, address, account = login.resolve_address(ctx, email=data.email, phone=data.phone)
    if account is not None:
        reset = _open_reset(ctx, account, channel)
        assert reset.expires_at is not None
        return LoginCodeSent(
            request_id=reset.id,
            sent_to=challenges.mask(channel, address),
            expires_at=reset.expires_at,
        )
    subject = new_id("pwr")
    row = challenges.issue(
        ctx, purpose=PURPOSE, subject=subject, account_id=None, channel=channel,
        address=address, deliver=_no_delivery,
    )  # fmt: skip
    return LoginCodeSent(
        request_id=subject, sent_to=challenges.mask(channel, address), expires_at=row.expires_at
    )


def _no_delivery(_code: str, _expires_at: datetime) -> None:
    """A phantom challenge is never delivered (there is nobody to deliver it to)."""


def _check_code(
    ctx: ServiceContext,
    reset: PasswordReset | None,
    row: Challenge,
    code: str,
    *,
    name_request: bool = False,
) -> None:
    """The engine's verdict; a code that failed or expired ends the reset too. Without
    a token (``forgot``) the error's words stay the engine's, so a reset of a known
    address and a phantom answer alike; ``name_request`` (a caller who may see the
    request) adds which request ended."""
    now = ctx.now()
    try:
        challenges.verify(ctx, row=row, code=code)
    except VerificationFailed as exc:
        if reset is not None and row.state in ("failed", "expired"):
            _finish(ctx, reset, row.state, now)
            if name_request:
                # a caller who may see the request learns which one ended; the meaning
                # (reason and words) stays the engine's. Without a token nothing is
                # added, so a known address and a phantom answer alike (issue 22).
                exc.params.update(state=row.state, request_id=reset.id)
            action = "fail" if row.state == "failed" else "expire"
            audit.record_on(
                ctx, reset, f"password.reset.{action}", before={"state": "awaiting_code"},
                after={"state": row.state},
            )  # fmt: skip
        exc.details["state"] = reset.state if reset is not None else row.state
        if exc.details["state"] == "open":
            exc.details["state"] = "awaiting_code"
        raise


def _check_new_password(password: str, owner: Account | None) -> None:
    """The password policy. With no owner, only the rules that need no account
    (length, classes, blocklist): they answer the same for every address, so they may
    come before the code. The rules about the account's own identity come after a
    valid code; if one fails, the transaction rolls back and the code stays usable."""
    credentials.check_policy(
        password,
        username=owner.username if owner else "",
        email=owner.email if owner else "",
        phone=owner.phone if owner else "",
    )


def complete_reset(
    ctx: ServiceContext,
    *,
    request_id: str,
    data: PasswordResetComplete,
    account: str | None = None,
) -> PasswordResetPublic:
    """Check the code and set the new password, in one transaction.

    Bad input first (a malformed code, or a password that breaks a rule that needs
    no account: exit 2, the code stays usable); then the request and the engine's
    checks (exit 8 throttled, exit 7 wrong or finished, counted and committed); only
    after a valid code the rules about the account (``password_is_identity``), so
    nothing about the account is revealed before the code.
    """
    code = data.code.get_secret_value()
    challenges.normalise_code(code)
    new_password = data.new_password.get_secret_value()
    _check_new_password(new_password, None)
    reset = _load(ctx, request_id=request_id, account=account)
    now = ctx.now()
    _require_open(ctx, reset, now)
    owner = _account(ctx, reset)
    row = challenges.current(ctx, reset.id, lock=True)
    if row is None:
        raise VerificationFailed("no_code", state=reset.state, next_step="resend_password_reset")
    _check_code(ctx, reset, row, code, name_request=True)
    _check_new_password(new_password, owner)
    revoked = _set_password(ctx, reset, owner, new_password)
    return to_public(ctx, reset, sessions_revoked=revoked)


def _set_password(ctx: ServiceContext, reset: PasswordReset, owner: Account, password: str) -> int:
    _finish(ctx, reset, "completed", ctx.now())
    credentials.set_password_after_reset(ctx, account=owner, password=password)
    return sessions.revoke_others(ctx, account_id=owner.id, why="password.reset")


def complete_forgotten(ctx: ServiceContext, *, data: ForgottenPasswordReset) -> PasswordResetDone:
    """Finish a reset started with ``forgot`` (no token): the request id is the key.

    Nothing about the account is looked at before the code is valid: the request and
    the code decide every answer up to then, and a phantom's request answers alike.
    """
    code = data.code.get_secret_value()
    challenges.normalise_code(code)
    new_password = data.new_password.get_secret_value()
    _check_new_password(new_password, None)
    rid = data.request_id.strip()
    row = challenges.current(ctx, rid, lock=True)
    if row is None or row.purpose != PURPOSE:
        raise VerificationFailed("no_such_code")
    reset = ctx.session.get(PasswordReset, rid, with_for_update=True)
    _check_code(ctx, reset, row, code)
    assert reset is not None  # a phantom's code never matches
    owner = _account(ctx, reset)
    _check_new_password(new_password, owner)
    revoked = _set_password(ctx, reset, owner, new_password)
    return PasswordResetDone(request_id=reset.id, state=reset.state, sessions_revoked=revoked)


def resend_reset(
    ctx: ServiceContext, *, request_id: str, account: str | None = None
) -> PasswordResetPublic:
    reset = _load(ctx, request_id=request_id, account=account)
    _require_open(ctx, reset, ctx.now())
    _send_code(ctx, reset, _account(ctx, reset))
    audit.record_on(
        ctx, reset, "password.reset.resend", after={"state": reset.state, "via": reset.via}
    )
    return to_public(ctx, reset)


def get_reset(
    ctx: ServiceContext, *, request_id: str, account: str | None = None
) -> PasswordResetPublic:
    reset = _load(ctx, request_id=request_id, account=account, lock=False)
    return to_public(ctx, reset)
