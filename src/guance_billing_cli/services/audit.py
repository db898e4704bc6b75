"""The audit trail: every write records an event in the same transaction.

Events are hash-chained: each row's ``hash`` covers its own fields and the
previous row's hash, so an edited, removed or reordered row breaks the chain.
Secrets are redacted before anything is written.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from guance_billing_cli.masking import mask_id_number
from guance_billing_cli.services import authz
from guance_billing_cli.services.context import ServiceContext

if TYPE_CHECKING:
    # Loaded inside the functions: a read that writes nothing never builds these.
    from guance_billing_cli.schemas.audit import AuditEventPublic, AuditQuery, AuditVerification
    from guance_billing_cli.store.models.audit import AuditEvent

GENESIS = "0" * 64
SECRET_KEYS = {"password", "password_hash", "code", "code_hash", "token", "token_hash", "secret"}
CI_RUN_VARS = ("GUANCE_BILLING_CI_RUN", "GITHUB_RUN_ID", "CI_PIPELINE_ID", "BUILD_ID")


def redact(values: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key in SECRET_KEYS:
            out[key] = "[redacted]"
        elif key == "id_number" and isinstance(value, str) and value:
            out[key] = mask_id_number(value)
        else:
            out[key] = value
    return out


def _ci_run() -> str | None:
    for name in CI_RUN_VARS:
        if os.environ.get(name):
            return os.environ[name][:128]
    return None


def event_hash(event: AuditEvent) -> str:
    payload = json.dumps(
        [
            event.prev_hash,
            event.at.isoformat(),
            event.actor,
            event.actor_role,
            event.action,
            event.target,
            event.account_id,
            event.before,
            event.after,
            event.request_id,
            event.ci_run,
        ],
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _dump(values: Mapping[str, Any] | None) -> str:
    return json.dumps(redact(values or {}), sort_keys=True, default=str, ensure_ascii=False)


def record(
    ctx: ServiceContext,
    *,
    action: str,
    target: str,
    account_id: str | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain (call inside the write's transaction)."""
    from guance_billing_cli.store.models.audit import AuditEvent

    session = ctx.session
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy import text

        session.execute(text("SELECT pg_advisory_xact_lock(7452002)"))
    last = session.exec(
        select(AuditEvent.hash).order_by(col(AuditEvent.id).desc()).limit(1)
    ).first()
    event = AuditEvent(
        at=ctx.now(),
        actor=ctx.actor.name,
        actor_role=ctx.actor.role,
        action=action,
        target=target,
        account_id=account_id,
        before=_dump(before),
        after=_dump(after),
        request_id=ctx.request_id,
        ci_run=_ci_run(),
        prev_hash=last or GENESIS,
        hash="",
    )
    event.hash = event_hash(event)
    session.add(event)
    return event


def changed(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields whose values differ, as (before, after)."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def _public(event: AuditEvent) -> AuditEventPublic:
    from guance_billing_cli.schemas.audit import AuditEventPublic

    return AuditEventPublic(
        id=event.id or 0,
        at=event.at,
        actor=event.actor,
        actor_role=event.actor_role,
        action=event.action,
        target=event.target,
        account_id=event.account_id,
        before=json.loads(event.before),
        after=json.loads(event.after),
        request_id=event.request_id,
        ci_run=event.ci_run,
        hash=event.hash,
    )


def list_events(ctx: ServiceContext, *, query: AuditQuery) -> Iterator[AuditEventPublic]:
    """Events oldest first; owners see only their own account's events."""
    from guance_billing_cli.services.accounts import find_account
    from guance_billing_cli.store.models.audit import AuditEvent

    stmt = select(AuditEvent).order_by(col(AuditEvent.id))
    account_id = find_account(ctx, query.account).id if query.account else None
    if ctx.actor.role != "support":
        account_id = ctx.actor.account_id
    if account_id is not None:
        stmt = stmt.where(AuditEvent.account_id == account_id)
    if query.action:
        pattern = query.action.replace("*", "%")
        stmt = stmt.where(col(AuditEvent.action).like(pattern if "%" in pattern else pattern + "%"))
    if query.since:
        stmt = stmt.where(AuditEvent.at >= query.since)
    if query.until:
        stmt = stmt.where(AuditEvent.at < query.until)
    for event in ctx.session.exec(stmt.execution_options(yield_per=1000)):
        yield _public(event)


def verify_chain(ctx: ServiceContext) -> AuditVerification:
    """Walk the chain; report the first row that was edited, removed or reordered."""
    from guance_billing_cli.schemas.audit import AuditVerification
    from guance_billing_cli.store.models.audit import AuditEvent

    authz.require_support(ctx.actor, "audit verify")
    previous = GENESIS
    checked = 0
    stmt = select(AuditEvent).order_by(col(AuditEvent.id)).execution_options(yield_per=1000)
    for event in ctx.session.exec(stmt):
        if event.prev_hash != previous:
            return AuditVerification(
                ok=False,
                checked=checked,
                first_bad_id=event.id,
                problem="does not follow the previous event (an event before it was removed "
                "or the events were reordered)",
            )
        if event_hash(event) != event.hash:
            return AuditVerification(
                ok=False,
                checked=checked,
                first_bad_id=event.id,
                problem="its content does not match its hash (the event was edited)",
            )
        previous = event.hash
        checked += 1
    return AuditVerification(ok=True, checked=checked)
