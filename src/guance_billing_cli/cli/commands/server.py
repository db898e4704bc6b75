"""`guance-billing server`: run the HTTP server, migrate its store, manage API tokens."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from guance_billing_cli.cli.commands import store as store_commands
from guance_billing_cli.cli.commands.store import StoreOption, store_url
from guance_billing_cli.cli.toolkit import prompts, render, verbs
from guance_billing_cli.cli.toolkit.options import JSON, Live, YesFlag, takes
from guance_billing_cli.cli.toolkit.state import client, get_state, given
from guance_billing_cli.errors import InvalidInput
from guance_billing_cli.i18n import N_, _

if TYPE_CHECKING:
    from guance_billing_cli.client.protocol import BillingClient

app = typer.Typer(no_args_is_help=True)
token_app = typer.Typer(help="Create, list and revoke API tokens (support).", no_args_is_help=True)
app.add_typer(token_app, name="token")

TOKEN_COLUMNS = ("id", "name", "role", "account_id", "scopes", "prefix", "expires_at", "revoked_at")


@app.command("run")
def run(
    ctx: typer.Context,
    store: StoreOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (uvicorn).", min=1)] = 1,
    migrate: Annotated[
        bool | None,
        typer.Option(
            "--migrate/--no-migrate",
            help="Migrate a store that is behind before serving. Default: yes for SQLite, "
            "no for PostgreSQL (run `server migrate` deliberately).",
        ),
    ] = None,
    access_log: Annotated[
        bool, typer.Option("--access-log/--no-access-log", help="Log each request.")
    ] = True,
    log_format: Annotated[
        str,
        typer.Option(
            "--log-format",
            help="text, or json: one object a line (request id, actor, status, latency).",
            metavar="text|json",
        ),
    ] = "text",
    log_level: Annotated[
        str,
        typer.Option(
            "--log-level",
            help="Least level logged: debug, info, warning (refusals, throttles), error (5xx).",
            metavar="LEVEL",
        ),
    ] = "info",
    tls_certfile: Annotated[
        str | None,
        typer.Option(
            "--tls-certfile", help="PEM certificate (chain) to serve HTTPS.", metavar="FILE"
        ),
    ] = None,
    tls_keyfile: Annotated[
        str | None,
        typer.Option("--tls-keyfile", help="PEM private key of --tls-certfile.", metavar="FILE"),
    ] = None,
    insecure_http: Annotated[
        bool,
        typer.Option(
            "--insecure-http",
            help="Allow plain HTTP on an address other than loopback (a trusted network only).",
        ),
    ] = False,
    trusted_proxy: Annotated[
        list[str] | None,
        typer.Option(
            "--trusted-proxy",
            help="Address of a reverse proxy that terminates TLS; its X-Forwarded-For/-Proto "
            "are believed (repeatable).",
            metavar="IP",
        ),
    ] = None,
    max_body: Annotated[
        int,
        typer.Option("--max-body", help="Largest request body, bytes (larger: 413).", min=1024),
    ] = 1024 * 1024,
    max_large_body: Annotated[
        int,
        typer.Option(
            "--max-large-body",
            help="Largest body of a batch or a licence upload, bytes.",
            min=1024,
        ),
    ] = 32 * 1024 * 1024,
    checkpoint_dir: Annotated[
        Path | None,
        typer.Option(
            "--checkpoint-dir",
            metavar="DIR",
            help="Write signed audit checkpoints to DIR (keep it off the database host).",
        ),
    ] = None,
    checkpoint_every: Annotated[
        str,
        typer.Option(
            "--checkpoint-every",
            metavar="N,TIME",
            help="Checkpoint after N events and/or TIME (30s, 10m, 1h); 'off': never. A "
            "server on PostgreSQL checkpoints into the store even without --checkpoint-dir.",
        ),
    ] = "1000,10m",
    remind_every: Annotated[
        float,
        typer.Option(
            "--remind-every",
            metavar="MINUTES",
            min=0,
            help="Send due lock-countdown reminders every MINUTES (0: never; see "
            "`workspace remind`).",
        ),
    ] = 60,
) -> None:
    """Serve the store over HTTP (FastAPI under uvicorn) until interrupted.

    Every CLI operation is one REST endpoint; OpenAPI at /openapi.json. Clients
    authenticate with a bearer token (`server token create`, `auth login`).
    An address other hosts can reach needs TLS (--tls-certfile/--tls-keyfile),
    or a reverse proxy in front (listen on 127.0.0.1, --trusted-proxy 127.0.0.1).
    SIGTERM finishes the requests in flight, then exits.

    \b
    Example:
      guance-billing server run --store postgresql+psycopg://billing@db/billing \\
          --host 0.0.0.0 --port 8443 --workers 4 \\
          --tls-certfile /etc/billing/cert.pem --tls-keyfile /etc/billing/key.pem
    """
    from guance_billing_cli.server import admin
    from guance_billing_cli.server.jobs import checkpointer

    if log_format not in ("text", "json"):
        raise InvalidInput("not_one_of", field="log_format", choices=["text", "json"])
    _logging(log_format, log_level)
    url = store_url(ctx, store)
    if remind_every > 0:  # issue 15: countdown reminders on a timer
        from guance_billing_cli.server.jobs import reminders

        reminders.start(url, every_minutes=remind_every)
    with checkpointer.running(url, checkpoint_dir, checkpoint_every):
        admin.serve(
            url,
            host=host,
            port=port,
            workers=workers,
            migrate=migrate,
            access_log=access_log,
            log_format="json" if log_format == "json" else "text",
            log_level=log_level.lower(),
            tls_certfile=tls_certfile,
            tls_keyfile=tls_keyfile,
            insecure_http=insecure_http,
            trusted_proxies=list(trusted_proxy or []),
            max_body=max_body,
            max_large_body=max_large_body,
        )


def _logging(log_format: str, log_level: str) -> None:
    """Check --log-level; with --log-format json, make stderr JSON-only from here on."""
    from guance_billing_cli.server import logs

    if log_level.lower() not in logs.LEVELS:
        raise InvalidInput("not_one_of", field="log_level", choices=list(logs.LEVELS))
    if log_format == "json":
        logs.json_only_stderr()


# `server migrate` is `store migrate` (the same options and code) with its own help.
app.command(
    "migrate",
    help="""Apply pending schema migrations (an alias of `store migrate`).

    A store written by a newer guance-billing is refused (exit 10) and left untouched.

    \b
    Example:
      guance-billing server migrate --store postgresql+psycopg://billing@db/billing
    """,
)(store_commands.migrate)


@token_app.command("create")
@takes(JSON)
def token_create(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Option(help="A name to recognise the token by.")] = None,
    role: Annotated[
        str | None,
        typer.Option(
            help="owner (one account) or support (every account).", metavar="owner|support"
        ),
    ] = None,
    account: Annotated[
        str | None,
        typer.Option("--account", help="The account an owner token reaches."),
        Live("accounts"),
    ] = None,
    scope: Annotated[
        list[str] | None,
        typer.Option("--scope", help="Limit the token, e.g. bindings (repeatable)."),
    ] = None,
    expires_days: Annotated[
        int | None,
        typer.Option(
            "--expires-days", help="Expire after N days (default: never).", min=1, max=3650
        ),
    ] = None,
) -> None:
    """Create an API token. The token is printed once; only its hash is stored.

    Runs on the store (`--store`), or on a server with a support token (`--server`).

    \b
    Example:
      guance-billing server token create --name ci-bind --role owner --account acme \\
          --scope bindings --json
    """
    from guance_billing_cli.schemas.tokens import TokenCreate

    interactive = get_state(ctx).interactive
    data = TokenCreate(
        name=prompts.require(
            name, flag="--name", message=_("Token name:"), interactive=interactive
        ),
        role=prompts.require(
            role,
            flag="--role",
            message=_("Role:"),
            interactive=interactive,
            choices=("owner", "support"),
        ),
        account=account,
        scopes=list(scope or []),
        expires_in_days=expires_days,
    )
    created = client(ctx).create_token(data)
    secret = created.token.get_secret_value()
    if given(ctx).json:
        body = render.to_data(created)
        body.update(token=secret, scope=" ".join(created.scopes) or None)
        render.write_json(body)
        return
    render.emit(
        {**render.to_data(created), "token": secret},
        as_json=False,
        title=_("API token"),
        fields=("token", "id", "name", "role", "account_id", "scopes", "expires_at"),
    )
    render.warn(_("Copy the token now: it is shown only this once."))


@token_app.command("list")
@verbs.listing(account=False, columns=TOKEN_COLUMNS, title=N_("API tokens"))
def token_list(api: BillingClient) -> Iterable[Any]:
    """List API tokens (never the secrets).

    \b
    Example:
      guance-billing server token list --output csv
    """
    return api.list_tokens()


@token_app.command("revoke")
@takes(JSON)
def token_revoke(
    ctx: typer.Context,
    token: Annotated[str, typer.Argument(help="Token id (tok_...) or name.")],
    yes: YesFlag = False,
) -> None:
    """Revoke an API token: it stops working at once, on every worker.

    \b
    Example:
      guance-billing server token revoke tok_3f9c2a1b7d04 --yes
    """
    prompts.confirm_command(
        ctx, _("Revoke token {token}?").format(token=token), yes=yes, operation="revoke_token"
    )
    revoked = client(ctx).revoke_token(token)
    render.result(
        revoked,
        as_json=given(ctx).json,
        title=_("API token"),
        fields=TOKEN_COLUMNS,
        done=_("Token {name} ({id}) is revoked.").format(name=revoked.name, id=revoked.id),
    )
