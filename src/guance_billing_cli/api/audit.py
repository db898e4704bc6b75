"""The audit trail: events, signed checkpoints, export (issues 7, 16), declared once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol

from guance_billing_cli.api.declare import READ, WRITE, operation

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
    @operation(
        "GET",
        "/v1/audit/events",
        tx=READ,
        service="audit:list_events",
        command="audit list",
        description="List audit events, filtered, as pages.",
    )
    def list_audit_events(self, query: AuditQuery) -> Iterator[AuditEventPublic]: ...

    @operation(
        "POST",
        "/v1/audit/verify",
        large_body=True,  # every checkpoint: about 2 MB per 100,000 events
        tx=READ,
        service="audit_proofs:verify_chain",
        command="audit verify",
        description="Verify the audit chain against signed checkpoints.",
    )
    def verify_audit(self, request: AuditVerifyRequest) -> AuditVerification: ...

    @operation(
        "POST",
        "/v1/audit/checkpoints",
        tx=WRITE,
        service="audit_proofs:write_checkpoint",
        description="Sign a checkpoint of the audit chain's current head.",
    )
    def write_audit_checkpoint(self) -> SignedCheckpoint: ...

    @operation(
        "GET",
        "/v1/audit/public-key",
        tx=READ,
        service="audit_proofs:public_key",
        description="The public key that verifies audit checkpoints.",
    )
    def audit_public_key(self) -> AuditPublicKey: ...

    @operation(
        "GET",
        "/v1/audit/export",
        tx=READ,
        service="audit_proofs:export_events",
        description="Export the audit trail for offline verification, as pages (or NDJSON).",
    )
    def export_audit(self, query: AuditExportQuery) -> Iterator[AuditExportLine]: ...
