"""Passwords: policy, argon2id hashing, change with an attempt limit, and setting a
new password after a verified reset. Hashes never leave ``services/``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from guance_billing_cli.errors import (
    AuthenticationFailed,
    InvalidInput,
    RateLimited,
    RuleViolation,
)

if TYPE_CHECKING:
    from guance_billing_cli.schemas.credentials import PasswordChange, PasswordChanged
    from guance_billing_cli.services.context import ServiceContext
    from guance_billing_cli.services.hashing import OpenContext
    from guance_billing_cli.store.models import Account

MIN_LENGTH, MAX_LENGTH = 8, 64
# Wrong current passwords allowed per account within the window before `password
# change` is refused (exit 8) until the oldest of them leaves the window.
MAX_WRONG_ATTEMPTS = 5
ATTEMPT_WINDOW = timedelta(minutes=15)
WINDOW_MINUTES = int(ATTEMPT_WINDOW.total_seconds() // 60)


@cache
def _hasher():  # type: ignore[no-untyped-def]
    from argon2 import PasswordHasher, Type

    return PasswordHasher(type=Type.ID)


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("guance_billing_cli.data").joinpath("common_passwords.txt").read_text()
    return frozenset(
        line.strip().lower()
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    )


def check_policy(password: str, *, username: str, email: str, phone: str) -> None:
    """Raise InvalidInput (exit 2) naming the rule a new password breaks."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise InvalidInput("password_length", field="password", min=MIN_LENGTH, max=MAX_LENGTH)
    classes = sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    if classes < 3:
        raise InvalidInput("password_classes", field="password")
    lowered = password.lower()
    if lowered in {username.lower(), email.lower(), phone.lower(), phone.lstrip("+")}:
        raise InvalidInput("password_is_identity", field="password")
    if lowered in common_passwords():
        raise InvalidInput("password_too_common", field="password")


def hash_new_password(password: str, *, username: str, email: str, phone: str) -> str:
    check_policy(password, username=username, email=email, phone=phone)
    return str(_hasher().hash(password))


@cache
def dummy_hash() -> str:
    """A hash of a random password with the same parameters: verifying against it
    costs what verifying a real account's password costs, so an unknown address
    answers as slowly as a known one."""
    import secrets

    return str(_hasher().hash(secrets.token_urlsafe(24)))


