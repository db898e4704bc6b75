"""`guance-billing cloud`: cloud accounts and the workspaces that settle through them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from guance_billing_cli.cli.toolkit import batchfile, batchview, prompts, render, verbs
from guance_billing_cli.cli.toolkit.options import ACCOUNT, JSON, OUTPUT, Live, YesFlag, takes
from guance_billing_cli.cli.toolkit.state import account_ref, client, get_state, given
from guance_billing_cli.i18n import N_, _

if TYPE_CHECKING:
    from guance_billing_cli.client.protocol import BillingClient

app = typer.Typer(
    no_args_is_help=True,
)

PROVIDERS = ("aws", "aliyun", "huawei")
CLOUD_COLUMNS = ("id", "provider", "account_id", "instance_id", "status", "workspaces")
CLOUD_FIELDS = (
    "id",
    "provider",
    "account_id",
    "instance_id",
    "status",
    "billing_account_id",
    "workspaces",
    "created_at",
    "unsubscribed_at",
)

WorkspaceIds = Annotated[
    list[str] | None,
    typer.Argument(help="Workspace ids.", metavar="WS", show_default=False),
    Live("workspaces"),
]
FromFile = Annotated[
    str | None,
    typer.Option(
        "--from-file",
        metavar="FILE|-",
        help="Read workspace ids from FILE or stdin: one a line, CSV with workspace_id, or NDJSON.",
    ),
]
_CLOUD = typer.Argument(help="Cloud account id (cld_...).", metavar="CLOUD")
CloudArg = Annotated[str, _CLOUD, Live("cloud_accounts")]
#: the ones a command takes: `bind` a subscribed one, `resubscribe` an unsubscribed one
SubscribedCloudArg = Annotated[str, _CLOUD, Live("subscribed_cloud_accounts")]
UnsubscribedCloudArg = Annotated[str, _CLOUD, Live("unsubscribed_cloud_accounts")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Report what would happen; write nothing.")]


def _batch(
    ids: list[str] | None,
    source: str | None,
    call: Callable[[list[Any], Any], Any],
    *,
    fmt: str,
    label: str,
    verb: str,
) -> None:
    """`bind` and `unbind`: the workspaces named (arguments, or --from-file), then
    ``call(items, progress)`` as one batch and its per-row results."""
    from guance_billing_cli.errors import InputRequired
    from guance_billing_cli.schemas.settlement import batch_items

    if not ids and source is None:
        raise InputRequired("no_workspaces_given", field="from_file")
    rows = batchfile.collect(ids or [], source, columns=("workspace_id",), plain_ids=True)
    batchview.run(batch_items(rows), call, label=label, verb=verb, fmt=fmt)


@app.command("add")
@takes(ACCOUNT, JSON)
def add(
    ctx: typer.Context,
    provider: Annotated[
        str | None, typer.Option(help="Cloud provider: aws, aliyun or huawei.")
    ] = None,
    account_id: Annotated[
        str | None,
        typer.Option(
            "--account-id",
            help="The provider's account id: AWS 12 digits, Alibaba UID 16 digits, "
            "Huawei 32 hex characters.",
        ),
    ] = None,
    instance_id: Annotated[
        str | None,
        typer.Option("--instance-id", help="Marketplace product instance id (aliyun, huawei)."),
    ] = None,
) -> None:
    """Register a cloud account that can settle the billing account's workspaces.

    \b
    Example:
      guance-billing cloud add --provider aws --account-id 123456789012 --json
      guance-billing cloud add --provider aliyun --account-id 1234567890123456 \\
          --instance-id cmgj0012345
    """
    from guance_billing_cli.schemas.settlement import CloudAccountCreate

    interactive = get_state(ctx).interactive
    ref = account_ref(ctx)
    provider = prompts.require(
        provider,
        flag="--provider",
        message=_("Cloud provider:"),
        interactive=interactive,
        choices=PROVIDERS,
    )
    # Without a terminal the service says why the instance id is needed.
    needs_instance = interactive and provider.strip().lower() in ("aliyun", "huawei")
    asks = [
        prompts.Ask("provider", "--provider", _("Cloud provider:"), provider, choices=PROVIDERS),
        prompts.Ask("account_id", "--account-id", _("Provider account id:"), account_id),
        prompts.Ask(
            "instance_id",
            "--instance-id",
            _("Marketplace product instance id:"),
            instance_id,
            required=needs_instance,
        ),
    ]
    created = prompts.form(
        asks,
        lambda values: client(ctx).add_cloud_account(ref, CloudAccountCreate(**values)),  # type: ignore[arg-type]
        interactive=interactive,
    )
    render.emit(created, as_json=given(ctx).json, title=_("Cloud account"), fields=CLOUD_FIELDS)
    if given(ctx).json:
        return
    if created.resubscribed:
        render.success(
            f"Re-subscribed {created.provider} account {created.account_id} ({created.id}); "
            f"{len(created.unlocked)} workspace(s) unlocked."
        )
    else:
        render.success(
            _("Registered {provider} account {account_id} as {id}.").format(
                provider=created.provider, account_id=created.account_id, id=created.id
            )
        )


@app.command("list")
@verbs.listing(columns=CLOUD_COLUMNS, title=N_("Cloud accounts"))
def list_(api: BillingClient, account: str) -> Iterable[Any]:
    """List the billing account's cloud accounts with how many workspaces each settles.

    \b
    Example:
      guance-billing cloud list --output csv
    """
    return api.list_cloud_accounts(account)


@app.command("show")
@verbs.show(CloudArg, title=N_("Cloud account"), fields=CLOUD_FIELDS)
def show(api: BillingClient, cloud: str, account: str | None) -> Any:
    """Show one cloud account.

    \b
    Example:
      guance-billing cloud show cld_3f9c2a1b7d04 --json
    """
    return api.get_cloud_account(cloud, account=account)


@app.command("unsubscribe")
@takes(ACCOUNT, JSON)
def unsubscribe(ctx: typer.Context, cloud: CloudArg, yes: YesFlag = False) -> None:
    """Unsubscribe a cloud account: it stops settling its workspaces.

    Alibaba Cloud: its workspaces fall back to billing-center settlement and the
    billing account's email gets a notice. AWS and Huawei Cloud: its workspaces
    enter the 14-day lock countdown (unlock by rebinding or switching to the
    billing center). Unsubscribing again changes nothing.

    \b
    Example:
      guance-billing cloud unsubscribe cld_3f9c2a1b7d04 --yes --json
    """
    interactive = get_state(ctx).interactive
    prompts.confirm_or_require_yes(
        _unsubscribe_question(ctx, cloud, given(ctx).account) if interactive and not yes else "",
        yes=yes,
        interactive=interactive,
        operation="unsubscribe_cloud_account",
    )
    result = client(ctx).unsubscribe_cloud_account(cloud, account=given(ctx).account)
    if not _show_subscription(
        result,
        as_json=given(ctx).json,
        same=_("{id} was already unsubscribed; nothing changed."),
        columns=("workspace_id", "effect", "locks_at"),
        title=_("Affected workspaces"),
    ):
        return
    if not result.affected:
        render.info(_("No workspace settled through it."))
    if result.notice_sent_to:
        from guance_billing_cli.schemas.masking import mask_email

        render.info(
            _("Notice emailed to {address}.").format(address=mask_email(result.notice_sent_to))
        )
    render.success(_("Unsubscribed {id}.").format(id=result.id))


def _show_subscription(
    result: Any, *, as_json: bool, same: str, columns: tuple[str, ...], title: str
) -> bool:
    """A subscription change: the whole answer as JSON, or the cloud account, then
    ``same`` (worded, ``{id}`` left to fill) when nothing changed, else the affected
    workspaces. True when the caller has more to say (a change, not JSON)."""
    if as_json:
        render.write_json(result)
        return False
    render.emit(result, as_json=False, title=_("Cloud account"), fields=CLOUD_FIELDS)
    if not result.changed:
        render.info(same.format(id=result.id))
        return False
    if result.affected:
        render.emit_rows(result.affected, fmt="table", columns=columns, title=title)
    return True


def _unsubscribe_question(ctx: typer.Context, cloud: str, account: str | None) -> str:
    """The confirmation, saying what will happen to how many workspaces."""
    from guance_billing_cli.i18n import ngettext

    found = client(ctx).get_cloud_account(cloud, account=account)
    count = found.workspaces
    if found.status == "unsubscribed" or count == 0:
        return _("Unsubscribe cloud account {cloud}? No workspace settles through it.").format(
            cloud=found.id
        )
    if found.provider == "aliyun":
        words = ngettext(
            "Unsubscribe cloud account {cloud}? {count} workspace falls back to billing-center "
            "settlement and the account's email gets a notice.",
            "Unsubscribe cloud account {cloud}? {count} workspaces fall back to billing-center "
            "settlement and the account's email gets a notice.",
            count,
        )
    else:
        words = ngettext(
            "Unsubscribe cloud account {cloud}? {count} workspace starts a 14-day countdown "
            "and then locks unless it is rebound or switched to the billing center.",
            "Unsubscribe cloud account {cloud}? {count} workspaces start a 14-day countdown "
            "and then lock unless they are rebound or switched to the billing center.",
            count,
        )
    return words.format(cloud=found.id, count=count)


@app.command("resubscribe")
@takes(ACCOUNT, JSON)
def resubscribe(ctx: typer.Context, cloud: UnsubscribedCloudArg) -> None:
    """Subscribe an unsubscribed cloud account again: an unlock remedy.

    Workspaces still bound to it leave the lock countdown (or the lock); the
    once-a-month rule does not apply. `cloud add` with the same provider and
    account id does the same. Re-subscribing a subscribed account changes nothing.

    \b
    Example:
      guance-billing cloud resubscribe cld_3f9c2a1b7d04 --json
    """
    result = client(ctx).resubscribe_cloud_account(cloud, account=given(ctx).account)
    if not _show_subscription(
        result,
        as_json=given(ctx).json,
        same=_("{id} is subscribed already; nothing changed."),
        columns=("workspace_id", "effect"),
        title=_("Unlocked"),
    ):
        return
    from guance_billing_cli.i18n import ngettext

    count = len(result.affected)
    render.success(
        ngettext(
            "Re-subscribed {id}; {count} workspace unlocked.",
            "Re-subscribed {id}; {count} workspaces unlocked.",
            count,
        ).format(id=result.id, count=count)
    )


@app.command("bind")
@takes(ACCOUNT, JSON, OUTPUT)
def bind(
    ctx: typer.Context,
    cloud: SubscribedCloudArg,
    workspaces: WorkspaceIds = None,
    from_file: FromFile = None,
    dry_run: DryRun = False,
) -> None:
    """Make workspaces settle through a cloud account (one transaction per batch).

    Each workspace gets a result: bound, unchanged (already bound to it) or
    refused with a reason. Exit 0 when nothing was refused, 9 when some rows
    were, 6 when all were. Rerunning a batch is safe.

    \b
    Example:
      guance-billing cloud bind cld_3f9c2a1b7d04 wksp_a wksp_b
      guance-billing cloud bind cld_3f9c2a1b7d04 --from-file workspaces.csv --json
      cut -d, -f1 ids.csv | guance-billing cloud bind cld_3f9c2a1b7d04 --from-file - --dry-run
    """
    _batch(
        workspaces,
        from_file,
        lambda items, on_progress: client(ctx).bind_workspaces(
            cloud, items, dry_run=dry_run, account=given(ctx).account, progress=on_progress
        ),
        fmt=render.output_format(given(ctx).json, given(ctx).output),
        label="Binding",
        verb="bound",
    )


@app.command("unbind")
@takes(ACCOUNT, JSON, OUTPUT)
def unbind(
    ctx: typer.Context,
    workspaces: WorkspaceIds = None,
    from_file: FromFile = None,
    dry_run: DryRun = False,
) -> None:
    """Switch workspaces back to billing-center settlement (one transaction per batch).

    Refused while the workspace's cloud account is still subscribed (rule 3) or
    when its settlement method already changed this month (rule 1). Results,
    exit codes and --dry-run as for `cloud bind`.

    \b
    Example:
      guance-billing cloud unbind wksp_a wksp_b --json
      guance-billing cloud unbind --from-file locked.txt --dry-run
    """
    _batch(
        workspaces,
        from_file,
        lambda items, on_progress: client(ctx).unbind_workspaces(
            items, dry_run=dry_run, account=given(ctx).account, progress=on_progress
        ),
        fmt=render.output_format(given(ctx).json, given(ctx).output),
        label="Unbinding",
        verb="unbound",
    )
