"""Invoices: titles, mailing addresses and invoice requests, gated on real-name.

Rules: a title must equal the approved real-name authentication (its name, and
for an enterprise its tax id); ``vat_special`` needs the bank and registration
details; a request needs an approved authentication at the moment it is made and
a title that still matches it. Amounts are ``Decimal`` with two places, stored as
integer cents.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from sqlmodel import col, select

from guance_billing_cli.errors import InvalidInput, NotFound, RuleViolation
from guance_billing_cli.schemas.invoices import (
    INVOICE_TYPES,
    InvoiceAddressCreate,
    InvoiceAddressPublic,
    InvoiceAddressUpdate,
    InvoiceRequestCreate,
    InvoiceRequestPublic,
    InvoiceTitleCreate,
    InvoiceTitlePublic,
    InvoiceTitleUpdate,
)
from guance_billing_cli.services import audit, authz, locking, realname, validation
from guance_billing_cli.services.account_lookup import Owned, find_owned
from guance_billing_cli.services.accounts import find_account
from guance_billing_cli.services.context import ServiceContext
from guance_billing_cli.services.ids import new_id
from guance_billing_cli.store.models import (
    Account,
    InvoiceAddress,
    InvoiceRequest,
    InvoiceTitle,
    RealnameSubmission,
)

MAX_AMOUNT = Decimal("9999999999.99")
CENTS = Decimal("0.01")
SPECIAL_FIELDS = ("bank_name", "bank_account", "address", "phone")
LIMITS = {
    "title": 128,
    "bank_name": 128,
    "address": 256,
    "recipient": 64,
}
BANK_ACCOUNT_RE = re.compile(r"^[0-9][0-9 -]{4,38}[0-9]$")
LANDLINE_RE = re.compile(r"^\+?[0-9][0-9 ()-]{4,30}$")
# What to do next, by real-name status, for the refusal message.
# realname status -> (reason, the operation that helps next)
REALNAME_FIX: dict[str, tuple[str, str | None]] = {
    "unverified": ("realname_required_unverified", "submit_realname"),
    "pending": ("realname_required_pending", "review_realname"),
    "rejected": ("realname_required_rejected", "submit_realname"),
}


# -- validation -----------------------------------------------------------------
def _text(value: str | None, field: str, *, required: bool) -> str | None:
    value = (value or "").strip()
    if not value:
        if required:
            raise InvalidInput("required", field=field)
        return None
    validation.plain(value, field)
    if len(value) > LIMITS[field]:
        raise InvalidInput("too_long", field=field, limit=LIMITS[field])
    return value


def _required(value: str | None, field: str) -> str:
    text = _text(value, field, required=True)
    assert text is not None  # _text raised for a blank required value
    return text


# A plain decimal: ASCII digits, an optional point and at most two places. No
# exponent (1e3), no underscores (1_000), no other scripts' digits, no sign.
_AMOUNT = re.compile(r"[0-9]+(?:\.[0-9]{1,2})?|\.[0-9]{1,2}", re.ASCII)


def parse_amount(value: str | Decimal) -> Decimal:
    """A positive amount with at most two decimal places, returned with exactly two."""
    text = str(value).strip()
    if text.startswith("-") and _AMOUNT.fullmatch(text[1:]):
        raise InvalidInput("amount_not_positive", field="amount")
    if not _AMOUNT.fullmatch(text):
        if re.fullmatch(r"[0-9]*\.[0-9]{3,}", text, re.ASCII):
            raise InvalidInput("amount_precision", field="amount")
        raise InvalidInput("amount_not_a_number", field="amount")
    amount = Decimal(text)
    if amount <= 0:
        raise InvalidInput("amount_not_positive", field="amount")
    if amount > MAX_AMOUNT:  # before quantize: a huge value overflows the context
        raise InvalidInput("amount_too_large", field="amount", limit=str(MAX_AMOUNT))
    if amount != amount.quantize(CENTS):
        raise InvalidInput("amount_precision", field="amount")
    return amount.quantize(CENTS)


def _title_fields(data: InvoiceTitleCreate) -> dict[str, Any]:
    kind = data.type.strip().lower()
    if kind not in INVOICE_TYPES:
        raise InvalidInput("not_one_of", field="type", choices=list(INVOICE_TYPES))
    fields: dict[str, Any] = {
        "type": kind,
        "title": _required(data.title, "title"),
        "tax_id": validation.tax_id(data.tax_id) if data.tax_id else None,
        "bank_name": _text(data.bank_name, "bank_name", required=False),
        "bank_account": None,
        "address": _text(data.address, "address", required=False),
        "phone": None,
    }
    if data.bank_account and data.bank_account.strip():
        account_no = data.bank_account.strip()
        if not BANK_ACCOUNT_RE.fullmatch(account_no):
            raise InvalidInput("invalid_bank_account", field="bank_account")
        fields["bank_account"] = account_no
    if data.phone and data.phone.strip():
        phone = data.phone.strip()
        if not LANDLINE_RE.fullmatch(phone):
            raise InvalidInput("invalid_telephone", field="phone")
        fields["phone"] = phone
    if kind == "vat_special":
        missing = [name for name in SPECIAL_FIELDS if not fields[name]]
        if missing:
            raise InvalidInput("vat_special_needs", field=missing[0], fields=missing)
    return fields


# -- the real-name gate -----------------------------------------------------------
def _require_realname(ctx: ServiceContext, account: Account, operation: str) -> RealnameSubmission:
    auth = realname.approved(ctx, account.id)
    if auth is None:
        status = account.realname_status
        raise RuleViolation(
            REALNAME_FIX.get(status, ("realname_required", None))[0],
            field="realname_status",
            operation=operation,
            realname_status=status,
            next_step=REALNAME_FIX.get(status, ("", None))[1],
        )
    return auth


def _check_title_matches(
    auth: RealnameSubmission, *, kind: str, title: str, tax_id: str | None
) -> None:
    if title != auth.name:
        raise RuleViolation("title_must_match_name", field="title", name=auth.name)
    if auth.type == "enterprise":
        if tax_id != auth.tax_id:
            raise RuleViolation("title_must_match_tax_id", field="tax_id", tax_id=auth.tax_id)
    else:
        if tax_id is not None:
            raise RuleViolation("individual_has_no_tax_id", field="tax_id")
        if kind == "vat_special":
            raise RuleViolation("vat_special_needs_enterprise", field="type")


# -- titles -----------------------------------------------------------------------
def _title_public(row: InvoiceTitle) -> InvoiceTitlePublic:
    return InvoiceTitlePublic.model_validate(row, from_attributes=True)


def add_title(ctx: ServiceContext, *, ref: str, data: InvoiceTitleCreate) -> InvoiceTitlePublic:
    fields = _title_fields(data)
    account = find_account(ctx, ref)
    auth = _require_realname(ctx, account, "add_invoice_title")
    _check_title_matches(auth, kind=fields["type"], title=fields["title"], tax_id=fields["tax_id"])
    row = InvoiceTitle(id=new_id("ttl"), account_id=account.id, created_at=ctx.now(), **fields)
    ctx.session.add(row)
    audit.record_on(ctx, row, "invoice.title_add", after=fields)
    return _title_public(row)


def _kept(ctx: ServiceContext, model: Any, ref: str) -> Iterator[Any]:
    """The account's titles or addresses that are not deleted, oldest first."""
    account = find_account(ctx, ref)
    yield from ctx.session.exec(
        select(model)
        .where(model.account_id == account.id, col(model.deleted_at).is_(None))
        .order_by(col(model.created_at), col(model.id))
    )


