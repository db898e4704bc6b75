"""Invoices: titles, mailing addresses, requests (issues 4, 15), declared once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol

from guance_billing_cli.api.declare import READ, WRITE, operation

if TYPE_CHECKING:
    from guance_billing_cli.schemas.invoices import (
        InvoiceAddressCreate,
        InvoiceAddressPublic,
        InvoiceAddressUpdate,
        InvoiceRequestCreate,
        InvoiceRequestPublic,
        InvoiceTitleCreate,
        InvoiceTitlePublic,
        InvoiceTitleUpdate,
    )

#: the schema modules the annotations below name (read when an operation is described)
SCHEMAS = ("invoices",)
OWNER = {"account": "account_ref"}


class Invoices(Protocol):
    # -- titles -----------------------------------------------------------------------
    @operation(
        "POST",
        "/v1/accounts/{ref}/invoice-titles",
        created="/v1/invoice-titles/{id}",
        idempotent=True,
        tx=WRITE,
        service="invoices:add_title",
        command="invoice title add",
        description="Add an invoice title to an account. 201; Idempotency-Key honoured.",
    )
    def add_invoice_title(self, ref: str, data: InvoiceTitleCreate) -> InvoiceTitlePublic: ...

    @operation(
        "GET",
        "/v1/accounts/{ref}/invoice-titles",
        tx=READ,
        service="invoices:list_titles",
        command="invoice title list",
        description="List an account's invoice titles, as pages.",
    )
    def list_invoice_titles(self, ref: str) -> Iterator[InvoiceTitlePublic]: ...

    @operation(
        "PATCH",
        "/v1/invoice-titles/{title_id}",
        tx=WRITE,
        service="invoices:update_title",
        args=OWNER,
        description="Change an invoice title.",
    )
    def update_invoice_title(
        self, title_id: str, data: InvoiceTitleUpdate, *, account: str | None = None
    ) -> InvoiceTitlePublic: ...

    @operation(
        "POST",
        "/v1/invoice-titles/{title_id}/delete",
        tx=WRITE,
        service="invoices:delete_title",
        args=OWNER,
        command="invoice title delete",
        description="Delete an invoice title no pending request uses.",
    )
    def delete_invoice_title(
        self, title_id: str, *, account: str | None = None
    ) -> InvoiceTitlePublic: ...

    # -- mailing addresses for paper invoices -------------------------------------------
    @operation(
        "POST",
        "/v1/accounts/{ref}/invoice-addresses",
        created="/v1/invoice-addresses/{id}",
        idempotent=True,
        tx=WRITE,
        service="invoices:add_address",
        command="invoice address add",
        description="Add a mailing address for paper invoices. 201; Idempotency-Key honoured.",
    )
    def add_invoice_address(self, ref: str, data: InvoiceAddressCreate) -> InvoiceAddressPublic: ...

    @operation(
        "GET",
        "/v1/accounts/{ref}/invoice-addresses",
        tx=READ,
        service="invoices:list_addresses",
        command="invoice address list",
        description="List an account's invoice mailing addresses, as pages.",
    )
    def list_invoice_addresses(self, ref: str) -> Iterator[InvoiceAddressPublic]: ...

    @operation(
        "PATCH",
        "/v1/invoice-addresses/{address_id}",
        tx=WRITE,
        service="invoices:update_address",
        args=OWNER,
        description="Change an invoice mailing address.",
    )
    def update_invoice_address(
        self, address_id: str, data: InvoiceAddressUpdate, *, account: str | None = None
    ) -> InvoiceAddressPublic: ...

    @operation(
        "POST",
        "/v1/invoice-addresses/{address_id}/delete",
        tx=WRITE,
        service="invoices:delete_address",
        args=OWNER,
        command="invoice address delete",
        description="Delete a mailing address no pending request uses.",
    )
    def delete_invoice_address(
        self, address_id: str, *, account: str | None = None
    ) -> InvoiceAddressPublic: ...

    # -- invoice requests ---------------------------------------------------------------
    @operation(
        "POST",
        "/v1/accounts/{ref}/invoices",
        created="/v1/invoices/{id}",
        idempotent=True,
        tx=WRITE,
        service="invoices:request",
        command="invoice request",
        description="Request an invoice for an amount. 201; Idempotency-Key honoured.",
    )
    def request_invoice(self, ref: str, data: InvoiceRequestCreate) -> InvoiceRequestPublic: ...

    @operation(
        "GET",
        "/v1/accounts/{ref}/invoices",
        tx=READ,
        service="invoices:list_requests",
        command="invoice list",
        description="List an account's invoice requests, as pages.",
    )
    def list_invoices(self, ref: str) -> Iterator[InvoiceRequestPublic]: ...

    @operation(
        "GET",
        "/v1/invoices/{request_id}",
        tx=READ,
        service="invoices:get_request",
        args=OWNER,
        description="Read one invoice request; answers an ETag.",
    )
    def get_invoice(
        self, request_id: str, *, account: str | None = None
    ) -> InvoiceRequestPublic: ...

    @operation(
        "POST",
        "/v1/invoices/{request_id}/cancel",
        etag_from="get_invoice",
        tx=WRITE,
        service="invoices:cancel_request",
        args=OWNER,
        command="invoice cancel {request_id}",
        description="Cancel a pending invoice request; honours If-Match.",
    )
    def cancel_invoice(
        self, request_id: str, *, account: str | None = None
    ) -> InvoiceRequestPublic: ...
