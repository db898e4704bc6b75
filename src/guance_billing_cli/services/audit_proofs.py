"""Proving the audit trail: verify the chain, write signed checkpoints, export for auditors.

One walk (``_Walk``) checks every event in id order: the unkeyed segment from before
the keyed chain by its SHA-256 links, every later event by consecutive ids and its
HMAC link, and — when checkpoints are given — each event's entry digest against the
one the covering checkpoint signed, so a trail re-chained *with* the key is still
caught. Writing a checkpoint walks the events since the previous one first: a
broken trail is never signed.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import String, type_coerce
from sqlmodel import col, func, select

from guance_billing_cli.audit import proof as audit_proof
from guance_billing_cli.audit.proof import ENTRY_BYTES, GENESIS, CheckpointSet, ProofError
from guance_billing_cli.errors import RuleViolation, Unavailable
from guance_billing_cli.services import authz, key_epochs
from guance_billing_cli.services.audit import chain_key, legacy_hash, lock_appends
from guance_billing_cli.services.context import ServiceContext

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from guance_billing_cli.schemas.audit import (
        AuditExportLine,
        AuditExportQuery,
        AuditPublicKey,
        AuditVerification,
        AuditVerifyRequest,
        SignedCheckpoint,
    )

BATCH = 5000
# The walk reads rows by position: id, at, account, the body fields, prev_hash, hash.
COLUMNS = ("id", "at", "account_id", *audit_proof.BODY_FIELDS, "prev_hash", "hash")
ID, AT, ACCOUNT, BODY, PREV, LINK = 0, 1, 2, slice(3, 11), 11, 12


@dataclass
class Meta:
    store_id: str
    legacy_until: int
    legacy_head: str


def _meta(ctx: ServiceContext) -> Meta:
    from guance_billing_cli.store.models.audit import AuditMeta

    values = {row.name: row.value for row in ctx.session.exec(select(AuditMeta))}
    return Meta(
        store_id=values.get("store_id", "unknown"),
        legacy_until=int(values.get("legacy_until", "0")),
        legacy_head=values.get("legacy_head", GENESIS),
    )


def _rows(ctx: ServiceContext, *, after_id: int = 0, upto_id: int | None = None) -> Iterator[Any]:
    from guance_billing_cli.store.models.audit import AuditEvent

    table = AuditEvent.__table__  # type: ignore[attr-defined]
    # Columns in ``COLUMNS`` order: the walk reads rows by position (faster than by name).
    # ``at`` as stored (text on SQLite): ``canonical_time`` spells it without parsing.
    columns = [type_coerce(table.c.at, String) if n == "at" else table.c[n] for n in COLUMNS]
    stmt = select(*columns).where(table.c.id > after_id)
    stmt = stmt.order_by(table.c.id)
    if upto_id is not None:
        stmt = stmt.where(table.c.id <= upto_id)
    yield from ctx.session.connection().execute(stmt.execution_options(yield_per=BATCH))


def _body(row: Any) -> tuple[str | None, ...]:
    return tuple(row[BODY])


def _as_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


@dataclass
class Finding:
    event_id: int
    problem: str
    checkpoint: str | None


class _Walk:
    """The state of a walk over the trail in id order (see the module docstring)."""

    def __init__(
        self,
        meta: Meta,
        key: bytes,
        checkpoints: CheckpointSet | None = None,
        epochs: list[tuple[int, bytes]] | None = None,
    ) -> None:
        self.meta, self.checkpoints = meta, checkpoints
        # keys rotated away (issue 19): events up to ``until`` are linked under each
        self._epochs = list(epochs or [])
        self._key = key
        self._until = -1
        self.link_of = audit_proof.linker(key)
        self._advance(0)
        self.ordinal = 0  # events seen, including those before ``resume``
        self.last_id = 0
        self.link = GENESIS
        self.legacy = 0
        # the checkpoint covering the current position: its span and entries, cached
        self._cover: audit_proof.Checkpoint | None = None
        self._span = (1, 0)

    def _advance(self, event_id: int) -> None:
        """Use the key the event at ``event_id`` was linked under."""
        while self._epochs and self._epochs[0][0] < event_id:
            self._epochs.pop(0)
        if self._epochs:
            self._until = self._epochs[0][0]
            self.link_of = audit_proof.linker(self._epochs[0][1])
        else:
            self._until = 1 << 62
            self.link_of = audit_proof.linker(self._key)

    def resume(self, *, ordinal: int, last_id: int, link: str) -> None:
        self.ordinal, self.last_id, self.link = ordinal, last_id, link

    def _covering(self, ordinal: int) -> audit_proof.Checkpoint | None:
        low, high = self._span
        if not low <= ordinal <= high and self.checkpoints:
            self._cover = self.checkpoints.covering(ordinal)
            cover = self._cover
            self._span = (cover.first_ordinal, cover.event_count) if cover else (ordinal, ordinal)
        return self._cover if self._span[0] <= ordinal <= self._span[1] else None

    def step(self, row: Any) -> tuple[bytes, Finding | None]:
        """Check one event; the fast path is the usual case, the slow one explains."""
        self.ordinal += 1
        event_id, link = row[ID], row[LINK]
        if event_id > self._until:
            self._advance(event_id)
        body = audit_proof.body_digest(row[BODY])
        at = audit_proof.canonical_time(row[AT])
        entry = audit_proof.entry_digest(event_id, at, row[ACCOUNT], body)
        if (
            event_id == self.last_id + 1
            and self.last_id >= self.meta.legacy_until
            and self.link_of(self.link, entry) == link
        ):
            cover = self._covering(self.ordinal) if self.checkpoints else None
            if cover is None or (
                cover.entry(self.ordinal) == entry[:ENTRY_BYTES]
                and (self.ordinal != cover.event_count or cover.statement["last_link"] == link)
            ):
                self.last_id, self.link = event_id, link
                return entry, None
        return entry, self._explain(row, entry)

    def _explain(self, row: Any, entry: bytes) -> Finding | None:
        """Every check of one event, in words (also walks the unkeyed segment)."""
        event_id, link = row[ID], row[LINK]
        problems: list[str] = []
        bad_id = event_id
        if event_id <= self.meta.legacy_until:
            self.legacy += 1
            if row[PREV] != self.link:
                problems.append(
                    "does not follow the previous event (an event before it was removed "
                    "or the events were reordered)"
                )
            elif legacy_hash(row, _as_datetime(row[AT])) != link:
                problems.append("its content does not match its hash (the event was edited)")
        else:
            if self.last_id < self.meta.legacy_until and self.link != self.meta.legacy_head:
                problems.append(
                    "the unkeyed segment before it does not end with the event recorded at "
                    "the upgrade (events of it were removed)"
                )
            expected = max(self.last_id, self.meta.legacy_until) + 1
            if event_id != expected:
                bad_id = expected
                problems.append(
                    f"event {expected} is missing: event {event_id} follows event {self.last_id}"
                )
            if self.link_of(self.link, entry) != link:
                problems.append(
                    "its link does not verify under the audit key (edited, or the chain was "
                    "recomputed without the key)"
                )
        cover = self.checkpoints.covering(self.ordinal) if self.checkpoints else None
        if cover is not None:
            if cover.entry(self.ordinal) != entry[:ENTRY_BYTES]:
                problems.append(
                    f"it is not the event {cover.label} recorded at position {self.ordinal} "
                    "(edited, removed, inserted or reordered, even if re-chained with the key)"
                )
            elif self.ordinal == cover.event_count and cover.statement["last_link"] != link:
                problems.append(f"its link differs from the one {cover.label} signed")
        self.last_id = event_id
        self.link = link
        if problems:
            return Finding(bad_id, "; ".join(problems), cover.label if cover else None)
        return None


def _checkpoint_set(
    ctx: ServiceContext, meta: Meta, request: AuditVerifyRequest
) -> CheckpointSet | None:
    if not request.checkpoints:
        return None
    try:
        key = (
            audit_proof.load_public_key(request.public_key)
            if request.public_key
            else _signer().public_key()
        )
        checked = [
            audit_proof.check_signed(
                c.statement,
                c.signature,
                _key_for(ctx, c.statement, key),
                label=c.label or f"checkpoint {c.statement.get('sequence', '?')}",
            )
            for c in request.checkpoints
        ]
        checked += _store_copies(ctx, key, {c.sequence for c in checked})
        for item in checked:
            if item.statement["store_id"] != meta.store_id:
                raise ProofError(
                    f"{item.label} belongs to store {item.statement['store_id']}, not to this "
                    f"store ({meta.store_id}): wrong checkpoints, or the store id was changed",
                    checkpoint=item.label,
                )
            if int(item.statement.get("legacy_until", 0)) != meta.legacy_until:
                raise ProofError(
                    f"{item.label} records the unkeyed segment ending at event "
                    f"{item.statement.get('legacy_until')}; the store now says "
                    f"{meta.legacy_until} (the boundary was moved)",
                    checkpoint=item.label,
                )
        return CheckpointSet(checked)
    except ProofError as exc:
        raise RuleViolation(str(exc), checkpoint=exc.checkpoint) from None


def _key_for(ctx: ServiceContext, statement: Any, key: Any) -> Any:
    """The key that signed ``statement``: ``key``, or a signing key retired by ``keys
    rotate`` (recorded in its chained event) when the statement names that one."""
    wanted = statement.get("key_id") if isinstance(statement, dict) else None
    if not wanted or wanted == audit_proof.key_id(key):
        return key
    retired = key_epochs.signing_keys(ctx).get(wanted)
    if retired is None:
        return key  # the signature check says it does not verify
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    return Ed25519PublicKey.from_public_bytes(base64.b64decode(retired))


def _store_copies(ctx: ServiceContext, key: Any, given: set[int]) -> list[audit_proof.Checkpoint]:
    """The store's own record of the checkpoints the given files lack, each checked
    against the signing key: with several servers each host's directory holds only the
    checkpoints its own process wrote (or none), so a sequence absent from the files is
    not evidence of anything. The copies fill the gaps (and extend past the newest file);
    a copy that differs from a file of the same sequence, or one not signed by the key, is
    reported as such, and a file beyond the store's record still proves events missing
    from the end."""
    from guance_billing_cli.store.models.audit import AuditCheckpoint

    if not given:
        return []
    rows = ctx.session.exec(select(AuditCheckpoint).order_by(col(AuditCheckpoint.sequence)))
    copies: list[audit_proof.Checkpoint] = []
    for row in rows:
        if row.sequence in given:
            continue
        label = f"checkpoint {row.sequence} (the store's copy)"
        try:
            statement = json.loads(row.statement)
        except json.JSONDecodeError:
            raise ProofError(f"{label} is not readable", checkpoint=label) from None
        copies.append(
            audit_proof.check_signed(
                statement, row.signature, _key_for(ctx, statement, key), label=label
            )
        )
    return copies


def verify_chain(
    ctx: ServiceContext, *, request: AuditVerifyRequest | None = None
) -> AuditVerification:
    """Walk the trail; report the first event that was edited, removed, added or reordered."""
    from guance_billing_cli.schemas.audit import AuditVerification, AuditVerifyRequest

    authz.require_support(ctx.actor, "audit verify")
    request = request or AuditVerifyRequest()
    meta = _meta(ctx)
    checkpoints = _checkpoint_set(ctx, meta, request)
    walk = _Walk(meta, chain_key(create=False), checkpoints, key_epochs.epochs(ctx))
    result = AuditVerification(ok=True, checked=0, checkpoints=len(checkpoints or ()))
    checked = 0
    step = walk.step
    for row in _rows(ctx):
        _entry, finding = step(row)
        if finding is not None:
            return result.model_copy(
                update={
                    "ok": False,
                    "checked": checked,
                    "first_bad_id": finding.event_id,
                    "problem": finding.problem,
                    "checkpoint": finding.checkpoint,
                    "legacy": walk.legacy,
                }
            )
        checked += 1
    result.checked, result.legacy = checked, walk.legacy
    if checkpoints:
        result.unanchored = max(0, walk.ordinal - checkpoints.last_ordinal)
        if walk.ordinal < checkpoints.last_ordinal:
            proof = checkpoints.covering(walk.ordinal + 1) or checkpoints.items[0]
            return result.model_copy(
                update={
                    "ok": False,
                    "first_bad_id": walk.last_id + 1,
                    "checkpoint": proof.label,
                    "problem": f"events are missing from the end: the trail stops after event "
                    f"{walk.last_id} ({walk.ordinal} events), but {proof.label} records "
                    f"{proof.event_count} events up to event {proof.statement['last_event_id']}",
                }
            )
    return result


def verify_recent(ctx: ServiceContext, *, count: int = 1000) -> tuple[int, Finding | None]:
    """Check the newest ``count`` links of the chain (``doctor``): how many verified, and
    the first bad one. Cheap enough for a health check however long the trail is."""
    from guance_billing_cli.store.models.audit import AuditEvent

    meta = _meta(ctx)
    last = ctx.session.exec(select(func.max(AuditEvent.id))).one()
    if not last:
        return 0, None
    walk = _Walk(meta, chain_key(create=False), epochs=key_epochs.epochs(ctx))
    start = max(int(last) - count, meta.legacy_until, 0)
    if start:
        before = ctx.session.exec(
            select(AuditEvent.id, AuditEvent.hash)
            .where(col(AuditEvent.id) <= start)
            .order_by(col(AuditEvent.id).desc())
            .limit(1)
        ).first()
        if before is not None and before[0] is not None:
            walk.resume(ordinal=int(before[0]), last_id=int(before[0]), link=before[1])
    checked = 0
    for row in _rows(ctx, after_id=walk.last_id):
        _entry, finding = walk.step(row)
        if finding is not None:
            return checked, finding
        checked += 1
    return checked, None


# -- signed checkpoints ---------------------------------------------------------------


def _signer() -> Ed25519PrivateKey:
    from guance_billing_cli.keys import derive as keys

    try:
        return audit_proof.private_key(keys.signing_seed(create=True))
    except (keys.MissingSecretKey, keys.BadSecretKey) as exc:
        raise Unavailable("audit_signing_key_unavailable", why=str(exc)) from None


def public_key(ctx: ServiceContext) -> AuditPublicKey:
    """The public half of the checkpoint signing key: all a verifier needs."""
    from guance_billing_cli.schemas.audit import AuditPublicKey

    key = _signer().public_key()
    return AuditPublicKey(pem=audit_proof.public_pem(key), key_id=audit_proof.key_id(key))


def _latest(ctx: ServiceContext, key: Any) -> audit_proof.Checkpoint | None:
    from guance_billing_cli.store.models.audit import AuditCheckpoint

    row = ctx.session.exec(
        select(AuditCheckpoint).order_by(col(AuditCheckpoint.sequence).desc()).limit(1)
    ).first()
    if row is None:
        return None
    label = f"checkpoint {row.sequence}"
    try:
        statement = json.loads(row.statement)
        key = _key_for(ctx, statement, key)
        return audit_proof.check_signed(statement, row.signature, key, label=label)
    except (ProofError, json.JSONDecodeError):
        raise RuleViolation("checkpoint_copy_unverified", checkpoint=label) from None


def write_checkpoint(ctx: ServiceContext) -> SignedCheckpoint:
    """Sign the trail's current end (call in a write transaction)."""
    from guance_billing_cli.schemas.audit import SignedCheckpoint
    from guance_billing_cli.store.models.audit import AuditCheckpoint, AuditEvent

    authz.require_support(ctx.actor, "audit checkpoint")
    lock_appends(ctx)
    signer = _signer()
    meta = _meta(ctx)
    previous = _latest(ctx, signer.public_key())
    walk = _Walk(meta, chain_key(create=True), epochs=key_epochs.epochs(ctx))
    if previous is not None:
        last_id = int(previous.statement["last_event_id"] or 0)
        if last_id and ctx.session.get(AuditEvent, last_id) is None:
            raise RuleViolation(
                "checkpoint_event_gone", first_bad_id=last_id, checkpoint=previous.label
            )
        walk.resume(
            ordinal=previous.event_count, last_id=last_id, link=previous.statement["last_link"]
        )
    entries: list[bytes] = []
    first_id: int | None = None
    for row in _rows(ctx, after_id=walk.last_id):
        first_id = first_id or row[ID]
        entry, finding = walk.step(row)
        if finding is not None:
            raise RuleViolation(
                "checkpoint_chain_broken", first_bad_id=finding.event_id, why=finding.problem
            )
        entries.append(entry)
    now = ctx.now()
    statement: dict[str, Any] = {
        "format": audit_proof.CHECKPOINT_FORMAT,
        "store_id": meta.store_id,
        "sequence": previous.sequence + 1 if previous else 1,
        "created_at": audit_proof.canonical_time(now),
        "first_event_id": first_id,
        "last_event_id": walk.last_id or None,
        "event_count": walk.ordinal,
        "last_link": walk.link,
        "previous_digest": audit_proof.statement_digest(previous.statement)
        if previous
        else GENESIS,
        "legacy_until": meta.legacy_until,
        "key_id": audit_proof.key_id(signer.public_key()),
        "entries": audit_proof.encode_entries(entries),
    }
    signature = audit_proof.sign(statement, signer)
    ctx.session.add(
        AuditCheckpoint(
            sequence=statement["sequence"],
            created_at=now,
            last_event_id=statement["last_event_id"],
            event_count=walk.ordinal,
            digest=audit_proof.statement_digest(statement),
            statement=json.dumps(statement, sort_keys=True),
            signature=signature,
        )
    )
    return SignedCheckpoint(
        statement=statement, signature=signature, label=audit_proof.checkpoint_file_name(statement)
    )


