"""Invoice schemas: titles, mailing addresses, requests.

Amounts are ``Decimal`` with exactly two places; JSON carries them as strings
(``"100.00"``) so no float rounding touches money.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from guance_billing_cli.schemas import wire_rules as rules

INVOICE_TYPES: tuple[str, ...] = ("vat_ordinary", "vat_special", "electronic_ordinary")
INVOICE_STATUSES: tuple[str, ...] = ("pending", "cancelled")
SPECIAL_FIELDS: tuple[str, ...] = ("bank_name", "bank_account", "address", "phone")


class InvoiceTitleCreate(rules.WireRequest):
    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [  # a special VAT invoice names the bank, the address and a phone
                {
                    "properties": {
                        "type": {"const": "vat_special"},
                        **{name: {"type": "string", "minLength": 1} for name in SPECIAL_FIELDS},
                    },
                    "required": list(SPECIAL_FIELDS),
                },
                {
                    "title": "ordinary",  # names the variant in the API document
                    "properties": {"type": {"enum": ["vat_ordinary", "electronic_ordinary"]}},
                },
            ]
        }
    )

    type: str = rules.enum(INVOICE_TYPES)
    title: str = rules.text(128)
    tax_id: str | None = rules.rule(rules.USCC, None)
    bank_name: str | None = rules.text(128, None)
    bank_account: str | None = rules.pattern(rules.BANK_ACCOUNT, None)
    address: str | None = rules.text(256, None)
    phone: str | None = rules.pattern(rules.LANDLINE, None)


class _Update(rules.WireRequest):
    """Fields to change: ``None`` keeps the current value."""

    def changes(self) -> dict[str, str]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


class InvoiceTitleUpdate(_Update):
    """Fields to change; ``None`` keeps the current value, "" clears an optional one."""

    type: str | None = None
    title: str | None = None
    tax_id: str | None = None
    bank_name: str | None = None
    bank_account: str | None = None
    address: str | None = None
    phone: str | None = None


class _Stored(BaseModel):
    """What the store adds to a title or an address: named first among a model's bases,
    so these fields follow the model's own, in its JSON too."""

    id: str
    account_id: str
    created_at: datetime


class InvoiceTitlePublic(_Stored, InvoiceTitleCreate):
    pass


class InvoiceAddressCreate(rules.WireRequest):
    recipient: str = rules.text(64)
    phone: str = rules.pattern(rules.PHONE)
    email: str = rules.pattern(rules.EMAIL)
    address: str = rules.text(256)


class InvoiceAddressUpdate(_Update):
    """Fields to change; ``None`` keeps the current value."""

    recipient: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None


class InvoiceAddressPublic(_Stored, InvoiceAddressCreate):
    pass


class InvoiceRequestCreate(rules.WireRequest):
    title_id: str = rules.pattern(r"^ttl_[0-9a-f]{12}$")
    address_id: str = rules.pattern(r"^adr_[0-9a-f]{12}$")
    # parsed and checked by the service (Decimal, 2 places, > 0)
    amount: str = rules.pattern(
        r"^(0*[1-9][0-9]{0,9}(\.[0-9]{1,2})?|0*\.(0[1-9]|[1-9][0-9]?))$"  # > 0, 2 places
    )


class InvoiceRequestPublic(BaseModel):
    """A request as it was made: the title's and the address's values at that moment
    (updating the title or the address later changes no request)."""

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
    tax_id: str | None = None
    bank_name: str | None = None
    bank_account: str | None = None
    registered_address: str | None = None
    registered_phone: str | None = None
    recipient: str | None = None
    recipient_phone: str | None = None
    recipient_email: str | None = None
    mailing_address: str | None = None
