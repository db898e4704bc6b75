"""`guance-billing doctor`: is everything the tool depends on in order?"""

from __future__ import annotations

import typer

from guance_billing_cli.cli.toolkit import render
from guance_billing_cli.cli.toolkit.options import JSON, takes
from guance_billing_cli.cli.toolkit.state import get_state, given
from guance_billing_cli.errors import ExitCode
from guance_billing_cli.i18n import N_

#: the name of each check as a person reads it (``--json`` keeps the English ``check``)
CHECK_NAMES = {
    "store": N_("store"),
    "permissions": N_("permissions"),
    "secret key": N_("secret key"),
    "keyring": N_("keyring"),
    "email delivery": N_("email delivery"),
    "sms delivery": N_("sms delivery"),
    "delivery": N_("delivery"),
    "server": N_("server"),
    "clock": N_("clock"),
    "store writable": N_("store writable"),
    "store key": N_("store key"),
    "audit trail": N_("audit trail"),
    "disk space": N_("disk space"),
}

app = typer.Typer()


def _pad(text: str, cells: int) -> str:
    """``text`` padded to ``cells`` terminal columns (a CJK character takes two)."""
    import unicodedata

    width = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, cells - width)


@app.command("doctor")
@takes(JSON)
def doctor(ctx: typer.Context) -> None:
    """Check store, file permissions, keyring, delivery and server; exit 10 if unhealthy.

    Each problem comes with a fix. Nothing is changed.

    \b
    Example:
      guance-billing doctor --json
    """
    from guance_billing_cli.cli.toolkit.doctor_checks import run_checks
    from guance_billing_cli.i18n import _, translate

    findings = run_checks(get_state(ctx).settings)
    healthy = all(f.ok for f in findings)
    if given(ctx).json:
        render.write_json({"healthy": healthy, "findings": [f.to_dict() for f in findings]})
    else:
        for f in findings:
            detail, fix = f.render(translate)
            mark = _("ok") if f.ok else _("FAIL")
            name = translate(CHECK_NAMES[f.check]) if f.check in CHECK_NAMES else f.check
            line = f"{_pad(mark, 4)} {name}: {detail}"
            typer.echo(
                line + ("\n     " + _("fix: {fix}").format(fix=fix) if not f.ok and fix else "")
            )
        typer.echo(_("healthy") if healthy else _("problems found"), err=True)
    if not healthy:
        raise typer.Exit(int(ExitCode.UNAVAILABLE))
