"""Offline verification of an audit export: the export file and a public key, nothing else.

An export (``audit export``) is JSON lines: a header, the signed checkpoints that
cover the exported events, then one line per event of those checkpoints in order —
``event`` with every field when it matches the export's filter, ``withheld`` with
only its id, time, account and body digest when it does not — and a trailer.

What a pass proves (no store, no secret key): every checkpoint was signed by the
holder of the signing key and they follow one another; every ``event`` line is,
field for field, the event the store held at that position when the checkpoint was
signed; no event of the covered stretch was dropped, added or reordered; every
``withheld`` event lies outside the stated filter (its time and account are bound
into its digest); the file is whole: its ``end`` line is there, last, and counts
the events and withheld lines it holds (the trailer is not signed, so a file cut
after any event, or with its trailer removed or edited, is rejected rather than
passed). It does not check the HMAC links (that needs the audit key) and
says nothing about events after the newest checkpoint in the export.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from guance_billing_cli.audit.proof import (
    ENTRY_BYTES,
    EXPORT_FORMAT,
    CheckpointSet,
    ProofError,
    canonical_time,
    check_signed,
    exported_entry,
    key_id,
)

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


@dataclass
class ExportCheck:
    ok: bool = True
    store_id: str | None = None
    key_id: str | None = None
    filter: dict[str, Any] = field(default_factory=dict)
    checkpoints: int = 0
    events: int = 0
    withheld: int = 0
    first_event_id: int | None = None
    last_event_id: int | None = None
    uncovered: int | None = None
    first_bad_id: int | None = None
    checkpoint: str | None = None
    problem: str | None = None

    def fail(self, problem: str, *, event_id: int | None, checkpoint: str | None) -> ExportCheck:
        self.ok, self.problem, self.first_bad_id, self.checkpoint = (
            False,
            problem,
            event_id,
            checkpoint,
        )
        return self


def _lines(lines: Iterable[str]) -> Iterable[tuple[int, dict[str, Any]]]:
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            raise ProofError(f"line {number} is not JSON") from None
        if not isinstance(data, dict) or "kind" not in data:
            raise ProofError(f"line {number} is not an audit export line")
        yield number, data


def _in_filter(row: dict[str, Any], at: str, since: str | None, account: str | None) -> bool:
    if account is not None and row.get("account_id") != account:
        return False
    return since is None or at >= since


def verify_export(lines: Iterable[str], public_key: Ed25519PublicKey) -> ExportCheck:
    """Check an export; ``ProofError`` for a file that is not a well-formed export."""
    result = ExportCheck(key_id=key_id(public_key))
    stream = iter(_lines(lines))
    number, header = next(stream, (0, {}))
    if header.get("kind") != "export" or header.get("format") != EXPORT_FORMAT:
        raise ProofError("the file is not an audit export (no export header on line 1)")
    result.store_id = header.get("store_id")
    since_value = header.get("since")
    since = (
        canonical_time(datetime.fromisoformat(str(since_value).replace("Z", "+00:00")))
        if since_value
        else None
    )
    account = header.get("account_id")
    result.filter = {"since": since_value, "account_id": account}
    signed = []
    pending: list[tuple[int, dict[str, Any]]] = []
    for number, data in stream:
        if data["kind"] == "checkpoint":
            label = f"checkpoint {data.get('statement', {}).get('sequence', '?')}"
            signed.append(
                check_signed(data.get("statement"), data.get("signature"), public_key, label=label)
            )
            if signed[-1].statement["store_id"] != result.store_id:
                raise ProofError(f"{label} belongs to another store", checkpoint=label)
            continue
        pending.append((number, data))
        break
    checkpoints = CheckpointSet(signed)
    result.checkpoints = len(checkpoints)
    if not len(checkpoints):
        return result.fail(
            "the export holds no checkpoint, so nothing in it can be proven",
            event_id=None,
            checkpoint=None,
        )
    ordinal = checkpoints.first_ordinal
    previous_id = 0
    trailer: dict[str, Any] | None = None
    for number, data in _chain(pending, stream):
        if data["kind"] == "end":
            trailer = data
            extra = next(stream, None)
            if extra is not None:
                raise ProofError(f"line {extra[0]}: a line after the export's end")
            break
        if data["kind"] not in ("event", "withheld"):
            raise ProofError(f"line {number}: unexpected {data['kind']!r} line")
        try:
            event_id, at, _account, entry = exported_entry(data)
        except (KeyError, TypeError, ValueError):
            raise ProofError(f"line {number}: malformed {data['kind']} line") from None
        cover = checkpoints.covering(ordinal)
        if cover is None:
            return result.fail(
                f"event {event_id} lies beyond the newest checkpoint in the export",
                event_id=event_id,
                checkpoint=None,
            )
        if event_id <= previous_id or cover.entry(ordinal) != entry[:ENTRY_BYTES]:
            return result.fail(
                f"event {event_id} is not what {cover.label} recorded at its position "
                "(edited, inserted, removed or reordered after the checkpoint was signed)",
                event_id=event_id,
                checkpoint=cover.label,
            )
        if data["kind"] == "withheld":
            if _in_filter(data, at, since, account):
                return result.fail(
                    f"event {event_id} was withheld although it matches the export's filter",
                    event_id=event_id,
                    checkpoint=cover.label,
                )
            result.withheld += 1
        else:
            result.events += 1
            result.first_event_id = result.first_event_id or event_id
            result.last_event_id = event_id
        previous_id = event_id
        ordinal += 1
    if ordinal - 1 != checkpoints.last_ordinal:
        last = checkpoints.items[-1]
        return result.fail(
            f"events are missing after event {previous_id}: {last.label} lists "
            f"{checkpoints.last_ordinal - ordinal + 1} more",
            event_id=previous_id + 1,
            checkpoint=checkpoints.covering(ordinal).label  # type: ignore[union-attr]
            if checkpoints.covering(ordinal)
            else last.label,
        )
    return _check_trailer(result, trailer)


def _check_trailer(result: ExportCheck, trailer: dict[str, Any] | None) -> ExportCheck:
    """An export is whole or rejected: the ``end`` line must be there and count what
    the file holds (a file cut after an event, or a trailer edited to hide that events
    were left out, fails)."""
    if trailer is None:
        return result.fail(
            "the export has no end line: it was cut short or its trailer removed",
            event_id=None,
            checkpoint=None,
        )
    counts = {"events": result.events, "withheld": result.withheld}
    for name, counted in counts.items():
        stated = trailer.get(name)
        if type(stated) is not int or stated != counted:
            return result.fail(
                f"the end line says {stated!r} {name} but the export holds {counted}",
                event_id=None,
                checkpoint=None,
            )
    uncovered = trailer.get("uncovered")
    if type(uncovered) is not int or uncovered < 0:
        return result.fail(
            f"the end line's uncovered count {uncovered!r} is not a count",
            event_id=None,
            checkpoint=None,
        )
    result.uncovered = uncovered
    return result


def _chain(
    first: list[tuple[int, dict[str, Any]]], rest: Iterable[tuple[int, dict[str, Any]]]
) -> Iterable[tuple[int, dict[str, Any]]]:
    yield from first
    yield from rest