def list_titles(ctx: ServiceContext, *, ref: str) -> Iterator[InvoiceTitlePublic]:
    for row in _kept(ctx, InvoiceTitle, ref):
        yield _title_public(row)


# -- addresses ----------------------------------------------------------------------
def _address_public(row: InvoiceAddress) -> InvoiceAddressPublic:
    return InvoiceAddressPublic.model_validate(row, from_attributes=True)


def add_address(
    ctx: ServiceContext, *, ref: str, data: InvoiceAddressCreate
) -> InvoiceAddressPublic:
    fields = _address_fields(data.model_dump())
    account = find_account(ctx, ref)
    row = InvoiceAddress(id=new_id("adr"), account_id=account.id, created_at=ctx.now(), **fields)
    ctx.session.add(row)
    audit.record_on(ctx, row, "invoice.address_add", after=fields)
    return _address_public(row)


def _address_fields(values: dict[str, Any]) -> dict[str, Any]:
    return {
        "recipient": _required(values["recipient"], "recipient"),
        "phone": validation.phone(values["phone"]),
        "email": validation.email(values["email"]),
        "address": _required(values["address"], "address"),
    }


def list_addresses(ctx: ServiceContext, *, ref: str) -> Iterator[InvoiceAddressPublic]:
    for row in _kept(ctx, InvoiceAddress, ref):
        yield _address_public(row)


# -- requests -----------------------------------------------------------------------
#: request snapshot column -> the title's column it copies
_TITLE_SNAPSHOT = {
    "title_type": "type",
    "title_text": "title",
    "title_tax_id": "tax_id",
    "title_bank_name": "bank_name",
    "title_bank_account": "bank_account",
    "title_address": "address",
    "title_phone": "phone",
}
#: request snapshot column -> the mailing address's column it copies
_ADDRESS_SNAPSHOT = {
    "mail_recipient": "recipient",
    "mail_phone": "phone",
    "mail_email": "email",
    "mail_address": "address",
}


