"""`guance-billing profile`: show and update the account profile."""

from __future__ import annotations

from typing import Annotated

import typer

from guance_billing_cli.cli.commands.account import (
    ContactNameOption,
    DescriptionOption,
    RegionOption,
    show_account,
)
from guance_billing_cli.cli.toolkit import render
from guance_billing_cli.cli.toolkit.options import ACCOUNT, JSON, takes
from guance_billing_cli.cli.toolkit.state import account_ref, client, given
from guance_billing_cli.i18n import _

app = typer.Typer(no_args_is_help=True)


@app.command("show")
@takes(ACCOUNT, JSON)
def show(ctx: typer.Context) -> None:
    """Show the account profile.

    \b
    Example:
      guance-billing profile show --account acme --json
    """
    show_account(
        client(ctx).get_account(account_ref(ctx)), as_json=given(ctx).json, title=_("Profile")
    )


@app.command("update")
@takes(ACCOUNT, JSON)
def update(
    ctx: typer.Context,
    company_name: Annotated[str | None, typer.Option(help="Company name.")] = None,
    industry: Annotated[str | None, typer.Option(help="Industry (see docs/account.md).")] = None,
    region: RegionOption = None,
    description: DescriptionOption = None,
    contact_name: ContactNameOption = None,
    language: Annotated[
        str | None,
        typer.Option(help="Language of emails and SMS to the account: en or zh-CN."),
    ] = None,
) -> None:
    """Update profile fields; only the ones given change.

    \b
    Example:
      guance-billing profile update --industry finance --region "Hangzhou, CN"
      guance-billing profile update --language zh-CN
    """
    from guance_billing_cli.schemas.accounts import ProfileUpdate

    update_ = ProfileUpdate(
        company_name=company_name,
        industry=industry,
        region=region,
        description=description,
        contact_name=contact_name,
        language=language,
    )
    updated = client(ctx).update_profile(account_ref(ctx), update_)
    show_account(updated, as_json=given(ctx).json, title=_("Profile"))
    if not given(ctx).json:
        render.success(_("Profile updated."))
