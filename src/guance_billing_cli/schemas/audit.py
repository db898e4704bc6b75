"""Audit trail schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from guance_billing_cli.schemas.wire_rules import WireDatetime


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


class AuditQuery(BaseModel):
    account: str | None = None
    action: str | None = None
    since: WireDatetime | None = None  # ISO 8601; a bare number is refused (issue 12)
    until: WireDatetime | None = None


class AuditVerification(BaseModel):
    ok: bool
    checked: int
    first_bad_id: int | None = None
    problem: str | None = None
