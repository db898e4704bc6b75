"""Commands that are one call and its rendering, written once: a ``list``, a ``show``
and a confirmed step on one object (confirm → call → render).

Each builder returns the function a command runs; the command registers it with its
help, so the help stays beside the command and in the catalog::

    app.command("show", help=\"\"\"Show one cloud account. …\"\"\")(
        verbs.show(
            CloudArg,
            lambda api, cloud, account: api.get_cloud_account(cloud, account=account),
            title=N_("Cloud account"),
            fields=CLOUD_FIELDS,
        )
    )

Titles are marked with ``N_`` and worded when the command runs; the object's argument
is the noun's alias (``CloudArg`` …), so its help, metavar and ``Live`` kind come along.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import typer

from guance_billing_cli.cli.toolkit import prompts, render
from guance_billing_cli.cli.toolkit.options import AccountOption, JsonFlag, OutputFormat, YesFlag
from guance_billing_cli.cli.toolkit.state import account_ref, client
from guance_billing_cli.i18n import _

Command = Callable[..., None]
#: how a step's result is shown: ``shown(result, ref, as_json)``
Shown = Callable[[Any, str, bool], None]


def listing(
    rows: Callable[[Any, str], Iterable[Any]], *, columns: Sequence[str], title: str
) -> Command:
    """``list``: ``rows(client, account)`` of the selected account; --account, --json,
    --output (table, json, ndjson, csv)."""

    def command(
        ctx: typer.Context,
        account: AccountOption = None,
        as_json: JsonFlag = False,
        output: OutputFormat = None,
    ) -> None:
        render.listing(
            lambda: rows(client(ctx), account_ref(ctx, account)),
            as_json=as_json,
            output=output,
            columns=columns,
            title=_(title),
        )

    return command


def show(
    argument: Any,
    get: Callable[[Any, str, str | None], Any],
    *,
    title: str,
    fields: Sequence[str],
) -> Command:
    """``show``: ``get(client, ref, account)`` of the object ``argument`` names; --account,
    --json."""

    def command(
        ctx: typer.Context, ref: str, account: AccountOption = None, as_json: JsonFlag = False
    ) -> None:
        render.emit(get(client(ctx), ref, account), as_json=as_json, title=_(title), fields=fields)

    command.__annotations__["ref"] = argument
    return command


def confirmed(
    argument: Any,
    call: Callable[[Any, str, str | None], Any],
    *,
    question: Callable[[str], str],
    operation: str,
    shown: Shown,
    params: Callable[[str], dict[str, str]] | None = None,
) -> Command:
    """A step on the object ``argument`` names that a person confirms (or ``--yes``):
    ``question(ref)`` is asked, ``call(client, ref, account)`` runs, ``shown(result,
    ref, as_json)`` renders it. ``operation`` (and ``params(ref)``) name it in the refusal
    without a terminal."""

    def command(
        ctx: typer.Context,
        ref: str,
        account: AccountOption = None,
        yes: YesFlag = False,
        as_json: JsonFlag = False,
    ) -> None:
        prompts.confirm_command(
            ctx,
            question(ref),
            yes=yes,
            operation=operation,
            params=params(ref) if params is not None else None,
        )
        shown(call(client(ctx), ref, account), ref, as_json)

    command.__annotations__["ref"] = argument
    return command
