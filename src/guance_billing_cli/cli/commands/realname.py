"""`guance-billing realname`: show, submit and review real-name authentication."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from guance_billing_cli.cli.toolkit import prompts, render
from guance_billing_cli.cli.toolkit.options import ACCOUNT, JSON, takes
from guance_billing_cli.cli.toolkit.state import account_ref, client, get_state, given
from guance_billing_cli.errors import InputRequired, InvalidInput
from guance_billing_cli.i18n import _

app = typer.Typer(
    no_args_is_help=True,
)

FIELDS = (
    "account_id", "status", "type", "name", "tax_id", "id_number", "reason", "license",
    "submitted_at", "reviewed_at",
)  # fmt: skip
TYPES = ("enterprise", "individual")
MAX_LICENSE_BYTES = 10 * 1024 * 1024  # also enforced by the service


def show_realname(result: Any, *, as_json: bool, done: str | None = None) -> None:
    """The authentication as JSON, or as a table followed by ``done`` (a success line)."""
    title = _("Real-name authentication")
    render.result(result, as_json=as_json, title=title, fields=FIELDS, done=done)


def read_license(path: Path) -> Any:
    """The licence file as an upload; the service checks its content (PNG, JPEG, PDF)."""
    from guance_billing_cli.schemas.realname import LicenseUpload

    if not path.is_file():
        raise InvalidInput("license_unreadable", field="license", path=str(path))
    if path.stat().st_size > MAX_LICENSE_BYTES:
        limit = MAX_LICENSE_BYTES // (1024 * 1024)
        raise InvalidInput("license_too_large", field="license", limit=limit)
    try:
        content = path.read_bytes()
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        raise InvalidInput(
            "license_read_failed", field="license", path=str(path), why=why
        ) from None
    return LicenseUpload.from_bytes(path.name, content)


@app.command("show")
@takes(ACCOUNT, JSON)
def show(ctx: typer.Context) -> None:
    """Show the authentication status (the resident ID number is always masked).

    \b
    Example:
      guance-billing realname show --account acme --json
    """
    show_realname(client(ctx).get_realname(account_ref(ctx)), as_json=given(ctx).json)


@app.command("submit")
@takes(ACCOUNT, JSON)
def submit(
    ctx: typer.Context,
    type_: Annotated[
        str | None, typer.Option("--type", help="enterprise or individual.", metavar="TYPE")
    ] = None,
    name: Annotated[
        str | None, typer.Option(help="Business-licence name, or the person's name.")
    ] = None,
    tax_id: Annotated[
        str | None, typer.Option(help="Unified Social Credit Code, 18 characters (enterprise).")
    ] = None,
    id_number: Annotated[
        str | None, typer.Option(help="Resident ID number, 18 characters (individual).")
    ] = None,
    license_file: Annotated[
        Path | None,
        typer.Option("--license", help="Business licence scan: PNG, JPEG or PDF, at most 10 MB."),
    ] = None,
    replace: Annotated[
        bool,
        typer.Option("--replace", help="Replace an approved authentication (back to pending)."),
    ] = False,
) -> None:
    """Submit real-name authentication for review (status becomes pending).

    Enterprise: --name (as on the business licence) and --tax-id (Unified Social Credit
    Code, check character verified), optionally --license. Individual: --name and
    --id-number (check digit verified). A rejected submission may be resubmitted; an
    approved one is replaced only with --replace.

    \b
    Example:
      guance-billing realname submit --type enterprise --name "Acme Ltd" \\
          --tax-id 91110000600037341L --license licence.pdf --json
    """
    from guance_billing_cli.schemas.realname import RealnameSubmit

    interactive = get_state(ctx).interactive
    kind = prompts.require(
        type_, flag="--type", message=_('Authentication type:'), interactive=interactive,
        choices=TYPES,
    )  # fmt: skip
    kind = kind.strip().lower()
    enterprise = kind == "enterprise" and id_number is None
    individual = kind == "individual" and tax_id is None
    asks = [
        prompts.Ask("type", "--type", _("Authentication type:"), kind, choices=TYPES),
        prompts.Ask("name", "--name", _("Name:"), name),
        prompts.Ask("tax_id", "--tax-id", _("Unified Social Credit Code:"), tax_id,
                    required=enterprise),
        prompts.Ask("id_number", "--id-number", _("Resident ID number:"), id_number,
                    required=individual),
    ]  # fmt: skip
    license_data = read_license(license_file) if license_file is not None else None
    ref = account_ref(ctx)
    result = prompts.form(
        asks,
        lambda values: client(ctx).submit_realname(
            ref,
            RealnameSubmit(**values, license=license_data, replace=replace),  # type: ignore[arg-type]
        ),
        interactive=interactive,
    )
    show_realname(
        result, as_json=given(ctx).json, done=_("Submitted for review; status is now pending.")
    )


@app.command("review")
@takes(ACCOUNT, JSON)
def review(
    ctx: typer.Context,
    approve: Annotated[
        bool, typer.Option("--approve", help="Approve the pending submission.")
    ] = False,
    reject: Annotated[bool, typer.Option("--reject", help="Reject it (needs --reason).")] = False,
    reason: Annotated[str | None, typer.Option(help="Why it is rejected.")] = None,
) -> None:
    """Approve or reject the pending submission (a support action).

    \b
    Example:
      guance-billing realname review --account acme --reject --reason "licence unreadable"
    """
    from guance_billing_cli.schemas.realname import RealnameReview

    interactive = get_state(ctx).interactive
    if approve and reject:
        raise InvalidInput("one_of_not_both", field="approve", other_field="reject")
    if not (approve or reject):
        if not interactive:
            raise InputRequired(
                "input_missing_one_of", field="approve", alternatives=["approve", "reject"]
            )
        reject = prompts.select(_("Decision:"), ["approve", "reject"]) == "reject"
    if reject:
        reason = prompts.require(
            reason, flag="--reason", message=_("Reason for the rejection:"), interactive=interactive
        )
    decision = RealnameReview(decision="reject" if reject else "approve", reason=reason)
    result = client(ctx).review_realname(account_ref(ctx), decision)
    show_realname(
        result,
        as_json=given(ctx).json,
        done=_("Real-name authentication {status}.").format(status=result.status),
    )
