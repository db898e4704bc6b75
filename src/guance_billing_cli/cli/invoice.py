"""`guance-billing invoice`: titles, mailing addresses and invoice requests."""

from __future__ import annotations

from typing import Annotated

import typer

from guance_billing_cli.cli import prompts, render
from guance_billing_cli.cli.options import AccountOption, JsonFlag, OutputFormat
from guance_billing_cli.cli.state import account_ref, client, get_state
from guance_billing_cli.i18n import _

app = typer.Typer(
    help="Invoice titles, mailing addresses and invoice requests (need approved real-name).",
    no_args_is_help=True,
)
title_app = typer.Typer(help="Invoice titles (must match the real-name authentication).")
address_app = typer.Typer(help="Mailing addresses for paper invoices.")
app.add_typer(title_app, name="title", no_args_is_help=True)
app.add_typer(address_app, name="address", no_args_is_help=True)

INVOICE_TYPES = ("vat_ordinary", "vat_special", "electronic_ordinary")
TITLE_FIELDS = (
    "id", "type", "title", "tax_id", "bank_name", "bank_account", "address", "phone",
    "created_at",
)  # fmt: skip
TITLE_COLUMNS = ("id", "type", "title", "tax_id", "bank_name", "bank_account")
ADDRESS_FIELDS = ("id", "recipient", "phone", "email", "address", "created_at")
REQUEST_FIELDS = (
    "id", "status", "amount", "type", "title", "title_id", "address_id", "created_at",
)  # fmt: skip
REQUEST_COLUMNS = ("id", "status", "amount", "type", "title", "created_at")


