"""Settlement: cloud accounts, workspaces, bindings (issues 5, 15, 25), declared once."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Protocol

from guance_billing_cli.api.declare import BINDINGS, DRY_RUN, READ, WRITE, operation

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
ONE_CLOUD = {"cloud_id": "ref", "account": "account_ref"}
ONE_WORKSPACE = {"ws_id": "ref", "account": "account_ref"}


class Settlement(Protocol):
    # -- cloud accounts -------------------------------------------------------------
    @operation(
        "POST",
        "/v1/accounts/{ref}/cloud-accounts",
        created="/v1/cloud-accounts/{id}",
        idempotent=True,
        tx=WRITE,
        service="cloud:add",
        args={"ref": "account_ref"},
        command="cloud add",
        description="Subscribe a cloud marketplace account (Aliyun, AWS, Huawei) for "
        "settlement. 201; Idempotency-Key honoured.",
    )
    def add_cloud_account(self, ref: str, data: CloudAccountCreate) -> CloudAccountAdded: ...

    @operation(
        "GET",
        "/v1/accounts/{ref}/cloud-accounts",
        scope=BINDINGS,
        tx=READ,
        service="cloud:list_of_account",
        args={"ref": "account_ref"},
        command="cloud list",
        description="List an account's cloud accounts, as pages (bindings scope).",
    )
    def list_cloud_accounts(self, ref: str) -> Iterator[CloudAccountPublic]: ...

    @operation(
        "GET",
        "/v1/cloud-accounts/{cloud_id}",
        tx=READ,
        service="cloud:get",
        args=ONE_CLOUD,
        command="cloud show",
        description="Read one cloud account; answers an ETag.",
    )
    def get_cloud_account(
        self, cloud_id: str, *, account: str | None = None
    ) -> CloudAccountPublic: ...

    @operation(
        "POST",
        "/v1/cloud-accounts/{cloud_id}/unsubscribe",
        etag_from="get_cloud_account",
        tx=WRITE,
        service="cloud:unsubscribe",
        args=ONE_CLOUD,
        command="cloud unsubscribe",
        description="Unsubscribe a cloud account; its workspaces fall back or count down. "
        "Honours If-Match.",
    )
    def unsubscribe_cloud_account(
        self, cloud_id: str, *, account: str | None = None
    ) -> UnsubscribeResult: ...

    @operation(
        "POST",
        "/v1/cloud-accounts/{cloud_id}/resubscribe",
        etag_from="get_cloud_account",
        tx=WRITE,
        service="cloud:resubscribe",
        args=ONE_CLOUD,
        description="Subscribe an unsubscribed cloud account again; honours If-Match.",
    )
    def resubscribe_cloud_account(
        self, cloud_id: str, *, account: str | None = None
    ) -> UnsubscribeResult: ...

    # -- binding batches --------------------------------------------------------------
    @operation(
        "POST",
        "/v1/cloud-accounts/{cloud_id}/bind",
        scope=BINDINGS,
        large_body=True,
        idempotent=True,
        tx=DRY_RUN,
        service="binding:bind",
        args={"cloud_id": "cloud_ref", "account": "account_ref"},
        command="cloud bind",
        description="Bind workspaces to a cloud account for settlement, row by row: a "
        "refused row does not stop the others (bindings scope; Idempotency-Key honoured).",
    )
    def bind_workspaces(
        self,
        cloud_id: str,
        items: Sequence[BatchItem],
        *,
        dry_run: bool = False,
        account: str | None = None,
        progress: Progress | None = None,
    ) -> BatchResult: ...

    @operation(
        "POST",
        "/v1/workspaces/unbind",
        scope=BINDINGS,
        large_body=True,
        idempotent=True,
        tx=DRY_RUN,
        service="binding:unbind",
        args={"account": "account_ref"},
        command="cloud unbind",
        description="Unbind workspaces from their cloud accounts, row by row (bindings "
        "scope; Idempotency-Key honoured).",
    )
    def unbind_workspaces(
        self,
        items: Sequence[BatchItem],
        *,
        dry_run: bool = False,
        account: str | None = None,
        progress: Progress | None = None,
    ) -> BatchResult: ...

    # -- workspaces ---------------------------------------------------------------------
    @operation(
        "POST",
        "/v1/accounts/{ref}/workspaces",
        created="/v1/workspaces/{workspace.id}",
        idempotent=True,
        tx=WRITE,
        service="workspaces:add",
        args={"ref": "account_ref"},
        command="workspace add",
        description="Add one workspace to an account. 201 (200 with changed=false when it "
        "is already there); Idempotency-Key honoured.",
    )
    def add_workspace(self, ref: str, data: WorkspaceCreate) -> WorkspaceChange: ...

    @operation(
        "POST",
        "/v1/accounts/{ref}/workspaces/batch",
        large_body=True,
        idempotent=True,
        tx=DRY_RUN,
        service="workspaces:add_batch",
        args={"ref": "account_ref"},
        command="workspace add",
        description="Add workspaces in a batch, row by row (Idempotency-Key honoured).",
    )
    def add_workspaces(
        self,
        ref: str,
        items: Sequence[BatchItem],
        *,
        dry_run: bool = False,
        progress: Progress | None = None,
    ) -> BatchResult: ...

    @operation(
        "GET",
        "/v1/accounts/{ref}/workspaces",
        scope=BINDINGS,
        tx=READ,
        service="workspaces:list_filtered",
        args={"ref": "account_ref"},
        command="workspace list",
        description="List an account's workspaces, filtered, as pages (bindings scope).",
    )
    def list_workspaces(self, ref: str, filters: WorkspaceFilter) -> Iterator[WorkspacePublic]: ...

    @operation(
        "GET",
        "/v1/workspaces/{ws_id}",
        tx=READ,
        service="workspaces:get",
        args=ONE_WORKSPACE,
        command="workspace show",
        description="Read one workspace; answers an ETag.",
    )
    def get_workspace(self, ws_id: str, *, account: str | None = None) -> WorkspacePublic: ...

    @operation(
        "POST",
        "/v1/workspaces/{ws_id}/move",
        etag_from="get_workspace",
        tx=WRITE,
        service="workspace_lifecycle:move",
        args=ONE_WORKSPACE,
        command="workspace move",
        description="Move a workspace to another billing account; honours If-Match.",
    )
    def move_workspace(
        self, ws_id: str, to: str, *, account: str | None = None
    ) -> WorkspaceChange: ...

    @operation(
        "POST",
        "/v1/workspaces/{ws_id}/unlock",
        etag_from="get_workspace",
        tx=WRITE,
        service="workspace_lifecycle:unlock",
        args=ONE_WORKSPACE,
        command="workspace unlock",
        description="Unlock a locked workspace by rebinding it or settling through the "
        "billing center; honours If-Match.",
    )
    def unlock_workspace(
        self, ws_id: str, remedy: UnlockRequest, *, account: str | None = None
    ) -> WorkspaceChange: ...

    @operation(
        "POST",
        "/v1/workspaces/{ws_id}/dissolve",
        etag_from="get_workspace",
        tx=WRITE,
        service="workspace_lifecycle:dissolve",
        args=ONE_WORKSPACE,
        command="workspace dissolve",
        description="Dissolve a workspace (irreversible); honours If-Match.",
    )
    def dissolve_workspace(self, ws_id: str, *, account: str | None = None) -> WorkspaceChange: ...

    @operation(
        "POST",
        "/v1/workspaces/remind",
        tx=DRY_RUN,
        service="reminders:remind",
        description="Send (or preview) the reminders of workspaces counting down.",
    )
    def remind_workspaces(self, data: RemindRequest) -> RemindResult: ...

    # -- bindings as code (issue 25): plan and apply a desired-state file -------------
    @operation(
        "POST",
        "/v1/bindings/plan",
        scope=BINDINGS,
        large_body=True,
        tx=READ,
        service="bindings_plan:plan",
        command="bindings plan FILE",
        description="Compare a desired state (which workspaces settle through which cloud "
        "account) with the store, row by row: bind, move, unbind, unchanged or refused with "
        "the reason; changes nothing (bindings scope).",
    )
    def plan_bindings(self, request: BindingsPlanRequest) -> BindingsPlan: ...

    @operation(
        "POST",
        "/v1/bindings/apply",
        scope=BINDINGS,
        large_body=True,
        idempotent=True,
        tx=WRITE,
        service="bindings_plan:apply",
        command="bindings apply",
        description="Make the store match a desired state in one transaction, or change "
        "nothing: refused rows (unless skip_refused) and a stale plan are refused whole "
        "(bindings scope; Idempotency-Key honoured; applying twice changes nothing).",
    )
    def apply_bindings(self, request: BindingsApplyRequest) -> BindingsApplied: ...
