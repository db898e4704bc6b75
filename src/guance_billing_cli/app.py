"""The root command: global options, the command groups, the error boundary.

Start-up is kept light: the command groups are registered by module name and
built only when used (see ``cli/toolkit/boundary.py``), so ``--version`` loads typer
and this file, and a command loads only its own group.
"""

from __future__ import annotations

from typing import Annotated

import typer

from guance_billing_cli import __version__
from guance_billing_cli.cli.toolkit.boundary import BoundaryGroup
from guance_billing_cli.cli.toolkit.options import Live
from guance_billing_cli.cli.toolkit.state import AppState, SessionLink
from guance_billing_cli.i18n import N_

SUMMARY = N_("Administer Guance Billing Center accounts.")
EXIT_CODES_HELP = N_(
    'Exit codes: 0 success (including "unchanged"), 1 internal error, 2 usage error or\n'
    "missing input without a terminal, 3 not found, 4 authentication, 5 permission denied,\n"
    "6 refused by a business rule or conflict, 7 verification failed, 8 rate limited,\n"
    "9 batch partly failed, 10 store or server unavailable, 11 declined at a confirmation\n"
    "(nothing changed), 130 interrupted."
)

app = typer.Typer(
    name="guance-billing",
    cls=BoundaryGroup,
    help=SUMMARY + "\n\n" + EXIT_CODES_HELP,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

#: each group: its module below ``guance_billing_cli.cli`` and its help. A group's module is
#: imported and turned into a click command only when that group runs, so `--version` and
#: each command pay only for what they use; the root help lists the groups from this table
#: (the group gets its help from here when built). A group lives in ``cli/commands/``,
#: except the two subsystems ``completion/`` and ``shell/``. Order = help order.
GROUPS: dict[str, tuple[str, str]] = {
    "account": ("commands.account", N_("Create and inspect billing accounts (support).")),
    "profile": ("commands.profile", N_("View and update the billing account's profile.")),
    "email": (
        "commands.email",
        N_("Change the login email after confirming codes sent to the current and the new one."),
    ),
    "phone": (
        "commands.phone",
        N_("Change the login phone after confirming codes sent to the current and the new one."),
    ),
    "password": ("commands.password", N_("Change or reset the account's login password.")),
    "realname": (
        "commands.realname",
        N_("Real-name (enterprise or individual) authentication of the billing account."),
    ),
    "invoice": (
        "commands.invoice",
        N_("Invoice titles, mailing addresses and invoice requests (need approved real-name)."),
    ),
    "cloud": (
        "commands.cloud",
        N_("Cloud accounts (AWS, Alibaba Cloud, Huawei Cloud) and settlement binding."),
    ),
    "workspace": ("commands.workspace", N_("Workspaces, their settlement and their lock state.")),
    "bindings": (
        "commands.bindings",
        N_("Bindings as code: plan and apply a desired-state file (for CI)."),
    ),
    "auth": ("commands.auth", N_("Log in to a guance-billing server and manage the stored token.")),
    "audit": ("commands.audit", N_("Inspect, verify, checkpoint and export the audit trail.")),
    "server": ("commands.server", N_("Run the HTTP server, migrate its store, manage API tokens.")),
    "store": (
        "commands.store",
        N_("Create, migrate, back up, restore and verify the store (see docs/upgrade.md)."),
    ),
    "keys": ("commands.keys", N_("The store's secret key: rotate it.")),
    "config": ("commands.config", N_("Show and change configuration (config.toml profiles).")),
    "status": (
        "commands.status",
        N_("Show where commands go: store or server, profile, account, role."),
    ),
    "doctor": ("commands.doctor", N_("Check store, permissions, keyring, delivery and server.")),
    "completion": (
        "completion.command",
        N_("Print the shell completion script (bash, zsh or fish)."),
    ),
    "schema": ("commands.schema", N_("Print the JSON Schema of a command's --json output.")),
    "shell": ("shell.command", N_("Run commands in one warm session: a prompt, or a script.")),
}

BoundaryGroup.lazy_commands = {
    name: (f"guance_billing_cli.cli.{module}", text) for name, (module, text) in GROUPS.items()
}


def _version(value: bool) -> None:
    if value:
        from guance_billing_cli.store.engine import HEAD

        typer.echo(f"guance-billing {__version__} (store schema {HEAD})")
        raise typer.Exit()


def _install_completion(value: bool) -> None:
    if not value:
        return
    from guance_billing_cli.cli.completion import scripts as completion

    shell = completion.detect_shell()
    if shell is None:
        typer.echo(
            "cannot tell the shell from $SHELL; run `guance-billing completion bash|zsh|fish` "
            "and load its output yourself",
            err=True,
        )
        raise typer.Exit(2)
    changed = completion.install(shell)
    for path in changed:
        typer.echo(f"wrote {path}", err=True)
    if not changed:
        typer.echo(f"{shell} completion already installed; nothing changed", err=True)
    else:
        typer.echo(f"{shell} completion installed; open a new shell to use it", err=True)
    raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
    install_completion: Annotated[
        bool,
        typer.Option(
            "--install-completion",
            callback=_install_completion,
            is_eager=True,
            expose_value=False,
            help="Install shell completion for $SHELL (bash, zsh or fish).",
        ),
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    no_input: Annotated[
        bool,
        typer.Option(
            "--no-input", help="Never prompt (also implied without a terminal or with CI set)."
        ),
    ] = False,
    store: Annotated[
        str | None,
        typer.Option(
            "--store",
            help="Local store URL or SQLite path [env GUANCE_BILLING_STORE].",
            metavar="URL",
        ),
    ] = None,
    server: Annotated[
        str | None,
        typer.Option(
            "--server", help="Remote server URL [env GUANCE_BILLING_SERVER].", metavar="URL"
        ),
    ] = None,
    account: Annotated[
        str | None,
        typer.Option(
            "--account",
            help="Billing account (id, username, email or phone) for any command "
            "[env GUANCE_BILLING_ACCOUNT].",
            metavar="ACCOUNT",
        ),
        Live("accounts"),
    ] = None,
    profile_name: Annotated[
        str | None,
        typer.Option(
            "--profile", help="Config profile [env GUANCE_BILLING_PROFILE].", metavar="NAME"
        ),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help="Language of messages: en or zh-CN [env GUANCE_BILLING_LANG; "
            "else the profile's lang, then LC_ALL / LC_MESSAGES / LANG].",
            metavar="LANG",
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
    insecure_http: Annotated[
        bool,
        typer.Option(
            "--insecure-http",
            help="Allow sending a token or password over plain http:// to a host that is "
            "not loopback [env GUANCE_BILLING_INSECURE_HTTP].",
        ),
    ] = False,
) -> None:
    if lang is not None:
        from guance_billing_cli import i18n
        from guance_billing_cli.errors import InvalidInput

        if i18n.normalize(lang) is None:
            raise InvalidInput("not_one_of", field="lang", choices=list(i18n.LANGUAGES))
    # a shell session passes its clients and account in; the command's state replaces it
    session = ctx.obj if isinstance(ctx.obj, SessionLink) else None
    ctx.obj = AppState(
        debug=debug,
        no_input=no_input,
        store=store,
        server=server,
        profile=profile_name,
        account=account or (session.account if session is not None else None),
        lang=lang,
        ca_bundle=ca_bundle or None,
        insecure_http=insecure_http,
        session=session,
    )
