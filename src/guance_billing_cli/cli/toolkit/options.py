"""Options shared by many commands, defined once, and the ``Live`` marker.

A parameter whose value names a live object (an account, a cloud account, a workspace,
an open request …) says so in its type: ``Live(kind)`` in the ``Annotated`` metadata,
beside the ``typer.Option``/``typer.Argument``. Typer ignores metadata it does not know;
completion (``cli/completion/engine.py``) reads the kind from there and offers the
store's or server's values of that kind (``services/suggestions.QUERIES``)::

    CloudArg = Annotated[str, typer.Argument(metavar="CLOUD"), Live("cloud_accounts")]
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import cached_property
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
    from guance_billing_cli.cli.toolkit.state import get_state

    get_state(ctx).given.json = value
    return value


def _remember_output(ctx: typer.Context, value: str | None) -> str | None:
    from guance_billing_cli.cli.toolkit.state import get_state

    get_state(ctx).given.output = value
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

    state = get_state(ctx)
    source = ctx.get_parameter_source(param.name or "")
    given = source is not None and source.name == "COMMANDLINE"
    state.given.account = value if given else state.account or value
    return state.given.account


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


# -- the options most commands take, declared once ------------------------------------


class Shared:
    """An option many commands take: its parameter's name, declaration and default. Its
    callback keeps the value in the command's ``AppState``; the command reads it there
    (``state.given(ctx)``, ``state.account_ref(ctx)``)."""

    __slots__ = ("declaration", "default", "name")

    def __init__(self, name: str, declaration: Any, default: Any) -> None:
        self.name, self.declaration, self.default = name, declaration, default


ACCOUNT = Shared("account", AccountOption, None)
JSON = Shared("as_json", JsonFlag, False)
OUTPUT = Shared("output", OutputFormat, None)

Command = Callable[..., None]


def takes(*shared: Shared) -> Callable[[Command], Command]:
    """The command also takes the options ``shared`` (``--account``, ``--json``,
    ``--output``), after its own, without restating them in its signature::

        @app.command("change")
        @takes(ACCOUNT, JSON)
        def change(ctx: typer.Context, password_stdin: PasswordStdin = False) -> None:
            ref = account_ref(ctx)
            ...
            render.emit(result, as_json=given(ctx).json, ...)

    Typer reads the parameters of the command this returns: ``command``'s own, then the
    shared ones (keyword-only); it runs ``command`` without them (their callbacks have
    kept their values in the ``AppState``)."""

    def build(command: Command) -> Command:
        return _Taking(command, shared)

    return build


class _Taking:
    """``command`` as Typer sees it with the options ``shared`` after its own. The
    signature is worked out when first read: a group's module is also imported only for
    its line in the root ``--help``, which never reads it."""

    def __init__(self, command: Command, shared: tuple[Shared, ...]) -> None:
        self._command, self._shared = command, shared
        for attribute in ("__name__", "__qualname__", "__module__", "__doc__"):
            setattr(self, attribute, getattr(command, attribute))

    def __call__(self, **values: Any) -> None:
        names = {option.name for option in self._shared}
        self._command(**{name: value for name, value in values.items() if name not in names})

    @cached_property
    def __signature__(self) -> inspect.Signature:
        own = inspect.signature(self._command, eval_str=True).parameters.values()
        keyword = inspect.Parameter.KEYWORD_ONLY
        extra = [
            inspect.Parameter(o.name, keyword, annotation=o.declaration, default=o.default)
            for o in self._shared
        ]
        return inspect.Signature([*own, *extra], return_annotation=None)

    @property
    def __annotations__(self) -> dict[str, Any]:  # type: ignore[override]
        return {p.name: p.annotation for p in self.__signature__.parameters.values()}
