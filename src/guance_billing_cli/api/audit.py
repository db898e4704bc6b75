"""The audit trail: events, signed checkpoints, export (issues 7, 16), declared once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol

from guance_billing_cli.api.declare import READ, operation

if TYPE_CHECKING:
    from guance_billing_cli.schemas.audit import (
        AuditEventPublic,
        AuditExportLine,
        AuditExportQuery,
        AuditPublicKey,
        AuditQuery,
        AuditVerification,
        AuditVerifyRequest,
        SignedCheckpoint,
    )

#: the schema modules the annotations below name (read when an operation is described)
SCHEMAS = ("audit",)


class Audit(Protocol):
    # one declaration, one or two lines: route and service, then the rest (api/declare.py)
    # fmt: off
    @operation("GET /v1/audit/events", "audit:list_events", command="audit list")
    def list_audit_events(self, query: AuditQuery) -> Iterator[AuditEventPublic]:
        """List audit events, filtered, as pages."""

    # large_body: every checkpoint, about 2 MB per 100,000 events
    @operation("POST /v1/audit/verify", "audit_proofs:verify_chain", READ,
               large_body=True, command="audit verify")
    def verify_audit(self, request: AuditVerifyRequest) -> AuditVerification:
        """Verify the audit chain against signed checkpoints."""

    @operation("POST /v1/audit/checkpoints", "audit_proofs:write_checkpoint")
    def write_audit_checkpoint(self) -> SignedCheckpoint:
        """Sign a checkpoint of the audit chain's current head."""

    @operation("GET /v1/audit/public-key", "audit_proofs:public_key")
    def audit_public_key(self) -> AuditPublicKey:
        """The public key that verifies audit checkpoints."""

    @operation("GET /v1/audit/export", "audit_proofs:export_events")
    def export_audit(self, query: AuditExportQuery) -> Iterator[AuditExportLine]:
        """Export the audit trail for offline verification, as pages (or NDJSON)."""
