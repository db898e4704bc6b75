"""Settlement batches: bind workspaces to a cloud account, or unbind them.

Built for CI: thousands of rows in one transaction, set-based. The requested
rows are read with a handful of ``id IN (...)`` queries (joined with their
current cloud account), classified in memory against rules 1-3 of DESIGN §2,
then written with one ``UPDATE ... WHERE id IN (...)`` per chunk and kind of
change, plus one audit event for the batch. Every row gets a result:
``bound | unbound | unchanged | refused`` with ``reason``, ``from`` and ``to``.
A dry run classifies the same way and writes nothing.

The per-row code is kept flat (plain locals, one dict per result) because it
runs 10,000 times per batch; the rules themselves live in ``settlement_rules``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, update

from guance_billing_cli.errors import BillingError, NotFound, RuleViolation
from guance_billing_cli.schemas.settlement import (
    BatchItem,
    BatchResult,
    RowResult,
    batch_result,
    why,
)
from guance_billing_cli.services import accounts, audit, authz, cloud, locking, workspaces
from guance_billing_cli.services import settlement_rules as rules
from guance_billing_cli.services.context import ServiceContext
from guance_billing_cli.services.workspaces import Progress, chunks
from guance_billing_cli.store.models import Account

W: Table = workspaces.W
KINDS = ("bound", "unbound", "unchanged", "refused")
Decision = tuple[str, BillingError | None]  # (result, why)


class _Rows:
    """The requested rows, read set-based, and the checks every batch shares:
    unusable input line, id format, listed twice, not this account's, dissolved."""

    def __init__(
        self,
        ctx: ServiceContext,
        items: Sequence[BatchItem],
        progress: Progress | None,
        account_id: str | None,
    ) -> None:
        # Only well-formed ids reach the query: a malformed one (a NUL byte, say) is a
        # refused row on every store, never a driver error (PostgreSQL rejects NUL).
        ids = [
            ws_id
            for i in items
            if i.error is None
            and i.workspace_id
            and rules.workspace_id_problem(ws_id := i.workspace_id.strip()) is None
        ]
        fetched = workspaces.fetch(ctx, ids, with_cloud=True, progress=progress, total=len(items))
        self.found = {row.id: row for row in fetched}
        self.first_line: dict[str, int | None] = {}
        self.see_all = ctx.actor.role == "support"
        self.actor_account = ctx.actor.account_id
        self.account_id = account_id  # rows must belong to it (None: any visible account)

    def precheck(self, item: BatchItem) -> tuple[str, Any, RowResult | None]:
        """(id, row, final result) — the result is None when the rules still decide."""
        ws_id = (item.workspace_id or "").strip()
        reason: str | BillingError | None
        row = None
        if item.error is not None:
            reason = item.error
        elif (reason := rules.workspace_id_problem(ws_id)) is None:
            row = self.found.get(ws_id)
            if ws_id in self.first_line:
                again = rules.listed_again(self.first_line[ws_id])
                return ws_id, row, {
                    "workspace_id": ws_id, "result": "unchanged", **why(again),
                    "from": None, "to": None, "line": item.line,
                }  # fmt: skip
            self.first_line[ws_id] = item.line
            owner = row.account_id if row is not None else None
            if (
                row is None
                or not (self.see_all or owner == self.actor_account)
                or (self.account_id is not None and owner != self.account_id)
            ):
                row = None
                reason = NotFound("workspace_not_in_this_account", workspace_id=ws_id)
            elif row.dissolved_at is not None:
                reason = RuleViolation("workspace_dissolved", workspace_id=ws_id)
            else:
                return ws_id, row, None
        current = rules.describe(row.settlement, row.cloud_account_id) if row is not None else None
        return ws_id, row, {
            "workspace_id": ws_id or None, "result": "refused", **why(reason),
            "from": current, "to": None, "line": item.line,
        }  # fmt: skip

    def classify(
        self, items: Sequence[BatchItem], to: str, decide: Callable[[Any], Decision]
    ) -> Iterator[tuple[RowResult, Any]]:
        """Each item's result, with its row: ``decide(row)`` answers for a row the checks
        above let through; a refused row is refused on its way ``to``."""
        for item in items:
            ws_id, row, result = self.precheck(item)
            if result is None:
                current = rules.describe(row.settlement, row.cloud_account_id)
                kind, reason = decide(row)
                result = {
                    "workspace_id": ws_id, "result": kind, **why(reason), "from": current,
                    "to": to, "line": item.line,
                }  # fmt: skip
            elif result["result"] == "refused":
                result["to"] = to
            yield result, row


def _apply(ctx: ServiceContext, ids: list[str], values: dict[str, Any]) -> None:
    conn = ctx.session.connection()
    for chunk in chunks(ids):
        conn.execute(update(W).where(W.c.id.in_(chunk)).values(**values))
    workspaces.refresh(ctx, ids)


