"""Invoice titles, mailing addresses and invoice requests.

Amounts are stored as integer cents: exact on every backend (SQLite has no
decimal type) and converted to ``Decimal`` with two places at the schema edge.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel

from guance_billing_cli.store.types import UTCDateTime


class _Saved(SQLModel):
    """What an account keeps for its requests (a title, an address): its id, its
    account, when it was added and when it was deleted (soft: a request still names it)."""

    id: str = Field(primary_key=True, max_length=32)
    account_id: str = Field(foreign_key="accounts.id", index=True, max_length=32)
    created_at: datetime = Field(sa_type=UTCDateTime)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class InvoiceTitle(_Saved, table=True):
    __tablename__ = "invoice_titles"

    type: str = Field(max_length=32)
    title: str = Field(max_length=128)
    tax_id: str | None = Field(default=None, max_length=18)
    bank_name: str | None = Field(default=None, max_length=128)
    bank_account: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=256)
    phone: str | None = Field(default=None, max_length=32)


class InvoiceAddress(_Saved, table=True):
    __tablename__ = "invoice_addresses"

    recipient: str = Field(max_length=64)
    phone: str = Field(max_length=20)
    email: str = Field(max_length=254)
    address: str = Field(max_length=256)


class InvoiceRequest(SQLModel, table=True):
    __tablename__ = "invoice_requests"

    id: str = Field(primary_key=True, max_length=32)
    account_id: str = Field(foreign_key="accounts.id", index=True, max_length=32)
    title_id: str = Field(foreign_key="invoice_titles.id", max_length=32)
    address_id: str = Field(foreign_key="invoice_addresses.id", max_length=32)
    amount_cents: int = Field(sa_type=BigInteger)
    status: str = Field(max_length=16)  # pending | cancelled (issuing is outside this tool)
    created_at: datetime = Field(sa_type=UTCDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # What the title and the mailing address said when the request was made (issue 23):
    # a later update of either changes no request's history.
    title_type: str | None = Field(default=None, max_length=32)
    title_text: str | None = Field(default=None, max_length=128)
    title_tax_id: str | None = Field(default=None, max_length=18)
    title_bank_name: str | None = Field(default=None, max_length=128)
    title_bank_account: str | None = Field(default=None, max_length=40)
    title_address: str | None = Field(default=None, max_length=256)
    title_phone: str | None = Field(default=None, max_length=32)
    mail_recipient: str | None = Field(default=None, max_length=64)
    mail_phone: str | None = Field(default=None, max_length=20)
    mail_email: str | None = Field(default=None, max_length=254)
    mail_address: str | None = Field(default=None, max_length=256)
