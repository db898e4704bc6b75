"""Settlement batches: bind workspaces to a cloud account, or unbind them.

Built for CI: thousands of rows in one transaction, set-based. The requested
rows are read with a handful of ``id IN (...)`` queries (joined with their
current cloud account), classified in memory against rules 1-3 of DESIGN §2,
then written with one ``UPDATE ... WHERE id IN (...)`` per chunk and kind of
change, plus one audit event for the batch. Every row gets a result:
``bound | unbound | unchanged | refused`` with ``reason``, ``from`` and ``to``.
A dry run classifies the same way and writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, update

from guance_billing_cli.schemas.settlement import (
    BatchItem,
    BatchResult,
    RowResult,
    batch_result,
    row_result,
)
from guance_billing_cli.services import accounts, audit, authz, cloud, workspaces
from guance_billing_cli.services import settlement_rules as rules
from guance_billing_cli.services.context import ServiceContext
from guance_billing_cli.services.workspaces import Progress, chunks, visible
from guance_billing_cli.store.models import Account

W: Table = workspaces.W


class _Rows:
    """Shared per-row bookkeeping: input errors, id format, duplicates, visibility."""

    def __init__(self, ctx: ServiceContext, items: Sequence[BatchItem], progress: Progress | None):
        self.ctx = ctx
        self.items = items
        ids = [i.workspace_id.strip() for i in items if i.error is None and i.workspace_id]
        self.found = {
            row.id: row
            for row in workspaces.fetch(
                ctx, ids, with_cloud=True, progress=progress, total=len(items)
            )
        }
        self.first_line: dict[str, int | None] = {}

    def precheck(
        self, item: BatchItem, account_id: str | None
    ) -> tuple[str, Any, RowResult | None]:
        """(id, row, final result or None when the rules still have to decide)."""
        ws_id = (item.workspace_id or "").strip()

        def refused(reason: str, row: Any = None) -> tuple[str, Any, RowResult]:
            current = rules.describe(row.settlement, row.cloud_account_id) if row else None
            return (
                ws_id,
                row,
                row_result(
                    workspace_id=ws_id or None,
                    result="refused",
                    reason=reason,
                    from_=current,
                    line=item.line,
                ),
            )

        if item.error is not None:
            return refused(item.error)
        problem = rules.workspace_id_problem(ws_id)
        if problem:
            return refused(problem)
        row = self.found.get(ws_id)
        if ws_id in self.first_line:
            where = self.first_line[ws_id]
            return (
                ws_id,
                row,
                row_result(
                    workspace_id=ws_id,
                    result="unchanged",
                    reason=f"listed again (first on line {where})" if where else "listed again",
                    line=item.line,
                ),
            )
        self.first_line[ws_id] = item.line
        if (
            row is None
            or not visible(self.ctx, row.account_id)
            or (account_id is not None and row.account_id != account_id)
        ):
            return refused(f"no workspace {ws_id} in this billing account")
        if row.dissolved_at is not None:
            return refused("workspace is dissolved", row)
        return ws_id, row, None


def _finish(
    operation: str, results: list[RowResult], *, dry_run: bool, cloud_id: str | None = None
) -> BatchResult:
    return batch_result(
        operation,
        results,
        ("bound", "unbound", "unchanged", "refused"),
        dry_run=dry_run,
        cloud_account_id=cloud_id,
    )


def _apply(ctx: ServiceContext, ids: list[str], values: dict[str, Any]) -> None:
    conn = ctx.session.connection()
    for chunk in chunks(ids):
        conn.execute(update(W).where(W.c.id.in_(chunk)).values(**values))
    workspaces.refresh(ctx, ids)


def bind(
    ctx: ServiceContext,
    *,
    cloud_ref: str,
    items: Sequence[BatchItem],
    dry_run: bool = False,
    account_ref: str | None = None,
    progress: Progress | None = None,
) -> BatchResult:
    """Bind workspaces to a cloud account (rules 1-3, same billing account, subscribed)."""
    authz.require_scope(ctx.actor, "bindings")
    target_cloud = cloud.find_cloud(ctx, cloud_ref, account_ref=account_ref)
    owner = ctx.session.get(Account, target_cloud.account_id)
    assert owner is not None
    provider = target_cloud.provider
    target = rules.describe(provider, target_cloud.id)
    now = ctx.now()
    # Plain locals: ORM attribute access inside a 10,000-row loop adds up.
    cloud_id, cloud_status, cloud_owner = target_cloud.id, target_cloud.status, owner.id
    arbitrary = owner.arbitrary_settlement
    rows = _Rows(ctx, items, progress)
    results: list[RowResult] = []
    switch_method: list[str] = []  # settlement method changes: counts as the month's change
    same_method: list[str] = []  # another cloud account of the same provider
    before: dict[str, str] = {}
    for item in items:
        ws_id, row, result = rows.precheck(item, cloud_owner)
        if result is None:
            result = _decide_bind(row, cloud_id, provider, target, arbitrary, cloud_status, now)
            result["line"] = item.line
            if result["result"] == "bound":
                before[ws_id] = str(result["from"])
                (switch_method if row.settlement != provider else same_method).append(ws_id)
        results.append(result)
    if not dry_run and before:
        lift = {
            "cloud_account_id": target_cloud.id,
            "countdown_started_at": None,
            "updated_at": now,
        }
        _apply(ctx, switch_method, {**lift, "settlement": provider, "settlement_changed_at": now})
        _apply(ctx, same_method, lift)
        audit.record(
            ctx,
            action="cloud.bind",
            target=target_cloud.id,
            account_id=target_cloud.account_id,
            before={"workspaces": before},
            after={"to": target, "count": len(before)},
        )
    if progress:
        progress(len(items), len(items))
    return _finish("bind", results, dry_run=dry_run, cloud_id=target_cloud.id)


def _decide_bind(
    row: Any,
    cloud_id: str,
    provider: str,
    target: str,
    arbitrary: bool,
    status: str,
    now: datetime,
) -> RowResult:
    current = rules.describe(row.settlement, row.cloud_account_id)

    def result(kind: str, reason: str | None = None) -> RowResult:
        return row_result(
            workspace_id=row.id,
            result=kind,  # type: ignore[arg-type]
            reason=reason,
            from_=current,
            to=target,
        )

    if status != "subscribed":
        return result("refused", f"cloud account {cloud_id} is unsubscribed")
    if row.cloud_account_id == cloud_id and row.settlement == provider:
        return result("unchanged", "already bound to this cloud account")
    if not rules.site_allows(row.site, provider, arbitrary=arbitrary):
        return result("refused", rules.site_refusal(row.site, provider))
    if row.cloud_account_id is not None and row.cloud_status == "subscribed":
        return result("refused", rules.subscribed_refusal(row.cloud_account_id, row.cloud_provider))
    if row.settlement != provider and rules.changed_this_month(row.settlement_changed_at, now):
        return result("refused", rules.month_refusal(row.settlement_changed_at, now))
    return result("bound")


def unbind(
    ctx: ServiceContext,
    *,
    items: Sequence[BatchItem],
    dry_run: bool = False,
    account_ref: str | None = None,
    progress: Progress | None = None,
) -> BatchResult:
    """Switch workspaces back to billing-center settlement (rules 1 and 3)."""
    authz.require_scope(ctx.actor, "bindings")
    account_id = accounts.find_account(ctx, account_ref).id if account_ref else None
    now = ctx.now()
    rows = _Rows(ctx, items, progress)
    results: list[RowResult] = []
    before: dict[str, dict[str, str]] = {}
    for item in items:
        ws_id, row, result = rows.precheck(item, account_id)
        if result is None:
            result = _decide_unbind(row, now)
            result["line"] = item.line
            if result["result"] == "unbound":
                before.setdefault(row.account_id, {})[ws_id] = str(result["from"])
        results.append(result)
    if not dry_run and before:
        changed = [ws for group in before.values() for ws in group]
        _apply(
            ctx,
            changed,
            {
                "settlement": "billing_center",
                "cloud_account_id": None,
                "settlement_changed_at": now,
                "countdown_started_at": None,
                "updated_at": now,
            },
        )
        for owner_id, group in before.items():
            audit.record(
                ctx,
                action="cloud.unbind",
                target=owner_id,
                account_id=owner_id,
                before={"workspaces": group},
                after={"to": "billing_center", "count": len(group)},
            )
    if progress:
        progress(len(items), len(items))
    return _finish("unbind", results, dry_run=dry_run)


def _decide_unbind(row: Any, now: datetime) -> RowResult:
    current = rules.describe(row.settlement, row.cloud_account_id)

    def result(kind: str, reason: str | None = None) -> RowResult:
        return row_result(
            workspace_id=row.id,
            result=kind,  # type: ignore[arg-type]
            reason=reason,
            from_=current,
            to="billing_center",
        )

    if row.settlement == "billing_center" and row.cloud_account_id is None:
        return result("unchanged", "already settles through the billing center")
    if row.cloud_account_id is not None and row.cloud_status == "subscribed":
        return result("refused", rules.subscribed_refusal(row.cloud_account_id, row.cloud_provider))
    if rules.changed_this_month(row.settlement_changed_at, now):
        return result("refused", rules.month_refusal(row.settlement_changed_at, now))
    return result("unbound")
