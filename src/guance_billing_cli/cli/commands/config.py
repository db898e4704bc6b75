"""`guance-billing config`: show, set, unset and locate the configuration."""

from __future__ import annotations

from typing import Annotated

import typer

from guance_billing_cli.cli.toolkit import render
from guance_billing_cli.cli.toolkit.options import JSON, JsonFlag, takes
from guance_billing_cli.cli.toolkit.state import get_state, given
from guance_billing_cli.i18n import _

app = typer.Typer(no_args_is_help=True)


def _redact(key: str, value: object) -> object:
    if value and any(word in key for word in ("password", "token", "secret")):
        return "***"
    return value


@app.command("show")
@takes(JSON)
def show(ctx: typer.Context) -> None:
    """Show the effective settings of the selected profile and where each comes from.

    A table of key, value and source (flag, env VAR, profile NAME or default);
    --json keeps the documented shape and adds the same rows as `values`.

    \b
    Example:
      guance-billing --profile staging config show --json
    """
    from guance_billing_cli import paths
    from guance_billing_cli.config import CONFIG_KEYS

    settings = get_state(ctx).settings
    rows = _rows(settings)
    if not given(ctx).json:
        render.emit_rows(
            [{**row, "source": _source_words(str(row["source"]))} for row in rows],
            fmt="table",
            columns=("key", "value", "source"),
            title=_("Configuration: profile {profile} ({path})").format(
                profile=settings.profile, path=paths.config_file()
            ),
        )
        return
    data: dict[str, object] = {
        "profile": settings.profile,
        "config_file": str(paths.config_file()),
        "store": settings.store_url,
        "server": settings.server_url,
        "account": settings.account,
        "sources": settings.sources,
        "settings": {
            key: _redact(key, settings.get(key))
            for key in CONFIG_KEYS
            if key not in ("store", "server", "account") and settings.get(key) is not None
        },
    }
    data["values"] = rows
    render.write_json(data)


def _source_words(source: str) -> str:
    """Where a value comes from, in the operator's language (``--json`` keeps the English)."""
    if source == "default (unset)":
        return _("default (unset)")
    if source == "default":
        return _("default")
    if source == "flag":
        return _("flag")
    for prefix, words in (
        ("profile ", _("profile {name}")),
        ("env ", _("environment variable {name}")),
        ("overridden by ", _("overridden by {name}")),
    ):
        if source.startswith(prefix):
            return words.format(name=_source_words(source.removeprefix(prefix)))
    return source


def _rows(settings: object) -> list[dict[str, object]]:
    """Every key with its effective value and where the value comes from."""
    from guance_billing_cli.config import CONFIG_KEYS, Settings

    assert isinstance(settings, Settings)
    direct = {
        "store": settings.store_url,
        "server": settings.server_url,
        "account": settings.account,
    }
    rows: list[dict[str, object]] = []
    for key in CONFIG_KEYS:
        if key in direct:
            value, source = direct[key], settings.sources.get(key)
        else:
            value, source = settings.get(key), settings.origins.get(key)
        rows.append(
            {"key": key, "value": _redact(key, value), "source": source or "default (unset)"}
        )
    return rows


@app.command("set")
@takes(JSON)
def set_(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="Setting name, e.g. store, account, smtp.host.")],
    value: Annotated[str, typer.Argument(help="New value.")],
) -> None:
    """Set a value in the selected profile (see docs/configuration.md for keys).

    \b
    Example:
      guance-billing config set store /srv/billing/billing.db
    """
    from guance_billing_cli.config import set_value

    profile = get_state(ctx).settings.profile
    path = set_value(profile, key, value)
    if given(ctx).json:
        render.write_json(
            {"profile": profile, "key": key, "value": _redact(key, value), "path": str(path)}
        )
    else:
        render.success(
            _("Set {key} in profile {profile!r} ({path}).").format(
                key=key, profile=profile, path=path
            )
        )


@app.command("unset")
@takes(JSON)
def unset(ctx: typer.Context, key: Annotated[str, typer.Argument(help="Setting name.")]) -> None:
    """Remove a value from the selected profile.

    \b
    Example:
      guance-billing config unset account
    """
    from guance_billing_cli.config import set_value

    profile = get_state(ctx).settings.profile
    path = set_value(profile, key, None)
    if given(ctx).json:
        render.write_json({"profile": profile, "key": key, "path": str(path)})
    else:
        render.success(_("Unset {key} in profile {profile!r}.").format(key=key, profile=profile))


@app.command("path")
def path(as_json: JsonFlag = False) -> None:
    """Print the path of config.toml.

    \b
    Example:
      guance-billing config path
    """
    from guance_billing_cli import paths

    if as_json:
        render.write_json(
            {"config_file": str(paths.config_file()), "data_dir": str(paths.data_dir())}
        )
    else:
        typer.echo(str(paths.config_file()))
