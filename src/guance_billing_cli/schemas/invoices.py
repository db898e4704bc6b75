"""Invoice schemas: titles, mailing addresses, requests.

Amounts are ``Decimal`` with exactly two places; JSON carries them as strings
(``"100.00"``) so no float rounding touches money.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel

INVOICE_TYPES: tuple[str, ...] = ("vat_ordinary", "vat_special", "electronic_ordinary")
INVOICE_STATUSES: tuple[str, ...] = ("pending", "cancelled")


class InvoiceTitleCreate(BaseModel):
    type: str
    title: str
    tax_id: str | None = None
    bank_name: str | None = None
    bank_account: str | None = None
    address: str | None = None
    phone: str | None = None


class InvoiceTitleUpdate(BaseModel):
    """Fields to change; ``None`` keeps the current value, "" clears an optional one."""

    type: str | None = None
    title: str | None = None
    tax_id: str | None = None
    bank_name: str | None = None
    bank_account: str | None = None
    address: str | None = None
    phone: str | None = None

    def changes(self) -> dict[str, str]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


class InvoiceTitlePublic(InvoiceTitleCreate):
    id: str
    account_id: str
    created_at: datetime


class InvoiceAddressCreate(BaseModel):
    recipient: str
    phone: str
    email: str
    address: str


class InvoiceAddressUpdate(BaseModel):
    """Fields to change; ``None`` keeps the current value."""

    recipient: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None

    def changes(self) -> dict[str, str]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


class InvoiceAddressPublic(InvoiceAddressCreate):
    id: str
    account_id: str
    created_at: datetime


class InvoiceRequestCreate(BaseModel):
    title_id: str
    address_id: str
    amount: str  # parsed and checked by the service (Decimal, 2 places, > 0)


class InvoiceRequestPublic(BaseModel):
    id: str
    account_id: str
    status: str
    amount: Decimal
    type: str
    title_id: str
    title: str
    address_id: str
    created_at: datetime
    cancelled_at: datetime | None = None
