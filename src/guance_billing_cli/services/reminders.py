"""Lock-countdown reminders: email the billing account as a workspace's 14 days run out.

Three stages per countdown: ``started`` (as soon as the countdown is seen),
``3_days`` and ``1_day`` before ``locks_at``. Each run sends, per workspace in
countdown, the latest stage that is due, unless that stage or a later one was
already sent for this countdown (a run that starts with 2 days left sends
``3_days`` only, never a stale ``started``). What was sent is a row of
``workspace_reminders`` (unique per workspace, countdown and stage) and an audit
event, so running it again — from cron, a systemd timer or ``server run`` — sends
nothing twice. A new countdown (after an unlock and another unsubscribe) starts
its own stages.

The email goes out inside the transaction, after the row is written: if delivery
fails the row is rolled back and the next run tries again (at least once).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, select

from guance_billing_cli.schemas.settlement import (
    REMINDER_STAGES,
    Reminder,
    RemindRequest,
    RemindResult,
)
from guance_billing_cli.services import accounts, audit, authz
from guance_billing_cli.services import settlement_rules as rules
from guance_billing_cli.services.context import ServiceContext
from guance_billing_cli.services.ids import new_id
from guance_billing_cli.services.workspaces import W
from guance_billing_cli.store.models import Account, WorkspaceReminder

#: stage -> how long before locks_at it becomes due (None: at once)
DUE_BEFORE_LOCK: dict[str, timedelta | None] = {
    "started": None,
    "3_days": timedelta(days=3),
    "1_day": timedelta(days=1),
}


def due_stage(countdown_started_at: datetime, now: datetime) -> str | None:
    """The latest stage due at ``now`` (None once locked: the countdown is over)."""
    locks = countdown_started_at + rules.COUNTDOWN
    if now >= locks:
        return None
    due = "started"
    for stage in REMINDER_STAGES:
        before = DUE_BEFORE_LOCK[stage]
        if before is not None and now >= locks - before:
            due = stage
    return due


def _sent_stages(ctx: ServiceContext, ws_ids: list[str]) -> dict[tuple[str, datetime], set[str]]:
    R = WorkspaceReminder
    sent: dict[tuple[str, datetime], set[str]] = {}
    if not ws_ids:
        return sent
    rows = ctx.session.execute(
        select(R.workspace_id, R.countdown_started_at, R.stage).where(  # type: ignore[call-overload]
            R.workspace_id.in_(ws_ids)  # type: ignore[attr-defined]
        )
    )
    for ws_id, started, stage in rows:
        sent.setdefault((ws_id, started), set()).add(stage)
    return sent


def remind(ctx: ServiceContext, *, data: RemindRequest) -> RemindResult:
    """Send the reminders that are due; a dry run reports them and sends nothing."""
    account_ref, dry_run = data.account, data.dry_run
    authz.require_scope(ctx.actor, "workspaces")
    if account_ref is None:
        authz.require_support(ctx.actor, "reminding every billing account")
        only = None
    else:
        only = accounts.find_account(ctx, account_ref).id
    if not dry_run and not _one_run_at_a_time(ctx):
        return RemindResult(dry_run=False, reminders=[], already_sent=0, busy=True)
    now = ctx.now()
    A = Account.__table__  # type: ignore[attr-defined]
    conditions = [
        W.c.countdown_started_at.is_not(None),
        W.c.dissolved_at.is_(None),
        W.c.countdown_started_at > now - rules.COUNTDOWN,
    ]
    if only is not None:
        conditions.append(W.c.account_id == only)
    stmt = (
        select(W.c.id, W.c.account_id, W.c.countdown_started_at, A.c.email, A.c.language)
        .select_from(W.join(A, A.c.id == W.c.account_id))
        .where(and_(*conditions))
        .order_by(W.c.account_id, W.c.id)
    )
    rows = list(ctx.session.connection().execute(stmt))
    sent = _sent_stages(ctx, [r.id for r in rows])
    reminders: list[Reminder] = []
    already = 0
    for row in rows:
        stage = due_stage(row.countdown_started_at, now)
        if stage is None:
            continue
        done = sent.get((row.id, row.countdown_started_at), set())
        later = REMINDER_STAGES[REMINDER_STAGES.index(stage) :]
        if done.intersection(later):
            already += 1
            continue
        locks = row.countdown_started_at + rules.COUNTDOWN
        left = rules.days_left(row.countdown_started_at, None, now) or 0
        if not dry_run:
            _send(ctx, row, stage, locks, left, now)
        reminders.append(
            Reminder(
                workspace_id=row.id,
                account_id=row.account_id,
                stage=stage,
                locks_at=locks,
                days_left=left,
                sent_to=row.email,
                result="would_send" if dry_run else "sent",
            )
        )
    return RemindResult(dry_run=dry_run, reminders=reminders, already_sent=already)


#: one reminder run at a time across every server and cron job on a PostgreSQL store
REMIND_LOCK = 7452019


def _one_run_at_a_time(ctx: ServiceContext) -> bool:
    """False when another run holds the reminder lock right now (PostgreSQL). SQLite
    writes are ``BEGIN IMMEDIATE``: a second run waits, then finds everything sent."""
    if ctx.session.get_bind().dialect.name != "postgresql":
        return True
    from sqlalchemy import text

    got = ctx.session.execute(text(f"SELECT pg_try_advisory_xact_lock({REMIND_LOCK})"))
    return bool(got.scalar())


def _send(
    ctx: ServiceContext, row: Any, stage: str, locks: datetime, left: int, now: datetime
) -> None:
    from guance_billing_cli.services import notices

    record = WorkspaceReminder(
        id=new_id("rmd"),
        workspace_id=row.id,
        account_id=row.account_id,
        countdown_started_at=row.countdown_started_at,
        stage=stage,
        sent_to=row.email,
        sent_at=now,
    )
    ctx.session.add(record)
    ctx.session.flush()  # a concurrent run stops here on the unique constraint
    audit.record_on(
        ctx,
        row,
        "workspace.remind",
        after={"stage": stage, "locks_at": locks.isoformat(), "sent_to": row.email},
    )
    cloud_id = (
        ctx.session.connection()
        .execute(select(W.c.cloud_account_id).where(W.c.id == row.id))
        .scalar()
    )
    notices.send_reminder(
        ctx.settings,
        row,
        workspace_id=row.id,
        locks_at=locks,
        days=left,
        cloud_account_id=cloud_id,
    )
