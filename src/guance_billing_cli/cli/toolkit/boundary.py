"""The one error boundary: domain errors → exit codes and messages.

``BoundaryGroup`` is the root command's class. ``invoke`` translates errors
raised by commands; ``main`` handles usage errors (so ``--json`` gets the JSON
error shape for them too) and interrupts. No traceback is printed unless
``--debug`` is set.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Sequence
from typing import Any, ClassVar

import typer
from typer.core import TyperGroup

from guance_billing_cli.errors import BillingError, ExitCode

_click_exceptions = sys.modules[typer.BadParameter.__module__]


def _debug_enabled(ctx: Any, args: Sequence[str]) -> bool:
    obj = getattr(ctx, "obj", None)
    return bool(getattr(obj, "debug", False)) or "--debug" in args


def _json_requested(ctx: Any, args: Sequence[str]) -> bool:
    obj = getattr(ctx, "obj", None)
    if getattr(obj, "json_errors", False):
        return True
    return (
        "--json" in args
        or any(a in ("-ojson", "--output=json") for a in args)
        or ("json" in args and any(a in ("-o", "--output") for a in args))
    )


def _report(error: BillingError, *, as_json: bool, hint: str = "") -> int:
    """Print ``error`` in the operator's language (JSON keys, codes and params stay as they are)."""
    from guance_billing_cli.cli.toolkit import render
    from guance_billing_cli.cli.toolkit.words import describe

    render.error(error.to_dict(message=describe(error) + hint), as_json=as_json)
    return int(error.exit_code)


def _internal(exc: BaseException) -> BillingError:
    """An unexpected exception, described without its arguments (they may hold secrets)."""
    orig = getattr(exc, "orig", None)
    return BillingError("internal", detail=type(orig or exc).__name__)


def _debug_hint() -> str:
    from guance_billing_cli.i18n import _

    return _("; run again with --debug for the traceback")


def _server_debug_hint() -> str:
    from guance_billing_cli.i18n import _

    return _(" (--debug shows only the client's side)")


def _plain_help(command: Any) -> Any:
    """No rich markup anywhere in the tree (plain help is what the start-up budget allows);
    each command's summary line in the operator's language."""
    from guance_billing_cli import i18n

    if hasattr(command, "rich_markup_mode"):
        command.rich_markup_mode = None
    command.help = i18n.summary(command.help)
    if command.short_help:
        command.short_help = i18n.translate(command.short_help)
    for sub in getattr(command, "commands", {}).values():
        _plain_help(sub)
    from guance_billing_cli.cli.toolkit.helptext import (  # issue 15: metavars as words
        localize,
        readable,
    )

    return localize(readable(command))  # issue 23: options' help and click's words translated


def _option_value(args: Sequence[str], name: str) -> str | None:
    """The value of a global option (``--lang zh-CN`` or ``--lang=zh-CN``) before parsing;
    the last one given wins, as it does when parsed."""
    found = None
    for index, arg in enumerate(args):
        if arg == "--":
            break
        if arg == name and index + 1 < len(args):
            found = args[index + 1]
        elif arg.startswith(name + "="):
            found = arg.split("=", 1)[1]
    return found


