"""Cloud accounts: register, list, show, unsubscribe (rule 4 of DESIGN §2).

Provider account id formats are this tool's rules (docs/cloud.md): AWS 12
digits (dashes allowed on input), Alibaba Cloud main-account UID 16 digits,
Huawei Cloud account ID 32 hexadecimal characters. Alibaba and Huawei accounts
also carry the marketplace product instance id.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, select, update
from sqlmodel import col

from guance_billing_cli.errors import Conflict, InvalidInput
from guance_billing_cli.schemas.settlement import (
    PROVIDER_NAMES,
    PROVIDERS,
    AffectedWorkspace,
    CloudAccountAdded,
    CloudAccountCreate,
    CloudAccountPublic,
    UnsubscribeResult,
)
from guance_billing_cli.services import accounts, audit, authz, locking
from guance_billing_cli.services import settlement_rules as rules
from guance_billing_cli.services.account_lookup import Owned, find_owned
from guance_billing_cli.services.context import ServiceContext
from guance_billing_cli.services.ids import new_id
from guance_billing_cli.services.notices import Notice, compose
from guance_billing_cli.services.rows import pick, view
from guance_billing_cli.store.models import Account, CloudAccount, Workspace

W = cast(Table, Workspace.__table__)  # type: ignore[attr-defined]

ACCOUNT_ID_RULES: dict[str, tuple[re.Pattern[str], str]] = {
    "aws": (re.compile(r"\d{12}"), "invalid_aws_account_id"),
    "aliyun": (re.compile(r"\d{16}"), "invalid_aliyun_account_id"),
    "huawei": (re.compile(r"[0-9a-f]{32}"), "invalid_huawei_account_id"),
}
INSTANCE_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")


# -- validation -------------------------------------------------------------------------
def provider(value: str) -> str:
    value = value.strip().lower()
    if value not in PROVIDERS:
        raise InvalidInput("not_one_of", field="provider", choices=list(PROVIDERS))
    return value


def provider_account_id(provider_name: str, value: str) -> str:
    value = value.strip()
    if provider_name == "aws":
        value = value.replace("-", "")
    elif provider_name == "huawei":
        value = value.lower()
    pattern, rule = ACCOUNT_ID_RULES[provider_name]
    if not pattern.fullmatch(value):
        raise InvalidInput(rule, field="account_id")
    return value


def instance_id(provider_name: str, value: str | None) -> str | None:
    if provider_name == "aws":
        if value:
            raise InvalidInput("instance_id_not_for_aws", field="instance_id")
        return None
    if not value or not value.strip():
        raise InvalidInput("instance_id_required", field="instance_id", provider=provider_name)
    value = value.strip()
    if not INSTANCE_ID_RE.fullmatch(value):
        raise InvalidInput("invalid_instance_id", field="instance_id")
    return value


# -- lookups ---------------------------------------------------------------------------
def _counts(ctx: ServiceContext, ids: list[str]) -> dict[str, int]:
    if not ids:
        return {}
    stmt = (
        select(W.c.cloud_account_id, func.count())
        .where(W.c.cloud_account_id.in_(ids), W.c.dissolved_at.is_(None))
        .group_by(W.c.cloud_account_id)
    )
    return {cid: n for cid, n in ctx.session.connection().execute(stmt)}


def to_public(cloud: CloudAccount, workspaces: int = 0) -> CloudAccountPublic:
    return view(
        CloudAccountPublic,
        cloud,
        account_id=cloud.provider_account_id,
        billing_account_id=cloud.account_id,
        workspaces=workspaces,
    )


CLOUD = Owned(
    CloudAccount, "cloud_account_not_found", "cloud_account_not_in_account", "cloud_account_id"
)


def find_cloud(ctx: ServiceContext, ref: str, *, account_ref: str | None = None) -> CloudAccount:
    """A cloud account by id; a given ``--account`` must own it (else exit 3)."""
    return find_owned(ctx, CLOUD, ref, account_ref)


def snapshot(cloud: CloudAccount) -> dict[str, Any]:
    return pick(cloud, "provider", "instance_id", "status", account_id="provider_account_id")


# -- operations -------------------------------------------------------------------------
def add(ctx: ServiceContext, *, ref: str, data: CloudAccountCreate) -> CloudAccountAdded:
    authz.require_scope(ctx.actor, "cloud")
    name = provider(data.provider)
    external_id = provider_account_id(name, data.account_id)
    instance = instance_id(name, data.instance_id)
    account = accounts.find_account(ctx, ref)
    existing = ctx.session.scalars(
        select(CloudAccount).where(
            col(CloudAccount.provider) == name,
            col(CloudAccount.provider_account_id) == external_id,
        )
    ).first()
    if (
        existing is not None
        and existing.account_id == account.id
        and existing.status == "unsubscribed"
    ):
        # Registering an unsubscribed account again re-subscribes it (an unlock remedy).
        if instance is not None:
            existing.instance_id = instance
        result = resubscribe(ctx, cloud_id=existing.id)
        return CloudAccountAdded(
            **result.model_dump(exclude={"changed", "affected", "notice_sent_to"}),
            resubscribed=True,
            unlocked=[a.workspace_id for a in result.affected],
        )
    if existing is not None:
        if existing.account_id == account.id:
            raise Conflict(
                "cloud_account_registered",
                field="account_id",
                provider_name=PROVIDER_NAMES[name],
                value=external_id,
                cloud_account_id=existing.id,
                status=existing.status,
            )
        raise Conflict(
            "cloud_account_registered_elsewhere",
            field="account_id",
            provider_name=PROVIDER_NAMES[name],
            value=external_id,
        )
    now = ctx.now()
    cloud = CloudAccount(
        id=new_id("cld"),
        account_id=account.id,
        provider=name,
        provider_account_id=external_id,
        instance_id=instance,
        status="subscribed",
        created_at=now,
        updated_at=now,
    )
    ctx.session.add(cloud)
    ctx.session.flush()
    audit.record_on(ctx, cloud, "cloud.add", after=snapshot(cloud))
    return CloudAccountAdded(**to_public(cloud).model_dump())


def list_of_account(ctx: ServiceContext, *, ref: str) -> Iterator[CloudAccountPublic]:
    account = accounts.find_account(ctx, ref)
    clouds = list(
        ctx.session.scalars(
            select(CloudAccount)
            .where(col(CloudAccount.account_id) == account.id)
            .order_by(col(CloudAccount.created_at), col(CloudAccount.id))
        )
    )
    counts = _counts(ctx, [c.id for c in clouds])
    for cloud in clouds:
        yield to_public(cloud, counts.get(cloud.id, 0))


def get(ctx: ServiceContext, *, cloud_id: str, account: str | None = None) -> CloudAccountPublic:
    cloud = find_cloud(ctx, cloud_id, account_ref=account)
    return to_public(cloud, _counts(ctx, [cloud.id]).get(cloud.id, 0))


def _set_status(
    ctx: ServiceContext, cloud: CloudAccount, status: str, now: datetime
) -> dict[str, Any]:
    """Subscribe or unsubscribe ``cloud`` (written at once); returns its snapshot before."""
    before = snapshot(cloud)
    cloud.status = status
    cloud.unsubscribed_at = now if status == "unsubscribed" else None
    cloud.updated_at = now
    ctx.session.add(cloud)
    ctx.session.flush()
    return before


def unsubscribe(
    ctx: ServiceContext, *, cloud_id: str, account: str | None = None
) -> UnsubscribeResult:
    """Rule 4: Alibaba → workspaces fall back to billing center and the account is emailed;
    AWS and Huawei → workspaces enter the 14-day lock countdown. Again: unchanged."""
    authz.require_scope(ctx.actor, "cloud")
    cloud = find_cloud(ctx, cloud_id, account_ref=account)
    locking.hold_accounts(ctx, [cloud.account_id])  # its status and workspaces until commit
    if cloud.status == "unsubscribed":
        return UnsubscribeResult(
            **get(ctx, cloud_id=cloud.id).model_dump(), changed=False, affected=[]
        )
    now = ctx.now()
    conn = ctx.session.connection()
    bound = W.c.cloud_account_id == cloud.id
    alive = W.c.dissolved_at.is_(None)
    ids = [row.id for row in conn.execute(select(W.c.id).where(bound, alive).order_by(W.c.id))]
    before = _set_status(ctx, cloud, "unsubscribed", now)
    affected: list[AffectedWorkspace]
    notice_to: str | None = None
    if cloud.provider == "aliyun":
        # A forced fallback: it does not use up the workspace's change of the month.
        conn.execute(
            update(W)
            .where(bound, alive)
            .values(
                settlement="billing_center",
                cloud_account_id=None,
                countdown_started_at=None,
                updated_at=now,
            )
        )
        affected = [
            AffectedWorkspace(workspace_id=i, effect="fallback_billing_center") for i in ids
        ]
        owner = ctx.session.get(Account, cloud.account_id)
        assert owner is not None
        notice_to = owner.email if ids else None
        language = owner.language
    else:
        conn.execute(
            update(W)
            .where(bound, alive, W.c.countdown_started_at.is_(None))
            .values(countdown_started_at=now, updated_at=now)
        )
        locks = rules.locks_at(now)
        affected = [
            AffectedWorkspace(workspace_id=i, effect="countdown", locks_at=locks) for i in ids
        ]
    audit.record_on(
        ctx,
        cloud,
        "cloud.unsubscribe",
        before=before,
        after={
            **snapshot(cloud),
            "affected": ids,
            "effect": "fallback_billing_center" if cloud.provider == "aliyun" else "countdown",
        },
    )
    if notice_to is not None:
        from guance_billing_cli.services import notices

        # Delivered last, inside the transaction: if it fails, nothing is unsubscribed.
        notices.email(ctx.settings, notice_to, _fallback_notice(cloud, ids, language))
    # the count `cloud show` gives right after: a countdown keeps its workspaces bound
    return UnsubscribeResult(
        **get(ctx, cloud_id=cloud.id).model_dump(),
        changed=True,
        affected=affected,
        notice_sent_to=notice_to,
    )


def resubscribe(
    ctx: ServiceContext, *, cloud_id: str, account: str | None = None
) -> UnsubscribeResult:
    """Subscribe an unsubscribed cloud account again: an unlock remedy.

    Its workspaces still bound to it leave the countdown (or the lock); Alibaba
    workspaces fell back to the billing center when it was unsubscribed and stay
    there. Re-subscribing a subscribed account changes nothing.
    """
    authz.require_scope(ctx.actor, "cloud")
    cloud = find_cloud(ctx, cloud_id, account_ref=account)
    locking.hold_accounts(ctx, [cloud.account_id])
    if cloud.status == "subscribed":
        return UnsubscribeResult(
            **get(ctx, cloud_id=cloud.id).model_dump(), changed=False, affected=[]
        )
    now = ctx.now()
    conn = ctx.session.connection()
    held = (
        W.c.cloud_account_id == cloud.id,
        W.c.dissolved_at.is_(None),
        W.c.countdown_started_at.is_not(None),
    )
    ids = [row.id for row in conn.execute(select(W.c.id).where(*held).order_by(W.c.id))]
    before = _set_status(ctx, cloud, "subscribed", now)
    if ids:
        conn.execute(update(W).where(*held).values(countdown_started_at=None, updated_at=now))
    audit.record_on(
        ctx, cloud, "cloud.resubscribe", before=before, after={**snapshot(cloud), "unlocked": ids}
    )
    public = get(ctx, cloud_id=cloud.id)
    return UnsubscribeResult(
        **public.model_dump(),
        changed=True,
        affected=[AffectedWorkspace(workspace_id=i, effect="unlocked") for i in ids],
    )


def _fallback_notice(cloud: CloudAccount, ids: list[str], language: str) -> Notice:
    listed = [f"  - {i}" for i in ids[:200]]
    if len(ids) > 200:
        listed.append(f"  ... (+{len(ids) - 200})")
    return compose(
        "cloud_fallback",
        language,
        provider_account_id=cloud.provider_account_id,
        instance_id=cloud.instance_id,
        cloud_account_id=cloud.id,
        count=len(ids),
        workspaces="\n".join(listed),
    )
