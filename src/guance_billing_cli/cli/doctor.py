"""`guance-billing doctor`: is everything the tool depends on in order?"""

from __future__ import annotations

import typer

from guance_billing_cli.cli import render
from guance_billing_cli.cli.options import JsonFlag
from guance_billing_cli.cli.state import get_state
from guance_billing_cli.errors import ExitCode

app = typer.Typer(help="Check store, permissions, keyring, delivery and server.")


@app.command("doctor")
def doctor(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Check store, file permissions, keyring, delivery and server; exit 10 if unhealthy.

    Each problem comes with a fix. Nothing is changed.

    \b
    Example:
      guance-billing doctor --json
    """
    from guance_billing_cli.doctor import run_checks
    from guance_billing_cli.i18n import _, translate

    findings = run_checks(get_state(ctx).settings)
    healthy = all(f.ok for f in findings)
    if as_json:
        render.write_json({"healthy": healthy, "findings": [f.to_dict() for f in findings]})
    else:
        for f in findings:
            detail, fix = f.render(translate)
            mark = "ok  " if f.ok else "FAIL"
            line = f"{mark} {f.check}: {detail}"
            typer.echo(
                line + ("\n     " + _("fix: {fix}").format(fix=fix) if not f.ok and fix else "")
            )
        typer.echo(_("healthy") if healthy else _("problems found"), err=True)
    if not healthy:
        raise typer.Exit(int(ExitCode.UNAVAILABLE))
