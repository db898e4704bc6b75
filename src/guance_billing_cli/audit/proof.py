"""What proves the audit trail: event digests, keyed links, signed checkpoints.

No store and no SQLAlchemy here: the offline verifier (``audit verify --file``) runs
this module with nothing but an export and a public key.

- An event's **entry digest** is SHA-256 over its id, time, account and the digest of
  the rest of its fields (``body_digest``). Splitting the body off lets an export
  withhold an event (one outside its filter) yet prove which account and time it had.
- An event's **link** (the stored ``hash``) is HMAC-SHA256, under the audit-chain key,
  of the previous link and the entry digest. Without the key no one can recompute it.
- A **checkpoint** is a statement signed with Ed25519: the store id, its sequence
  number, the last event id, the event count, the last link, the digest of the
  previous checkpoint, and the (16-byte) entry digests of every event since that
  previous checkpoint. A verifier holding only the public key can check any event
  against it; the audit key is needed only for the links.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from itertools import pairwise
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

GENESIS = "0" * 64
ENTRY_BYTES = 16
CHECKPOINT_FORMAT = "guance-billing-audit-checkpoint/1"
EXPORT_FORMAT = "guance-billing-audit-export/1"
# The fields an event's body digest covers, in this order.
BODY_FIELDS = (
    "actor",
    "actor_role",
    "action",
    "target",
    "before",
    "after",
    "request_id",
    "ci_run",
)


class ProofError(Exception):
    """A checkpoint or export is malformed, unsigned or inconsistent (``str`` says why)."""

    def __init__(self, message: str, *, checkpoint: str | None = None) -> None:
        super().__init__(message)
        self.checkpoint = checkpoint


# -- events ----------------------------------------------------------------------


_sha256 = hashlib.sha256
_SAFE_TOKEN = re.compile(r"[A-Za-z0-9_.:+-]*").fullmatch
_HEX64 = re.compile(r"[0-9a-f]{64}").fullmatch


def _make_compact() -> Any:
    """Compact JSON (``separators=(",", ":")``, ``ensure_ascii=False``), built once.

    ``json.dumps`` and ``JSONEncoder.encode`` build a new C encoder on every call;
    verification encodes a list per event, so the C encoder is made once here. The
    output is byte for byte that of ``JSONEncoder(separators=(",", ":"),
    ensure_ascii=False).encode`` for the flat lists of strings, ints and None used here.
    """
    from json import encoder

    c_make_encoder = getattr(encoder, "c_make_encoder", None)  # private, hence the fallback
    if c_make_encoder is None:  # pragma: no cover - CPython has it
        return json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
    make = c_make_encoder(None, None, encoder.encode_basestring, None, ":", ",", False, False, True)
    return lambda value: "".join(make(value, 0))


_compact = _make_compact()


def canonical_time(at: datetime | str) -> str:
    """One spelling of an instant: UTC, microseconds (``2026-01-02T03:04:05.000000+00:00``).

    Also takes SQLite's stored text (``2026-01-02 03:04:05.000000``, naive UTC).
    """
    if isinstance(at, str):
        if len(at) == 26 and at[10] == " ":
            return f"{at[:10]}T{at[11:]}+00:00"
        at = datetime.fromisoformat(at)
    if at.tzinfo is not UTC:
        at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return at.isoformat(timespec="microseconds")


def canonical_json_text(value: Any) -> str:
    """How ``before`` / ``after`` are stored (``services/audit.py`` writes them so)."""
    return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)


def body_digest(body: Sequence[str | None]) -> str:
    """SHA-256 over the event's fields other than id, time and account (``BODY_FIELDS``)."""
    return _sha256(_compact(list(body)).encode()).hexdigest()


