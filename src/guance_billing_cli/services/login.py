"""Logging in without a token: by password, or by a one-time code.

Neither answer tells whether an address has an account. An unknown address is
verified against a dummy argon2 hash (the same cost as a real one), gets a
phantom login code (the same rows and rules, nothing delivered), and is
throttled by the same keys, which are addresses, never account rows.

Password login runs argon2 outside any transaction: a read-only look at the
throttles, argon2 with nothing held, then one short write transaction that
checks the throttles again under the lock (so concurrent guesses cannot overrun
the budget) and issues the token or counts the failure. Failed logins never
hold SQLite's write lock while hashing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select

from guance_billing_cli.errors import AuthenticationFailed, InvalidInput, VerificationFailed
from guance_billing_cli.schemas.tokens import (
    LoginCodeRequest,
    LoginCodeSent,
    LoginRequest,
    TokenCreated,
)
from guance_billing_cli.services import (
    audit,
    challenges,
    credentials,
    notices,
    throttles,
    validation,
)
from guance_billing_cli.services.context import ServiceContext
from guance_billing_cli.services.hashing import OpenContext, hash_at_low_priority
from guance_billing_cli.services.ids import new_id
from guance_billing_cli.services.tokens import issue_login_token
from guance_billing_cli.store.models import Account


def resolve_address(
    ctx: ServiceContext, *, email: str | None, phone: str | None
) -> tuple[str, str, Account | None]:
    """(channel, normalised address, the account or None). Exactly one is given."""
    if bool(email) == bool(phone):
        raise InvalidInput("exactly_one_of", field="email", fields=["email", "phone"])
    if email:
        address = validation.email(email)
        account = ctx.session.exec(select(Account).where(Account.email == address)).first()
        return "email", address, account
    address = validation.phone(phone or "")
    account = ctx.session.exec(select(Account).where(Account.phone == address)).first()
    return "phone", address, account


# -- password -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Try:
    account_id: str | None
    password_hash: str
    address_key: str
    client_key: str


def _prepare(ctx: ServiceContext, data: LoginRequest) -> _Try:
    """Read-only: who the address is, and whether it or the client is held back."""
    channel, address, account = resolve_address(ctx, email=data.email, phone=data.phone)
    akey = challenges.address_key(ctx, channel, address)
    ckey = challenges.client_key(ctx)
    throttles.check(ctx, address_key=akey, client_key=ckey)
    real_hash = account.password_hash if account is not None else None
    return _Try(
        account_id=account.id if account is not None else None,
        password_hash=real_hash if real_hash is not None else credentials.dummy_hash(),
        address_key=akey,
        client_key=ckey,
    )


def password_login(open_ctx: OpenContext, *, data: LoginRequest) -> TokenCreated:
    """An owner token for the account whose email or phone and password match.

    Three steps, none holding a write lock while hashing: a read-only check of the
    throttles; argon2 (no transaction); one short write transaction that checks the
    throttles again under the lock — a guess that lost a race for the last place in
    the budget is refused without its verdict — and issues the token or counts the
    failure."""
    if data.password is None:
        raise InvalidInput("required", field="password")
    with open_ctx(write=False) as ctx:
        attempt = _prepare(ctx, data)
    known = attempt.password_hash is not credentials.dummy_hash()
    ok = verify_at_low_priority(attempt.password_hash, data.password.get_secret_value())
    with open_ctx(write=True) as ctx:
        throttles.serialize(ctx, attempt.address_key)
        throttles.check(ctx, address_key=attempt.address_key, client_key=attempt.client_key)
        account = ctx.session.get(Account, attempt.account_id) if attempt.account_id else None
        if ok and known and account is not None:
            return issue_login_token(
                ctx, account=account, token_name=data.token_name, method="password"
            )
        throttles.record_failure(
            ctx, address_key=attempt.address_key, client_key=attempt.client_key
        )
        if account is not None:
            audit.record_on(ctx, account, "auth.login_failed", after={"method": "password"})
        challenges.after_failure(
            ctx, address_key=attempt.address_key, account_id=attempt.account_id, what="password"
        )
        raise AuthenticationFailed(
            "wrong_credentials", next_step="start_password_reset"
        ).keep_changes()


def verify_at_low_priority(password_hash: str, password: str) -> bool:
    return hash_at_low_priority(credentials.verify_password, password_hash, password)


# -- one-time code ----------------------------------------------------------------------


def send_code(ctx: ServiceContext, *, data: LoginCodeRequest) -> LoginCodeSent:
    """A login code to the address; the same answer for an address without an account."""
    channel, address, account = resolve_address(ctx, email=data.email, phone=data.phone)
    subject = new_id("lgn")
    row = challenges.issue(
        ctx,
        purpose="login",
        subject=subject,
        account_id=account.id if account is not None else None,
        channel=channel,
        address=address,
        deliver=notices.code_deliverer(
            ctx.settings,
            channel=channel,
            to=address,
            language=account.language if account else "en",
            purpose="login",
        ),
    )
    return LoginCodeSent(
        request_id=subject, sent_to=challenges.mask(channel, address), expires_at=row.expires_at
    )


def code_login(ctx: ServiceContext, *, data: LoginRequest) -> TokenCreated:
    """Log in with the code sent by ``send_login_code`` (request id + code)."""
    if not data.request_id or data.code is None:
        raise InvalidInput("code_login_needs", field="code", fields=["request_id", "code"])
    code = data.code.get_secret_value()
    challenges.normalise_code(code)
    channel, address, _account = resolve_address(ctx, email=data.email, phone=data.phone)
    akey = challenges.address_key(ctx, channel, address)
    row = challenges.current(ctx, data.request_id.strip(), lock=True)
    if row is None or row.purpose != "login" or row.address_key != akey:
        # No guess is possible against a code that does not exist: not counted.
        raise VerificationFailed("no_such_code")
    challenges.verify(ctx, row=row, code=code)
    account = ctx.session.get(Account, row.account_id) if row.account_id else None
    if account is None:  # the account went away since the code was sent
        raise VerificationFailed("no_such_code")
    return issue_login_token(ctx, account=account, token_name=data.token_name, method="code")


def log_in(open_ctx: OpenContext, *, data: LoginRequest) -> TokenCreated:
    """The login the request asks for: with a one-time code (or its request id) when it
    carries one, with a password otherwise."""
    if data.code is not None or data.request_id is not None:
        with open_ctx(write=True) as ctx:
            return code_login(ctx, data=data)
    return password_login(open_ctx, data=data)
