"""`guance-billing auth`: log in to a server, keep the token in the keyring, log out,
and list or end the account's sessions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from guance_billing_cli.cli.toolkit import prompts, render
from guance_billing_cli.cli.toolkit.options import JSON, OUTPUT, takes
from guance_billing_cli.cli.toolkit.state import get_state, given
from guance_billing_cli.errors import InputRequired
from guance_billing_cli.i18n import _

if TYPE_CHECKING:
    from guance_billing_cli.client.protocol import BillingClient
    from guance_billing_cli.client.sign_in import SignedIn

app = typer.Typer(no_args_is_help=True)
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


def _http(ctx: typer.Context, server: str, token: str | None = None) -> BillingClient:
    from guance_billing_cli.client.connect import server_client

    return server_client(server, settings=get_state(ctx).settings, token=token)


@app.command("login")
@takes(JSON)
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
    from guance_billing_cli.client.sign_in import SignIn

    state = get_state(ctx)
    url = _server(ctx, server)
    if bool(email) == bool(phone):
        if email or not state.interactive:
            raise InputRequired("input_missing_one_of", alternatives=["email", "phone"])
        email = prompts.text(_("Login email:"))
    # Where the token will go is checked before a server is asked for one.
    with SignIn(url, settings=state.settings, insecure_storage=insecure_storage) as login:
        if with_code:
            if request_id is None:
                sent = login.send_code(email=email, phone=phone)
                if not (code_stdin or state.interactive):
                    render.code_sent(
                        sent,
                        as_json=given(ctx).json,
                        title=_("Login code sent"),
                        next_step=_("Then: {command}").format(
                            command="guance-billing auth login --with-code --request "
                            f"{sent.request_id} --code-stdin"
                        ),
                    )
                    return
                render.info(_("A login code was sent to {sent_to}.").format(sent_to=sent.sent_to))
                request_id = sent.request_id
            code = _secret(state.interactive, code_stdin, code=True)
            done = login.with_code(email=email, phone=phone, request_id=request_id, code=code)
        else:
            password = _secret(state.interactive, password_stdin, code=False)
            done = login.with_password(email=email, phone=phone, password=password)
    _logged_in(done, as_json=given(ctx).json)


def _secret(interactive: bool, from_stdin: bool, *, code: bool) -> str:
    """The login code (``--code-stdin``) or the password (``--password-stdin``): read
    from stdin, or asked for at a terminal."""
    if code:
        flag, message, field = "--code-stdin", _("Login code:"), "code_stdin"
    else:
        flag, message, field = "--password-stdin", _("Password:"), "password"
    return prompts.secret_or_stdin(
        from_stdin, flag=flag, message=message, interactive=interactive, field=field
    )


def _logged_in(done: SignedIn, *, as_json: bool) -> None:
    """Render a login: where the token is kept, and whether the profile follows."""
    result = done.to_dict()
    if not done.in_keyring:
        render.warn(
            _("The token is stored in plaintext in {path} (mode 0600).").format(path=done.storage)
        )
    if as_json:
        render.write_json(result)
        return
    render.success(
        _("Logged in to {server} as the owner of {account}; token in {storage}.").format(
            server=done.server, account=done.account, storage=result["storage"]
        )
    )
    if not done.profile_updated:
        render.info(
            _(
                "Profile {profile!r} was left as it was (it already points elsewhere): "
                "use {options}, or a profile of its own: {command}"
            ).format(
                profile=done.profile,
                options=f"--server {done.server} --account {done.account}",
                command=f"guance-billing --profile NAME auth login --server {done.server} ...",
            )
        )


@app.command("logout")
@takes(JSON)
def logout_command(
    ctx: typer.Context,
    server: ServerOption = None,
    all_sessions: Annotated[
        bool,
        typer.Option("--all", help="End every session of the account, this one included."),
    ] = False,
) -> None:
    """Revoke the token on the server and forget it locally (keyring and file).

    With --all every session (owner token) of the account ends, on every machine.

    \b
    Example:
      guance-billing auth logout --server https://billing.example.com
      guance-billing auth logout --all --json
    """
    from guance_billing_cli.client.sign_in import sign_out

    url = _server(ctx, server)
    done = sign_out(url, settings=get_state(ctx).settings, all_sessions=all_sessions)
    if done.unrevoked is not None:  # an expired or unreachable token is still forgotten
        from guance_billing_cli.cli.toolkit.words import describe

        render.warn(
            _("could not revoke the token on the server: {why}").format(
                why=describe(done.unrevoked)
            )
        )
    if given(ctx).json:
        render.write_json(done.to_dict())
    elif all_sessions:
        render.success(
            _("Ended {count} session(s) of the account on {server}.").format(
                count=done.revoked, server=url
            )
        )
    elif done.removed_from:
        render.success(_("Logged out of {server}.").format(server=url))
    else:
        render.info(_("No stored token for {server}.").format(server=url))


@app.command("status")
@takes(JSON)
def status(ctx: typer.Context, server: ServerOption = None) -> None:
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
    render.emit(result, as_json=given(ctx).json, title=_("Authentication"))


@app.command("token")
@takes(JSON)
def token(ctx: typer.Context, server: ServerOption = None) -> None:
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
    if given(ctx).json:
        render.write_json({"server": url, "token": found.token, "storage": found.source})
    else:
        typer.echo(found.token)


def _session_client(ctx: typer.Context, server: str | None) -> BillingClient:
    from guance_billing_cli.client.sign_in import not_logged_in
    from guance_billing_cli.keys import token_store

    url = _server(ctx, server)
    found = token_store.lookup(url)
    if found.token is None:
        raise not_logged_in(url, found)
    return _http(ctx, url, token=found.token)


SESSION_COLUMNS = ("id", "name", "current", "created_at", "expires_at", "prefix")


@sessions_app.command("list")
@takes(JSON, OUTPUT)
def sessions_list(ctx: typer.Context, server: ServerOption = None) -> None:
    """List the account's active sessions; `current` marks the one in use here.

    \b
    Example:
      guance-billing auth sessions list --json
    """
    fmt = render.output_format(given(ctx).json, given(ctx).output)
    rows = _session_client(ctx, server).list_sessions()
    render.emit_rows(rows, fmt=fmt, columns=SESSION_COLUMNS, title=_("Sessions"))


@sessions_app.command("revoke")
@takes(JSON)
def sessions_revoke(
    ctx: typer.Context,
    token_id: Annotated[
        str | None, typer.Argument(help="The session (token id) to end.", metavar="ID")
    ] = None,
    all_others: Annotated[
        bool, typer.Option("--all-others", help="End every session except the one in use.")
    ] = False,
    server: ServerOption = None,
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
    result = http.revoke_session(token_id) if token_id else http.revoke_other_sessions()
    if given(ctx).json:
        render.write_json(result)
    else:
        render.success(_("Ended {count} session(s).").format(count=result.revoked))
