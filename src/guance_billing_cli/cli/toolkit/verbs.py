"""Commands that are one call and its rendering, written once: a ``list``, a ``show``
and a confirmed step on one object (confirm → call → render).

A command of that kind is written as its call alone, with its help as the docstring; the
verb below it builds the command Typer runs (options, rendering) around it::

    @app.command("show")
    @verbs.show(CloudArg, title=N_("Cloud account"), fields=CLOUD_FIELDS)
    def show(api: BillingClient, cloud: str, account: str | None) -> Any:
        \"\"\"Show one cloud account. …\"\"\"
        return api.get_cloud_account(cloud, account=account)

Titles are marked with ``N_`` and worded when the command runs; the object's argument
is the noun's alias (``CloudArg`` …), so its help, metavar and ``Live`` kind come along.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import typer

from guance_billing_cli.cli.toolkit import prompts, render
from guance_billing_cli.cli.toolkit.options import ACCOUNT, JSON, OUTPUT, YesFlag, takes
from guance_billing_cli.cli.toolkit.state import account_ref, client, given
from guance_billing_cli.i18n import _

if TYPE_CHECKING:
    from guance_billing_cli.client.protocol import BillingClient

Command = Callable[..., None]
#: how a step's result is shown: ``shown(result, ref, as_json)``
Shown = Callable[[Any, str, bool], None]


def _as(spec: Callable[..., Any], command: Command, argument: Any = None) -> Command:
    """``command`` under the name and help of ``spec`` (not wrapping it: Typer reads the
    parameters of ``command``), with ``argument`` as the type of its ``ref``."""
    command.__name__ = spec.__name__
    command.__qualname__ = spec.__qualname__
    command.__module__ = spec.__module__
    command.__doc__ = spec.__doc__
    if argument is not None:
        command.__annotations__["ref"] = argument
    return command


def listing(
    *, columns: Sequence[str], title: str, account: bool = True
) -> Callable[[Callable[..., Iterable[Any]]], Command]:
    """``list``: the rows ``spec(client, account)`` gives for the selected account
    (--account), or ``spec(client)`` with ``account=False`` (what is not one account's);
    --json, --output (table, json, ndjson, csv)."""

    def build(spec: Callable[..., Iterable[Any]]) -> Command:
        def command(ctx: typer.Context) -> None:
            def rows() -> Iterable[Any]:  # asked after --output is checked
                return spec(client(ctx), *([account_ref(ctx)] if account else []))

            flags = given(ctx)
            render.listing(
                rows, as_json=flags.json, output=flags.output, columns=columns, title=_(title)
            )

        return takes(*([ACCOUNT] if account else []), JSON, OUTPUT)(_as(spec, command))

    return build


def show(
    argument: Any, *, title: str, fields: Sequence[str]
) -> Callable[[Callable[[BillingClient, str, str | None], Any]], Command]:
    """``show``: ``spec(client, ref, account)`` of the object ``argument`` names;
    --account, --json."""

    def build(spec: Callable[[BillingClient, str, str | None], Any]) -> Command:
        def command(ctx: typer.Context, ref: str) -> None:
            found = spec(client(ctx), ref, given(ctx).account)
            render.emit(found, as_json=given(ctx).json, title=_(title), fields=fields)

        return takes(ACCOUNT, JSON)(_as(spec, command, argument))

    return build


def confirmed(
    argument: Any,
    *,
    question: Callable[[str], str],
    operation: str,
    shown: Shown,
    params: Callable[[str], dict[str, str]] | None = None,
) -> Callable[[Callable[[BillingClient, str, str | None], Any]], Command]:
    """A step on the object ``argument`` names that a person confirms (or ``--yes``):
    ``question(ref)`` is asked, ``spec(client, ref, account)`` runs, ``shown(result,
    ref, as_json)`` renders it. ``operation`` (and ``params(ref)``) name it in the
    refusal without a terminal."""

    def build(spec: Callable[[BillingClient, str, str | None], Any]) -> Command:
        def command(ctx: typer.Context, ref: str, yes: YesFlag = False) -> None:
            prompts.confirm_command(
                ctx,
                question(ref),
                yes=yes,
                operation=operation,
                params=params(ref) if params is not None else None,
            )
            shown(spec(client(ctx), ref, given(ctx).account), ref, given(ctx).json)

        return takes(ACCOUNT, JSON)(_as(spec, command, argument))

    return build