def verify_password(password_hash: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return bool(_hasher().verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def lock_account(ctx: ServiceContext, account: Account) -> Account:
    """Hold the account row until commit (``FOR UPDATE`` on PostgreSQL; SQLite writes
    are already serialized by ``BEGIN IMMEDIATE``), so that a count-then-write rule
    (wrong attempts, one pending submission) holds under concurrent callers."""
    from sqlmodel import select

    from guance_billing_cli.store.models import Account

    stmt = select(Account).where(Account.id == account.id).with_for_update()
    return ctx.session.exec(stmt).one()


def _wrong_attempts(ctx: ServiceContext, account_id: str) -> list[Any]:
    """Times of the wrong attempts inside the window, newest first."""
    from sqlmodel import col, select

    from guance_billing_cli.store.models import PasswordAttempt

    since = ctx.now() - ATTEMPT_WINDOW
    stmt = (
        select(PasswordAttempt.at)
        .where(PasswordAttempt.account_id == account_id, col(PasswordAttempt.at) > since)
        .order_by(col(PasswordAttempt.at).desc())
    )
    return list(ctx.session.exec(stmt))


def _refuse_if_limited(ctx: ServiceContext, account_id: str, *, wrong_now: bool = False) -> None:
    wrong = _wrong_attempts(ctx, account_id)
    if len(wrong) < MAX_WRONG_ATTEMPTS:
        return
    until = wrong[MAX_WRONG_ATTEMPTS - 1] + ATTEMPT_WINDOW
    retry_after = max(1, int((until - ctx.now()).total_seconds() + 0.999))
    raise RateLimited(
        "password_locked_after_wrong" if wrong_now else "password_locked",
        limit=MAX_WRONG_ATTEMPTS,
        minutes=WINDOW_MINUTES,
        until=until.strftime("%Y-%m-%d %H:%M:%S"),
        retry_after=retry_after,
        retry_at=until.isoformat(),
        next_step="start_password_reset",
    )


def _clear_attempts(ctx: ServiceContext, account_id: str) -> None:
    from sqlmodel import col, delete

    from guance_billing_cli.store.models import PasswordAttempt

    ctx.session.exec(delete(PasswordAttempt).where(col(PasswordAttempt.account_id) == account_id))


def _set_hash(ctx: ServiceContext, account: Account, password_hash: str, *, action: str) -> None:
    from guance_billing_cli.services import audit

    had_password = account.has_password
    account.password_hash = password_hash
    account.updated_at = ctx.now()
    ctx.session.add(account)
    audit.record_on(
        ctx, account, action, before={"has_password": had_password}, after={"has_password": True}
    )


@dataclass(frozen=True)
class _Seen:
    """What the read-only step saw of the account, for the hashing and the write."""

    account_id: str
    password_hash: str
    username: str
    email: str
    phone: str


def change(open_ctx: OpenContext, *, ref: str, data: PasswordChange) -> PasswordChanged:
    """Replace the password after checking the current one.

    Refusals in order: no password yet (exit 6, pointing to reset), too many wrong
    attempts (exit 8), wrong current password (exit 4, counted and committed),
    new password against the policy (exit 2).

    Three steps, as a login (``services/login.py``), so that argon2 never runs while
    the store's write lock is held: a read-only look at the account and its attempt
    limit; verifying the current password and hashing the new one with no transaction
    open; one short write that checks the limit again under the account's lock, and
    refuses (exit 6) if the password changed meanwhile.
    """
    from guance_billing_cli.services.account_lookup import find_account
    from guance_billing_cli.services.hashing import hash_at_low_priority

    with open_ctx(write=False) as ctx:
        account = find_account(ctx, ref)
        if account.password_hash is None:
            raise RuleViolation(
                "no_password_yet", field="password", next_step="start_password_reset"
            )
        _refuse_if_limited(ctx, account.id)
        seen = _Seen(
            account.id, account.password_hash, account.username, account.email, account.phone
        )
    current = data.current_password.get_secret_value()
    new = data.new_password.get_secret_value()
    right = hash_at_low_priority(verify_password, seen.password_hash, current)
    new_hash = None
    if right:
        if new == current:
            raise InvalidInput("password_unchanged", field="password")
        check_policy(new, username=seen.username, email=seen.email, phone=seen.phone)
        new_hash = hash_at_low_priority(lambda: str(_hasher().hash(new)))
    with open_ctx(write=True) as ctx:
        return _apply_change(ctx, seen, new_hash)


def _apply_change(ctx: ServiceContext, seen: _Seen, new_hash: str | None) -> PasswordChanged:
    """The write step of ``change_password``: ``new_hash`` None means the current
    password was wrong (counted, and committed although the call fails)."""
    from guance_billing_cli.schemas.credentials import PasswordChanged
    from guance_billing_cli.services import audit, sessions
    from guance_billing_cli.services.account_lookup import find_account
    from guance_billing_cli.store.models import PasswordAttempt

    account = lock_account(ctx, find_account(ctx, seen.account_id))
    if account.password_hash != seen.password_hash:
        raise RuleViolation("password_changed_meanwhile", field="current_password")
    _refuse_if_limited(ctx, account.id)
    if new_hash is None:
        # Counted in the store and committed although the call fails (keep_changes),
        # so the limit holds across processes and server workers.
        ctx.session.add(PasswordAttempt(account_id=account.id, at=ctx.now()))
        ctx.session.flush()
        left = max(0, MAX_WRONG_ATTEMPTS - len(_wrong_attempts(ctx, account.id)))
        audit.record_on(
            ctx,
            account,
            "password.change_refused",
            after={"reason": "wrong current password", "attempts_left": left},
        )
        try:
            _refuse_if_limited(ctx, account.id, wrong_now=True)
        except RateLimited as limited:
            raise limited.keep_changes() from None
        raise AuthenticationFailed(
            "wrong_current_password",
            field="current_password",
            attempts_left=left,
            minutes=WINDOW_MINUTES,
        ).keep_changes()
    _set_hash(ctx, account, new_hash, action="password.change")
    _clear_attempts(ctx, account.id)
    revoked = sessions.revoke_others(ctx, account_id=account.id, why="password.change")
    return PasswordChanged(account_id=account.id, changed_at=ctx.now(), sessions_revoked=revoked)


def set_password_after_reset(ctx: ServiceContext, *, account: Account, password: str) -> None:
    """Set (or first set) a password once a reset code was verified; clears the lock."""
    password_hash = hash_new_password(
        password, username=account.username, email=account.email, phone=account.phone
    )
    _set_hash(ctx, account, password_hash, action="password.reset")
    _clear_attempts(ctx, account.id)
