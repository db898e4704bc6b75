"""The settlement rules of DESIGN §2, as small pure functions (one place per rule).

Batches (``services/binding.py``) and single-workspace operations
(``services/workspaces.py``) both decide with these, so a rule cannot drift
between the two paths.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from guance_billing_cli.errors import BillingError, InvalidInput, RuleViolation
from guance_billing_cli.schemas.settlement import (
    LOCK_COUNTDOWN_DAYS,
    PROVIDER_NAMES,
    SITES,
)

WORKSPACE_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")
COUNTDOWN = timedelta(days=LOCK_COUNTDOWN_DAYS)


# -- formats ----------------------------------------------------------------------
# A "problem" is the error a value would raise: a batch reports it on its row
# (``why``), a single operation raises it.
def workspace_id_problem(value: str) -> InvalidInput | None:
    """Why ``value`` is not a workspace id, or None when it is one."""
    if WORKSPACE_ID_RE.fullmatch(value):
        return None
    return InvalidInput("invalid_workspace_id", field="id", value=shorten(value))


def _checked(value: str, problem_of: Callable[[str], InvalidInput | None]) -> str:
    """``value`` when it has no problem; else the problem, raised."""
    problem = problem_of(value)
    if problem:
        raise problem
    return value


def workspace_id(value: str) -> str:
    return _checked(value.strip(), workspace_id_problem)


def site_problem(value: str) -> InvalidInput | None:
    if value in SITES:
        return None
    return InvalidInput("unknown_site", field="site", value=shorten(value), choices=list(SITES))


def site(value: str) -> str:
    return _checked(value.strip().lower(), site_problem)


def name_problem(value: str) -> InvalidInput | None:
    if not value:
        return InvalidInput("required", field="name")
    if len(value) > 128:
        return InvalidInput("too_long", field="name", limit=128)
    from guance_billing_cli.services.validation import hidden_problem

    return hidden_problem(value, "name")


def workspace_name(value: str) -> str:
    return _checked(value.strip(), name_problem)


def note(reason: str, **params: Any) -> BillingError:
    """A row note that is not an error (``unchanged``: already bound, listed again)."""
    return BillingError(reason, **params)


def listed_again(first_line: int | None) -> BillingError:
    """A workspace listed twice in one batch: the later rows are ``unchanged``."""
    return note("listed_again_on", line=first_line) if first_line else note("listed_again")


def shorten(value: str, limit: int = 40) -> str:
    """User input, bounded for a message parameter (the template quotes it: ``{value!r}``)."""
    return value if len(value) <= limit else value[:limit] + "…"


# -- settlement ---------------------------------------------------------------------
def describe(settlement: str, cloud_account_id: str | None) -> str:
    """``billing_center`` or ``<provider>:<cloud account id>`` (the results' from/to)."""
    if settlement == "billing_center" or cloud_account_id is None:
        return settlement
    return f"{settlement}:{cloud_account_id}"


def site_allows(site_code: str, provider: str, *, arbitrary: bool) -> bool:
    """Rule 2: the site's own provider only, unless the account may settle arbitrarily."""
    return arbitrary or SITES[site_code].provider == provider


def site_refusal(site_code: str, provider: str) -> RuleViolation:
    s = SITES[site_code]
    return RuleViolation(
        "site_settles_own_provider" if s.provider else "site_settles_billing_center_only",
        site=site_code,
        site_name=s.name,
        cloud=s.cloud,
        own=s.provider,
        provider_name=PROVIDER_NAMES[provider],
        next_step="admin_update_account",
    )


def changed_this_month(changed_at: datetime | None, now: datetime) -> bool:
    """Rule 1: the settlement method already changed in this calendar month (UTC)."""
    return changed_at is not None and (changed_at.year, changed_at.month) == (now.year, now.month)


def next_month(now: datetime) -> datetime:
    return (now.replace(day=1) + timedelta(days=32)).replace(
        day=1, hour=0, minute=0, second=0, microsecond=0
    )


def month_refusal(changed_at: datetime, now: datetime) -> RuleViolation:
    return RuleViolation(
        "settlement_changed_this_month",
        changed_on=changed_at.date().isoformat(),
        next_change=next_month(now).date().isoformat(),
    )


def subscribed_refusal(cloud_account_id: str, provider: str) -> RuleViolation:
    return RuleViolation(
        "cloud_still_subscribed", cloud_account_id=cloud_account_id, provider=provider
    )


# -- lock ---------------------------------------------------------------------------
def state(
    countdown_started_at: datetime | None, dissolved_at: datetime | None, now: datetime
) -> str:
    """``active``, ``countdown`` (14 days), ``locked`` or ``dissolved``: derived, never stored."""
    if dissolved_at is not None:
        return "dissolved"
    if countdown_started_at is None:
        return "active"
    return "countdown" if now < countdown_started_at + COUNTDOWN else "locked"


def locks_at(countdown_started_at: datetime | None) -> datetime | None:
    return None if countdown_started_at is None else countdown_started_at + COUNTDOWN


def days_left(
    countdown_started_at: datetime | None, dissolved_at: datetime | None, now: datetime
) -> int | None:
    """Whole days until the lock, rounded up (0 once locked); None without a countdown."""
    if countdown_started_at is None or dissolved_at is not None:
        return None
    remaining = countdown_started_at + COUNTDOWN - now
    if remaining <= timedelta(0):
        return 0
    return -(-remaining // timedelta(days=1))


def is_remedy(countdown_started_at: datetime | None) -> bool:
    """A change that lifts a countdown or a lock is an unlock remedy, not a voluntary
    switch: the once-a-month rule (rule 1) does not apply to it."""
    return countdown_started_at is not None
