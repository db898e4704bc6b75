"""`guance-billing auth`: log in to a server, keep the token in the keyring, log out,
and list or end the account's sessions."""

from __future__ import annotations

import socket
from typing import Annotated, Any

import typer

from guance_billing_cli.cli.toolkit import prompts, render
from guance_billing_cli.cli.toolkit.options import JsonFlag, OutputFormat
from guance_billing_cli.cli.toolkit.state import get_state
from guance_billing_cli.errors import InputRequired
from guance_billing_cli.i18n import _

app = typer.Typer(
    help="Log in to a guance-billing server and manage the stored token.", no_args_is_help=True
)
sessions_app = typer.Typer(
    help="List and end the sessions (owner tokens) of the account you are logged in to.",
    no_args_is_help=True,
)
app.add_typer(sessions_app, name="sessions")

ServerOption = Annotated[
    str | None,
    typer.Option(
        "--server",
        help="Server URL (default: the global --server / GUANCE_BILLING_SERVER / profile).",
        metavar="URL",
    ),
]


def _server(ctx: typer.Context, flag: str | None) -> str:
    from guance_billing_cli.keys.token_store import normalize_server

    url = flag or get_state(ctx).settings.server_url
    if not url:
        raise InputRequired("no_server_selected", field="server")
    return normalize_server(url)


def _http(ctx: typer.Context, server: str, token: str | None = None) -> Any:
    from guance_billing_cli.client.http import HttpClient

    state = get_state(ctx)
    http = HttpClient(
        server,
        settings=state.settings,
        token=token,
        ca_bundle=state.settings.ca_bundle,
        insecure_http=state.settings.insecure_http,
    )
    return http


