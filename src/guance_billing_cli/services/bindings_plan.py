"""Bindings as code (issue 25): plan a desired state against the store, and apply it.

One rule engine: a plan does not decide anything itself. Rows whose settlement is
already what the file asks for are ``unchanged``; every other row goes through
``binding.bind`` / ``binding.unbind`` (the batches behind ``cloud bind`` and
``cloud unbind``): as a dry run for a plan, for real for an apply. So an apply
takes the same locked write path as ``cloud bind``, in one transaction: when a
row is stale (a saved plan no longer matches) or refused (without
``skip_refused``) the service raises after the batches ran and the transaction
rolls back, all of it.

Each row carries a fingerprint of the state it was planned against: the
workspace's settlement columns, its current cloud account's status, the target
cloud account's status and the billing account's ``arbitrary_settlement``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select

from guance_billing_cli.errors import RuleViolation
from guance_billing_cli.schemas.bindings import (
    ACTIONS,
    BindingsApplied,
    BindingsApplyRequest,
    BindingsPlan,
    BindingsPlanRequest,
    DesiredState,
    PlannedRow,
)
from guance_billing_cli.schemas.settlement import BatchResult, batch_items, why
from guance_billing_cli.services import accounts, authz, binding, cloud, locking, workspaces
from guance_billing_cli.services import settlement_rules as rules
from guance_billing_cli.services.context import ServiceContext
from guance_billing_cli.store.models import Account, CloudAccount

W: Table = workspaces.W
BILLING_CENTER = "billing_center"
# the columns of ``workspaces.fetch`` the plan reads itself (the rules read the rest)
FIELDS = ("account_id", "settlement", "cloud_account_id", "countdown_started_at", "dissolved_at")
STALE_NAMED = 20  # rows named in a plan_stale / bindings_refused error (the count says the rest)


# -- the desired state, checked ---------------------------------------------------------
def targets(desired: DesiredState) -> dict[str, str]:
    """workspace id -> cloud account id or ``billing_center``, in file order.

    The CLI's file reader finds these mistakes first, with the file's line (exit 2); a
    request that reaches the service without it is refused as contradicting itself
    (409, exit 6: a schema cannot say "unique across lists")."""
    found: dict[str, str] = {}
    seen_clouds: set[str] = set()
    sections = [(c.cloud_account_id.strip(), c.workspaces) for c in desired.clouds]
    sections.append((BILLING_CENTER, desired.billing_center or []))
    for where, ids in sections:
        if where in seen_clouds:
            raise RuleViolation("bindings_cloud_twice", field="desired", cloud_account_id=where)
        seen_clouds.add(where)
        for raw in ids:
            ws_id = raw.strip()
            if ws_id in found:
                raise RuleViolation(
                    "bindings_workspace_twice",
                    field="desired",
                    workspace_id=rules.shorten(ws_id),
                    first=found[ws_id],
                    second=where,
                )
            found[ws_id] = where
    return found


# -- plan and apply ---------------------------------------------------------------------
def plan(ctx: ServiceContext, *, request: BindingsPlanRequest) -> BindingsPlan:
    """Compare ``request.desired`` with the store: one row per workspace concerned."""
    authz.require_scope(ctx.actor, "bindings")
    rows = _rows(ctx, request.desired, request.account, dry_run=True)
    return BindingsPlan.model_validate(
        {
            "account": request.account,
            "planned_at": ctx.now().isoformat(),
            "desired": request.desired,
            "rows": rows,
            "summary": summary(rows),
        }
    )


def apply(ctx: ServiceContext, *, request: BindingsApplyRequest) -> BindingsApplied:
    """Make the store match ``request.desired`` in this transaction, or change nothing."""
    authz.require_scope(ctx.actor, "bindings")
    rows = _rows(ctx, request.desired, request.account, dry_run=False)
    if request.expected is not None:
        stale = stale_rows(request.expected, rows)
        if stale:
            raise RuleViolation(
                "plan_stale",
                count=len(stale),
                workspaces=_named(stale),
                stale=stale[:STALE_NAMED],
                next_step="plan_bindings",
            )
    refused = [r["workspace_id"] for r in rows if r["action"] == "refused"]
    if refused and not request.skip_refused:
        raise RuleViolation(
            "bindings_refused",
            field="skip_refused",
            count=len(refused),
            workspaces=_named(refused),
            refused=refused[:STALE_NAMED],
            next_step="plan_bindings",
        )
    return BindingsApplied.model_validate(
        {
            "account": request.account,
            "applied_at": ctx.now().isoformat(),
            "rows": rows,
            "summary": summary(rows),
            "skipped": len(refused),
        }
    )


def _named(ids: list[str]) -> str:
    named = ", ".join(ids[:STALE_NAMED])
    return named + (f", … (+{len(ids) - STALE_NAMED})" if len(ids) > STALE_NAMED else "")


def summary(rows: Iterable[dict[str, Any]]) -> dict[str, int]:
    counts = dict.fromkeys(ACTIONS, 0)
    for row in rows:
        counts[row["action"]] += 1
    return counts


def stale_rows(expected: list[PlannedRow], rows: list[dict[str, Any]]) -> list[str]:
    """Workspace ids whose row differs from the saved plan's (or is new, or is gone)."""
    now = {r["workspace_id"]: r for r in rows}
    stale = []
    for old in expected:
        row = now.pop(old.workspace_id, None)
        if row is None or (row["action"], row["to"], row["fingerprint"]) != (
            old.action,
            old.to,
            old.fingerprint,
        ):
            stale.append(old.workspace_id)
    stale.extend(now)  # rows the plan did not have (a workspace newly bound to an exclusive one)
    return stale


