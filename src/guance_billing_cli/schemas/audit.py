"""Audit trail schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from guance_billing_cli.schemas.wire_rules import WireDatetime, WireRequest


class AuditEventPublic(BaseModel):
    id: int
    at: datetime
    actor: str
    actor_role: str
    action: str
    target: str
    account_id: str | None
    before: dict[str, Any]
    after: dict[str, Any]
    request_id: str | None
    ci_run: str | None
    hash: str


class AuditQuery(WireRequest):
    account: str | None = None
    action: str | None = None
    since: WireDatetime | None = None  # ISO 8601; a bare number is refused (issue 12)
    until: WireDatetime | None = None


class AuditVerification(BaseModel):
    ok: bool
    checked: int
    first_bad_id: int | None = None
    problem: str | None = None
    checkpoint: str | None = None  # the checkpoint that proves the problem
    checkpoints: int = 0  # checkpoints checked against
    legacy: int = 0  # events of the unkeyed segment written before the keyed chain
    unanchored: int = 0  # events after the newest checkpoint given (keyed chain only)


class SignedCheckpoint(WireRequest):
    """A checkpoint statement and its Ed25519 signature (base64), as written to a file."""

    statement: dict[str, Any]
    signature: str
    label: str | None = None  # where it was read from, for messages; not signed


class AuditVerifyRequest(WireRequest):
    checkpoints: list[SignedCheckpoint] = []  # noqa: RUF012 (a pydantic field)
    public_key: str | None = None  # PEM; default: the store's own signing key


class AuditPublicKey(BaseModel):
    pem: str
    key_id: str


class AuditExportQuery(WireRequest):
    account: str | None = None
    since: WireDatetime | None = None


class AuditExportLine(BaseModel):
    """One line of an export: ``{"kind": kind, **data}`` (see ``audit_offline``)."""

    kind: str
    data: dict[str, Any]
