"""Changes to one workspace's life: move to another billing account, unlock, dissolve.

Each is a single-workspace write in the caller's transaction, with an audit
event; unlocking reuses the batch rules of ``services/binding.py`` for its remedy.
"""

from __future__ import annotations

from typing import Any

from guance_billing_cli.errors import InputRequired, RuleViolation
from guance_billing_cli.schemas.settlement import BatchItem, UnlockRequest, WorkspaceChange
from guance_billing_cli.services import accounts, audit, authz, locking
from guance_billing_cli.services import settlement_rules as rules
from guance_billing_cli.services.context import ServiceContext
from guance_billing_cli.services.rows import pick
from guance_billing_cli.services.workspaces import find_workspace, to_public
from guance_billing_cli.store.models import Account, Workspace


def snapshot(workspace: Workspace) -> dict[str, Any]:
    return pick(
        workspace,
        *("account_id", "settlement", "cloud_account_id", "countdown_started_at", "dissolved_at"),
    )


def _enterprise_auth(ctx: ServiceContext, account: Account) -> tuple[str, str] | None:
    """(name, tax id) of the account's approved enterprise authentication, if any."""
    from guance_billing_cli.services import realname

    sub = realname.approved(ctx, account.id)
    if sub is None or sub.type != "enterprise" or not sub.tax_id:
        return None
    return sub.name.strip(), sub.tax_id.strip().upper()


def move(
    ctx: ServiceContext, *, ws_id: str, to: str, account: str | None = None
) -> WorkspaceChange:
    """Move a workspace to another billing account with the same enterprise authentication."""
    authz.require_scope(ctx.actor, "workspaces")
    workspace = find_workspace(ctx, ws_id, account_ref=account)
    target = accounts.find_account(ctx, to)
    # both accounts, in a stable order; a move that happened meanwhile is seen (and held)
    while locking.hold_accounts(ctx, [workspace.account_id, target.id]):
        pass
    source = ctx.session.get(Account, workspace.account_id)
    assert source is not None
    if target.id == source.id:
        return WorkspaceChange(workspace=to_public(workspace, ctx.now()), changed=False)
    if workspace.dissolved_at is not None:
        raise RuleViolation("workspace_dissolved", workspace_id=workspace.id)
    if workspace.cloud_account_id is not None:
        raise RuleViolation(
            "move_needs_billing_center",
            workspace_id=workspace.id,
            cloud_account_id=workspace.cloud_account_id,
            username=source.username,
        )
    auth_source = _enterprise_auth(ctx, source)
    auth_target = _enterprise_auth(ctx, target)
    for acct, auth in ((source, auth_source), (target, auth_target)):
        if auth is None:
            raise RuleViolation(
                "move_needs_realname",
                username=acct.username,
                account=acct.id,
            )
    if auth_source != auth_target:
        raise RuleViolation("move_different_enterprise")
    workspace.account_id = target.id
    workspace.updated_at = ctx.now()
    ctx.session.add(workspace)
    audit.record(
        ctx,
        action="workspace.move",
        target=workspace.id,
        account_id=source.id,
        before={"account_id": source.id},
        after={"account_id": target.id},
    )
    return WorkspaceChange(workspace=to_public(workspace, ctx.now()), changed=True)


def unlock(
    ctx: ServiceContext, *, ws_id: str, remedy: UnlockRequest, account: str | None = None
) -> WorkspaceChange:
    """Lift the countdown or lock through a documented remedy (rebind or billing center)."""
    from guance_billing_cli.services import binding

    authz.require_scope(ctx.actor, "workspaces")
    if bool(remedy.rebind) == remedy.billing_center:
        raise InputRequired("choose_remedy", fields=["rebind", "billing_center"])
    workspace = find_workspace(ctx, ws_id, account_ref=account)
    locking.hold_accounts(ctx, [workspace.account_id])
    if remedy.rebind:  # the remedy must name a real cloud account even when there is no lock
        from guance_billing_cli.services.cloud import find_cloud

        find_cloud(ctx, remedy.rebind, account_ref=account)
    current = rules.state(workspace.countdown_started_at, workspace.dissolved_at, ctx.now())
    if current == "dissolved":
        raise RuleViolation("workspace_dissolved_irreversible", workspace_id=workspace.id)
    if current == "active":
        return WorkspaceChange(workspace=to_public(workspace, ctx.now()), changed=False)
    item = [BatchItem(workspace_id=workspace.id)]
    if remedy.rebind:
        batch = binding.bind(ctx, cloud_id=remedy.rebind, items=item)
    else:
        batch = binding.unbind(ctx, items=item)
    outcome = batch.results[0]
    if outcome.result == "refused":
        tried = "rebind" if remedy.rebind else "billing_center"
        raise RuleViolation(
            "cannot_unlock",
            workspace_id=workspace.id,
            why=outcome.reason,
            why_code=outcome.reason_code,
            why_params=outcome.params or {},
            remedies=remedies_left(ctx, workspace, exclude=tried),
        )
    ctx.session.expire(workspace)
    fresh = ctx.session.get(Workspace, workspace.id)
    assert fresh is not None
    return WorkspaceChange(
        workspace=to_public(fresh, ctx.now()), changed=outcome.result in ("bound", "unbound")
    )


def remedies_left(
    ctx: ServiceContext, workspace: Workspace, *, exclude: str | None = None
) -> list[dict[str, str]]:
    """Every unlock remedy that would pass the rules now (not ``exclude``, the one refused)."""
    from sqlmodel import col, select

    from guance_billing_cli.services import binding
    from guance_billing_cli.store.models import CloudAccount

    item = [BatchItem(workspace_id=workspace.id)]
    left: list[dict[str, str]] = []
    bound = ctx.session.get(CloudAccount, workspace.cloud_account_id or "")
    if bound is not None and bound.status == "unsubscribed":
        left.append({"remedy": "resubscribe", "cloud_account_id": bound.id})
    if exclude != "billing_center":
        trial = binding.unbind(ctx, items=item, dry_run=True)
        if trial.results[0].result != "refused":
            left.append({"remedy": "billing_center"})
    clouds = ctx.session.exec(
        select(CloudAccount)
        .where(
            CloudAccount.account_id == workspace.account_id,
            CloudAccount.status == "subscribed",
        )
        .order_by(col(CloudAccount.created_at))
    )
    for cloud in clouds:
        trial = binding.bind(ctx, cloud_id=cloud.id, items=item, dry_run=True)
        if trial.results[0].result != "refused":
            left.append({"remedy": "rebind", "cloud_account_id": cloud.id})
    return left


def dissolve(ctx: ServiceContext, *, ws_id: str, account: str | None = None) -> WorkspaceChange:
    """Dissolve a workspace (irreversible). Dissolving it again changes nothing."""
    authz.require_scope(ctx.actor, "workspaces")
    workspace = find_workspace(ctx, ws_id, account_ref=account)
    locking.hold_accounts(ctx, [workspace.account_id])
    if workspace.dissolved_at is not None:
        return WorkspaceChange(workspace=to_public(workspace, ctx.now()), changed=False)
    before = snapshot(workspace)
    workspace.dissolved_at = ctx.now()
    workspace.updated_at = ctx.now()
    ctx.session.add(workspace)
    audit.record_on(ctx, workspace, "workspace.dissolve", before=before, after=snapshot(workspace))
    return WorkspaceChange(workspace=to_public(workspace, ctx.now()), changed=True)
