"""Workspaces: add (one or a batch), list (streamed), show; the lookups others share.

Batches and lists use SQLAlchemy Core on the ``workspaces`` table: lookups are
set-based (``id IN (...)`` in chunks), inserts are one executemany, and lists
stream with ``yield_per`` so memory stays flat however many rows there are. Move,
unlock and dissolve live in ``workspace_lifecycle.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, insert, select

from guance_billing_cli.errors import BillingError, InvalidInput, RuleViolation
from guance_billing_cli.schemas.settlement import (
    SETTLEMENTS,
    WORKSPACE_STATES,
    BatchItem,
    BatchResult,
    RowResult,
    WorkspaceChange,
    WorkspaceCreate,
    WorkspaceFilter,
    WorkspacePublic,
    batch_result,
    row_result,
)
from guance_billing_cli.services import accounts, audit, authz, locking
from guance_billing_cli.services import settlement_rules as rules
from guance_billing_cli.services.account_lookup import Owned, find_owned
from guance_billing_cli.services.context import ServiceContext
from guance_billing_cli.services.rows import view
from guance_billing_cli.store.models import Workspace

W = cast(Table, Workspace.__table__)  # type: ignore[attr-defined]
CHUNK = 500  # ids per IN (...): well under SQLite's variable limit
Progress = Callable[[int, int], None]

COLUMNS = (
    W.c.id,
    W.c.name,
    W.c.site,
    W.c.account_id,
    W.c.settlement,
    W.c.cloud_account_id,
    W.c.settlement_changed_at,
    W.c.countdown_started_at,
    W.c.dissolved_at,
    W.c.created_at,
)


def chunks(values: Sequence[str], size: int = CHUNK) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def to_public(row: Any, now: datetime) -> WorkspacePublic:
    """A workspace row (ORM object or Core row) as the public schema."""
    return view(
        WorkspacePublic,
        row,
        state=rules.state(row.countdown_started_at, row.dissolved_at, now),
        locks_at=rules.locks_at(row.countdown_started_at) if row.dissolved_at is None else None,
        days_left=rules.days_left(row.countdown_started_at, row.dissolved_at, now),
    )


WORKSPACE = Owned(Workspace, "workspace_not_found", "workspace_not_in_account", "workspace_id")


def find_workspace(ctx: ServiceContext, ref: str, *, account_ref: str | None = None) -> Workspace:
    """A workspace by id. A given ``--account`` must be the workspace's (else exit 3)."""
    return find_owned(ctx, WORKSPACE, ref, account_ref)


# -- add --------------------------------------------------------------------------------
def add(ctx: ServiceContext, *, ref: str, data: WorkspaceCreate) -> WorkspaceChange:
    """Add one workspace; the same workspace again is ``changed: false``."""
    authz.require_scope(ctx.actor, "workspaces")
    account = accounts.find_account(ctx, ref)
    ws_id = rules.workspace_id(data.id)
    name = rules.workspace_name(data.name)
    site = rules.site(data.site)
    # two adds of one id at once: the second waits, then sees the first's row
    locking.hold(ctx, [f"account:{account.id}", f"workspace:{ws_id}"])
    existing = ctx.session.get(Workspace, ws_id)
    if existing is not None:
        if existing.account_id == account.id and (existing.name, existing.site) == (name, site):
            return WorkspaceChange(workspace=to_public(existing, ctx.now()), changed=False)
        raise _taken(existing, account.id, name, site)
    now = ctx.now()
    workspace = Workspace(
        id=ws_id, account_id=account.id, name=name, site=site, created_at=now, updated_at=now
    )
    ctx.session.add(workspace)
    ctx.session.flush()
    audit.record_on(
        ctx,
        workspace,
        "workspace.add",
        after={"name": name, "site": site, "settlement": "billing_center"},
    )
    return WorkspaceChange(workspace=to_public(workspace, now), changed=True)


