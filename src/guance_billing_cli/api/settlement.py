"""Settlement: cloud accounts, workspaces, bindings (issues 5, 15, 25), declared once."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Protocol

from guance_billing_cli.api.declare import BATCH, BINDINGS, DRY_RUN, READ, operation

if TYPE_CHECKING:
    from guance_billing_cli.schemas.bindings import (
        BindingsApplied,
        BindingsApplyRequest,
        BindingsPlan,
        BindingsPlanRequest,
    )
    from guance_billing_cli.schemas.settlement import (
        BatchItem,
        BatchResult,
        CloudAccountAdded,
        CloudAccountCreate,
        CloudAccountPublic,
        RemindRequest,
        RemindResult,
        UnlockRequest,
        UnsubscribeResult,
        WorkspaceChange,
        WorkspaceCreate,
        WorkspaceFilter,
        WorkspacePublic,
    )

#: the schema modules the annotations below name (read when an operation is described)
SCHEMAS = ("settlement", "bindings")

# ``progress(done, total)`` is called while a batch runs (a terminal progress bar); it
# stays on the caller's side: over HTTP the server runs the batch and the client reports
# the end.
Progress = Callable[[int, int], None]


class Settlement(Protocol):
    # one declaration, one or two lines: route and service, then the rest (api/declare.py)
    # fmt: off
    # -- cloud accounts -------------------------------------------------------------
    @operation("POST /v1/accounts/{ref}/cloud-accounts", "cloud:add",
               created="/v1/cloud-accounts/{id}", command="cloud add")
    def add_cloud_account(self, ref: str, data: CloudAccountCreate) -> CloudAccountAdded:
        """Subscribe a cloud marketplace account (Aliyun, AWS, Huawei) for settlement. 201;
        Idempotency-Key honoured."""

    @operation("GET /v1/accounts/{ref}/cloud-accounts", "cloud:list_of_account",
               scope=BINDINGS, command="cloud list")
    def list_cloud_accounts(self, ref: str) -> Iterator[CloudAccountPublic]:
        """List an account's cloud accounts, as pages (bindings scope)."""

    @operation("GET /v1/cloud-accounts/{cloud_id}", "cloud:get",
               command="cloud show")
    def get_cloud_account(self, cloud_id: str, *, account: str | None = None) -> CloudAccountPublic:
        """Read one cloud account; answers an ETag."""

    @operation("POST /v1/cloud-accounts/{cloud_id}/unsubscribe", "cloud:unsubscribe",
               etag_from="get_cloud_account", command="cloud unsubscribe")
    def unsubscribe_cloud_account(
        self, cloud_id: str, *, account: str | None = None
    ) -> UnsubscribeResult:
        """Unsubscribe a cloud account; its workspaces fall back or count down. Honours
        If-Match."""

    @operation("POST /v1/cloud-accounts/{cloud_id}/resubscribe", "cloud:resubscribe",
               etag_from="get_cloud_account")
    def resubscribe_cloud_account(
        self, cloud_id: str, *, account: str | None = None
    ) -> UnsubscribeResult:
        """Subscribe an unsubscribed cloud account again; honours If-Match."""

    # -- binding batches --------------------------------------------------------------
    @operation("POST /v1/cloud-accounts/{cloud_id}/bind", "binding:bind", DRY_RUN, scope=BINDINGS,
               **BATCH, command="cloud bind")
    def bind_workspaces(
        self,
        cloud_id: str,
        items: Sequence[BatchItem],
        *,
        dry_run: bool = False,
        account: str | None = None,
        progress: Progress | None = None,
    ) -> BatchResult:
        """Bind workspaces to a cloud account for settlement, row by row: a refused row
        does not stop the others (bindings scope; Idempotency-Key honoured)."""

    @operation("POST /v1/workspaces/unbind", "binding:unbind", DRY_RUN,
               scope=BINDINGS, **BATCH, command="cloud unbind")
    def unbind_workspaces(
        self,
        items: Sequence[BatchItem],
        *,
        dry_run: bool = False,
        account: str | None = None,
        progress: Progress | None = None,
    ) -> BatchResult:
        """Unbind workspaces from their cloud accounts, row by row (bindings scope;
        Idempotency-Key honoured)."""

    # -- workspaces ---------------------------------------------------------------------
    @operation("POST /v1/accounts/{ref}/workspaces", "workspaces:add",
               created="/v1/workspaces/{workspace.id}", command="workspace add")
    def add_workspace(self, ref: str, data: WorkspaceCreate) -> WorkspaceChange:
        """Add one workspace to an account. 201 (200 with changed=false when it is
        already there); Idempotency-Key honoured."""

    @operation("POST /v1/accounts/{ref}/workspaces/batch", "workspaces:add_batch", DRY_RUN,
               **BATCH, command="workspace add")
    def add_workspaces(
        self,
        ref: str,
        items: Sequence[BatchItem],
        *,
        dry_run: bool = False,
        progress: Progress | None = None,
    ) -> BatchResult:
        """Add workspaces in a batch, row by row (Idempotency-Key honoured)."""

    @operation("GET /v1/accounts/{ref}/workspaces", "workspaces:list_filtered",
               scope=BINDINGS, command="workspace list")
    def list_workspaces(self, ref: str, filters: WorkspaceFilter) -> Iterator[WorkspacePublic]:
        """List an account's workspaces, filtered, as pages (bindings scope)."""

    @operation("GET /v1/workspaces/{ws_id}", "workspaces:get",
               command="workspace show")
    def get_workspace(self, ws_id: str, *, account: str | None = None) -> WorkspacePublic:
        """Read one workspace; answers an ETag."""

    @operation("POST /v1/workspaces/{ws_id}/move", "workspace_lifecycle:move",
               etag_from="get_workspace", command="workspace move")
    def move_workspace(self, ws_id: str, to: str, *, account: str | None = None) -> WorkspaceChange:
        """Move a workspace to another billing account; honours If-Match."""

    @operation("POST /v1/workspaces/{ws_id}/unlock", "workspace_lifecycle:unlock",
               etag_from="get_workspace", command="workspace unlock")
    def unlock_workspace(
        self, ws_id: str, remedy: UnlockRequest, *, account: str | None = None
    ) -> WorkspaceChange:
        """Unlock a locked workspace by rebinding it or settling through the billing
        center; honours If-Match."""

    @operation("POST /v1/workspaces/{ws_id}/dissolve", "workspace_lifecycle:dissolve",
               etag_from="get_workspace", command="workspace dissolve")
    def dissolve_workspace(self, ws_id: str, *, account: str | None = None) -> WorkspaceChange:
        """Dissolve a workspace (irreversible); honours If-Match."""

    @operation("POST /v1/workspaces/remind", "reminders:remind", DRY_RUN)
    def remind_workspaces(self, data: RemindRequest) -> RemindResult:
        """Send (or preview) the reminders of workspaces counting down."""

    # -- bindings as code (issue 25): plan and apply a desired-state file -------------
    @operation("POST /v1/bindings/plan", "bindings_plan:plan", READ,
               scope=BINDINGS, large_body=True, command="bindings plan FILE")
    def plan_bindings(self, request: BindingsPlanRequest) -> BindingsPlan:
        """Compare a desired state (which workspaces settle through which cloud account)
        with the store, row by row: bind, move, unbind, unchanged or refused with the
        reason; changes nothing (bindings scope)."""

    @operation("POST /v1/bindings/apply", "bindings_plan:apply",
               scope=BINDINGS, **BATCH, command="bindings apply")
    def apply_bindings(self, request: BindingsApplyRequest) -> BindingsApplied:
        """Make the store match a desired state in one transaction, or change nothing:
        refused rows (unless skip_refused) and a stale plan are refused whole (bindings
        scope; Idempotency-Key honoured; applying twice changes nothing)."""