def checkpoint_if_due(
    ctx: ServiceContext, *, events: int | None, seconds: float | None, final: bool = False
) -> SignedCheckpoint | None:
    """Sign the trail's end when a schedule says so — decided and written in one write
    transaction under the append lock, so that of several servers on one store exactly
    one writes each checkpoint (the others then find it not due)."""
    lock_appends(ctx)
    new, last_at, intact = pending(ctx)
    if intact and new == 0:
        return None
    due = not intact or final or last_at is None or bool(events and new >= events)
    if not due and seconds:
        due = (ctx.now() - _aware(last_at)).total_seconds() >= seconds
    return write_checkpoint(ctx) if due else None


def _aware(value: Any) -> Any:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def pending(ctx: ServiceContext) -> tuple[int, Any, bool]:
    """(events after the newest checkpoint, when it was written, whether its last event
    is still there unchanged) — what a checkpoint schedule needs to know."""
    from guance_billing_cli.store.models.audit import AuditCheckpoint, AuditEvent

    latest = ctx.session.exec(
        select(AuditCheckpoint).order_by(col(AuditCheckpoint.sequence).desc()).limit(1)
    ).first()
    after = (latest.last_event_id or 0) if latest else 0
    count = ctx.session.exec(
        select(func.count()).select_from(AuditEvent).where(col(AuditEvent.id) > after)
    ).one()
    intact = True
    if latest is not None and after:
        event = ctx.session.get(AuditEvent, after)
        intact = event is not None and event.hash == json.loads(latest.statement)["last_link"]
    return int(count), latest.created_at if latest else None, intact