def _rows(
    ctx: ServiceContext, desired: DesiredState, account_ref: str | None, *, dry_run: bool
) -> list[dict[str, Any]]:
    wanted = targets(desired)
    account_id = accounts.find_account(ctx, account_ref).id if account_ref else None
    owner_id = account_id or ctx.actor.account_id  # None: support over every account
    clouds: dict[str, CloudAccount] = {
        c.cloud_account_id.strip(): cloud.find_cloud(
            ctx, c.cloud_account_id.strip(), account_ref=account_ref
        )
        for c in desired.clouds
    }
    # Workspaces bound to an exclusive cloud account but listed nowhere: to be unbound.
    source = dict.fromkeys(wanted, "listed")
    for c in desired.clouds:
        if c.exclusive:
            for ws_id in _bound_to(ctx, clouds[c.cloud_account_id.strip()].id):
                if ws_id not in wanted:
                    wanted[ws_id] = BILLING_CENTER
                    source[ws_id] = "exclusive"
    # Only well-formed ids reach the query (as in the batches): a malformed one is a
    # refused row, never a driver error (PostgreSQL rejects a NUL byte).
    well_formed = [ws for ws in wanted if rules.workspace_id_problem(ws) is None]
    found = {r.id: r for r in workspaces.fetch(ctx, well_formed, with_cloud=True)}
    owners = {c.account_id for c in clouds.values()} | {r.account_id for r in found.values()}
    if not dry_run and locking.hold_accounts(ctx, owners):
        # issue 19: an apply decides on rows no other writer can change before it
        # commits; what was read before the accounts were held is read again
        return _rows(ctx, desired, account_ref, dry_run=dry_run)
    arbitrary = _arbitrary(ctx, owners)
    now = ctx.now()
    see_all = ctx.actor.role == "support" and owner_id is None

    rows: dict[str, dict[str, Any]] = {}
    to_bind: dict[str, list[dict[str, str]]] = {}
    to_unbind: list[dict[str, str]] = []
    # Per target, once: what a row's ``to`` reads and what its fingerprint adds.
    goals = {key: rules.describe(c.provider, c.id) for key, c in clouds.items()}
    goals[BILLING_CENTER] = BILLING_CENTER
    suffix = {key: f"{c.id}|{c.status}" for key, c in clouds.items()}
    fields = next(iter(found.values()))._fields if found else FIELDS
    i_owner, i_settlement, i_cloud, i_countdown, i_dissolved = (fields.index(f) for f in FIELDS)
    for ws_id, where in wanted.items():
        row = found.get(ws_id)
        goal = goals[where]
        entry: dict[str, Any] = {
            "workspace_id": ws_id,
            "action": "unchanged",
            "from": None,
            "to": goal,
            "source": source[ws_id],
        }
        rows[ws_id] = entry
        if row is None:
            entry["fingerprint"] = _fingerprint(None, suffix.get(where, ""), False)
        else:
            # Attributes of a Row are slow in a 10,000-row loop: unpack it once.
            values = tuple(row)
            owner, settlement, bound = values[i_owner], values[i_settlement], values[i_cloud]
            countdown, dissolved = values[i_countdown], values[i_dissolved]
            entry["fingerprint"] = _fingerprint(
                values, suffix.get(where, ""), arbitrary.get(owner, False)
            )
            entry["from"] = current = rules.describe(settlement, bound)
            if countdown is None and dissolved is None:
                entry["state"] = "active"
            else:
                entry["state"] = rules.state(countdown, dissolved, now)
                if countdown is not None and dissolved is None:
                    entry["locks_at"] = cast(datetime, rules.locks_at(countdown)).isoformat()
            if source[ws_id] == "exclusive":
                entry.update(why(rules.note("not_listed_exclusive", cloud_account_id=bound)))
            if (see_all or owner == owner_id) and dissolved is None and current == goal:
                continue  # already as the file says: nothing for the rules to decide
        item = {"workspace_id": ws_id}  # the batch checks the id itself
        if where == BILLING_CENTER:
            to_unbind.append(item)
        else:
            to_bind.setdefault(where, []).append(item)
    for where, items in to_bind.items():
        _merge(rows, binding.bind(
            ctx, cloud_id=clouds[where].id, items=batch_items(items), dry_run=dry_run,
            account=account_ref,
        ))  # fmt: skip
    if to_unbind:
        _merge(rows, binding.unbind(
            ctx, items=batch_items(to_unbind), dry_run=dry_run, account=account_ref,
        ))  # fmt: skip
    return list(rows.values())


