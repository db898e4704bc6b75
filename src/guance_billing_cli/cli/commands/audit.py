"""`guance-billing audit`: list the trail, verify it, sign checkpoints, export for auditors."""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from guance_billing_cli.cli.toolkit import render
from guance_billing_cli.cli.toolkit.options import JSON, OUTPUT, Live, takes
from guance_billing_cli.cli.toolkit.state import client, given
from guance_billing_cli.errors import InputRequired, InvalidInput, RuleViolation
from guance_billing_cli.i18n import _

app = typer.Typer(no_args_is_help=True)

COLUMNS = ("id", "at", "actor", "action", "target", "account_id", "before", "after")
RELATIVE = re.compile(r"^(\d+)([smhdw])$")
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}

#: the filters `audit list` and `audit export` share
EventsAccount = Annotated[
    str | None,
    typer.Option("--account", help="Only events of this billing account."),
    Live("accounts"),
]
Since = Annotated[str | None, typer.Option(help="From this time (ISO 8601 or 30m/24h/7d ago).")]
OutputFile = Annotated[
    Path | None, typer.Option("--output", "-o", metavar="FILE", help="Write to FILE.")
]


def parse_when(value: str | None, flag: str) -> datetime | None:
    """ISO 8601 date/time (UTC if no zone) or a relative age such as 30m, 24h, 7d."""
    if value is None:
        return None
    text = value.strip()
    match = RELATIVE.fullmatch(text)
    if match:
        # this machine's clock: the face reads no service's time source (services.clock)
        return datetime.now(UTC) - timedelta(**{UNITS[match.group(2)]: int(match.group(1))})
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput("invalid_when", field=flag[2:], value=text) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@app.command("list")
@takes(JSON, OUTPUT)
def list_(
    ctx: typer.Context,
    account: EventsAccount = None,
    action: Annotated[
        str | None,
        typer.Option(help="Only actions starting with this prefix (e.g. cloud., email.change)."),
    ] = None,
    since: Since = None,
    until: Annotated[str | None, typer.Option(help="Before this time (ISO 8601 or age).")] = None,
) -> None:
    """List audit events, oldest first. Secrets are never recorded.

    \b
    Example:
      guance-billing audit list --account acme --since 7d --json
    """
    from guance_billing_cli.schemas.audit import AuditQuery

    fmt = render.output_format(given(ctx).json, given(ctx).output)
    query = AuditQuery(
        account=account,
        action=action,
        since=parse_when(since, "--since"),
        until=parse_when(until, "--until"),
    )
    render.emit_rows(
        client(ctx).list_audit_events(query), fmt=fmt, columns=COLUMNS, title=_("Audit trail")
    )


PathOption = Annotated[Path | None, typer.Option(metavar="PATH")]