def _taken(existing: Any, account_id: str, name: str, site: str) -> RuleViolation:
    if existing.account_id != account_id:
        return RuleViolation("workspace_id_taken", field="id", workspace_id=existing.id)
    return RuleViolation(
        "workspace_exists",
        field="id",
        workspace_id=existing.id,
        name=existing.name,
        site=existing.site,
        asked_name=name,
        asked_site=site,
    )


def add_batch(
    ctx: ServiceContext,
    *,
    ref: str,
    items: Sequence[BatchItem],
    dry_run: bool = False,
    progress: Progress | None = None,
) -> BatchResult:
    """Add many workspaces in one transaction: ``added | unchanged | refused`` per row."""
    authz.require_scope(ctx.actor, "workspaces")
    account = accounts.find_account(ctx, ref)
    if not dry_run:
        locking.hold_accounts(ctx, [account.id])
    now = ctx.now()
    wanted: list[str] = []
    for item in items:
        if item.error is None and item.workspace_id:
            wanted.append(item.workspace_id.strip())
    existing = {row.id: row for row in fetch(ctx, wanted, progress=progress, total=len(items))}
    results: list[RowResult] = []
    first_line: dict[str, int | None] = {}
    new_rows: list[dict[str, Any]] = []
    for item in items:
        ws_id = (item.workspace_id or "").strip()
        result = _classify_add(item, ws_id, account.id, existing, first_line)
        if result is None:
            name = (item.name or "").strip()
            site = (item.site or "").strip().lower()
            first_line[ws_id] = item.line
            new_rows.append(
                {
                    "id": ws_id,
                    "account_id": account.id,
                    "name": name,
                    "site": site,
                    "settlement": "billing_center",
                    "created_at": now,
                    "updated_at": now,
                }
            )
            result = row_result(
                workspace_id=ws_id, result="added", to="billing_center", line=item.line
            )
        results.append(result)
    if new_rows and not dry_run:
        ctx.session.connection().execute(insert(W), new_rows)
        audit.record_on(
            ctx,
            account,
            "workspace.add",
            after={"workspaces": [row["id"] for row in new_rows], "count": len(new_rows)},
        )
    if progress:
        progress(len(items), len(items))
    return batch_result("add", results, ("added", "unchanged", "refused"), dry_run=dry_run)


def _classify_add(
    item: BatchItem,
    ws_id: str,
    account_id: str,
    existing: dict[str, Any],
    first_line: dict[str, int | None],
) -> RowResult | None:
    """A final result for the row, or None when the row is to be added."""

    def refused(reason: str | BillingError) -> RowResult:
        return row_result(
            workspace_id=ws_id or None, result="refused", reason=reason, line=item.line
        )

    if item.error is not None:
        return refused(item.error)
    name = (item.name or "").strip()
    site = (item.site or "").strip().lower()
    problem = (
        rules.workspace_id_problem(ws_id) or rules.name_problem(name) or rules.site_problem(site)
    )
    if problem:
        return refused(problem)
    if ws_id in first_line:
        again = rules.listed_again(first_line[ws_id])
        return row_result(workspace_id=ws_id, result="unchanged", reason=again, line=item.line)
    row = existing.get(ws_id)
    if row is None:
        return None
    first_line[ws_id] = item.line
    if row.account_id == account_id and (row.name, row.site) == (name, site):
        return row_result(
            workspace_id=ws_id,
            result="unchanged",
            reason=rules.note("already_added"),
            line=item.line,
            to=rules.describe(row.settlement, row.cloud_account_id),
        )
    return refused(_taken(row, account_id, name, site))


