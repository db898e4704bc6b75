"""`guance-billing status`: where a command will go, as whom, before running it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from guance_billing_cli.cli.toolkit import render
from guance_billing_cli.cli.toolkit.options import JSON, takes
from guance_billing_cli.cli.toolkit.state import get_state, given
from guance_billing_cli.i18n import N_, _

if TYPE_CHECKING:
    from guance_billing_cli.config import Settings

app = typer.Typer()

STATUS_FIELDS = (
    "version", "profile", "profile_source", "target", "store", "server", "account",
    "account_source", "username", "role", "scopes", "token_storage", "config_file", "problem",
)  # fmt: skip


def _local(settings: Settings, found: dict[str, Any]) -> None:
    import os

    from guance_billing_cli.config import redact_url, sqlite_path

    found["store"] = redact_url(settings.store_url)
    found["role"] = "support (local store operator)"
    path = sqlite_path(settings.store_url)
    if path is not None and not os.path.exists(path):
        found["problem"] = _("the store file does not exist yet; the first command creates it")
        return
    if settings.account:
        from guance_billing_cli.client.connect import connect

        client = connect(settings)
        try:
            account = client.get_account(settings.account)
            found["account"], found["username"] = account.id, account.username
        finally:
            client.close()


def _remote(server: str, settings: Settings, found: dict[str, Any]) -> None:
    from guance_billing_cli.client.connect import server_client
    from guance_billing_cli.keys import token_store

    url = token_store.normalize_server(server)
    found["server"] = url
    token = token_store.lookup(url)
    found["token_storage"] = token.source or "none"
    if token.token is None:
        found["problem"] = _("not logged in: run {command}").format(
            command=f"`guance-billing auth login --server {url}`"
        ) + (f" ({token.keyring_error})" if token.keyring_error else "")
        return
    remote = server_client(url, settings=settings, token=token.token)
    try:
        me = remote.whoami()
        found["role"], found["scopes"] = me.role, me.scopes or None
        found["account"], found["username"] = me.account_id, me.username
        if settings.account and me.role == "support":  # the account commands will act on
            account = remote.get_account(settings.account)
            found["account"], found["username"] = account.id, account.username
    finally:
        remote.close()


@app.command("status")
@takes(JSON)
def status(ctx: typer.Context) -> None:
    """Show where commands go: store or server, profile, account, role, token, version.

    Reads only; never prompts. A problem (not logged in, server unreachable,
    unknown account) is shown in `problem`; the exit code is 0 unless the
    configuration itself is broken (2).

    \b
    Example:
      guance-billing status
      guance-billing --profile staging status --json
    """
    from guance_billing_cli import __version__, paths
    from guance_billing_cli.errors import BillingError

    state = get_state(ctx)
    settings = state.settings
    found: dict[str, Any] = {
        "version": __version__,
        "profile": settings.profile,
        "profile_source": settings.profile_source,
        "target": "server" if settings.server_url else "store",
        "store": None,
        "server": None,
        "account": settings.account,
        "account_source": settings.sources.get("account"),
        "username": None,
        "role": None,
        "scopes": None,
        "token_storage": None,
        "config_file": str(paths.config_file()),
        "problem": None,
    }
    try:
        if settings.server_url:
            _remote(settings.server_url, settings, found)
        else:
            _local(settings, found)
    except BillingError as error:  # shown, not fatal: status must describe a broken setup
        from guance_billing_cli.cli.toolkit.words import describe

        found["problem"] = describe(error)
    if given(ctx).json:
        render.write_json(found)
        return
    render.emit(_shown(found), as_json=False, title=_("Status"), fields=STATUS_FIELDS)


#: status values that are words for a person (``--json`` keeps them as they are)
_WORDS = {
    "support (local store operator)": N_("support (local store operator)"),
    "config default_profile or built-in default": N_("config default_profile or built-in default"),
    "flag": N_("flag"),
    "default": N_("default"),
    "store": N_("store"),
    "server": N_("server"),
    "none": N_("none"),
    "keyring": N_("keyring"),
    "file": N_("file"),
    "env": N_("environment variable"),
}


def _shown(found: dict[str, Any]) -> dict[str, Any]:
    """``found`` for the table: its fixed words in the operator's language."""
    shown = dict(found)
    for key in ("profile_source", "account_source", "target", "role", "token_storage"):
        value = shown.get(key)
        if not isinstance(value, str):
            continue
        if value in _WORDS:
            shown[key] = _(_WORDS[value])
        elif value.startswith("profile "):  # "profile NAME"
            shown[key] = _("profile {name}").format(name=value.removeprefix("profile "))
        elif value.startswith("env "):  # "env VARIABLE"
            shown[key] = _("environment variable {name}").format(name=value.removeprefix("env "))
    return shown