# -- export for auditors ----------------------------------------------------------------


def export_events(ctx: ServiceContext, *, query: AuditExportQuery) -> Iterator[AuditExportLine]:
    """Events matching the query with the checkpoints that cover them (``audit_offline``)."""
    from guance_billing_cli.schemas.audit import AuditExportLine
    from guance_billing_cli.services.accounts import find_account
    from guance_billing_cli.store.models.audit import AuditCheckpoint, AuditEvent

    authz.require_support(ctx.actor, "audit export")
    meta = _meta(ctx)
    account = find_account(ctx, query.account).id if query.account else None
    since = audit_proof.canonical_time(query.since) if query.since else None

    def matches(row: Any) -> bool:
        at = audit_proof.canonical_time(row.at)
        return (account is None or row.account_id == account) and (since is None or at >= since)

    first = ctx.session.exec(
        select(func.min(AuditEvent.id)).where(
            *([col(AuditEvent.account_id) == account] if account else []),
            *([col(AuditEvent.at) >= query.since] if query.since else []),
        )
    ).one()
    stored = list(
        ctx.session.exec(
            select(AuditCheckpoint)
            .where(col(AuditCheckpoint.last_event_id) >= (first or 0))
            .order_by(col(AuditCheckpoint.sequence))
        )
    )
    if first is None:
        stored = []
    previous_end = 0
    if stored and stored[0].sequence > 1:
        earlier = ctx.session.get(AuditCheckpoint, stored[0].sequence - 1)
        previous_end = (earlier.last_event_id or 0) if earlier else 0
    header = {
        "format": audit_proof.EXPORT_FORMAT,
        "store_id": meta.store_id,
        "since": query.since.isoformat() if query.since else None,
        "account_id": account,
        "created_at": audit_proof.canonical_time(ctx.now()),
    }
    yield AuditExportLine(kind="export", data=header)
    for row in stored:
        data = {"statement": json.loads(row.statement), "signature": row.signature}
        yield AuditExportLine(kind="checkpoint", data=data)
    exported = withheld = 0
    upto = stored[-1].last_event_id if stored else 0
    for row in _rows(ctx, after_id=previous_end, upto_id=upto) if stored else ():
        at = audit_proof.canonical_time(row.at)
        if matches(row):
            exported += 1
            event = {name: getattr(row, name) for name in ("id", "account_id", *_FIELDS)}
            event.update(at=at, before=json.loads(row.before), after=json.loads(row.after))
            yield AuditExportLine(kind="event", data=event)
        else:
            withheld += 1
            digest = audit_proof.body_digest(_body(row))
            data = {"id": row.id, "at": at, "account_id": row.account_id, "body_digest": digest}
            yield AuditExportLine(kind="withheld", data=data)
    uncovered = sum(1 for row in _rows(ctx, after_id=upto or 0) if matches(row))
    yield AuditExportLine(
        kind="end", data={"events": exported, "withheld": withheld, "uncovered": uncovered}
    )


_FIELDS = ("actor", "actor_role", "action", "target", "request_id", "ci_run", "hash")
