"""`guance-billing invoice`: titles, mailing addresses and invoice requests."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer

from guance_billing_cli.cli.toolkit import prompts, render, verbs
from guance_billing_cli.cli.toolkit.options import ACCOUNT, JSON, Live, takes
from guance_billing_cli.cli.toolkit.state import account_ref, client, get_state, given
from guance_billing_cli.i18n import N_, _

if TYPE_CHECKING:
    from guance_billing_cli.client.protocol import BillingClient

app = typer.Typer(
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
    "id", "status", "amount", "type", "title", "tax_id", "bank_name", "bank_account",
    "registered_address", "registered_phone", "title_id", "recipient", "recipient_phone",
    "recipient_email", "mailing_address", "address_id", "created_at", "cancelled_at",
)  # fmt: skip
REQUEST_COLUMNS = ("id", "status", "amount", "type", "title", "created_at")


def _prefill_from_realname(
    ctx: typer.Context, ref: str, title: str | None, tax_id: str | None
) -> tuple[str | None, str | None]:
    """The title and tax id of the approved authentication where none was given."""
    if title is not None and tax_id is not None:
        return title, tax_id
    found = client(ctx).get_realname(ref)
    if found.status != "approved" or not found.name:
        return title, tax_id  # the service refuses with the way to get approved
    title = found.name if title is None else title
    if tax_id is None and found.tax_id:
        tax_id = found.tax_id
    render.info(
        _("From the approved authentication: title {title}{tax_id}.").format(
            title=title, tax_id=f", {tax_id}" if tax_id else ""
        )
    )
    return title, tax_id


def _optional_title_asks(*values: str | None) -> list[prompts.Ask]:
    names = ("tax_id", "bank_name", "bank_account", "address", "phone")
    labels = (
        _("Tax id"), _("Bank"), _("Bank account"), _("Registered address"),
        _("Registered telephone"),
    )  # fmt: skip
    return prompts.asks(names, labels, values, required=False)


def _address_asks(*values: str | None, required: bool) -> list[prompts.Ask]:
    names = ("recipient", "phone", "email", "address")
    labels = (_("Recipient"), _("Recipient's phone"), _("Recipient's email"), _("Postal address"))
    return prompts.asks(names, labels, values, required=required)


TypeOption = Annotated[
    str | None, typer.Option("--type", help="vat_ordinary, vat_special or electronic_ordinary.")
]
TitleOption = Annotated[str | None, typer.Option(help="Must equal the authenticated name.")]
RecipientOption = Annotated[str | None, typer.Option(help="Who receives the invoice.")]
RecipientPhoneOption = Annotated[str | None, typer.Option(help="Recipient's mobile phone.")]
RecipientEmailOption = Annotated[str | None, typer.Option(help="Recipient's email.")]
PostalAddressOption = Annotated[str | None, typer.Option(help="Postal address.")]
TitleArg = Annotated[
    str,
    typer.Argument(help="Invoice title id (ttl_...).", metavar="TITLE"),
    Live("invoice_titles"),
]
AddressArg = Annotated[
    str,
    typer.Argument(help="Mailing address id (adr_...).", metavar="ADDRESS"),
    Live("invoice_addresses"),
]
_REQUEST = typer.Argument(help="Invoice request id (inv_...).", metavar="REQUEST")
RequestArg = Annotated[str, _REQUEST, Live("invoices")]
PendingRequestArg = Annotated[str, _REQUEST, Live("pending_invoices")]


@dataclass(frozen=True)
class _Kept:
    """An invoice title or a mailing address: how it is shown and deleted (words marked;
    ``{id}`` filled when shown)."""

    title: str
    fields: tuple[str, ...]
    added: str
    updated: str
    deleted_title: str
    deleted: str
    argument: Any
    question: Callable[[str], str]
    operation: str

    def show(self, result: Any, *, as_json: bool, done: str, title: str | None = None) -> None:
        render.result(
            result,
            as_json=as_json,
            title=_(title or self.title),
            fields=self.fields,
            done=_(done).format(id=result.id),
        )

    def deletes(self, spec: Callable[[BillingClient, str, str | None], Any]) -> verbs.Command:
        """``delete``: confirmed (or --yes), ``spec`` deletes, what was deleted is shown."""
        return verbs.confirmed(
            self.argument,
            question=self.question,
            operation=self.operation,
            shown=lambda deleted, _ref, as_json: self.show(
                deleted, as_json=as_json, done=self.deleted, title=self.deleted_title
            ),
        )(spec)


TITLE = _Kept(
    title=N_("Invoice title"),
    fields=TITLE_FIELDS,
    added=N_("Added invoice title {id}."),
    updated=N_("Updated invoice title {id}."),
    deleted_title=N_("Deleted invoice title"),
    deleted=N_("Deleted invoice title {id}."),
    argument=TitleArg,
    question=lambda title_id: _("Delete invoice title {title}?").format(title=title_id),
    operation="delete_invoice_title",
)
ADDRESS = _Kept(
    title=N_("Mailing address"),
    fields=ADDRESS_FIELDS,
    added=N_("Added mailing address {id}."),
    updated=N_("Updated mailing address {id}."),
    deleted_title=N_("Deleted mailing address"),
    deleted=N_("Deleted mailing address {id}."),
    argument=AddressArg,
    question=lambda address_id: _("Delete mailing address {address}?").format(address=address_id),
    operation="delete_invoice_address",
)


@title_app.command("add")
@takes(ACCOUNT, JSON)
def title_add(
    ctx: typer.Context,
    type_: TypeOption = None,
    title: TitleOption = None,
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
) -> None:
    """Add an invoice title. Needs an approved real-name authentication.

    \b
    Example:
      guance-billing invoice title add --type vat_special --title "Acme Ltd" \\
          --tax-id 91110000600037341L --bank-name "ICBC Hangzhou" \\
          --bank-account 1202020209000012345 --address "1 West Lake Rd" --phone 0571-88886666
    """
    from guance_billing_cli.schemas.invoices import InvoiceTitleCreate

    ref = account_ref(ctx)
    interactive = get_state(ctx).interactive
    special = False
    if interactive:
        # guided: what the approved authentication says is filled in, and a vat_special
        # title asks for its bank details up front, each by its label
        if type_ is None:
            type_ = prompts.select(_("Invoice type:"), INVOICE_TYPES)
        special = type_.strip().lower() == "vat_special"
        title, tax_id = _prefill_from_realname(ctx, ref, title, tax_id)
    asks = [
        prompts.Ask("type", "--type", _("Invoice type:"), type_, choices=INVOICE_TYPES),
        prompts.Ask("title", "--title", _("Title:"), title),
        *_optional_title_asks(tax_id, bank_name, bank_account, address, phone),
    ]
    for ask in asks:
        if special and ask.name in ("bank_name", "bank_account", "address", "phone"):
            ask.required = True
    result = prompts.form(
        asks,
        lambda values: client(ctx).add_invoice_title(ref, InvoiceTitleCreate(**values)),  # type: ignore[arg-type]
        interactive=interactive,
    )
    TITLE.show(result, as_json=given(ctx).json, done=TITLE.added)


@title_app.command("list")
@verbs.listing(columns=TITLE_COLUMNS, title=N_("Invoice titles"))
def title_list(api: BillingClient, account: str) -> Iterable[Any]:
    """List the account's invoice titles.

    \b
    Example:
      guance-billing invoice title list --output csv
    """
    return api.list_invoice_titles(account)


@address_app.command("add")
@takes(ACCOUNT, JSON)
def address_add(
    ctx: typer.Context,
    recipient: RecipientOption = None,
    phone: RecipientPhoneOption = None,
    email: RecipientEmailOption = None,
    address: PostalAddressOption = None,
) -> None:
    """Add a mailing address for invoices.

    \b
    Example:
      guance-billing invoice address add --recipient "Li Lei" --phone +8613800138000 \\
          --email finance@acme.com --address "1 West Lake Rd, Hangzhou"
    """
    from guance_billing_cli.schemas.invoices import InvoiceAddressCreate

    ref = account_ref(ctx)
    asks = _address_asks(recipient, phone, email, address, required=True)
    result = prompts.form(
        asks,
        lambda values: client(ctx).add_invoice_address(ref, InvoiceAddressCreate(**values)),  # type: ignore[arg-type]
        interactive=get_state(ctx).interactive,
    )
    ADDRESS.show(result, as_json=given(ctx).json, done=ADDRESS.added)


@address_app.command("list")
@verbs.listing(columns=ADDRESS_FIELDS, title=N_("Mailing addresses"))
def address_list(api: BillingClient, account: str) -> Iterable[Any]:
    """List the account's mailing addresses.

    \b
    Example:
      guance-billing invoice address list --json
    """
    return api.list_invoice_addresses(account)


@app.command("request")
@takes(ACCOUNT, JSON)
def request(
    ctx: typer.Context,
    title_id: Annotated[
        str | None, typer.Option(help="Invoice title id (`title list`)."), Live("invoice_titles")
    ] = None,
    address_id: Annotated[
        str | None,
        typer.Option(help="Mailing address id (`address list`)."),
        Live("invoice_addresses"),
    ] = None,
    amount: Annotated[
        str | None, typer.Option(help="Amount in CNY, > 0, at most 2 decimals, e.g. 100.00.")
    ] = None,
) -> None:
    """Request an invoice. Refused (exit 6) until real-name authentication is approved.

    \b
    Example:
      guance-billing invoice request --title-id ttl_1a2b3c4d5e6f \\
          --address-id adr_1a2b3c4d5e6f --amount 1000.00 --json
    """
    from guance_billing_cli.schemas.invoices import InvoiceRequestCreate

    ref = account_ref(ctx)
    asks = [
        prompts.Ask("title_id", "--title-id", _("Title id:"), title_id),
        prompts.Ask("address_id", "--address-id", _("Address id:"), address_id),
        prompts.Ask("amount", "--amount", _("Amount:"), amount),
    ]
    result = prompts.form(
        asks,
        lambda values: client(ctx).request_invoice(ref, InvoiceRequestCreate(**values)),  # type: ignore[arg-type]
        interactive=get_state(ctx).interactive,
    )
    render.result(
        result,
        as_json=given(ctx).json,
        title=_("Invoice request"),
        fields=REQUEST_FIELDS,
        done=_("Invoice request {id} for {amount} is {status}.").format(
            id=result.id, amount=result.amount, status=result.status
        ),
    )


@app.command("list")
@verbs.listing(columns=REQUEST_COLUMNS, title=N_("Invoice requests"))
def list_(api: BillingClient, account: str) -> Iterable[Any]:
    """List the account's invoice requests.

    \b
    Example:
      guance-billing invoice list --output ndjson
    """
    return api.list_invoices(account)


# -- upkeep (issue 15) ---------------------------------------------------------------


@title_app.command("update")
@takes(ACCOUNT, JSON)
def title_update(
    ctx: typer.Context,
    title_id: TitleArg,
    type_: TypeOption = None,
    title: TitleOption = None,
    tax_id: Annotated[str | None, typer.Option(help="Must equal the authenticated tax id.")] = None,
    bank_name: Annotated[str | None, typer.Option(help='Bank ("" clears it).')] = None,
    bank_account: Annotated[str | None, typer.Option(help="Bank account.")] = None,
    address: Annotated[str | None, typer.Option(help="Registered address.")] = None,
    phone: Annotated[str | None, typer.Option(help="Registered telephone.")] = None,
) -> None:
    """Change an invoice title: the same real-name gate and title rule as `title add`.

    Only the options given change; "" clears an optional field. Exit codes: 2 a bad
    value, 3 unknown title, 6 refused (no approved real-name, title or tax id does
    not match it, vat_special without bank details).

    \b
    Example:
      guance-billing invoice title update ttl_1a2b3c4d5e6f --type vat_special \\
          --bank-name "ICBC Hangzhou" --bank-account 1202020209000012345 \\
          --address "1 West Lake Rd" --phone 0571-88886666
    """
    from guance_billing_cli.errors import InputRequired
    from guance_billing_cli.schemas.invoices import InvoiceTitleUpdate

    update = InvoiceTitleUpdate(
        type=type_, title=title, tax_id=tax_id, bank_name=bank_name,
        bank_account=bank_account, address=address, phone=phone,
    )  # fmt: skip
    if not update.changes():
        raise InputRequired("nothing_to_change", field="title")
    result = client(ctx).update_invoice_title(title_id, update, account=given(ctx).account)
    TITLE.show(result, as_json=given(ctx).json, done=TITLE.updated)


@title_app.command("delete")
@TITLE.deletes
def title_delete(api: BillingClient, title_id: str, account: str | None) -> Any:
    """Delete an invoice title. Refused (exit 6) while a pending request uses it.

    \b
    Example:
      guance-billing invoice title delete ttl_1a2b3c4d5e6f --yes
    """
    return api.delete_invoice_title(title_id, account=account)


@address_app.command("update")
@takes(ACCOUNT, JSON)
def address_update(
    ctx: typer.Context,
    address_id: AddressArg,
    recipient: RecipientOption = None,
    phone: RecipientPhoneOption = None,
    email: RecipientEmailOption = None,
    address: PostalAddressOption = None,
) -> None:
    """Change a mailing address (the same checks as `address add`).

    At a terminal a rejected value is asked again; the others are kept.

    \b
    Example:
      guance-billing invoice address update adr_1a2b3c4d5e6f --recipient "Han Meimei"
    """
    from guance_billing_cli.errors import InputRequired
    from guance_billing_cli.schemas.invoices import InvoiceAddressUpdate

    asks = _address_asks(recipient, phone, email, address, required=False)
    if all(a.value is None for a in asks):
        raise InputRequired("nothing_to_change", field="recipient")
    result = prompts.form(
        asks,
        lambda values: client(ctx).update_invoice_address(
            address_id, InvoiceAddressUpdate(**values), account=given(ctx).account
        ),
        interactive=get_state(ctx).interactive,
    )
    ADDRESS.show(result, as_json=given(ctx).json, done=ADDRESS.updated)


@address_app.command("delete")
@ADDRESS.deletes
def address_delete(api: BillingClient, address_id: str, account: str | None) -> Any:
    """Delete a mailing address. Refused (exit 6) while a pending request uses it.

    \b
    Example:
      guance-billing invoice address delete adr_1a2b3c4d5e6f --yes
    """
    return api.delete_invoice_address(address_id, account=account)


@app.command("show")
@verbs.show(RequestArg, title=N_("Invoice request"), fields=REQUEST_FIELDS)
def show(api: BillingClient, request_id: str, account: str | None) -> Any:
    """Show one invoice request.

    \b
    Example:
      guance-billing invoice show inv_1a2b3c4d5e6f --json
    """
    return api.get_invoice(request_id, account=account)


def _cancelled(result: Any, _ref: str, as_json: bool) -> None:
    render.result(
        result,
        as_json=as_json,
        title=_("Invoice request"),
        fields=REQUEST_FIELDS,
        done=_("Invoice request {id} is {status}; nothing will be issued.").format(
            id=result.id, status=result.status
        ),
    )


@app.command("cancel")
@verbs.confirmed(
    PendingRequestArg,
    question=lambda request_id: _("Cancel invoice request {request}?").format(request=request_id),
    operation="cancel_invoice",
    params=lambda request_id: {"request_id": request_id},
    shown=_cancelled,
)
def cancel(api: BillingClient, request_id: str, account: str | None) -> Any:
    """Cancel a pending invoice request (again: unchanged, exit 0).

    \b
    Example:
      guance-billing invoice cancel inv_1a2b3c4d5e6f --yes
    """
    return api.cancel_invoice(request_id, account=account)
