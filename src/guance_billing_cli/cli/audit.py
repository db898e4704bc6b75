"""`guance-billing audit`: list the audit trail and verify its hash chain."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer

from guance_billing_cli.cli import render
from guance_billing_cli.cli.options import JsonFlag, OutputFormat
from guance_billing_cli.cli.state import client
from guance_billing_cli.errors import InvalidInput, RuleViolation

app = typer.Typer(help="Inspect the append-only audit trail.", no_args_is_help=True)

COLUMNS = ("id", "at", "actor", "action", "target", "account_id", "before", "after")
RELATIVE = re.compile(r"^(\d+)([smhdw])$")
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_when(value: str | None, flag: str) -> datetime | None:
    """ISO 8601 date/time (UTC if no zone) or a relative age such as 30m, 24h, 7d."""
    if value is None:
        return None
    text = value.strip()
    match = RELATIVE.fullmatch(text)
    if match:
        from guance_billing_cli import clock

        return clock.now() - timedelta(**{UNITS[match.group(2)]: int(match.group(1))})
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(
            f"{flag} must be an ISO 8601 date/time or an age like 30m, 24h, 7d", field=flag[2:]
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@app.command("list")
def list_(
    ctx: typer.Context,
    account: Annotated[
        str | None, typer.Option("--account", help="Only events of this billing account.")
    ] = None,
    action: Annotated[
        str | None,
        typer.Option(help="Only actions starting with this prefix (e.g. cloud., email.change)."),
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="From this time (ISO 8601 or 30m/24h/7d ago).")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Before this time (ISO 8601 or age).")] = None,
    as_json: JsonFlag = False,
    output: OutputFormat = None,
) -> None:
    """List audit events, oldest first. Secrets are never recorded.

    \b
    Example:
      guance-billing audit list --account acme --since 7d --json
    """
    from guance_billing_cli.schemas.audit import AuditQuery

    fmt = render.output_format(as_json, output)
    query = AuditQuery(
        account=account,
        action=action,
        since=parse_when(since, "--since"),
        until=parse_when(until, "--until"),
    )
    render.emit_rows(
        client(ctx).list_audit_events(query), fmt=fmt, columns=COLUMNS, title="Audit trail"
    )


@app.command("verify")
def verify(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Check the audit hash chain; exit 6 naming the first edited, removed or reordered event.

    \b
    Example:
      guance-billing audit verify --json
    """
    result = client(ctx).verify_audit()
    if as_json and result.ok:
        render.write_json(result)
    if not result.ok:
        raise RuleViolation(
            f"audit chain broken at event {result.first_bad_id}: {result.problem} "
            f"({result.checked} events before it verified)",
            first_bad_id=result.first_bad_id,
            checked=result.checked,
        )
    if not as_json:
        render.success(f"Audit chain intact: {result.checked} events verified.")
