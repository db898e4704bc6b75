"""Billing accounts: create, find, list, profile update, support-only update."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from sqlmodel import col, select

from guance_billing_cli.errors import Conflict, InvalidInput
from guance_billing_cli.schemas.accounts import (
    AccountAdminUpdate,
    AccountCreate,
    AccountPublic,
    ProfileUpdate,
)
from guance_billing_cli.services import audit, authz, validation
from guance_billing_cli.services.account_lookup import find_account
from guance_billing_cli.services.context import ServiceContext
from guance_billing_cli.services.ids import new_id
from guance_billing_cli.services.rows import view
from guance_billing_cli.store.models import Account

PROFILE_FIELDS = ("company_name", "industry", "region", "description", "contact_name", "language")


def to_public(account: Account) -> AccountPublic:
    return view(AccountPublic, account)


def snapshot(account: Account) -> dict[str, Any]:
    """Audit view of an account (no secrets)."""
    data = to_public(account).model_dump(mode="json")
    data.pop("created_at", None)
    data.pop("updated_at", None)
    return data


def _clean_profile(fields: Mapping[str, str | None], *, creating: bool) -> dict[str, str]:
    clean: dict[str, str] = {}
    for name, value in fields.items():
        if value is None:
            continue
        if name == "industry":
            clean[name] = validation.industry(value)
        elif name == "language":
            clean[name] = validation.language(value)
        else:
            clean[name] = validation.text(value, name, required=(name == "company_name"))
    if creating and "company_name" not in clean:
        raise InvalidInput("required", field="company_name")
    return clean


def ensure_unique(
    ctx: ServiceContext,
    *,
    username: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    exclude_id: str | None = None,
    given_as: str | None = None,
) -> None:
    """Refuse (exit 6) a username, email or phone another account already uses;
    ``given_as`` names the input that carried the value (``new_email``)."""
    for field_name, value in (("username", username), ("email", email), ("phone", phone)):
        if value is None:
            continue
        column = getattr(Account, field_name)
        stmt = select(Account.id).where(column == value)
        if exclude_id is not None:
            stmt = stmt.where(Account.id != exclude_id)
        if ctx.session.exec(stmt).first() is not None:
            raise Conflict("value_taken", field=given_as or field_name)


_UNIQUE = re.compile(r'accounts\.(username|email|phone)\b|"ix_accounts_(username|email|phone)"')


def unique_conflict(error_text: str) -> Conflict | None:
    """The Conflict ``ensure_unique`` would have raised, for a unique index the store
    enforced itself: two writers that both passed the check at once (PostgreSQL's
    READ COMMITTED lets both read before either commits)."""
    match = _UNIQUE.search(error_text)
    if match is None:
        return None
    field_name = match.group(1) or match.group(2)
    return Conflict("value_taken", field=field_name)


def create(ctx: ServiceContext, *, data: AccountCreate) -> AccountPublic:
    authz.require_support(ctx.actor, "create_account")
    username = validation.username(data.username)
    email = validation.email(data.email)
    phone = validation.phone(data.phone)
    profile = _clean_profile({name: getattr(data, name) for name in PROFILE_FIELDS}, creating=True)
    password_hash = None
    if data.password is not None:
        from guance_billing_cli.services import credentials

        password_hash = credentials.hash_new_password(
            data.password.get_secret_value(), username=username, email=email, phone=phone
        )
    ensure_unique(ctx, username=username, email=email, phone=phone)
    now = ctx.now()
    account = Account(
        id=new_id("acc"),
        username=username,
        email=email,
        phone=phone,
        password_hash=password_hash,
        company_name=profile.pop("company_name"),
        created_at=now,
        updated_at=now,
    )
    for name, value in profile.items():
        setattr(account, name, value)
    ctx.session.add(account)
    ctx.session.flush()
    audit.record_on(ctx, account, "account.create", after=snapshot(account))
    return to_public(account)


def get(ctx: ServiceContext, *, ref: str) -> AccountPublic:
    return to_public(find_account(ctx, ref))


def list_all(ctx: ServiceContext) -> Iterator[AccountPublic]:
    stmt = select(Account).order_by(col(Account.created_at), col(Account.id))
    if ctx.actor.role != "support":
        stmt = stmt.where(Account.id == ctx.actor.account_id)
    for account in ctx.session.exec(stmt):
        yield to_public(account)


def change_profile(ctx: ServiceContext, *, ref: str, update: ProfileUpdate) -> AccountPublic:
    changes = _clean_profile(update.changes(), creating=False)
    if not changes:
        raise InvalidInput("nothing_to_update", fields=list(ProfileUpdate.model_fields))
    account = find_account(ctx, ref)
    before = snapshot(account)
    for name, value in changes.items():
        setattr(account, name, value)
    account.updated_at = ctx.now()
    ctx.session.add(account)
    old, new = audit.changed(before, snapshot(account))
    audit.record_on(ctx, account, "profile.update", before=old, after=new)
    return to_public(account)


def admin_update(ctx: ServiceContext, *, ref: str, update: AccountAdminUpdate) -> AccountPublic:
    authz.require_support(ctx.actor, "admin_update_account")
    if update.arbitrary_settlement is None:
        raise InvalidInput("nothing_to_update", fields=["arbitrary_settlement"])
    account = find_account(ctx, ref)
    before = snapshot(account)
    account.arbitrary_settlement = update.arbitrary_settlement
    account.updated_at = ctx.now()
    ctx.session.add(account)
    old, new = audit.changed(before, snapshot(account))
    audit.record_on(ctx, account, "account.update", before=old, after=new)
    return to_public(account)