class BoundaryGroup(TyperGroup):
    # name -> (module with a Typer ``app``, the group's help); filled by app.py
    lazy_commands: ClassVar[dict[str, tuple[str, str]]] = {}

    def list_commands(self, ctx: Any) -> list[str]:
        eager = super().list_commands(ctx)
        return eager + [name for name in self.lazy_commands if name not in eager]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in self.lazy_commands:
            command = self._built(cmd_name)
        return command

    def _built(self, cmd_name: str) -> Any:
        """A lazy group, built once per language: its help is worded when built, and a
        ``shell`` session keeps the root, so a group built for ``--lang zh-CN`` must
        not answer the next command's ``--help`` in Chinese."""
        from guance_billing_cli import i18n

        key = (cmd_name, i18n.current())
        built = self.__dict__.setdefault("_by_language", {})
        if key not in built:
            from importlib import import_module

            from typer.main import get_command

            module_name, group_help = self.lazy_commands[cmd_name]
            module = import_module(module_name)
            module.app.info.help = group_help
            module.app._add_completion = False  # only the root may offer shell completion
            command = _plain_help(get_command(module.app))
            command.name = cmd_name
            built[key] = command
        return built[key]

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """List groups from their help, without importing their modules."""
        from guance_billing_cli import i18n

        rows = []
        for name in self.list_commands(ctx):
            built = self.commands.get(name) or self.__dict__.get("_by_language", {}).get(
                (name, i18n.current())
            )
            if built is not None:
                rows.append((name, built.get_short_help_str(limit=formatter.width)))
                continue
            rows.append((name, i18n.translate(self.lazy_commands[name][1])))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    #: the arguments ``main`` was given (CliRunner does not set sys.argv)
    _argv: ClassVar[list[str]] = []

    def invoke(self, ctx: Any) -> Any:
        args = BoundaryGroup._argv or sys.argv[1:]
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, _click_exceptions.ClickException):
            raise
        except KeyboardInterrupt:
            sys.stderr.write("interrupted\n")
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
        except BillingError as error:
            if _debug_enabled(ctx, args):
                import traceback

                traceback.print_exc()
            hint = _server_debug_hint() if error.reason == "internal_server" else ""
            raise typer.Exit(
                _report(error, as_json=_json_requested(ctx, args), hint=hint)
            ) from None
        except BrokenPipeError:
            raise typer.Exit(0) from None
        except Exception as exc:  # the boundary: any bug becomes exit 1 without a traceback
            if _debug_enabled(ctx, args):
                import traceback

                traceback.print_exc()
            as_json = _json_requested(ctx, args)
            raise typer.Exit(_report(_internal(exc), as_json=as_json, hint=_debug_hint())) from None
        finally:
            obj = getattr(ctx, "obj", None)
            if obj is not None and hasattr(obj, "close"):
                with contextlib.suppress(Exception):  # closing must not mask the result
                    obj.close()

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        from guance_billing_cli.cli.completion import argv as anywhere

        if anywhere.needs_hoisting(argv):
            argv = anywhere.hoist(argv, self)
        from guance_billing_cli import i18n
        from guance_billing_cli.config import resolve_language

        # This command's language and arguments, for its length only: a command run in
        # a `shell` session gives the session's back when it ends.
        saved_argv, BoundaryGroup._argv = BoundaryGroup._argv, argv
        language = resolve_language(
            flag=_option_value(argv, "--lang"), profile=_option_value(argv, "--profile")
        )
        spoken = i18n.speak(language)
        from guance_billing_cli.cli.toolkit.helptext import english, localize

        self.help = i18n.summary(english(self))
        localize(self)  # the global options' help, click's words
        try:
            code = self._main(argv, prog_name, complete_var, windows_expand_args, **extra)
        finally:
            i18n.restore(spoken)
            BoundaryGroup._argv = saved_argv
        if standalone_mode:
            sys.exit(code)
        return code

    def _main(
        self,
        argv: list[str],
        prog_name: str | None,
        complete_var: str | None,
        windows_expand_args: bool,
        **extra: Any,
    ) -> int:
        try:
            rv = super().main(
                args=argv,
                prog_name=prog_name,
                complete_var=complete_var,
                standalone_mode=False,
                windows_expand_args=windows_expand_args,
                **extra,
            )
            code = rv if isinstance(rv, int) else 0
        except _click_exceptions.ClickException as exc:
            from guance_billing_cli.cli.toolkit import usage

            if _json_requested(None, argv):
                body = {"code": "usage_error", "message": usage.message(exc), "exit_code": 2}
                from guance_billing_cli.cli.toolkit import render

                render.error(body, as_json=True)
            elif isinstance(exc, _click_exceptions.UsageError):
                usage.show(exc)
            else:
                exc.show()
            code = exc.exit_code
        except typer.Abort:
            sys.stderr.write("interrupted\n")
            code = int(ExitCode.INTERRUPTED)
        except KeyboardInterrupt:
            sys.stderr.write("interrupted\n")
            code = int(ExitCode.INTERRUPTED)
        return int(code)
