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
    from guance_billing_cli.cli.toolkit.helptext import readable  # issue 15: metavars as words

    return readable(command)


def _option_value(args: Sequence[str], name: str) -> str | None:
    """The value of a global option (``--lang zh-CN`` or ``--lang=zh-CN``) before parsing."""
    for index, arg in enumerate(args):
        if arg == "--":
            break
        if arg == name and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


class BoundaryGroup(TyperGroup):
    # name -> module with a Typer ``app``; filled by app.py
    lazy_commands: ClassVar[dict[str, str]] = {}

    def list_commands(self, ctx: Any) -> list[str]:
        eager = super().list_commands(ctx)
        return eager + [name for name in self.lazy_commands if name not in eager]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in self.lazy_commands:
            from importlib import import_module

            from typer.main import get_command

            module = import_module(self.lazy_commands[cmd_name])
            module.app._add_completion = False  # only the root may offer shell completion
            command = _plain_help(get_command(module.app))
            command.name = cmd_name
            self.commands[cmd_name] = command
        return command

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """List groups from their Typer's help without building their commands."""
        from importlib import import_module

        from guance_billing_cli import i18n

        rows = []
        for name in self.list_commands(ctx):
            built = self.commands.get(name)
            if built is not None:
                rows.append((name, built.get_short_help_str(limit=formatter.width)))
                continue
            info = import_module(self.lazy_commands[name]).app.info
            text = info.help if isinstance(info.help, str) else ""
            first = text.strip().splitlines()[0] if text.strip() else ""
            rows.append((name, i18n.translate(first) if first else ""))
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
        BoundaryGroup._argv = argv
        from guance_billing_cli import i18n

        i18n.request(flag=_option_value(argv, "--lang"), profile=_option_value(argv, "--profile"))
        self.help = i18n.summary(self.help)
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
        if standalone_mode:
            sys.exit(code)
        return code