@app.command("verify")
@takes(JSON)
def verify(
    ctx: typer.Context,
    checkpoints: Annotated[
        Path | None,
        typer.Option(
            "--checkpoints",
            metavar="DIR",
            help="Also check against the signed checkpoints in DIR (truncation, re-chaining).",
        ),
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file", metavar="EXPORT", help="Verify an `audit export` file offline (no store)."
        ),
    ] = None,
    public_key: Annotated[
        Path | None,
        typer.Option(
            "--public-key",
            metavar="KEY",
            help="PEM public key the checkpoints must be signed with (`audit public-key`).",
        ),
    ] = None,
) -> None:
    """Check the audit trail; exit 6 naming the first edited, removed, added or reordered event.

    With --checkpoints DIR, the trail must also match every signed checkpoint in DIR:
    a trail cut short or re-chained with the key is caught, and the checkpoint that
    proves it is named. With --file EXPORT --public-key KEY, an export is checked
    offline, without the store or any secret.

    \b
    Example:
      guance-billing audit verify --checkpoints /srv/audit-checkpoints --json
      guance-billing audit verify --file export.jsonl --public-key audit.pub
    """
    from guance_billing_cli.audit import files as audit_files

    key_text = audit_files.read_text(public_key, field="public_key") if public_key else None
    if file is not None:
        if key_text is None:
            raise InputRequired("needs_public_key", field="file", other_field="public_key")
        _verify_export(file, key_text, as_json=given(ctx).json)
        return
    from guance_billing_cli.schemas.audit import AuditVerifyRequest, SignedCheckpoint

    found = audit_files.read_checkpoints(checkpoints) if checkpoints else []
    request = AuditVerifyRequest(
        checkpoints=[SignedCheckpoint(**item) for item in found], public_key=key_text
    )
    result = client(ctx).verify_audit(request)
    _refuse_broken(
        result, ("audit_chain_proved_broken", "audit_chain_broken"), checked=result.checked
    )
    if given(ctx).json:
        render.write_json(result)
        return
    if result.checkpoints:
        intact = _(
            "Audit chain intact: {checked} events verified against {checkpoints} signed "
            "checkpoints."
        )
    else:
        intact = _("Audit chain intact: {checked} events verified.")
    render.success(intact.format(checked=result.checked, checkpoints=result.checkpoints))
    if result.unanchored:
        render.info(
            _(
                "{count} events after the newest checkpoint are covered by the keyed chain only."
            ).format(count=result.unanchored)
        )


def _refuse_broken(result: Any, codes: tuple[str, str], **more: Any) -> None:
    """A chain that does not verify is refused (exit 6) naming its first bad event:
    ``codes[0]`` when a signed checkpoint proves it, else ``codes[1]``."""
    if not result.ok:
        raise RuleViolation(
            codes[0] if result.checkpoint else codes[1],
            problem=result.problem,
            first_bad_id=result.first_bad_id,
            **more,
            checkpoint=result.checkpoint,
        )


def _verify_export(file: Path, key_text: str, *, as_json: bool) -> None:
    from dataclasses import asdict

    from guance_billing_cli.audit import offline as audit_offline
    from guance_billing_cli.audit import proof as audit_proof

    try:
        key = audit_proof.load_public_key(key_text)
    except audit_proof.ProofError as exc:
        raise InvalidInput("invalid_value", field="public_key", why=str(exc)) from None
    try:
        with file.open(encoding="utf-8") as handle:
            result = audit_offline.verify_export(handle, key)
    except OSError as exc:
        raise InvalidInput(
            "file_unreadable", field="file", path=str(file), why=exc.strerror
        ) from None
    except UnicodeDecodeError:
        raise InvalidInput("not_a_text_file", field="file", path=str(file)) from None
    except audit_proof.ProofError as exc:
        raise RuleViolation("export_unverified", why=str(exc), checkpoint=exc.checkpoint) from None
    _refuse_broken(result, ("export_proved_broken", "export_broken"))
    if as_json:
        render.write_json(asdict(result))
        return
    render.success(
        _(
            "Export verified offline: {events} events ({withheld} withheld, outside the filter) "
            "match {checkpoints} checkpoints signed by key {key_id}."
        ).format(
            events=result.events,
            withheld=result.withheld,
            checkpoints=result.checkpoints,
            key_id=result.key_id,
        )
    )