def _snapshot(title: InvoiceTitle, address: InvoiceAddress) -> dict[str, Any]:
    """The title's and the address's values as the request is made."""
    return {
        **{column: getattr(title, source) for column, source in _TITLE_SNAPSHOT.items()},
        **{column: getattr(address, source) for column, source in _ADDRESS_SNAPSHOT.items()},
    }


def _request_public(row: InvoiceRequest) -> InvoiceRequestPublic:
    """The request as it was made: its own copy of the title and the address."""
    return InvoiceRequestPublic(
        id=row.id,
        account_id=row.account_id,
        status=row.status,
        amount=(Decimal(row.amount_cents) / 100).quantize(CENTS),
        type=row.title_type or "",
        title_id=row.title_id,
        title=row.title_text or "",
        address_id=row.address_id,
        created_at=row.created_at,
        cancelled_at=row.cancelled_at,
        tax_id=row.title_tax_id,
        bank_name=row.title_bank_name,
        bank_account=row.title_bank_account,
        registered_address=row.title_address,
        registered_phone=row.title_phone,
        recipient=row.mail_recipient,
        recipient_phone=row.mail_phone,
        recipient_email=row.mail_email,
        mailing_address=row.mail_address,
    )


def _owned(ctx: ServiceContext, model: Any, object_id: str, account: Account, what: str) -> Any:
    row = ctx.session.get(model, object_id.strip())
    if row is None or row.account_id != account.id or getattr(row, "deleted_at", None):
        # Another account's object is reported as missing: ids do not leak across accounts.
        raise NotFound("not_on_account", field=what, value=object_id, username=account.username)
    return row


def request(ctx: ServiceContext, *, ref: str, data: InvoiceRequestCreate) -> InvoiceRequestPublic:
    amount = parse_amount(data.amount)
    account = find_account(ctx, ref)
    locking.hold_accounts(ctx, [account.id])  # its title, address and real name until commit
    auth = _require_realname(ctx, account, "request_invoice")
    title: InvoiceTitle = _owned(ctx, InvoiceTitle, data.title_id, account, "title_id")
    address: InvoiceAddress = _owned(ctx, InvoiceAddress, data.address_id, account, "address_id")
    try:
        _check_title_matches(auth, kind=title.type, title=title.title, tax_id=title.tax_id)
    except RuleViolation as exc:
        raise RuleViolation(
            "title_no_longer_matches",
            field="title_id",
            title_id=title.id,
            why=exc.message,
            why_code=exc.reason,
            why_params={**exc.params, "field": exc.field},
            next_step="add_invoice_title",
        ) from None
    row = InvoiceRequest(
        id=new_id("inv"),
        account_id=account.id,
        title_id=title.id,
        address_id=address.id,
        amount_cents=int(amount * 100),
        status="pending",
        created_at=ctx.now(),
        **_snapshot(title, address),
    )
    ctx.session.add(row)
    audit.record_on(
        ctx,
        row,
        "invoice.request",
        after={
            "title_id": title.id,
            "address_id": address.id,
            "amount": str(amount),
            "status": row.status,
        },
    )
    return _request_public(row)


def list_requests(ctx: ServiceContext, *, ref: str) -> Iterator[InvoiceRequestPublic]:
    account = find_account(ctx, ref)
    stmt = (
        select(InvoiceRequest)
        .where(InvoiceRequest.account_id == account.id)
        .order_by(col(InvoiceRequest.created_at), col(InvoiceRequest.id))
    )
    for row in ctx.session.exec(stmt):
        yield _request_public(row)


# -- upkeep (issue 15): update or delete titles and addresses, show or cancel requests --
_OWNED: dict[Any, Owned[Any]] = {  # the reasons: i18n/errors.py
    InvoiceTitle: Owned(InvoiceTitle, "invoice_title_not_found", "invoice_title_not_in_account"),
    InvoiceAddress: Owned(
        InvoiceAddress, "invoice_address_not_found", "invoice_address_not_in_account"
    ),
    InvoiceRequest: Owned(
        InvoiceRequest, "invoice_request_not_found", "invoice_request_not_in_account"
    ),
}


def _find(ctx: ServiceContext, model: Any, object_id: str, account_ref: str | None) -> Any:
    """A title, address or request by id; a given ``--account`` must own it (else exit 3)."""
    row = find_owned(ctx, _OWNED[model], object_id, account_ref)
    authz.require_account_access(ctx.actor, row.account_id)
    return row


def _pending_use(ctx: ServiceContext, column: Any, object_id: str) -> str | None:
    stmt = select(InvoiceRequest.id).where(column == object_id, InvoiceRequest.status == "pending")
    return ctx.session.exec(stmt).first()


_TITLE_COLUMNS = ("type", "title", "tax_id", "bank_name", "bank_account", "address", "phone")


