"""Finding an account by what a person types: id, username, email or phone.

Used by nearly every service (and by ``audit`` to filter by account), so it sits
below them and imports none of them.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlmodel import or_, select

from guance_billing_cli.errors import InvalidInput, NotFound
from guance_billing_cli.schemas.masking import looks_like_email, looks_like_phone
from guance_billing_cli.services import authz, validation
from guance_billing_cli.services.context import ServiceContext
from guance_billing_cli.store.models import Account

T = TypeVar("T")


def find_account(ctx: ServiceContext, ref: str) -> Account:
    """An account by id, username, email or phone; NotFound (exit 3) otherwise."""
    ref = ref.strip()
    candidates: list[Any] = [Account.id == ref, Account.username == ref.lower()]
    if looks_like_email(ref):
        candidates.append(Account.email == ref.lower())
    if looks_like_phone(ref):
        with contextlib.suppress(InvalidInput):  # not a phone after all
            candidates.append(Account.phone == validation.phone(ref))
    account = ctx.session.exec(select(Account).where(or_(*candidates))).first()
    if account is None:
        if ctx.actor.role != "support":
            # an owner must not learn whether another account exists
            authz.require_account_access(ctx.actor, "")
        raise NotFound("account_not_found", ref=ref)
    authz.require_account_access(ctx.actor, account.id)
    return account


@dataclass(frozen=True)
class Owned(Generic[T]):
    """How to look up a row an account owns (``find_owned``): its table, and the
    ``NotFound`` reasons for no such row and for a row of another account, which names
    the row's id as ``id_param``."""

    model: type[T]
    not_found: str
    not_in_account: str
    id_param: str = "ref"


def find_owned(ctx: ServiceContext, kind: Owned[T], ref: str, account_ref: str | None) -> T:
    """A row of ``kind`` (a table with ``account_id``) by id. An owner sees only its own
    account's rows, and nobody a deleted one: else ``NotFound`` (exit 3). A given
    ``account_ref`` (``--account``) must own it: else ``NotFound`` naming the row's id
    and the account's username."""
    ref = ref.strip()
    row: Any = ctx.session.get(kind.model, ref)
    if (
        row is None
        or not (ctx.actor.role == "support" or ctx.actor.account_id == row.account_id)
        or getattr(row, "deleted_at", None) is not None
    ):
        raise NotFound(kind.not_found, ref=ref)
    if account_ref is not None:
        account = find_account(ctx, account_ref)
        if account.id != row.account_id:
            params = {kind.id_param: row.id, "username": account.username}
            raise NotFound(kind.not_in_account, **params)
    return row  # type: ignore[no-any-return]