@title_app.command("add")
def title_add(
    ctx: typer.Context,
    account: AccountOption = None,
    type_: Annotated[
        str | None,
        typer.Option("--type", help="vat_ordinary, vat_special or electronic_ordinary."),
    ] = None,
    title: Annotated[str | None, typer.Option(help="Must equal the authenticated name.")] = None,
    tax_id: Annotated[
        str | None, typer.Option(help="Must equal the authenticated tax id (enterprise).")
    ] = None,
    bank_name: Annotated[str | None, typer.Option(help="Bank (required for vat_special).")] = None,
    bank_account: Annotated[
        str | None, typer.Option(help="Bank account (required for vat_special).")
    ] = None,
    address: Annotated[
        str | None, typer.Option(help="Registered address (required for vat_special).")
    ] = None,
    phone: Annotated[
        str | None, typer.Option(help="Registered telephone (required for vat_special).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Add an invoice title. Needs an approved real-name authentication.

    \b
    Example:
      guance-billing invoice title add --type vat_special --title "Acme Ltd" \\
          --tax-id 91110000600037341L --bank-name "ICBC Hangzhou" \\
          --bank-account 1202020209000012345 --address "1 West Lake Rd" --phone 0571-88886666
    """
    from guance_billing_cli.schemas.invoices import InvoiceTitleCreate

    interactive = get_state(ctx).interactive
    kind = prompts.require(
        type_, flag="--type", message=_('Invoice type:'), interactive=interactive,
        choices=INVOICE_TYPES,
    )  # fmt: skip
    data = InvoiceTitleCreate(
        type=kind,
        title=prompts.require(title, flag="--title", message=_("Title:"), interactive=interactive),
        tax_id=tax_id,
        bank_name=bank_name,
        bank_account=bank_account,
        address=address,
        phone=phone,
    )
    result = client(ctx).add_invoice_title(account_ref(ctx, account), data)
    render.emit(result, as_json=as_json, title=_("Invoice title"), fields=TITLE_FIELDS)
    if not as_json:
        render.success(_("Added invoice title {id}.").format(id=result.id))


@title_app.command("list")
def title_list(
    ctx: typer.Context,
    account: AccountOption = None,
    as_json: JsonFlag = False,
    output: OutputFormat = None,
) -> None:
    """List the account's invoice titles.

    \b
    Example:
      guance-billing invoice title list --output csv
    """
    fmt = render.output_format(as_json, output)
    rows = client(ctx).list_invoice_titles(account_ref(ctx, account))
    render.emit_rows(rows, fmt=fmt, columns=TITLE_COLUMNS, title=_("Invoice titles"))


@address_app.command("add")
def address_add(
    ctx: typer.Context,
    account: AccountOption = None,
    recipient: Annotated[str | None, typer.Option(help="Who receives the invoice.")] = None,
    phone: Annotated[str | None, typer.Option(help="Recipient's mobile phone.")] = None,
    email: Annotated[str | None, typer.Option(help="Recipient's email.")] = None,
    address: Annotated[str | None, typer.Option(help="Postal address.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Add a mailing address for invoices.

    \b
    Example:
      guance-billing invoice address add --recipient "Li Lei" --phone +8613800138000 \\
          --email finance@acme.com --address "1 West Lake Rd, Hangzhou"
    """
    from guance_billing_cli.schemas.invoices import InvoiceAddressCreate

    interactive = get_state(ctx).interactive
    data = InvoiceAddressCreate(
        recipient=prompts.require(
            recipient, flag="--recipient", message=_("Recipient:"), interactive=interactive
        ),
        phone=prompts.require(phone, flag="--phone", message=_("Phone:"), interactive=interactive),
        email=prompts.require(email, flag="--email", message=_("Email:"), interactive=interactive),
        address=prompts.require(
            address, flag="--address", message=_("Postal address:"), interactive=interactive
        ),
    )
    result = client(ctx).add_invoice_address(account_ref(ctx, account), data)
    render.emit(result, as_json=as_json, title=_("Mailing address"), fields=ADDRESS_FIELDS)
    if not as_json:
        render.success(_("Added mailing address {id}.").format(id=result.id))


@address_app.command("list")
def address_list(
    ctx: typer.Context,
    account: AccountOption = None,
    as_json: JsonFlag = False,
    output: OutputFormat = None,
) -> None:
    """List the account's mailing addresses.

    \b
    Example:
      guance-billing invoice address list --json
    """
    fmt = render.output_format(as_json, output)
    rows = client(ctx).list_invoice_addresses(account_ref(ctx, account))
    render.emit_rows(rows, fmt=fmt, columns=ADDRESS_FIELDS, title=_("Mailing addresses"))


@app.command("request")
def request(
    ctx: typer.Context,
    account: AccountOption = None,
    title_id: Annotated[str | None, typer.Option(help="Invoice title id (`title list`).")] = None,
    address_id: Annotated[
        str | None, typer.Option(help="Mailing address id (`address list`).")
    ] = None,
    amount: Annotated[
        str | None, typer.Option(help="Amount in CNY, > 0, at most 2 decimals, e.g. 100.00.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Request an invoice. Refused (exit 6) until real-name authentication is approved.

    \b
    Example:
      guance-billing invoice request --title-id ttl_1a2b3c4d5e6f \\
          --address-id adr_1a2b3c4d5e6f --amount 1000.00 --json
    """
    from guance_billing_cli.schemas.invoices import InvoiceRequestCreate

    interactive = get_state(ctx).interactive
    data = InvoiceRequestCreate(
        title_id=prompts.require(
            title_id, flag="--title-id", message=_("Title id:"), interactive=interactive
        ),
        address_id=prompts.require(
            address_id, flag="--address-id", message=_("Address id:"), interactive=interactive
        ),
        amount=prompts.require(
            amount, flag="--amount", message=_("Amount:"), interactive=interactive
        ),
    )
    result = client(ctx).request_invoice(account_ref(ctx, account), data)
    render.emit(result, as_json=as_json, title=_("Invoice request"), fields=REQUEST_FIELDS)
    if not as_json:
        render.success(
            _("Invoice request {id} for {amount} is {status}.").format(
                id=result.id, amount=result.amount, status=result.status
            )
        )


@app.command("list")
def list_(
    ctx: typer.Context,
    account: AccountOption = None,
    as_json: JsonFlag = False,
    output: OutputFormat = None,
) -> None:
    """List the account's invoice requests.

    \b
    Example:
      guance-billing invoice list --output ndjson
    """
    fmt = render.output_format(as_json, output)
    rows = client(ctx).list_invoices(account_ref(ctx, account))
    render.emit_rows(rows, fmt=fmt, columns=REQUEST_COLUMNS, title=_("Invoice requests"))