@app.command("checkpoint")
@takes(JSON)
def checkpoint(
    ctx: typer.Context,
    directory: Annotated[
        Path | None,
        typer.Option("--dir", metavar="DIR", help="Write checkpoint-<store>-<seq>.json in DIR."),
    ] = None,
    output: OutputFile = None,
) -> None:
    """Sign the trail's current end: a checkpoint to keep outside the store (default: stdout).

    The statement names the store, the last event id, its link, the event count, the
    time and the previous checkpoint's digest, and is signed with Ed25519.

    \b
    Example:
      guance-billing audit checkpoint --dir /srv/audit-checkpoints
    """
    from guance_billing_cli.audit import files as audit_files
    from guance_billing_cli.errors import BillingError, Unavailable

    if directory is not None:
        audit_files.check_writable(directory, directory=True, field="dir")
    elif output is not None:
        audit_files.check_writable(output, directory=False, field="output")
    signed = client(ctx).write_audit_checkpoint()
    text = audit_files.checkpoint_text(signed.statement, signed.signature)
    if directory is None and output is None:
        sys.stdout.write(text)
        return
    try:
        if directory is not None:
            path = audit_files.write_checkpoint(directory, signed.label or "checkpoint", text)
        else:
            assert output is not None
            path = _write_file(output, text)
    except BillingError as exc:  # signed and recorded already: do not lose it
        sys.stdout.write(text)
        from guance_billing_cli.cli.toolkit.words import describe

        raise Unavailable(
            "checkpoint_not_written",
            why=describe(exc),
            sequence=signed.statement["sequence"],
            why_code=exc.reason if exc.registered else None,
            why_params=exc.params,
        ) from None
    summary = _summary(signed.statement) | {"file": str(path)}
    if given(ctx).json:
        render.write_json(summary)
    else:
        render.success(
            _(
                "Checkpoint {sequence} written to {path}: {count} events, up to event {last}."
            ).format(
                sequence=summary["sequence"],
                path=path,
                count=summary["event_count"],
                last=summary["last_event_id"],
            )
        )


def _summary(statement: dict[str, Any]) -> dict[str, Any]:
    names = ("store_id", "sequence", "last_event_id", "event_count", "created_at")
    return {name: statement.get(name) for name in names}


def _write_file(path: Path, text: str) -> Path:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(
            "file_unwritable", field="output", path=str(path), why=exc.strerror
        ) from None
    return path


@app.command("public-key")
@takes(JSON)
def public_key_(ctx: typer.Context, output: OutputFile = None) -> None:
    """Print the public key that verifies checkpoints (PEM). It holds no secret.

    \b
    Example:
      guance-billing audit public-key -o audit.pub
    """
    key = client(ctx).audit_public_key()
    if given(ctx).json:
        render.write_json(key)
    elif output is not None:
        _write_file(output, key.pem)
        render.success(
            _("Public key {key_id} written to {path}.").format(key_id=key.key_id, path=output)
        )
    else:
        sys.stdout.write(key.pem)


@app.command("export")
def export(
    ctx: typer.Context,
    account: EventsAccount = None,
    since: Since = None,
    output: OutputFile = None,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Accepted for symmetry: the export is JSON lines already."),
    ] = False,
) -> None:
    """Write events and the checkpoints that cover them as JSON lines, for an auditor.

    Events of the covered stretch outside the filter are listed as `withheld`
    (id, time, account, digest) so the export proves nothing was left out. Check it
    with `audit verify --file EXPORT --public-key KEY`.

    \b
    Example:
      guance-billing audit export --account acme --since 30d -o acme-audit.jsonl
    """
    from guance_billing_cli.schemas.audit import AuditExportQuery

    query = AuditExportQuery(account=account, since=parse_when(since, "--since"))
    try:
        handle = output.open("w", encoding="utf-8") if output else sys.stdout
    except OSError as exc:
        raise InvalidInput(
            "file_unwritable", field="output", path=str(output), why=exc.strerror
        ) from None
    lines = client(ctx).export_audit(query)
    trailer: dict[str, Any] = {}
    try:
        for line in lines:
            handle.write(json.dumps({"kind": line.kind, **line.data}, ensure_ascii=False) + "\n")
            if line.kind == "end":
                trailer = line.data
    finally:
        if output:
            handle.close()
    render.info(
        _("Exported {events} events ({withheld} withheld).").format(
            events=trailer.get("events", 0), withheld=trailer.get("withheld", 0)
        )
    )
    if trailer.get("uncovered"):
        render.warn(
            _(
                "{count} matching events are newer than the newest checkpoint and were not "
                "exported; run {command} first."
            ).format(count=trailer["uncovered"], command="guance-billing audit checkpoint")
        )