def entry_digest(event_id: int, at: str, account_id: str | None, body: str) -> bytes:
    """SHA-256 over ``[id, time, account, body digest]`` (compact JSON, UTF-8)."""
    if _SAFE_TOKEN(at) and _HEX64(body):  # the usual case, spelled out: same bytes, faster
        account = (
            "null"
            if account_id is None
            else f'"{account_id}"'
            if _SAFE_TOKEN(account_id)
            else _compact(account_id)
        )
        return _sha256(f'[{int(event_id)},"{at}",{account},"{body}"]'.encode()).digest()
    return _sha256(_compact([event_id, at, account_id, body]).encode()).digest()


def link(key: bytes, previous: str, entry: bytes) -> str:
    """HMAC-SHA256 under the audit-chain key of the previous link (hex) and the entry."""
    return hmac.digest(key, previous.encode() + entry, "sha256").hex()


def linker(key: bytes) -> Callable[[str, bytes], str]:
    """``link`` with the key set up once (a copy of a keyed HMAC is cheaper than a new one)."""
    keyed = hmac.new(key, digestmod="sha256")

    def make(previous: str, entry: bytes) -> str:
        mac = keyed.copy()
        mac.update(previous.encode() + entry)
        return mac.hexdigest()

    return make


def event_body(event: dict[str, Any]) -> list[str | None]:
    """The body fields of an exported event (``before``/``after`` as parsed JSON)."""
    out: list[str | None] = []
    for name in BODY_FIELDS:
        value = event.get(name)
        out.append(canonical_json_text(value or {}) if name in ("before", "after") else value)
    return out


def exported_entry(row: dict[str, Any]) -> tuple[int, str, str | None, bytes]:
    """(id, canonical time, account, entry digest) of an export's event or withheld line."""
    event_id = row["id"]
    at = canonical_time(datetime.fromisoformat(str(row["at"]).replace("Z", "+00:00")))
    account = row.get("account_id")
    body = row["body_digest"] if row["kind"] == "withheld" else body_digest(event_body(row))
    if not isinstance(body, str) or not _HEX64(body):
        raise ValueError("body_digest is not a SHA-256 hex digest")
    return event_id, at, account, entry_digest(event_id, at, account, body)


# -- keys ------------------------------------------------------------------------


def private_key(seed: bytes) -> Ed25519PrivateKey:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.from_private_bytes(seed[:32])