def fetch(
    ctx: ServiceContext,
    ids: Sequence[str],
    *,
    with_cloud: bool = False,
    progress: Progress | None = None,
    total: int = 0,
) -> Iterator[Any]:
    """The rows for ``ids`` (missing ids are simply absent), a chunk per query.

    ``with_cloud`` adds ``cloud_status`` and ``cloud_provider`` of the bound cloud account.
    """
    from guance_billing_cli.store.models import CloudAccount

    C = cast(Table, CloudAccount.__table__)  # type: ignore[attr-defined]
    unique = list(dict.fromkeys(ids))
    conn = ctx.session.connection()
    done = 0
    # Only what the rules read: every extra datetime column costs a conversion per row.
    base = (
        W.c.id,
        W.c.account_id,
        W.c.name,
        W.c.site,
        W.c.settlement,
        W.c.cloud_account_id,
        W.c.settlement_changed_at,
        W.c.countdown_started_at,
        W.c.dissolved_at,
    )
    # One statement, executed per chunk with an expanding IN parameter.
    ids_param: Any = bindparam("ids", expanding=True)
    if with_cloud:
        stmt = (
            select(*base, C.c.status.label("cloud_status"), C.c.provider.label("cloud_provider"))
            .select_from(W.outerjoin(C, C.c.id == W.c.cloud_account_id))
            .where(W.c.id.in_(ids_param))
        )
    else:
        stmt = select(*base).where(W.c.id.in_(ids_param))
    for chunk in chunks(unique):
        # .all() fetches a chunk in one call; iterating the result fetches row by row
        yield from conn.execute(stmt, {"ids": list(chunk)}).all()
        done += len(chunk)
        if progress:
            progress(min(done, total), total)


# -- list and show ----------------------------------------------------------------------
def list_filtered(
    ctx: ServiceContext, *, ref: str, filters: WorkspaceFilter
) -> Iterator[WorkspacePublic]:
    """One account's workspaces in id order, streamed from the store."""
    account = accounts.find_account(ctx, ref)
    now = ctx.now()
    stmt = select(*COLUMNS).where(W.c.account_id == account.id)
    if filters.site:
        stmt = stmt.where(W.c.site == rules.site(filters.site))
    if filters.settlement:
        settlement = filters.settlement.strip().lower()
        if settlement not in SETTLEMENTS:
            raise InvalidInput("not_one_of", field="settlement", choices=list(SETTLEMENTS))
        stmt = stmt.where(W.c.settlement == settlement)
    if filters.cloud_account:
        stmt = stmt.where(W.c.cloud_account_id == filters.cloud_account.strip())
    if filters.state:
        stmt = stmt.where(_state_condition(filters.state.strip().lower(), now))
    stmt = stmt.order_by(W.c.id).offset(filters.offset)
    if filters.limit is not None:
        stmt = stmt.limit(filters.limit)
    rows = ctx.session.connection().execute(stmt.execution_options(yield_per=1000))
    for row in rows:
        yield to_public(row, now)


def _state_condition(state: str, now: datetime) -> Any:
    """The derived state as SQL (mirrors ``settlement_rules.state``)."""
    boundary = now - rules.COUNTDOWN
    alive = W.c.dissolved_at.is_(None)
    if state == "active":
        return and_(alive, W.c.countdown_started_at.is_(None))
    if state == "countdown":
        return and_(alive, W.c.countdown_started_at > boundary)
    if state == "locked":
        return and_(alive, W.c.countdown_started_at <= boundary)
    if state == "dissolved":
        return W.c.dissolved_at.is_not(None)
    raise InvalidInput("not_one_of", field="state", choices=list(WORKSPACE_STATES))


def get(ctx: ServiceContext, *, ws_id: str, account: str | None = None) -> WorkspacePublic:
    return to_public(find_workspace(ctx, ws_id, account_ref=account), ctx.now())


def refresh(ctx: ServiceContext, ids: Sequence[str]) -> None:
    """Drop cached ORM copies after Core updates, so later reads see the store."""
    for obj in list(ctx.session.identity_map.values()):
        if isinstance(obj, Workspace) and obj.id in ids:
            ctx.session.expire(obj)