def bind(
    ctx: ServiceContext,
    *,
    cloud_id: str,
    items: Sequence[BatchItem],
    dry_run: bool = False,
    account: str | None = None,
    progress: Progress | None = None,
) -> BatchResult:
    """Bind workspaces to a cloud account (rules 1-3, same billing account, subscribed)."""
    authz.require_scope(ctx.actor, "bindings")
    target_cloud = cloud.find_cloud(ctx, cloud_id, account_ref=account)
    if not dry_run:  # the rows, the clouds and the rules' answer stay true until commit
        locking.hold_accounts(ctx, [target_cloud.account_id])
    owner = ctx.session.get(Account, target_cloud.account_id)
    assert owner is not None
    # Plain locals: ORM attribute access inside a 10,000-row loop adds up.
    cloud_id, provider = target_cloud.id, target_cloud.provider
    subscribed = target_cloud.status == "subscribed"
    arbitrary = owner.arbitrary_settlement
    target = rules.describe(provider, cloud_id)
    now = ctx.now()
    rows = _Rows(ctx, items, progress, owner.id)
    results: list[RowResult] = []
    switch_method: list[str] = []  # settlement method changes: counts as the month's change
    same_method: list[str] = []  # another cloud account of the same provider
    before: dict[str, str] = {}
    for result, row in rows.classify(
        items, target, lambda row: _decide_bind(row, cloud_id, provider, arbitrary, subscribed, now)
    ):
        if result["result"] == "bound":
            before[ws_id := result["workspace_id"]] = result["from"]
            (switch_method if row.settlement != provider else same_method).append(ws_id)
        results.append(result)
    if not dry_run and before:
        lift = {"cloud_account_id": cloud_id, "countdown_started_at": None, "updated_at": now}
        _apply(ctx, switch_method, {**lift, "settlement": provider, "settlement_changed_at": now})
        _apply(ctx, same_method, lift)
        audit.record(
            ctx,
            action="cloud.bind",
            target=cloud_id,
            account_id=owner.id,
            before={"workspaces": before},
            after={"to": target, "count": len(before)},
        )
    if progress:
        progress(len(items), len(items))
    return batch_result("bind", results, KINDS, dry_run=dry_run, cloud_account_id=cloud_id)


def _decide_bind(
    row: Any, cloud_id: str, provider: str, arbitrary: bool, subscribed: bool, now: datetime
) -> Decision:
    if not subscribed:
        return "refused", RuleViolation("cloud_unsubscribed", cloud_account_id=cloud_id)
    if row.cloud_account_id == cloud_id and row.settlement == provider:
        return "unchanged", rules.note("already_bound")
    if not rules.site_allows(row.site, provider, arbitrary=arbitrary):
        return "refused", rules.site_refusal(row.site, provider)
    if row.cloud_account_id is not None and row.cloud_status == "subscribed":
        return "refused", rules.subscribed_refusal(row.cloud_account_id, row.cloud_provider)
    if (
        row.settlement != provider
        and not rules.is_remedy(row.countdown_started_at)
        and rules.changed_this_month(row.settlement_changed_at, now)
    ):
        return "refused", rules.month_refusal(row.settlement_changed_at, now)
    return "bound", None


def unbind(
    ctx: ServiceContext,
    *,
    items: Sequence[BatchItem],
    dry_run: bool = False,
    account: str | None = None,
    progress: Progress | None = None,
) -> BatchResult:
    """Switch workspaces back to billing-center settlement (rules 1 and 3)."""
    authz.require_scope(ctx.actor, "bindings")
    account_id = accounts.find_account(ctx, account).id if account else None
    now = ctx.now()
    rows = _Rows(ctx, items, progress, account_id)
    # Hold every account the rows belong to, then read them again (a row that moved to
    # another account meanwhile: hold that one too).
    owners = {account_id} if account_id else {r.account_id for r in rows.found.values()}
    while not dry_run and locking.hold_accounts(ctx, owners):
        rows = _Rows(ctx, items, None, account_id)
        owners = {account_id} if account_id else {r.account_id for r in rows.found.values()}
    results: list[RowResult] = []
    before: dict[str, dict[str, str]] = {}  # per billing account: workspace -> from
    for result, row in rows.classify(items, "billing_center", lambda row: _decide_unbind(row, now)):
        if result["result"] == "unbound":
            before.setdefault(row.account_id, {})[result["workspace_id"]] = result["from"]
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
    return batch_result("unbind", results, KINDS, dry_run=dry_run)


def _decide_unbind(row: Any, now: datetime) -> Decision:
    if row.settlement == "billing_center" and row.cloud_account_id is None:
        return "unchanged", rules.note("already_billing_center")
    if row.cloud_account_id is not None and row.cloud_status == "subscribed":
        return "refused", rules.subscribed_refusal(row.cloud_account_id, row.cloud_provider)
    if not rules.is_remedy(row.countdown_started_at) and rules.changed_this_month(
        row.settlement_changed_at, now
    ):
        return "refused", rules.month_refusal(row.settlement_changed_at, now)
    return "unbound", None
