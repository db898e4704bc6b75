"""Real-name authentication: submit, review, show; the licence file store.

States: ``unverified → pending → approved | rejected``. A rejected submission can
be resubmitted; an approved one is replaced only with ``replace`` (back to
pending). Every submission is kept as a row (``revision`` 1, 2, ...); the highest
revision is current and ``Account.realname_status`` mirrors its status.
The full resident ID number is stored but leaves this module only masked.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from guance_billing_cli import paths
from guance_billing_cli.errors import InvalidInput, RuleViolation
from guance_billing_cli.schemas import masking
from guance_billing_cli.schemas.realname import (
    MAX_LICENSE_BYTES,
    REALNAME_TYPES,
    LicenseInfo,
    LicenseUpload,
    RealnamePublic,
    RealnameReview,
    RealnameSubmit,
)
from guance_billing_cli.services import audit, authz, validation
from guance_billing_cli.services.accounts import find_account
from guance_billing_cli.services.context import ServiceContext
from guance_billing_cli.services.credentials import lock_account
from guance_billing_cli.services.ids import new_id
from guance_billing_cli.services.rows import view
from guance_billing_cli.store.models import Account, RealnameSubmission

NAME_MAX = 128
REASON_MAX = 500
# Accepted licence scans, recognised by content, not by file name.
MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", ".png"),
    (b"\xff\xd8\xff", ".jpg"),
    (b"%PDF-", ".pdf"),
)


def mask_id_number(value: str | None) -> str | None:
    return masking.mask_id_number(value) if value else value


def current(ctx: ServiceContext, account_id: str) -> RealnameSubmission | None:
    stmt = (
        select(RealnameSubmission)
        .where(RealnameSubmission.account_id == account_id)
        .order_by(col(RealnameSubmission.revision).desc())
        .limit(1)
    )
    return ctx.session.exec(stmt).first()


def approved(ctx: ServiceContext, account_id: str) -> RealnameSubmission | None:
    """The account's authentication if it is currently approved, else ``None``.

    Other domains (invoices, moving workspaces between accounts) gate on this."""
    sub = current(ctx, account_id)
    return sub if sub is not None and sub.status == "approved" else None


def to_public(account: Account, sub: RealnameSubmission | None) -> RealnamePublic:
    if sub is None:
        return RealnamePublic(account_id=account.id, status=account.realname_status)
    license_info = None
    if sub.license_sha256 is not None:
        license_info = LicenseInfo(
            name=sub.license_name or "", size=sub.license_size or 0, sha256=sub.license_sha256
        )
    return view(
        RealnamePublic,
        sub,
        account_id=account.id,
        id_number=mask_id_number(sub.id_number),
        license=license_info,
    )


def _snapshot(sub: RealnameSubmission | None) -> dict[str, Any]:
    """Audit view (``audit.redact`` masks ``id_number`` as well)."""
    if sub is None:
        return {"status": "unverified"}
    return {
        "revision": sub.revision,
        "status": sub.status,
        "type": sub.type,
        "name": sub.name,
        "tax_id": sub.tax_id,
        "id_number": mask_id_number(sub.id_number),
        "reason": sub.reason,
        "license_sha256": sub.license_sha256,
    }


def get(ctx: ServiceContext, *, ref: str) -> RealnamePublic:
    account = find_account(ctx, ref)
    return to_public(account, current(ctx, account.id))


def _name(value: str) -> str:
    value = value.strip()
    if not value:
        raise InvalidInput("required", field="name")
    validation.plain(value, "name")
    if len(value) > NAME_MAX:
        raise InvalidInput("too_long", field="name", limit=NAME_MAX)
    return value


def license_extension(content: bytes) -> str:
    """``.png``, ``.jpg`` or ``.pdf`` from the magic bytes; InvalidInput otherwise."""
    if not content:
        raise InvalidInput("license_empty", field="license")
    if len(content) > MAX_LICENSE_BYTES:
        raise InvalidInput(
            "license_too_large", field="license", limit=MAX_LICENSE_BYTES // (1024 * 1024)
        )
    for magic, ext in MAGIC:
        if content.startswith(magic):
            return ext
    raise InvalidInput("license_type", field="license")


def _store_license(account_id: str, upload: LicenseUpload) -> tuple[str, int, str, str]:
    """Copy the licence into the data home (dir 0700, file 0600): name, size, sha256, path."""
    content = upload.content()
    ext = license_extension(content)
    name = os.path.basename(upload.filename.replace("\\", "/")).strip() or f"license{ext}"
    if len(name) > 255 or validation.hidden_problem(name, "license") is not None:
        raise InvalidInput("license_name", field="license")
    digest = hashlib.sha256(content).hexdigest()
    folder = paths.ensure_private_dir(paths.data_dir() / "licenses" / account_id)
    target = folder / f"{digest}{ext}"
    if not target.exists():
        tmp = folder / f".{digest}.tmp"
        fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
        os.replace(tmp, target)
    os.chmod(target, 0o600)
    return name, len(content), digest, str(Path(target))


def _clean_submission(data: RealnameSubmit) -> dict[str, Any]:
    kind = data.type.strip().lower()
    if kind not in REALNAME_TYPES:
        raise InvalidInput("not_one_of", field="type", choices=list(REALNAME_TYPES))
    fields: dict[str, Any] = {"type": kind, "name": _name(data.name)}
    if kind == "enterprise":
        if data.id_number is not None:
            raise InvalidInput(
                "goes_with", field="id_number", other_field="type", value="individual"
            )
        if data.tax_id is None:
            raise InvalidInput(
                "required_with", field="tax_id", other_field="type", value="enterprise"
            )
        fields["tax_id"] = validation.tax_id(data.tax_id)
    else:
        if data.tax_id is not None:
            raise InvalidInput("goes_with", field="tax_id", other_field="type", value="enterprise")
        if data.license is not None:
            raise InvalidInput("goes_with", field="license", other_field="type", value="enterprise")
        if data.id_number is None:
            raise InvalidInput(
                "required_with", field="id_number", other_field="type", value="individual"
            )
        fields["id_number"] = validation.resident_id(data.id_number)
    return fields


def submit(ctx: ServiceContext, *, ref: str, data: RealnameSubmit) -> RealnamePublic:
    fields = _clean_submission(data)
    if data.license is not None:
        license_extension(data.license.content())  # refuse a bad file before any rule
    account = lock_account(ctx, find_account(ctx, ref))
    previous = current(ctx, account.id)
    if previous is not None and previous.status == "pending":
        raise RuleViolation("realname_pending", field="status", next_step="review_realname")
    if previous is not None and previous.status == "approved" and not data.replace:
        raise RuleViolation("realname_approved", field="replace")
    sub = RealnameSubmission(
        id=new_id("rn"),
        account_id=account.id,
        revision=(previous.revision + 1) if previous is not None else 1,
        status="pending",
        submitted_at=ctx.now(),
        **fields,
    )
    if data.license is not None:
        name, size, digest, path = _store_license(account.id, data.license)
        sub.license_name, sub.license_size = name, size
        sub.license_sha256, sub.license_path = digest, path
    ctx.session.add(sub)
    _sync_account(ctx, account, "pending")
    audit.record_on(
        ctx, account, "realname.submit", before=_snapshot(previous), after=_snapshot(sub)
    )
    return to_public(account, sub)


def _sync_account(ctx: ServiceContext, account: Account, status: str) -> None:
    account.realname_status = status
    account.updated_at = ctx.now()
    ctx.session.add(account)


def review(ctx: ServiceContext, *, ref: str, data: RealnameReview) -> RealnamePublic:
    authz.require_support(ctx.actor, "review_realname")
    reason = (data.reason or "").strip() or None
    if data.decision == "reject":
        if reason is None:
            raise InvalidInput("required_with_option", field="reason", other_field="reject")
        validation.plain(reason, "reason")
        if len(reason) > REASON_MAX:
            raise InvalidInput("too_long", field="reason", limit=REASON_MAX)
    elif reason is not None:
        raise InvalidInput("goes_with_option", field="reason", other_field="reject")
    account = lock_account(ctx, find_account(ctx, ref))
    sub = current(ctx, account.id)
    if sub is None or sub.status != "pending":
        status = sub.status if sub is not None else "unverified"
        raise RuleViolation("nothing_to_review", field="status", status=status)
    before = _snapshot(sub)
    sub.status = "approved" if data.decision == "approve" else "rejected"
    sub.reason = reason
    sub.reviewed_at = ctx.now()
    sub.reviewed_by = ctx.actor.name
    ctx.session.add(sub)
    _sync_account(ctx, account, sub.status)
    old, new = audit.changed(before, _snapshot(sub))
    audit.record_on(ctx, account, f"realname.{data.decision}", before=old, after=new)
    return to_public(account, sub)