ACTION_OF = {"unbound": "unbind", "unchanged": "unchanged", "refused": "refused"}


def _merge(rows: dict[str, dict[str, Any]], result: BatchResult) -> None:
    for r in result.results:
        entry = rows[r.workspace_id or ""]
        if r.result == "bound":
            entry["action"] = "bind" if entry["from"] in (None, BILLING_CENTER) else "move"
        else:
            entry["action"] = ACTION_OF[r.result]
        entry["to"] = r.to or entry["to"]
        if r.result in ("refused", "unchanged") and r.reason_code:
            entry["reason"], entry["reason_code"] = r.reason, r.reason_code
            entry["params"] = r.params


def _bound_to(ctx: ServiceContext, cloud_id: str) -> list[str]:
    stmt = (
        select(W.c.id)
        .where(W.c.cloud_account_id == cloud_id, W.c.dissolved_at.is_(None))
        .order_by(W.c.id)
    )
    return list(ctx.session.connection().execute(stmt).scalars())


def _arbitrary(ctx: ServiceContext, ids: set[str]) -> dict[str, bool]:
    """billing account id -> ``arbitrary_settlement`` (rule 2 reads it)."""
    if not ids:
        return {}
    A = cast(Table, Account.__table__)  # type: ignore[attr-defined]
    stmt = select(A.c.id, A.c.arbitrary_settlement).where(A.c.id.in_(sorted(ids)))
    return {r.id: bool(r.arbitrary_settlement) for r in ctx.session.connection().execute(stmt)}


def _fingerprint(values: tuple[Any, ...] | None, target: str, arbitrary: bool) -> str:
    """A short hash of the row as the rules read it (account, site, settlement, cloud
    account and its status, the settlement / countdown / dissolve times, ...), the
    account's arbitrary-settlement flag and the target cloud account's status."""
    text = f"absent|{target}" if values is None else repr((*values, arbitrary, target))
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()
