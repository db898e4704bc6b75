"""Options shared by many commands, defined once, and the ``Live`` marker.

A parameter whose value names a live object (an account, a cloud account, a workspace,
an open request …) says so in its type: ``Live(kind)`` in the ``Annotated`` metadata,
beside the ``typer.Option``/``typer.Argument``. Typer ignores metadata it does not know;
completion (``cli/completion/engine.py``) reads the kind from there and offers the
store's or server's values of that kind (``services/suggestions.QUERIES``)::

    CloudArg = Annotated[str, typer.Argument(metavar="CLOUD"), Live("cloud_accounts")]
"""

from __future__ import annotations

from typing import Annotated, Any

import typer


class Live:
    """``Annotated`` metadata: the parameter takes live values of ``kind`` (one of
    ``schemas/suggest_kinds.SUGGEST_KINDS``), which completion offers."""

    __slots__ = ("kind",)

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __repr__(self) -> str:
        return f"Live({self.kind!r})"


def _remember_json(ctx: typer.Context, value: bool) -> bool:
    if value:
        from guance_billing_cli.cli.toolkit.state import get_state

        get_state(ctx).json_errors = True
    return value


def _remember_output(ctx: typer.Context, value: str | None) -> str | None:
    if value == "json":
        from guance_billing_cli.cli.toolkit.state import get_state

        get_state(ctx).json_errors = True
    return value


JsonFlag = Annotated[
    bool,
    typer.Option("--json", help="Print one JSON document on stdout.", callback=_remember_json),
]
OutputFormat = Annotated[
    str | None,
    typer.Option(
        "--output",
        "-o",
        help="Output format: table, json, ndjson or csv.",
        callback=_remember_output,
        metavar="FORMAT",
    ),
]


def _account(ctx: typer.Context, param: typer.CallbackParam, value: str | None) -> Any:
    """A command's ``--account``: given on its own, it wins; else the global ``--account``
    (or a ``shell`` session's account, which stands there), which wins over
    ``GUANCE_BILLING_ACCOUNT``: flag > environment > profile."""
    from guance_billing_cli.cli.toolkit.state import get_state

    source = ctx.get_parameter_source(param.name or "")
    if source is not None and source.name == "COMMANDLINE":
        return value
    return get_state(ctx).account or value


AccountOption = Annotated[
    str | None,
    typer.Option(
        "--account",
        envvar="GUANCE_BILLING_ACCOUNT",
        callback=_account,
        show_envvar=True,
        help="Billing account (id, username, email or phone). Default: the profile's.",
    ),
    Live("accounts"),
]
YesFlag = Annotated[
    bool,
    typer.Option("--yes", "-y", help="Do not ask for confirmation (needed without a terminal)."),
]
