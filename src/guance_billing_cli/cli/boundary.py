"""The one error boundary: domain errors → exit codes and messages.

``BoundaryGroup`` is the root command's class. ``invoke`` translates errors
raised by commands; ``main`` handles usage errors (so ``--json`` gets the JSON
error shape for them too) and interrupts. No traceback is printed unless
``--debug`` is set.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

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
    return "--json" in args or any(a in ("-ojson", "--output=json") for a in args) or (
        "json" in args and any(a in ("-o", "--output") for a in args)
    )


def _report(error: BillingError, *, as_json: bool) -> int:
    from guance_billing_cli.cli import render

    render.error(error.to_dict(), as_json=as_json)
    return int(error.exit_code)


def _internal(exc: BaseException) -> BillingError:
    """An unexpected exception, described without its arguments (they may hold secrets)."""
    orig = getattr(exc, "orig", None)
    detail = type(orig or exc).__name__
    return BillingError(
        f"internal error ({detail}); run again with --debug for the traceback"
    )


class BoundaryGroup(TyperGroup):
    def invoke(self, ctx: Any) -> Any:
        args = sys.argv[1:]
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
            raise typer.Exit(_report(error, as_json=_json_requested(ctx, args))) from None
        except BrokenPipeError:
            raise typer.Exit(0) from None
        except Exception as exc:
            if _debug_enabled(ctx, args):
                import traceback

                traceback.print_exc()
            raise typer.Exit(_report(_internal(exc), as_json=_json_requested(ctx, args))) from None
        finally:
            obj = getattr(ctx, "obj", None)
            if obj is not None and hasattr(obj, "close"):
                try:
                    obj.close()
                except Exception:
                    pass

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
        try:
            rv = super().main(
                args=argv, prog_name=prog_name, complete_var=complete_var,
                standalone_mode=False, windows_expand_args=windows_expand_args, **extra,
            )
            code = rv if isinstance(rv, int) else 0
        except _click_exceptions.ClickException as exc:
            if _json_requested(None, argv):
                body = {"code": "usage_error", "message": exc.format_message(), "exit_code": 2}
                from guance_billing_cli.cli import render

                render.error(body, as_json=True)
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
