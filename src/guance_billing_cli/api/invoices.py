"""Invoices: titles, mailing addresses, requests (issues 4, 15), declared once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol

from guance_billing_cli.api.declare import operation

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


class Invoices(Protocol):
    # one declaration, one or two lines: route and service, then the rest (api/declare.py)
    # fmt: off
    # -- titles -----------------------------------------------------------------------
    @operation("POST /v1/accounts/{ref}/invoice-titles", "invoices:add_title",
               created="/v1/invoice-titles/{id}", command="invoice title add")
    def add_invoice_title(self, ref: str, data: InvoiceTitleCreate) -> InvoiceTitlePublic:
        """Add an invoice title to an account. 201; Idempotency-Key honoured."""

    @operation("GET /v1/accounts/{ref}/invoice-titles", "invoices:list_titles",
               command="invoice title list")
    def list_invoice_titles(self, ref: str) -> Iterator[InvoiceTitlePublic]:
        """List an account's invoice titles, as pages."""

    @operation("PATCH /v1/invoice-titles/{title_id}", "invoices:update_title")
    def update_invoice_title(
        self, title_id: str, data: InvoiceTitleUpdate, *, account: str | None = None
    ) -> InvoiceTitlePublic:
        """Change an invoice title."""

    @operation("POST /v1/invoice-titles/{title_id}/delete", "invoices:delete_title",
               command="invoice title delete")
    def delete_invoice_title(
        self, title_id: str, *, account: str | None = None
    ) -> InvoiceTitlePublic:
        """Delete an invoice title no pending request uses."""

    # -- mailing addresses for paper invoices -------------------------------------------
    @operation("POST /v1/accounts/{ref}/invoice-addresses", "invoices:add_address",
               created="/v1/invoice-addresses/{id}", command="invoice address add")
    def add_invoice_address(self, ref: str, data: InvoiceAddressCreate) -> InvoiceAddressPublic:
        """Add a mailing address for paper invoices. 201; Idempotency-Key honoured."""

    @operation("GET /v1/accounts/{ref}/invoice-addresses", "invoices:list_addresses",
               command="invoice address list")
    def list_invoice_addresses(self, ref: str) -> Iterator[InvoiceAddressPublic]:
        """List an account's invoice mailing addresses, as pages."""

    @operation("PATCH /v1/invoice-addresses/{address_id}", "invoices:update_address")
    def update_invoice_address(
        self, address_id: str, data: InvoiceAddressUpdate, *, account: str | None = None
    ) -> InvoiceAddressPublic:
        """Change an invoice mailing address."""

    @operation("POST /v1/invoice-addresses/{address_id}/delete", "invoices:delete_address",
               command="invoice address delete")
    def delete_invoice_address(
        self, address_id: str, *, account: str | None = None
    ) -> InvoiceAddressPublic:
        """Delete a mailing address no pending request uses."""

    # -- invoice requests ---------------------------------------------------------------
    @operation("POST /v1/accounts/{ref}/invoices", "invoices:request",
               created="/v1/invoices/{id}", command="invoice request")
    def request_invoice(self, ref: str, data: InvoiceRequestCreate) -> InvoiceRequestPublic:
        """Request an invoice for an amount. 201; Idempotency-Key honoured."""

    @operation("GET /v1/accounts/{ref}/invoices", "invoices:list_requests", command="invoice list")
    def list_invoices(self, ref: str) -> Iterator[InvoiceRequestPublic]:
        """List an account's invoice requests, as pages."""

    @operation("GET /v1/invoices/{request_id}", "invoices:get_request")
    def get_invoice(self, request_id: str, *, account: str | None = None) -> InvoiceRequestPublic:
        """Read one invoice request; answers an ETag."""

    @operation("POST /v1/invoices/{request_id}/cancel", "invoices:cancel_request",
               etag_from="get_invoice", command="invoice cancel {request_id}")
    def cancel_invoice(
        self, request_id: str, *, account: str | None = None
    ) -> InvoiceRequestPublic:
        """Cancel a pending invoice request; honours If-Match."""
