"""Failure budgets against guessing: per address and per client.

Every wrong guess — a wrong code of any purpose, a wrong password at login — is
recorded twice in ``throttle_failures``: under the address it was aimed at and under
the client that sent it. Both keys are keyed hashes (no address or IP in the table).

- **Per address** (an account has two: its login email and phone): the first
  ``ADDRESS_FREE`` failures within ``WINDOW`` pass at once; after that each next
  guess waits ``BACKOFF_BASE × 2^(n − ADDRESS_FREE)`` after the last failure
  (1, 2, 4, 8, 16 minutes), and at ``ADDRESS_BUDGET`` failures the address is locked
  until the oldest of them leaves the window. Reaching the budget is the lock-out:
  audited, and the account is emailed.
- **Per client** (the peer address on the server, ``local`` for a local store): at
  most ``CLIENT_BUDGET`` failures within ``WINDOW`` across all addresses.
- **Address checks per account**: every answer to "is this new login address
  free?" (an email or phone change naming its new address) is a row under the
  account's ``probe:`` keys: at most ``PROBE_BUDGET`` within ``WINDOW`` (email and
  phone together), and one per cooldown of each kind, taken or free alike — so an
  owner cannot list other accounts' addresses faster than that.

The keys are addresses, never account rows, so an address without an account is
throttled exactly like one with: the answers cannot tell them apart.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import col, select

from guance_billing_cli.errors import RateLimited
from guance_billing_cli.services.context import ServiceContext
from guance_billing_cli.store.models import ThrottleFailure

WINDOW = timedelta(hours=24)
ADDRESS_FREE = 5
ADDRESS_BUDGET = 10
BACKOFF_BASE = timedelta(minutes=1)
CLIENT_BUDGET = 50
PROBE_BUDGET = 20


def _failures(ctx: ServiceContext, key: str, now: datetime) -> list[datetime]:
    """Times of ``key``'s failures inside the window, oldest first."""
    stmt = (
        select(ThrottleFailure.at)
        .where(ThrottleFailure.key == key, col(ThrottleFailure.at) > now - WINDOW)
        .order_by(col(ThrottleFailure.at))
    )
    return list(ctx.session.exec(stmt))


def address_wait(times: list[datetime], now: datetime) -> datetime | None:
    """When the next guess at an address with these failures is allowed (None: now)."""
    n = len(times)
    if n >= ADDRESS_BUDGET:
        return times[n - ADDRESS_BUDGET] + WINDOW
    if n >= ADDRESS_FREE:
        until = times[-1] + BACKOFF_BASE * (2 ** (n - ADDRESS_FREE))
        return until if until > now else None
    return None


def _refuse(until: datetime, now: datetime, reason: str) -> RateLimited:
    seconds = max(1, math.ceil((until - now).total_seconds()))
    return RateLimited(reason, retry_after=seconds)


def check(ctx: ServiceContext, *, address_key: str, client_key: str) -> None:
    """RateLimited (exit 8, HTTP 429) while the address or the client is held back."""
    now = ctx.now()
    until = address_wait(_failures(ctx, address_key, now), now)
    if until is not None:
        raise _refuse(until, now, "address_throttled")
    client = _failures(ctx, client_key, now)
    if len(client) >= CLIENT_BUDGET:
        raise _refuse(client[len(client) - CLIENT_BUDGET] + WINDOW, now, "client_throttled")


def record_failure(ctx: ServiceContext, *, address_key: str, client_key: str) -> list[int]:
    """Count one wrong guess against both keys; returns the new rows' ids."""
    now = ctx.now()
    rows = [ThrottleFailure(key=address_key, at=now), ThrottleFailure(key=client_key, at=now)]
    ctx.session.add_all(rows)
    ctx.session.flush()
    return [row.id for row in rows if row.id is not None]


def locked_out(ctx: ServiceContext, address_key: str) -> bool:
    """True when the address just reached its budget (the moment to notify)."""
    return len(_failures(ctx, address_key, ctx.now())) == ADDRESS_BUDGET


def serialize(ctx: ServiceContext, key: str) -> None:
    """Hold ``key`` until commit, so count-then-write rules hold under concurrent
    callers: SQLite write transactions are already serial (``BEGIN IMMEDIATE``); on
    PostgreSQL a transaction-scoped advisory lock on the key's hash."""
    if ctx.session.get_bind().dialect.name != "postgresql":
        return
    from sqlalchemy import text

    digest = int(hashlib.sha256(key.encode()).hexdigest()[:15], 16)
    ctx.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": digest})


def probe_key(account_id: str, kind: str) -> str:
    return f"probe:{account_id}:{kind}"


def charge_probe(
    ctx: ServiceContext, *, account_id: str, kind: str, cooldown: timedelta | None
) -> None:
    """Count one address check of ``account_id``; RateLimited (exit 8) within
    ``cooldown`` of the last one of the same ``kind`` (email and phone changes stay
    independent; None: no cooldown) or beyond ``PROBE_BUDGET`` in ``WINDOW`` for both
    kinds together."""
    key = probe_key(account_id, kind)
    serialize(ctx, probe_key(account_id, "*"))
    now = ctx.now()
    times = _failures(ctx, key, now)
    if cooldown is not None and times and times[-1] + cooldown > now:
        seconds = max(1, math.ceil((times[-1] + cooldown - now).total_seconds()))
        raise RateLimited("cooldown", cooldown=int(cooldown.total_seconds()), retry_after=seconds)
    every = sorted(
        ctx.session.exec(
            select(ThrottleFailure.at).where(
                col(ThrottleFailure.key).startswith(f"probe:{account_id}:"),
                col(ThrottleFailure.at) > now - WINDOW,
            )
        )
    )
    require_under_cap("address_check_budget", every, PROBE_BUDGET, WINDOW, now)
    ctx.session.add(ThrottleFailure(key=key, at=now))
    ctx.session.flush()


def require_under_cap(
    reason: str, times: Sequence[datetime], limit: int, window: timedelta, now: datetime
) -> None:
    """Refuse (``RateLimited(reason)``, exit 8) when ``limit`` of ``times`` (oldest first,
    all within ``window``) are counted already: retry once the oldest of them leaves it."""
    if len(times) >= limit:
        until = times[len(times) - limit] + window
        raise RateLimited(
            reason,
            limit=limit,
            hours=int(window.total_seconds() // 3600),
            retry_after=max(1, math.ceil((until - now).total_seconds())),
        )