def public_pem(key: Ed25519PublicKey) -> str:
    from cryptography.hazmat.primitives import serialization

    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def load_public_key(pem: str | bytes, *, where: str = "the public key") -> Ed25519PublicKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    data = pem.encode() if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError):
        raise ProofError(f"{where} is not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ProofError(f"{where} is not an Ed25519 public key")
    return key


def key_id(key: Ed25519PublicKey) -> str:
    from cryptography.hazmat.primitives import serialization

    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


# -- checkpoints -----------------------------------------------------------------


def canonical(statement: dict[str, Any]) -> bytes:
    return json.dumps(statement, sort_keys=True, separators=(",", ":")).encode()


def statement_digest(statement: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(statement)).hexdigest()


def sign(statement: dict[str, Any], key: Ed25519PrivateKey) -> str:
    return base64.b64encode(key.sign(canonical(statement))).decode()


def encode_entries(entries: Sequence[bytes]) -> str:
    return base64.b64encode(b"".join(e[:ENTRY_BYTES] for e in entries)).decode()


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint whose signature has been checked."""

    statement: dict[str, Any]
    label: str
    entries: bytes

    @cached_property
    def sequence(self) -> int:
        return int(self.statement["sequence"])

    @cached_property
    def event_count(self) -> int:
        return int(self.statement["event_count"])

    @cached_property
    def size(self) -> int:
        return len(self.entries) // ENTRY_BYTES

    @cached_property
    def first_ordinal(self) -> int:
        """Position (1-based, over the whole trail) of the first event it lists."""
        return self.event_count - self.size + 1

    def entry(self, ordinal: int) -> bytes:
        offset = (ordinal - self.first_ordinal) * ENTRY_BYTES
        return self.entries[offset : offset + ENTRY_BYTES]


def check_signed(
    statement: Any, signature: Any, key: Ed25519PublicKey, *, label: str
) -> Checkpoint:
    """Check one signed statement's shape and signature."""
    from cryptography.exceptions import InvalidSignature

    fields = ("store_id", "sequence", "event_count", "last_link", "previous_digest", "entries")
    if not isinstance(statement, dict) or statement.get("format") != CHECKPOINT_FORMAT:
        raise ProofError(f"{label} is not an audit checkpoint", checkpoint=label)
    if any(name not in statement for name in fields):
        raise ProofError(f"{label} lacks fields of a checkpoint", checkpoint=label)
    try:
        key.verify(base64.b64decode(str(signature), validate=True), canonical(statement))
        entries = base64.b64decode(str(statement["entries"]), validate=True)
    except (InvalidSignature, binascii.Error, ValueError):
        raise ProofError(
            f"{label}: the signature does not verify with the public key (forged or altered, "
            "or signed with another key)",
            checkpoint=label,
        ) from None
    if len(entries) % ENTRY_BYTES or len(entries) // ENTRY_BYTES > int(statement["event_count"]):
        raise ProofError(f"{label}: its entry list is malformed", checkpoint=label)
    return Checkpoint(statement, label, entries)


class CheckpointSet:
    """Signed checkpoints of one store, in sequence, each following the one before.

    ``expected(ordinal)`` answers what the checkpoints recorded for the event at
    that position of the trail, and which checkpoint recorded it.
    """

    def __init__(self, checkpoints: list[Checkpoint]) -> None:
        ordered = sorted(checkpoints, key=lambda c: c.sequence)
        for before, after in pairwise(ordered):
            if after.sequence == before.sequence:
                if statement_digest(after.statement) == statement_digest(before.statement):
                    continue
                raise ProofError(
                    f"{before.label} and {after.label} are two different checkpoints with "
                    f"sequence {after.sequence}: the store's checkpoint record was rewound",
                    checkpoint=after.label,
                )
            if after.sequence != before.sequence + 1:
                raise ProofError(
                    f"checkpoint {before.sequence + 1} is missing: {after.label} follows "
                    f"{before.label}",
                    checkpoint=after.label,
                )
            if after.statement["previous_digest"] != statement_digest(before.statement):
                raise ProofError(
                    f"{after.label} does not follow {before.label} (its previous_digest differs)",
                    checkpoint=after.label,
                )
            if after.first_ordinal != before.event_count + 1:
                raise ProofError(
                    f"{after.label} does not continue where {before.label} ended",
                    checkpoint=after.label,
                )
        unique: dict[int, Checkpoint] = {c.sequence: c for c in ordered}
        self.items = [unique[s] for s in sorted(unique)]
        self._starts = [c.first_ordinal for c in self.items]

    def __len__(self) -> int:
        return len(self.items)

    @property
    def first_ordinal(self) -> int:
        return self.items[0].first_ordinal if self.items else 1

    @property
    def last_ordinal(self) -> int:
        return self.items[-1].event_count if self.items else 0

    def covering(self, ordinal: int) -> Checkpoint | None:
        """The checkpoint whose entry list holds this position, if any."""
        index = bisect_right(self._starts, ordinal) - 1
        if index < 0:
            return None
        found = self.items[index]
        return found if ordinal <= found.event_count else None

    def ending_at(self, ordinal: int) -> Checkpoint | None:
        for item in self.items:
            if item.event_count == ordinal:
                return item
        return None


def load_checkpoint_text(text: str, key: Ed25519PublicKey, *, label: str) -> Checkpoint:
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise ProofError(f"{label} is not JSON", checkpoint=label) from None
    if not isinstance(data, dict):
        raise ProofError(f"{label} is not an audit checkpoint", checkpoint=label)
    return check_signed(data.get("statement"), data.get("signature"), key, label=label)


def checkpoint_file_name(statement: dict[str, Any]) -> str:
    return f"checkpoint-{statement['store_id']}-{int(statement['sequence']):08d}.json"
