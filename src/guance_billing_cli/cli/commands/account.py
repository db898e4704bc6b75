"""`guance-billing account`: create, list, show, use, update."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from guance_billing_cli import i18n
from guance_billing_cli.cli.toolkit import prompts, render, verbs
from guance_billing_cli.cli.toolkit.options import JSON, Live, takes
from guance_billing_cli.cli.toolkit.state import client, get_state, given
from guance_billing_cli.i18n import N_, _

if TYPE_CHECKING:
    from guance_billing_cli.client.protocol import BillingClient

app = typer.Typer(no_args_is_help=True)

ACCOUNT_COLUMNS = ("id", "username", "company_name", "email", "phone", "realname_status")
ACCOUNT_FIELDS = (
    "id",
    "username",
    "company_name",
    "industry",
    "region",
    "description",
    "contact_name",
    "email",
    "phone",
    "has_password",
    "realname_status",
    "arbitrary_settlement",
    "language",
    "created_at",
    "updated_at",
)


#: the free-text fields `account create` and `profile update` share
RegionOption = Annotated[str | None, typer.Option(help="Region, free text (max 64).")]
DescriptionOption = Annotated[str | None, typer.Option(help="Description (max 500).")]
ContactNameOption = Annotated[str | None, typer.Option(help="Contact person (max 64).")]
AccountArg = Annotated[
    str, typer.Argument(help="Account id, username, email or phone."), Live("accounts")
]


def show_account(
    account: object, *, as_json: bool, title: str | None = None, done: str | None = None
) -> None:
    """The account as JSON, or as a table followed by ``done`` (a success line)."""
    title = title or _("Billing account")
    render.result(account, as_json=as_json, title=title, fields=ACCOUNT_FIELDS, done=done)


@app.command("create")
@takes(JSON)
def create(
    ctx: typer.Context,
    username: Annotated[
        str | None, typer.Option(help="Login name, 3-32 of a-z 0-9 _ . - (immutable).")
    ] = None,
    company_name: Annotated[str | None, typer.Option(help="Company name (required).")] = None,
    email: Annotated[str | None, typer.Option(help="Login email (unique).")] = None,
    phone: Annotated[
        str | None, typer.Option(help="Login mobile phone, e.g. +8613800138000.")
    ] = None,
    industry: Annotated[
        str | None, typer.Option(help="Industry (see docs/account.md); default other.")
    ] = None,
    region: RegionOption = None,
    description: DescriptionOption = None,
    contact_name: ContactNameOption = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read an initial password from stdin.")
    ] = False,
    language: Annotated[
        str | None,
        typer.Option(
            help="Language of emails and SMS to the account: en or zh-CN; default the "
            "operator's (--lang)."
        ),
    ] = None,
) -> None:
    """Create a billing account.

    Without --password-stdin the account has no password (set one with `password reset`).

    \b
    Example:
      guance-billing account create --username acme --company-name "Acme Ltd" \\
          --email ops@acme.com --phone +8613800138000 --json
    """
    from guance_billing_cli.schemas.accounts import AccountCreate

    interactive = get_state(ctx).interactive
    from pydantic import SecretStr

    password = (
        SecretStr(prompts.read_stdin_lines(1, flag="--password-stdin")[0])
        if password_stdin
        else None
    )
    optional = {
        "industry": industry,
        "region": region,
        "description": description,
        "contact_name": contact_name,
    }
    asks = [
        prompts.Ask("username", "--username", _("Username:"), username),
        prompts.Ask("company_name", "--company-name", _("Company name:"), company_name),
        prompts.Ask("email", "--email", _("Login email:"), email),
        prompts.Ask("phone", "--phone", _("Login phone:"), phone),
        *prompts.asks(
            list(optional),
            [name.replace("_", " ").capitalize() + ":" for name in optional],
            list(optional.values()),
            required=False,
        ),
    ]

    def submit(values: dict[str, str | None]) -> Any:
        language_ = language or i18n.current()
        data = AccountCreate(**values, password=password, language=language_)  # type: ignore[arg-type]
        return client(ctx).create_account(data)

    account = prompts.form(asks, submit, interactive=interactive)
    show_account(
        account,
        as_json=given(ctx).json,
        done=_("Created billing account {username} ({id}).").format(
            username=account.username, id=account.id
        ),
    )


@app.command("list")
@verbs.listing(account=False, columns=ACCOUNT_COLUMNS, title=N_("Billing accounts"))
def list_(api: BillingClient) -> Iterable[Any]:
    """List billing accounts.

    \b
    Example:
      guance-billing account list --output csv
    """
    return api.list_accounts()


@app.command("show")
@takes(JSON)
def show(ctx: typer.Context, account: AccountArg) -> None:
    """Show one billing account, found by id, username, email or phone.

    \b
    Example:
      guance-billing account show ops@acme.com --json
    """
    show_account(client(ctx).get_account(account), as_json=given(ctx).json)


@app.command("use")
@takes(JSON)
def use(ctx: typer.Context, account: AccountArg) -> None:
    """Make ACCOUNT the default billing account of the current profile.

    \b
    Example:
      guance-billing account use acme
    """
    from guance_billing_cli.config import set_value

    state = get_state(ctx)
    found = client(ctx).get_account(account)
    set_value(state.settings.profile, "account", found.id)
    if given(ctx).json:
        render.write_json({"profile": state.settings.profile, "account": found})
    else:
        render.success(
            _("Profile {profile!r} now uses account {username} ({id}).").format(
                profile=state.settings.profile, username=found.username, id=found.id
            )
        )


def _on_off(value: str | None) -> bool | None:
    if value is None:
        return None
    lowered = value.lower()
    if lowered not in {"on", "off"}:
        raise typer.BadParameter(_("must be on or off"))
    return lowered == "on"


@app.command("update")
@takes(JSON)
def update(
    ctx: typer.Context,
    account: AccountArg,
    arbitrary_settlement: Annotated[
        str | None,
        typer.Option(
            "--arbitrary-settlement",
            metavar="on|off",
            help="Let workspaces settle through any provider, not only their site's (support).",
        ),
    ] = None,
) -> None:
    """Change support-only settings of a billing account.

    \b
    Example:
      guance-billing account update acme --arbitrary-settlement on
    """
    from guance_billing_cli.schemas.accounts import AccountAdminUpdate

    update_ = AccountAdminUpdate(arbitrary_settlement=_on_off(arbitrary_settlement))
    updated = client(ctx).admin_update_account(account, update_)
    show_account(
        updated,
        as_json=given(ctx).json,
        done=_("Updated billing account {username}.").format(username=updated.username),
    )
