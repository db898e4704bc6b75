"""`guance-billing bindings`: which workspaces settle through which cloud account, as code.

``plan`` compares a desired-state file with the store, ``apply`` makes the store
match it (one transaction), ``export`` writes today's state as such a file.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from guance_billing_cli.cli.toolkit import bindings_file, render
from guance_billing_cli.cli.toolkit.options import ACCOUNT, JSON, Live, YesFlag, takes
from guance_billing_cli.cli.toolkit.state import account_ref, client, get_state, given
from guance_billing_cli.i18n import _

if TYPE_CHECKING:
    from guance_billing_cli.schemas.bindings import BindingsApplied, BindingsPlan, PlanRow

app = typer.Typer(
    no_args_is_help=True,
)

COLUMNS = ("workspace_id", "action", "from", "to", "state", "reason")
CHANGES = ("bind", "move", "unbind")
FORMATS = ("table", "markdown", "json")
TABLE_ROWS = 50  # beyond this the table leaves out the unchanged rows

File = Annotated[
    str,
    typer.Argument(help="Desired-state file (TOML), or - for stdin.", metavar="FILE"),
]
Format = Annotated[
    str | None,
    typer.Option(
        "--format", metavar="FORMAT", help="table (default), markdown (a CI job summary) or json."
    ),
]
DetailedExitcode = Annotated[
    bool,
    typer.Option(
        "--detailed-exitcode",
        help="Exit 0 when nothing would change, 2 when changes are pending, 6 when some rows "
        "cannot be applied (other failures keep their codes).",
    ),
]


@app.command("plan")
@takes(ACCOUNT, JSON)
def plan(
    ctx: typer.Context,
    file: File,
    out: Annotated[
        str | None,
        typer.Option(
            "--out", metavar="PLAN", help="Also write the plan to PLAN for `apply --plan`."
        ),
    ] = None,
    detailed_exitcode: DetailedExitcode = False,
    fmt: Format = None,
) -> None:
    """Show what apply would change, row by row.

    Nothing is written. Each workspace named in FILE (and each one bound to an `exclusive` cloud
    account but not listed under it) gets an action: bind, move, unbind,
    unchanged, or refused with the reason (the same rules as `cloud bind`).

    \b
    Exit codes: 0 on success; with --detailed-exitcode 0 = nothing to change,
    2 = changes pending, 6 = some rows cannot be applied. Note that 2 is also a
    usage error (a malformed FILE): check stderr, or use --json and read the
    error's code, to tell them apart.

    \b
    Example:
      guance-billing bindings plan bindings.toml
      guance-billing bindings plan bindings.toml --out plan.json --format markdown
      guance-billing bindings plan bindings.toml --detailed-exitcode --json
    """
    from guance_billing_cli.errors import RuleViolation
    from guance_billing_cli.schemas.bindings import BindingsPlanRequest

    output = render.output_format(given(ctx).json, fmt, formats=FORMATS, field="format")
    desired = bindings_file.read_desired(file)
    request = BindingsPlanRequest(desired=desired, account=account_ref(ctx))
    result = client(ctx).plan_bindings(request)
    if out:
        bindings_file.write_plan(out, result)
    show_plan(result, output)
    if detailed_exitcode:
        if result.refused:
            refused = [r.workspace_id for r in result.rows if r.action == "refused"]
            raise RuleViolation(
                "bindings_plan_refused", count=len(refused), workspaces=", ".join(refused[:20])
            )
        if result.changes:
            raise typer.Exit(2)


@app.command("apply")
@takes(ACCOUNT, JSON)
def apply(
    ctx: typer.Context,
    file: Annotated[
        str | None,
        typer.Argument(help="Desired-state file (TOML), or - for stdin.", metavar="FILE"),
    ] = None,
    plan_file: Annotated[
        str | None,
        typer.Option("--plan", metavar="PLAN", help="Apply a plan saved by `plan --out`."),
    ] = None,
    skip_refused: Annotated[
        bool,
        typer.Option("--skip-refused", help="Apply the other rows when some are refused (exit 9)."),
    ] = False,
    yes: YesFlag = False,
    fmt: Format = None,
) -> None:
    """Make the store match a file, all or nothing.

    With --plan, nothing is changed if any planned row changed since the plan
    (plan_stale). Refused rows stop the apply (nothing changed) unless
    --skip-refused. Applying twice changes nothing the second time. Asks for
    confirmation at a terminal; without one, pass --yes.

    \b
    Example:
      guance-billing bindings apply bindings.toml --yes
      guance-billing bindings plan bindings.toml --out plan.json && \\
          guance-billing bindings apply --plan plan.json --yes
    """
    from guance_billing_cli.cli.toolkit import prompts
    from guance_billing_cli.errors import BatchPartlyFailed, InvalidInput
    from guance_billing_cli.schemas.bindings import BindingsApplyRequest, BindingsPlanRequest

    output = render.output_format(given(ctx).json, fmt, formats=FORMATS, field="format")
    if (file is None) == (plan_file is None):
        raise InvalidInput("exactly_one_of", fields=["FILE", "plan"])
    if plan_file is not None:
        saved = bindings_file.read_plan(plan_file)
        desired, ref, expected = saved.desired, saved.account, _expected(saved)
    else:
        assert file is not None
        desired, ref, expected = bindings_file.read_desired(file), account_ref(ctx), None
    billing = client(ctx)
    if not yes:
        if not get_state(ctx).interactive:  # never wait: say which flag confirms
            prompts.confirm_or_require_yes(
                "", yes=False, interactive=False, operation="apply_bindings"
            )
        # At a terminal: show the plan, ask, then apply exactly what was shown.
        shown = billing.plan_bindings(BindingsPlanRequest(desired=desired, account=ref))
        expected = expected if expected is not None else _expected(shown)
        show_plan(shown, "table")
        if not shown.changes and not shown.refused:
            return
        if not shown.refused or skip_refused:  # else the apply says why, changing nothing
            prompts.confirm_or_require_yes(
                _("Apply these {count} change(s)?").format(count=shown.changes),
                yes=False,
                interactive=True,
                operation="apply_bindings",
            )
    request = BindingsApplyRequest(
        desired=desired, account=ref, expected=expected, skip_refused=skip_refused
    )
    result = billing.apply_bindings(request)
    show_applied(result, output)
    if result.skipped:
        raise BatchPartlyFailed("bindings_skipped", skipped=result.skipped)


def _expected(saved: BindingsPlan) -> list[Any]:
    from guance_billing_cli.schemas.bindings import PlannedRow

    return [
        PlannedRow(workspace_id=r.workspace_id, action=r.action, to=r.to, fingerprint=r.fingerprint)
        for r in saved.rows
    ]


@app.command("export")
@takes(ACCOUNT, JSON)
def export(
    ctx: typer.Context,
    cloud: Annotated[
        list[str] | None,
        typer.Option("--cloud", metavar="CLD", help="Only this cloud account (repeatable)."),
        Live("cloud_accounts"),
    ] = None,
) -> None:
    """Write today's bindings as a TOML file.

    Every cloud account (or those given with --cloud) is written `exclusive`
    with the workspaces that settle through it; without --cloud, the workspaces
    that settle through the billing center too. `bindings plan` of the result
    shows no change: the way a team starts.

    \b
    Example:
      guance-billing bindings export > bindings.toml
      guance-billing bindings export --cloud cld_3f9c2a1b7d04
      guance-billing bindings export --json    # the same state as JSON (the API's shape)
    """
    from guance_billing_cli.errors import NotFound
    from guance_billing_cli.schemas.settlement import WorkspaceFilter

    ref = account_ref(ctx)
    billing = client(ctx)
    clouds = list(billing.list_cloud_accounts(ref))
    if cloud:
        known = {c.id for c in clouds}
        for wanted in cloud:
            if wanted not in known:
                raise NotFound("cloud_account_not_found", ref=wanted)
        clouds = [c for c in clouds if c.id in set(cloud)]
    bound: dict[str, list[str]] = {c.id: [] for c in clouds}
    center: list[str] | None = None if cloud else []
    for ws in billing.list_workspaces(ref, WorkspaceFilter()):
        if ws.state == "dissolved":
            continue
        if ws.cloud_account_id in bound:
            bound[ws.cloud_account_id].append(ws.id)
        elif center is not None and ws.settlement == "billing_center":
            center.append(ws.id)
    if given(ctx).json:
        from guance_billing_cli.schemas.bindings import DesiredCloud, DesiredState

        state = DesiredState(
            clouds=[
                DesiredCloud(cloud_account_id=c.id, workspaces=bound[c.id], exclusive=True)
                for c in clouds
            ],
            billing_center=center,
        )
        sys.stdout.write(state.model_dump_json(indent=2) + "\n")
        return
    text = bindings_file.export_text(ref, [(c, bound[c.id]) for c in clouds], center)
    sys.stdout.write(text)


# -- showing a plan ------------------------------------------------------------------------
def _reason_words(row: PlanRow) -> str:
    from guance_billing_cli.cli.toolkit.words import describe
    from guance_billing_cli.errors import BillingError

    words = describe(BillingError(row.reason_code, **(row.params or {}))) if row.reason_code else ""
    if row.source == "exclusive" and row.reason_code != "not_listed_exclusive":
        # a refused row of an exclusive account: say why it is in the plan at all
        held_by = (row.from_ or "").partition(":")[2]
        note = describe(BillingError("not_listed_exclusive", cloud_account_id=held_by))
        return f"{note}; {words}" if words else note
    return words or row.reason or ""


def _state(row: PlanRow) -> str:
    if row.locks_at and row.state == "countdown":
        return _("countdown, locks {date}").format(date=row.locks_at[:10])
    return row.state or ""


def _cells(row: PlanRow) -> dict[str, Any]:
    return {
        "workspace_id": row.workspace_id,
        "action": row.action,
        "from": row.from_,
        "to": row.to,
        "state": _state(row),
        "reason": _reason_words(row),
    }


def summary_line(summary: dict[str, int]) -> str:
    return _(
        "{bind} to bind, {move} to move, {unbind} to unbind, {unchanged} unchanged, "
        "{refused} refused"
    ).format(**{k: summary.get(k, 0) for k in ("bind", "move", "unbind", "unchanged", "refused")})


def applied_line(summary: dict[str, int]) -> str:
    return _(
        "{bind} bound, {move} moved, {unbind} unbound, {unchanged} unchanged, "
        "{refused} refused and skipped"
    ).format(**{k: summary.get(k, 0) for k in ("bind", "move", "unbind", "unchanged", "refused")})


def show_plan(result: BindingsPlan, output: str) -> None:
    if output == "json":
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
        return
    if output == "markdown":
        sys.stdout.write(markdown(result.rows, result.summary, title=_("Bindings plan")))
        return
    _table(result.rows)
    if not result.changes and not result.refused:
        render.success(_("No changes: the store matches the file."))
    else:
        render.info(_("Plan: {summary}.").format(summary=summary_line(result.summary)))


def show_applied(result: BindingsApplied, output: str) -> None:
    if output == "json":
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
        return
    if output == "markdown":
        sys.stdout.write(
            markdown(result.rows, result.summary, title=_("Bindings applied"), applied=True)
        )
    else:
        _table([r for r in result.rows if r.action != "unchanged"])
    if not result.changes:
        render.success(_("Nothing to change: the store already matches."))
    else:
        render.success(_("Applied: {summary}.").format(summary=applied_line(result.summary)))


def _table(rows: list[PlanRow]) -> None:
    shown = rows if len(rows) <= TABLE_ROWS else [r for r in rows if r.action != "unchanged"]
    if shown:
        render.emit_rows([_cells(r) for r in shown], fmt="table", columns=COLUMNS)
    if len(shown) < len(rows):
        render.info(
            _("{count} unchanged row(s) not shown; --json shows every row").format(
                count=len(rows) - len(shown)
            )
        )


def _md(value: Any) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(
    rows: list[PlanRow], summary: dict[str, int], *, title: str, applied: bool = False
) -> str:
    """A GitHub-flavoured Markdown summary: changes and refusals first, unchanged folded."""
    from guance_billing_cli.cli.toolkit.words import label

    head = "| " + " | ".join(label(c) for c in COLUMNS) + " |"
    rule = "|" + " --- |" * len(COLUMNS)

    def table(part: list[PlanRow]) -> list[str]:
        lines = [head, rule]
        for row in part:
            cells = _cells(row)
            cells["workspace_id"] = f"`{row.workspace_id}`"
            cells["action"] = f"**{row.action}**" if row.action != "unchanged" else row.action
            lines.append("| " + " | ".join(_md(cells[c]) for c in COLUMNS) + " |")
        return lines

    line = applied_line(summary) if applied else summary_line(summary)
    out = [f"### {title}", "", line, ""]
    active = [r for r in rows if r.action != "unchanged"]
    same = [r for r in rows if r.action == "unchanged"]
    if active:
        out += [*table(active), ""]
    else:
        out += [_("No changes: the store matches the file."), ""]
    if same:
        label_same = _("{count} unchanged").format(count=len(same))
        out += [f"<details><summary>{label_same}</summary>", "", *table(same), "", "</details>", ""]
    return "\n".join(out)