def update_title(
    ctx: ServiceContext, *, title_id: str, data: InvoiceTitleUpdate, account: str | None = None
) -> InvoiceTitlePublic:
    """Change a title: the same checks as adding one (real-name gate, title rule)."""
    row: InvoiceTitle = _find(ctx, InvoiceTitle, title_id, account)
    before = {name: getattr(row, name) for name in _TITLE_COLUMNS}
    merged = {**before, **data.changes()}
    fields = _title_fields(InvoiceTitleCreate(**merged))
    owner = ctx.session.get(Account, row.account_id)
    assert owner is not None
    auth = _require_realname(ctx, owner, "an invoice title")
    _check_title_matches(auth, kind=fields["type"], title=fields["title"], tax_id=fields["tax_id"])
    if fields == before:
        return _title_public(row)
    for name, value in fields.items():
        setattr(row, name, value)
    ctx.session.add(row)
    changed = {k: v for k, v in fields.items() if before[k] != v}
    audit.record_on(
        ctx, row, "invoice.title_update", before={k: before[k] for k in changed}, after=changed
    )
    return _title_public(row)


#: deleting a title or an address: the request column that uses it, the reason when a
#: pending request does, the event, and the fields the event keeps
_DELETE: dict[Any, tuple[Any, str, str, tuple[str, ...]]] = {
    InvoiceTitle: (
        InvoiceRequest.title_id,
        "title_in_use",
        "invoice.title_delete",
        ("title", "type"),
    ),
    InvoiceAddress: (
        InvoiceRequest.address_id,
        "address_in_use",
        "invoice.address_delete",
        ("recipient",),
    ),
}


def _delete(ctx: ServiceContext, model: Any, object_id: str, account_ref: str | None) -> Any:
    """Mark a title or address deleted (kept for past requests, hidden from lists) unless a
    pending request uses it."""
    column, in_use, action, kept = _DELETE[model]
    row = _find(ctx, model, object_id, account_ref)
    pending = _pending_use(ctx, col(column), row.id)
    if pending is not None:
        raise RuleViolation(in_use, ref=row.id, request_id=pending, next_step="cancel_invoice")
    row.deleted_at = ctx.now()
    ctx.session.add(row)
    audit.record_on(ctx, row, action, before={name: getattr(row, name) for name in kept})
    return row


def delete_title(
    ctx: ServiceContext, *, title_id: str, account: str | None = None
) -> InvoiceTitlePublic:
    """Delete a title no pending request uses (kept for past requests, hidden from lists)."""
    return _title_public(_delete(ctx, InvoiceTitle, title_id, account))


def update_address(
    ctx: ServiceContext,
    *,
    address_id: str,
    data: InvoiceAddressUpdate,
    account: str | None = None,
) -> InvoiceAddressPublic:
    """Change a mailing address: the same checks as adding one."""
    row: InvoiceAddress = _find(ctx, InvoiceAddress, address_id, account)
    current = {"recipient": row.recipient, "phone": row.phone, "email": row.email,
               "address": row.address}  # fmt: skip
    fields = _address_fields({**current, **data.changes()})
    changed = {k: v for k, v in fields.items() if current[k] != v}
    if not changed:
        return _address_public(row)
    for name, value in changed.items():
        setattr(row, name, value)
    ctx.session.add(row)
    audit.record_on(
        ctx, row, "invoice.address_update", before={k: current[k] for k in changed}, after=changed
    )
    return _address_public(row)


def delete_address(
    ctx: ServiceContext, *, address_id: str, account: str | None = None
) -> InvoiceAddressPublic:
    """Delete a mailing address no pending request uses."""
    return _address_public(_delete(ctx, InvoiceAddress, address_id, account))


def get_request(
    ctx: ServiceContext, *, request_id: str, account: str | None = None
) -> InvoiceRequestPublic:
    row: InvoiceRequest = _find(ctx, InvoiceRequest, request_id, account)
    return _request_public(row)


def cancel_request(
    ctx: ServiceContext, *, request_id: str, account: str | None = None
) -> InvoiceRequestPublic:
    """Cancel a pending request; cancelling it again changes nothing."""
    row: InvoiceRequest = _find(ctx, InvoiceRequest, request_id, account)
    locking.hold_accounts(ctx, [row.account_id])  # one cancel at a time: one event
    if row.status == "cancelled":
        return _request_public(row)
    if row.status != "pending":
        raise RuleViolation("only_pending_cancellable", request_id=row.id, status=row.status)
    row.status = "cancelled"
    row.cancelled_at = ctx.now()
    ctx.session.add(row)
    audit.record_on(
        ctx, row, "invoice.cancel", before={"status": "pending"}, after={"status": "cancelled"}
    )
    return _request_public(row)
