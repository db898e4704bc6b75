"""The root command: global options, the command groups, the error boundary.

Start-up is kept light: only typer and the command modules (which import
nothing heavy at module level) load for ``--help`` and ``--version``.
"""

from __future__ import annotations

from typing import Annotated

import typer

from guance_billing_cli import __version__
from guance_billing_cli.cli import (
    account,
    auth,
    config_cmd,
    invoice,
    password,
    profile,
    realname,
    server,
)
from guance_billing_cli.cli import audit as audit_cmd
from guance_billing_cli.cli import cloud as cloud_cmd
from guance_billing_cli.cli import doctor as doctor_cmd
from guance_billing_cli.cli import email as email_cmd
from guance_billing_cli.cli import phone as phone_cmd
from guance_billing_cli.cli import workspace as workspace_cmd
from guance_billing_cli.cli.boundary import BoundaryGroup
from guance_billing_cli.cli.state import AppState

EXIT_CODES_HELP = """
Exit codes: 0 success (including "unchanged"), 1 internal error, 2 usage error or
missing input without a terminal, 3 not found, 4 authentication, 5 permission denied,
6 refused by a business rule or conflict, 7 verification failed, 8 rate limited,
9 batch partly failed, 10 store or server unavailable, 130 interrupted.
"""

app = typer.Typer(
    name="guance-billing",
    cls=BoundaryGroup,
    help="Administer Guance Billing Center accounts.\n\n" + EXIT_CODES_HELP,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

app.add_typer(account.app, name="account")
app.add_typer(profile.app, name="profile")
app.add_typer(email_cmd.app, name="email")
app.add_typer(phone_cmd.app, name="phone")
app.add_typer(audit_cmd.app, name="audit")
app.add_typer(config_cmd.app, name="config")
app.command("doctor")(doctor_cmd.doctor)
app.add_typer(auth.app, name="auth")
app.add_typer(server.app, name="server")
app.add_typer(password.app, name="password")
app.add_typer(realname.app, name="realname")
app.add_typer(invoice.app, name="invoice")
app.add_typer(cloud_cmd.app, name="cloud")
app.add_typer(workspace_cmd.app, name="workspace")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"guance-billing {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    no_input: Annotated[
        bool,
        typer.Option("--no-input", help="Never prompt (also implied without a terminal or with CI set)."),
    ] = False,
    store: Annotated[
        str | None,
        typer.Option(
            "--store", help="Local store URL or SQLite path [env GUANCE_BILLING_STORE].",
            metavar="URL",
        ),
    ] = None,
    server: Annotated[
        str | None,
        typer.Option(
            "--server", help="Remote server URL [env GUANCE_BILLING_SERVER].", metavar="URL"
        ),
    ] = None,
    profile_name: Annotated[
        str | None,
        typer.Option(
            "--profile", help="Config profile [env GUANCE_BILLING_PROFILE].", metavar="NAME"
        ),
    ] = None,
    ca_bundle: Annotated[
        str | None,
        typer.Option(
            "--ca-bundle",
            help="PEM file of CAs to verify the server's TLS certificate "
            "[env GUANCE_BILLING_CA_BUNDLE].",
            metavar="FILE",
        ),
    ] = None,
) -> None:
    ctx.obj = AppState(
        debug=debug, no_input=no_input, store=store, server=server, profile=profile_name
    )
    if ca_bundle:
        ctx.obj.extras["ca_bundle"] = ca_bundle


def main() -> None:
    app(prog_name="guance-billing")
