"""The audit trail: every write records an event in the same transaction.

Events are chained with a key kept outside the store: each row's ``hash`` is an
HMAC, under ``keys.purpose_key("audit-chain")``, of the previous row's hash and the
event's entry digest (``audit_proof``), so an edited, removed or reordered row
breaks the chain and cannot be re-linked without the key. Ids are consecutive and
bound into the link. Checkpoints, verification and export: ``audit_proofs``.
Secrets are redacted before anything is written.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from guance_billing_cli.audit import proof as audit_proof
from guance_billing_cli.errors import Unavailable
from guance_billing_cli.schemas.masking import mask_id_number
from guance_billing_cli.services.context import ServiceContext

if TYPE_CHECKING:
    # Loaded inside the functions: a read that writes nothing never builds these.
    from guance_billing_cli.schemas.audit import AuditEventPublic, AuditQuery
    from guance_billing_cli.store.models.audit import AuditEvent

GENESIS = audit_proof.GENESIS
SECRET_KEYS = {"password", "password_hash", "code", "code_hash", "token", "token_hash", "secret"}
CI_RUN_VARS = ("GUANCE_BILLING_CI_RUN", "GITHUB_RUN_ID", "CI_PIPELINE_ID", "BUILD_ID")
# Serializes appends (and checkpoints) on PostgreSQL; SQLite writes are BEGIN IMMEDIATE.
APPEND_LOCK = 7452002


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


def legacy_hash(row: Any, at: datetime) -> str:
    """The unkeyed SHA-256 link of events written before the keyed chain (schema 0006)."""
    payload = json.dumps(
        [
            row.prev_hash,
            at.isoformat(),
            row.actor,
            row.actor_role,
            row.action,
            row.target,
            row.account_id,
            row.before,
            row.after,
            row.request_id,
            row.ci_run,
        ],
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def chain_key(*, create: bool) -> bytes:
    """The audit-chain key; a store that is only read never creates one."""
    from guance_billing_cli.keys import derive as keys

    try:
        return keys.purpose_key("audit-chain", create=create)
    except (keys.MissingSecretKey, keys.BadSecretKey) as exc:
        raise Unavailable("audit_key_unavailable", why=str(exc)) from None


def lock_appends(ctx: ServiceContext) -> None:
    session = ctx.session
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy import text

        session.execute(text(f"SELECT pg_advisory_xact_lock({APPEND_LOCK})"))


def entry_of(event_id: int, at: str, account_id: str | None, body: tuple[str | None, ...]) -> bytes:
    return audit_proof.entry_digest(event_id, at, account_id, audit_proof.body_digest(body))


def _dump(values: Mapping[str, Any] | None) -> str:
    return audit_proof.canonical_json_text(redact(values or {}))


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

    lock_appends(ctx)
    last = ctx.session.exec(
        select(AuditEvent.id, AuditEvent.hash).order_by(col(AuditEvent.id).desc()).limit(1)
    ).first()
    event = AuditEvent(
        id=(last[0] or 0 if last else 0) + 1,
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
        prev_hash=last[1] if last else GENESIS,
        hash="",
    )
    body = tuple(getattr(event, name) for name in audit_proof.BODY_FIELDS)
    entry = entry_of(event.id or 0, audit_proof.canonical_time(event.at), account_id, body)
    event.hash = audit_proof.link(chain_key(create=True), event.prev_hash, entry)
    ctx.session.add(event)
    return event


def record_on(
    ctx: ServiceContext,
    row: Any,
    action: str,
    *,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """``record`` an ``action`` on a stored ``row``: the event's target is the row's id,
    its account the row's ``account_id`` (an ``Account``'s own id)."""
    from guance_billing_cli.store.models import Account

    account_id = row.id if isinstance(row, Account) else row.account_id
    return record(
        ctx, action=action, target=row.id, account_id=account_id, before=before, after=after
    )


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
    from guance_billing_cli.services.account_lookup import find_account
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