@app.command("login")
def login_command(
    ctx: typer.Context,
    server: ServerOption = None,
    email: Annotated[str | None, typer.Option(help="Log in with the account's email.")] = None,
    phone: Annotated[str | None, typer.Option(help="Log in with the account's phone.")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
    with_code: Annotated[
        bool, typer.Option("--with-code", help="Log in with a one-time code sent to the address.")
    ] = False,
    request_id: Annotated[
        str | None,
        typer.Option("--request", help="With --with-code: the request id of a code already sent."),
    ] = None,
    code_stdin: Annotated[
        bool, typer.Option("--code-stdin", help="With --with-code: read the code from stdin.")
    ] = False,
    insecure_storage: Annotated[
        bool,
        typer.Option(
            "--insecure-storage",
            help="Without a usable keyring, keep the token in a plaintext file (mode 0600).",
        ),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Log in to a server as the owner of one billing account.

    The server answers with an owner token, kept in the OS keyring (service
    guance-billing, user = server URL). The profile then points at the server and
    the account, unless it already points at a store, another server, or an account
    of a local store: such a profile is left as it was (use --profile NAME).

    With --with-code a one-time code goes to the address instead. At a terminal the
    command then asks for it; without one it prints the request id, and a second
    call with --request ID --code-stdin completes the login.

    \b
    Example:
      printf '%s\\n' "$PASSWORD" | guance-billing auth login --server https://billing.example.com \\
          --email ops@acme.com --password-stdin --json
      guance-billing auth login --email ops@acme.com --with-code --json   # -> request_id
      guance-billing auth login --email ops@acme.com --with-code --request lgn_... --code-stdin
    """
    from pydantic import SecretStr

    from guance_billing_cli.config import profile_is_free_for, set_value
    from guance_billing_cli.errors import Unavailable
    from guance_billing_cli.keys import token_store
    from guance_billing_cli.schemas.tokens import LoginCodeRequest, LoginRequest

    state = get_state(ctx)
    url = _server(ctx, server)
    if bool(email) == bool(phone):
        if email or not state.interactive:
            raise InputRequired("input_missing_one_of", alternatives=["email", "phone"])
        email = prompts.text(_("Login email:"))
    # Check where the token will go before asking the server for one.
    problem = token_store.check_keyring()
    if problem and not insecure_storage:
        raise Unavailable(
            "token_storage",
            field="insecure_storage",
            why=problem,
            path=str(token_store.credentials_file()),
        )
    http = _http(ctx, url)
    token_name = f"on {socket.gethostname()}"[:40]
    if with_code:
        if request_id is None:
            sent = http.send_login_code(LoginCodeRequest(email=email, phone=phone))
            if not (code_stdin or state.interactive):
                render.code_sent(
                    sent,
                    as_json=as_json,
                    title=_("Login code sent"),
                    next_step=_("Then: {command}").format(
                        command="guance-billing auth login --with-code --request "
                        f"{sent.request_id} --code-stdin"
                    ),
                )
                return
            render.info(_("A login code was sent to {sent_to}.").format(sent_to=sent.sent_to))
            request_id = sent.request_id
        code = prompts.secret_or_stdin(
            code_stdin,
            flag="--code-stdin",
            message=_("Login code:"),
            interactive=state.interactive,
            field="code_stdin",
        )
        request = LoginRequest(
            email=email,
            phone=phone,
            request_id=request_id,
            code=SecretStr(code),
            token_name=token_name,
        )
    else:
        password = prompts.secret_or_stdin(
            password_stdin,
            flag="--password-stdin",
            message=_("Password:"),
            interactive=state.interactive,
            field="password",
        )
        request = LoginRequest(
            email=email, phone=phone, password=SecretStr(password), token_name=token_name
        )
    created = http.login(request)
    replaced = _revoke_replaced(ctx, url)
    storage = token_store.save(
        url, created.token.get_secret_value(), insecure_storage=insecure_storage
    )
    profile = state.settings.profile
    # Point the profile at the server only when that retargets nothing the user chose.
    profile_updated = profile_is_free_for(profile, url)
    if profile_updated:
        set_value(profile, "server", url)
        set_value(profile, "account", created.account_id)
    result = {
        "server": url,
        "account": created.account_id,
        "role": created.role,
        "storage": "keyring" if storage == "keyring" else "file",
        "path": None if storage == "keyring" else storage,
        "token_id": created.id,
        "replaced_token_revoked": replaced,
        "expires_at": created.expires_at.isoformat() if created.expires_at else None,
        "profile": profile,
        "profile_updated": profile_updated,
    }
    if storage != "keyring":
        render.warn(
            _("The token is stored in plaintext in {path} (mode 0600).").format(path=storage)
        )
    if as_json:
        render.write_json(result)
    else:
        render.success(
            _("Logged in to {server} as the owner of {account}; token in {storage}.").format(
                server=url, account=created.account_id, storage=result["storage"]
            )
        )
        if not profile_updated:
            render.info(
                _(
                    "Profile {profile!r} was left as it was (it already points elsewhere): "
                    "use {options}, or a profile of its own: {command}"
                ).format(
                    profile=profile,
                    options=f"--server {url} --account {created.account_id}",
                    command=f"guance-billing --profile NAME auth login --server {url} ...",
                )
            )


def _revoke_replaced(ctx: typer.Context, url: str) -> str | None:
    """Revoke the stored token a new login replaces (its id), so it does not stay
    valid, stored nowhere. A token that no longer works is simply dropped."""
    from guance_billing_cli.errors import BillingError
    from guance_billing_cli.keys import token_store

    found = token_store.lookup(url)
    if not found.token or found.source == "env":
        return None
    try:
        return str(_http(ctx, url, token=found.token).logout().id)
    except BillingError:  # expired, revoked or unreachable: nothing left to revoke here
        return None


@app.command("logout")
def logout_command(
    ctx: typer.Context,
    server: ServerOption = None,
    all_sessions: Annotated[
        bool,
        typer.Option("--all", help="End every session of the account, this one included."),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Revoke the token on the server and forget it locally (keyring and file).

    With --all every session (owner token) of the account ends, on every machine.

    \b
    Example:
      guance-billing auth logout --server https://billing.example.com
      guance-billing auth logout --all --json
    """
    from guance_billing_cli.errors import BillingError
    from guance_billing_cli.keys import token_store

    url = _server(ctx, server)
    found = token_store.lookup(url)
    revoked: Any = None
    if all_sessions:
        if not found.token:
            raise _not_logged_in(url, found)
        revoked = _http(ctx, url, token=found.token).logout_all().revoked
    elif found.token and found.source != "env":
        try:
            revoked = _http(ctx, url, token=found.token).logout().id
        except BillingError as exc:  # an expired or unreachable token is still forgotten
            from guance_billing_cli.cli.toolkit.words import describe

            render.warn(
                _("could not revoke the token on the server: {why}").format(why=describe(exc))
            )
    removed = token_store.delete(url)
    result = {"server": url, "revoked": revoked, "removed_from": removed}
    if as_json:
        render.write_json(result)
    elif all_sessions:
        render.success(
            _("Ended {count} session(s) of the account on {server}.").format(
                count=revoked, server=url
            )
        )
    elif removed:
        render.success(_("Logged out of {server}.").format(server=url))
    else:
        render.info(_("No stored token for {server}.").format(server=url))


@app.command("status")
def status(ctx: typer.Context, server: ServerOption = None, as_json: JsonFlag = False) -> None:
    """Show the server, account and role of the token in use, and where it is kept.

    Exit 4 when there is no token or the server refuses it.

    \b
    Example:
      guance-billing auth status --json
    """
    from guance_billing_cli.errors import AuthenticationFailed
    from guance_billing_cli.keys import token_store

    url = _server(ctx, server)
    found = token_store.lookup(url)
    if found.token is None:
        raise AuthenticationFailed(
            "not_logged_in",
            next_step="login",
            server=url,
            storage=None,
            keyring_error=found.keyring_error,
        )
    me = _http(ctx, url, token=found.token).whoami()
    result = {
        "server": url,
        "account": me.account_id,
        "username": me.username,
        "role": me.role,
        "scopes": me.scopes,
        "token_id": me.token_id,
        "storage": found.source,
        "keyring_error": found.keyring_error,
    }
    render.emit(result, as_json=as_json, title=_("Authentication"))


@app.command("token")
def token(ctx: typer.Context, server: ServerOption = None, as_json: JsonFlag = False) -> None:
    """Print the token in use for the server (for scripts: `export GUANCE_BILLING_TOKEN=...`).

    With --json: {"server", "token", "storage"}.

    \b
    Example:
      guance-billing auth token --server https://billing.example.com
    """
    from guance_billing_cli.errors import AuthenticationFailed
    from guance_billing_cli.keys import token_store

    url = _server(ctx, server)
    found = token_store.lookup(url)
    if found.token is None:
        raise AuthenticationFailed(
            "not_logged_in", next_step="login", server=url, keyring_error=found.keyring_error
        )
    if as_json:
        render.write_json({"server": url, "token": found.token, "storage": found.source})
    else:
        typer.echo(found.token)


def _not_logged_in(url: str, found: Any) -> Exception:
    from guance_billing_cli.errors import AuthenticationFailed

    return AuthenticationFailed(
        "not_logged_in", next_step="login", server=url, keyring_error=found.keyring_error
    )


def _session_client(ctx: typer.Context, server: str | None) -> Any:
    from guance_billing_cli.keys import token_store

    url = _server(ctx, server)
    found = token_store.lookup(url)
    if found.token is None:
        raise _not_logged_in(url, found)
    return _http(ctx, url, token=found.token)


SESSION_COLUMNS = ("id", "name", "current", "created_at", "expires_at", "prefix")


@sessions_app.command("list")
def sessions_list(
    ctx: typer.Context,
    server: ServerOption = None,
    as_json: JsonFlag = False,
    output: OutputFormat = None,
) -> None:
    """List the account's active sessions; `current` marks the one in use here.

    \b
    Example:
      guance-billing auth sessions list --json
    """
    fmt = render.output_format(as_json, output)
    rows = _session_client(ctx, server).list_sessions()
    render.emit_rows(rows, fmt=fmt, columns=SESSION_COLUMNS, title=_("Sessions"))


@sessions_app.command("revoke")
def sessions_revoke(
    ctx: typer.Context,
    token_id: Annotated[
        str | None, typer.Argument(help="The session (token id) to end.", metavar="ID")
    ] = None,
    all_others: Annotated[
        bool, typer.Option("--all-others", help="End every session except the one in use.")
    ] = False,
    server: ServerOption = None,
    as_json: JsonFlag = False,
) -> None:
    """End one session of the account, or all but the one in use.

    \b
    Example:
      guance-billing auth sessions revoke tok_0123456789ab
      guance-billing auth sessions revoke --all-others --json
    """
    from guance_billing_cli.errors import InvalidInput

    if bool(token_id) == all_others:
        raise InvalidInput("exactly_one_of", field="id", fields=["ID", "all_others"])
    http = _session_client(ctx, server)
    result = http.revoke_other_sessions() if all_others else http.revoke_session(token_id)
    if as_json:
        render.write_json(result)
    else:
        render.success(_("Ended {count} session(s).").format(count=result.revoked))
