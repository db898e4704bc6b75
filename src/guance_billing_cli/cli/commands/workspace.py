"""`guance-billing workspace`: add, list, show, move, unlock, dissolve."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from guance_billing_cli.cli.toolkit import batchfile, batchview, prompts, render, verbs
from guance_billing_cli.cli.toolkit.options import ACCOUNT, JSON, OUTPUT, Live, takes
from guance_billing_cli.cli.toolkit.state import account_ref, client, get_state, given
from guance_billing_cli.errors import InvalidInput
from guance_billing_cli.i18n import N_, _

if TYPE_CHECKING:
    from guance_billing_cli.client.protocol import BillingClient

app = typer.Typer(no_args_is_help=True)

SITES = ("cn1", "cn2", "cn4", "cn6", "us1", "eu1", "ap1", "za1", "id1")
WORKSPACE_COLUMNS = (
    "id", "name", "site", "settlement", "cloud_account_id", "state", "locks_at", "days_left",
)  # fmt: skip
WORKSPACE_FIELDS = (
    "id",
    "name",
    "site",
    "account_id",
    "settlement",
    "cloud_account_id",
    "state",
    "settlement_changed_at",
    "countdown_started_at",
    "locks_at",
    "days_left",
    "dissolved_at",
    "created_at",
)
PAGE_SIZE = 50

WorkspaceArg = Annotated[
    str, typer.Argument(help="Workspace id.", metavar="WS"), Live("workspaces")
]


def _show_change(change: Any, *, as_json: bool, done: str, same: str) -> None:
    if as_json:
        render.write_json({**render.to_data(change.workspace), "changed": change.changed})
        return
    render.emit(change.workspace, as_json=False, title=_("Workspace"), fields=WORKSPACE_FIELDS)
    if change.changed:
        render.success(done)
    else:
        render.info(same)


@app.command("add")
@takes(ACCOUNT, JSON, OUTPUT)
def add(
    ctx: typer.Context,
    ws_id: Annotated[str | None, typer.Option("--id", help="Workspace id (unique).")] = None,
    name: Annotated[str | None, typer.Option(help="Workspace name.")] = None,
    site: Annotated[
        str | None, typer.Option(help="Site: cn1, cn2, cn4, cn6, us1, eu1, ap1, za1, id1.")
    ] = None,
    from_file: Annotated[
        str | None,
        typer.Option(
            "--from-file",
            metavar="FILE|-",
            help="Add many: CSV with id,name,site columns or NDJSON objects with those keys.",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="With --from-file: report, write nothing.")
    ] = False,
) -> None:
    """Bind a workspace to the billing account; it settles through the billing center.

    With --from-file, each row gets a result (added, unchanged, refused with its
    line number) in one transaction; exit 0, 9 (some refused) or 6 (all refused).

    \b
    Example:
      guance-billing workspace add --id wksp_prod --name Production --site cn1
      guance-billing workspace add --from-file workspaces.csv --json
    """
    ref = account_ref(ctx)
    if from_file is not None:
        from guance_billing_cli.schemas.settlement import batch_items

        if ws_id or name or site:
            raise InvalidInput("file_or_fields", field="from_file", fields=["id", "name", "site"])
        fmt = render.output_format(
            given(ctx).json, given(ctx).output
        )  # a bad --output adds nothing
        rows = batchfile.collect([], from_file, columns=("id", "name", "site"), plain_ids=False)
        batchview.run(
            batch_items(rows),
            lambda items, on_progress: client(ctx).add_workspaces(
                ref, items, dry_run=dry_run, progress=on_progress
            ),
            label="Adding",
            verb="added",
            fmt=fmt,
        )
        return
    from guance_billing_cli.schemas.settlement import WorkspaceCreate

    asks = [
        prompts.Ask("id", "--id", _("Workspace id:"), ws_id),
        prompts.Ask("name", "--name", _("Workspace name:"), name),
        prompts.Ask("site", "--site", _("Site:"), site, choices=SITES),
    ]
    change = prompts.form(
        asks,
        lambda values: client(ctx).add_workspace(ref, WorkspaceCreate(**values)),  # type: ignore[arg-type]
        interactive=get_state(ctx).interactive,
    )
    _show_change(
        change,
        as_json=given(ctx).json,
        done=_("Added workspace {id}.").format(id=change.workspace.id),
        same=_("Workspace {id} already exists; unchanged.").format(id=change.workspace.id),
    )


@app.command("list")
@takes(ACCOUNT, JSON, OUTPUT)
def list_(
    ctx: typer.Context,
    site: Annotated[str | None, typer.Option(help="Only this site.")] = None,
    settlement: Annotated[
        str | None, typer.Option(help="Only this settlement: billing_center, aws, aliyun, huawei.")
    ] = None,
    cloud_account: Annotated[
        str | None,
        typer.Option("--cloud-account", help="Only workspaces bound to this cloud account."),
        Live("cloud_accounts"),
    ] = None,
    state: Annotated[
        str | None, typer.Option(help="Only this state: active, countdown, locked, dissolved.")
    ] = None,
    page: Annotated[
        int,
        typer.Option(min=1, max=1_000_000, help="Table view: page number (50 rows a page)."),
    ] = 1,
    limit: Annotated[
        int | None,
        typer.Option(
            min=1, max=999_999, help="At most this many rows (json/ndjson/csv: all by default)."
        ),
    ] = None,
) -> None:
    """List the billing account's workspaces (streamed for json, ndjson and csv).

    \b
    Example:
      guance-billing workspace list --site cn1 --state countdown
      guance-billing workspace list --settlement aws --output ndjson > aws.ndjson
    """
    from guance_billing_cli.schemas.settlement import MAX_OFFSET, WorkspaceFilter

    fmt = render.output_format(given(ctx).json, given(ctx).output)
    size = limit or (PAGE_SIZE if fmt == "table" else None)
    offset = (page - 1) * size if size else 0
    if offset > MAX_OFFSET:  # --page 65536 --limit 65536: a usage error, not a crash
        raise InvalidInput("page_out_of_reach", field="page", value=page, limit=MAX_OFFSET)
    filters = WorkspaceFilter(
        site=site,
        settlement=settlement,
        cloud_account=cloud_account,
        state=state,
        limit=size + 1 if fmt == "table" and size else size,
        offset=offset,
    )
    rows = client(ctx).list_workspaces(account_ref(ctx), filters)
    if fmt != "table":
        render.emit_rows(rows, fmt=fmt, columns=WORKSPACE_COLUMNS)
        return
    batch = list(rows)
    more = size is not None and len(batch) > size
    render.emit_rows(batch[:size], fmt="table", columns=WORKSPACE_COLUMNS, title=_("Workspaces"))
    if more:
        render.info(
            _("Page {page}; more with --page {value} (or --output ndjson for all).").format(
                page=page, value=page + 1
            )
        )


@app.command("show")
@verbs.show(WorkspaceArg, title=N_("Workspace"), fields=WORKSPACE_FIELDS)
def show(api: BillingClient, workspace: str, account: str | None) -> Any:
    """Show one workspace, its settlement and lock state.

    \b
    Example:
      guance-billing workspace show wksp_prod --json
    """
    return api.get_workspace(workspace, account=account)


@app.command("move")
@takes(ACCOUNT, JSON)
def move(
    ctx: typer.Context,
    workspace: WorkspaceArg,
    to: Annotated[
        str | None,
        typer.Option("--to", help="The billing account to move to."),
        Live("accounts"),
    ] = None,
) -> None:
    """Move a workspace to another billing account ("change account").

    Both accounts must carry the same approved enterprise real-name
    authentication, and the workspace must settle through the billing center.

    \b
    Example:
      guance-billing workspace move wksp_prod --to acme-east
    """
    target = prompts.require(
        to,
        flag="--to",
        message=_("Move to billing account:"),
        interactive=get_state(ctx).interactive,
    )
    change = client(ctx).move_workspace(workspace, target, account=given(ctx).account)
    _show_change(
        change,
        as_json=given(ctx).json,
        done=_("Moved workspace {workspace} to {target}.").format(
            workspace=workspace, target=target
        ),
        same=_("Workspace {workspace} already belongs to {target}; unchanged.").format(
            workspace=workspace, target=target
        ),
    )


@app.command("unlock")
@takes(ACCOUNT, JSON)
def unlock(
    ctx: typer.Context,
    workspace: WorkspaceArg,
    rebind: Annotated[
        str | None,
        typer.Option(
            "--rebind", metavar="CLOUD", help="Remedy: bind to this subscribed cloud account."
        ),
        Live("subscribed_cloud_accounts"),
    ] = None,
    billing_center: Annotated[
        bool, typer.Option("--billing-center", help="Remedy: settle through the billing center.")
    ] = False,
) -> None:
    """Lift a workspace's lock countdown (or lock) through one of the remedies.

    The site/provider rule still applies to the remedy; the once-a-month rule does
    not (unlocking is a remedy, not a voluntary switch). Re-subscribing the cloud
    account (`cloud resubscribe`) is a remedy too. A refusal names every remedy
    left. An active workspace is left unchanged.

    \b
    Example:
      guance-billing workspace unlock wksp_prod --rebind cld_3f9c2a1b7d04
      guance-billing workspace unlock wksp_prod --billing-center --json
    """
    from guance_billing_cli.schemas.settlement import UnlockRequest

    remedy = UnlockRequest(rebind=rebind, billing_center=billing_center)
    change = client(ctx).unlock_workspace(workspace, remedy, account=given(ctx).account)
    _show_change(
        change,
        as_json=given(ctx).json,
        done=_("Unlocked workspace {workspace}.").format(workspace=workspace),
        same=_("Workspace {workspace} is not in countdown or locked; unchanged.").format(
            workspace=workspace
        ),
    )


@app.command("dissolve")
@verbs.confirmed(
    WorkspaceArg,
    question=lambda workspace: _("Dissolve workspace {workspace}? This cannot be undone.").format(
        workspace=workspace
    ),
    operation="dissolve_workspace",
    shown=lambda change, workspace, as_json: _show_change(
        change,
        as_json=as_json,
        done=_("Dissolved workspace {workspace}.").format(workspace=workspace),
        same=_("Workspace {workspace} was already dissolved; unchanged.").format(
            workspace=workspace
        ),
    ),
)
def dissolve(api: BillingClient, workspace: str, account: str | None) -> Any:
    """Dissolve a workspace. Irreversible: it can never settle or be unlocked again.

    \b
    Example:
      guance-billing workspace dissolve wksp_old --yes
    """
    return api.dissolve_workspace(workspace, account=account)


@app.command("remind")
@takes(ACCOUNT, JSON)
def remind(
    ctx: typer.Context,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report the reminders due; send nothing.")
    ] = False,
) -> None:
    """Email lock-countdown reminders that are due (safe to run from cron).

    Each workspace in countdown gets an email to its billing account when the
    countdown starts, 3 days and 1 day before it locks: once each, however often
    this runs (what was sent is recorded). Without --account: every account
    (support). `server run` does this on a timer (--remind-every).

    \b
    Example:
      guance-billing workspace remind --dry-run
      */15 * * * * guance-billing workspace remind --json >> /var/log/gb-remind.log
    """
    from guance_billing_cli.schemas.masking import mask_email
    from guance_billing_cli.schemas.settlement import RemindRequest

    ref = given(ctx).account or get_state(ctx).account
    result = client(ctx).remind_workspaces(RemindRequest(account=ref, dry_run=dry_run))
    if given(ctx).json:
        render.write_json(result)
        return
    if result.busy:
        render.info(
            _(
                "Another reminder run is sending right now; this run sent nothing "
                "(each reminder goes out once)."
            )
        )
        return
    rows = [{**r.model_dump(), "sent_to": mask_email(r.sent_to)} for r in result.reminders]
    columns = ("workspace_id", "stage", "locks_at", "days_left", "sent_to", "result")
    if rows:
        render.emit_rows(rows, fmt="table", columns=columns, title=_("Reminders"))
    from guance_billing_cli.i18n import ngettext

    if dry_run:
        sent = ngettext("{count} reminder would be sent", "{count} reminders would be sent",
                        len(rows))  # fmt: skip
    else:
        sent = ngettext("{count} reminder sent", "{count} reminders sent", len(rows))
    already = ngettext(
        "{count} workspace already reminded", "{count} workspaces already reminded",
        result.already_sent,
    )  # fmt: skip
    render.info(
        _("{sent}; {already}.").format(
            sent=sent.format(count=len(rows)), already=already.format(count=result.already_sent)
        )
    )
