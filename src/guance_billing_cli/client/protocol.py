"""``BillingClient``: one method per operation, plain pydantic schemas in and out.

``LocalClient`` runs the services in-process on a store; ``HttpClient`` speaks to
the server. The CLI only ever sees this interface.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    # Resolved per operation through SCHEMA_MODULES (below), so a remote command
    # builds only the schemas its own operation uses.
    from guance_billing_cli.schemas.accounts import (
        AccountAdminUpdate,
        AccountCreate,
        AccountPublic,
        ProfileUpdate,
    )
    from guance_billing_cli.schemas.audit import (
        AuditEventPublic,
        AuditExportLine,
        AuditExportQuery,
        AuditPublicKey,
        AuditQuery,
        AuditVerification,
        AuditVerifyRequest,
        SignedCheckpoint,
    )
    from guance_billing_cli.schemas.bindings import (
        BindingsApplied,
        BindingsApplyRequest,
        BindingsPlan,
        BindingsPlanRequest,
    )
    from guance_billing_cli.schemas.credentials import (
        PasswordChange,
        PasswordChanged,
        PasswordResetComplete,
        PasswordResetPublic,
        PasswordResetStart,
    )
    from guance_billing_cli.schemas.invoices import (
        InvoiceAddressCreate,
        InvoiceAddressPublic,
        InvoiceAddressUpdate,
        InvoiceRequestCreate,
        InvoiceRequestPublic,
        InvoiceTitleCreate,
        InvoiceTitlePublic,
        InvoiceTitleUpdate,
    )
    from guance_billing_cli.schemas.realname import RealnamePublic, RealnameReview, RealnameSubmit
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
    from guance_billing_cli.schemas.suggest import Suggestions, SuggestQuery
    from guance_billing_cli.schemas.tokens import (
        ForgottenPasswordReset,
        LoginCodeRequest,
        LoginCodeSent,
        LoginRequest,
        PasswordForgotten,
        PasswordResetDone,
        SessionPublic,
        SessionsRevoked,
        TokenCreate,
        TokenCreated,
        TokenPublic,
        WhoAmI,
    )
    from guance_billing_cli.schemas.verification import (
        ChangeRequestPublic,
        ChangeStart,
        CodeSubmit,
        NewAddress,
    )


class BillingClient(Protocol):
    # -- accounts and profile -------------------------------------------------
    def create_account(self, data: AccountCreate) -> AccountPublic: ...
    def get_account(self, ref: str) -> AccountPublic: ...
    def list_accounts(self) -> Iterator[AccountPublic]: ...
    def update_profile(self, ref: str, update: ProfileUpdate) -> AccountPublic: ...
    def admin_update_account(self, ref: str, update: AccountAdminUpdate) -> AccountPublic: ...

    # -- server tokens and login (issue 6) ---------------------------------------
    def login(self, data: LoginRequest) -> TokenCreated: ...
    def send_login_code(self, data: LoginCodeRequest) -> LoginCodeSent: ...
    def whoami(self) -> WhoAmI: ...
    def logout(self) -> TokenPublic: ...
    def create_token(self, data: TokenCreate) -> TokenCreated: ...
    def list_tokens(self) -> Iterator[TokenPublic]: ...
    def revoke_token(self, ref: str) -> TokenPublic: ...

    # -- sessions and password reset without a token (issue 11) -------------------
    def list_sessions(self) -> Iterator[SessionPublic]: ...
    def revoke_session(self, token_id: str) -> SessionsRevoked: ...
    def revoke_other_sessions(self) -> SessionsRevoked: ...
    def logout_all(self) -> SessionsRevoked: ...
    def forgot_password(self, data: PasswordForgotten) -> LoginCodeSent: ...
    def reset_forgotten_password(self, data: ForgottenPasswordReset) -> PasswordResetDone: ...

    # -- passwords, real-name authentication, invoices (issue 4) -----------------
    def change_password(self, ref: str, data: PasswordChange) -> PasswordChanged: ...
    def start_password_reset(self, ref: str, data: PasswordResetStart) -> PasswordResetPublic: ...
    def complete_password_reset(
        self, request_id: str, data: PasswordResetComplete, *, account: str | None = None
    ) -> PasswordResetPublic: ...
    def resend_password_reset(
        self, request_id: str, *, account: str | None = None
    ) -> PasswordResetPublic: ...
    def get_password_reset(
        self, request_id: str, *, account: str | None = None
    ) -> PasswordResetPublic: ...
    def get_realname(self, ref: str) -> RealnamePublic: ...
    def submit_realname(self, ref: str, data: RealnameSubmit) -> RealnamePublic: ...
    def review_realname(self, ref: str, data: RealnameReview) -> RealnamePublic: ...
    def add_invoice_title(self, ref: str, data: InvoiceTitleCreate) -> InvoiceTitlePublic: ...
    def list_invoice_titles(self, ref: str) -> Iterator[InvoiceTitlePublic]: ...
    def add_invoice_address(self, ref: str, data: InvoiceAddressCreate) -> InvoiceAddressPublic: ...
    def list_invoice_addresses(self, ref: str) -> Iterator[InvoiceAddressPublic]: ...
    def request_invoice(self, ref: str, data: InvoiceRequestCreate) -> InvoiceRequestPublic: ...
    def list_invoices(self, ref: str) -> Iterator[InvoiceRequestPublic]: ...

    # -- invoice upkeep (issue 15) ----------------------------------------------------
    def update_invoice_title(
        self, title_id: str, data: InvoiceTitleUpdate, *, account: str | None = None
    ) -> InvoiceTitlePublic: ...
    def delete_invoice_title(
        self, title_id: str, *, account: str | None = None
    ) -> InvoiceTitlePublic: ...
    def update_invoice_address(
        self, address_id: str, data: InvoiceAddressUpdate, *, account: str | None = None
    ) -> InvoiceAddressPublic: ...
    def delete_invoice_address(
        self, address_id: str, *, account: str | None = None
    ) -> InvoiceAddressPublic: ...
    def get_invoice(
        self, request_id: str, *, account: str | None = None
    ) -> InvoiceRequestPublic: ...
    def cancel_invoice(
        self, request_id: str, *, account: str | None = None
    ) -> InvoiceRequestPublic: ...

    # -- email / phone change (issue 3) -------------------------------------------
    def start_change(self, ref: str, data: ChangeStart) -> ChangeRequestPublic: ...
    def verify_change(
        self, request_id: str, data: CodeSubmit, *, kind: str, account: str | None = None
    ) -> ChangeRequestPublic: ...
    def set_change_address(
        self, request_id: str, data: NewAddress, *, kind: str, account: str | None = None
    ) -> ChangeRequestPublic: ...
    def resend_change(
        self, request_id: str, *, kind: str, account: str | None = None
    ) -> ChangeRequestPublic: ...
    def get_change(
        self, request_id: str, *, kind: str, account: str | None = None
    ) -> ChangeRequestPublic: ...
    def cancel_change(
        self, request_id: str, *, kind: str, account: str | None = None
    ) -> ChangeRequestPublic: ...
    def latest_change(self, ref: str, *, kind: str) -> ChangeRequestPublic: ...

    # -- cloud accounts, workspaces, settlement batches (issue 5) -----------------
    # ``progress(done, total)`` is called while a batch runs (a terminal progress bar).
    def add_cloud_account(self, ref: str, data: CloudAccountCreate) -> CloudAccountAdded: ...
    def list_cloud_accounts(self, ref: str) -> Iterator[CloudAccountPublic]: ...
    def get_cloud_account(
        self, cloud_id: str, *, account: str | None = None
    ) -> CloudAccountPublic: ...
    def unsubscribe_cloud_account(
        self, cloud_id: str, *, account: str | None = None
    ) -> UnsubscribeResult: ...
    def resubscribe_cloud_account(
        self, cloud_id: str, *, account: str | None = None
    ) -> UnsubscribeResult: ...
    def bind_workspaces(
        self,
        cloud_id: str,
        items: Sequence[BatchItem],
        *,
        dry_run: bool = False,
        account: str | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> BatchResult: ...
    def unbind_workspaces(
        self,
        items: Sequence[BatchItem],
        *,
        dry_run: bool = False,
        account: str | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> BatchResult: ...
    def add_workspace(self, ref: str, data: WorkspaceCreate) -> WorkspaceChange: ...
    def add_workspaces(
        self,
        ref: str,
        items: Sequence[BatchItem],
        *,
        dry_run: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> BatchResult: ...
    def list_workspaces(self, ref: str, filters: WorkspaceFilter) -> Iterator[WorkspacePublic]: ...
    def get_workspace(self, ws_id: str, *, account: str | None = None) -> WorkspacePublic: ...
    def move_workspace(
        self, ws_id: str, to: str, *, account: str | None = None
    ) -> WorkspaceChange: ...
    def unlock_workspace(
        self, ws_id: str, remedy: UnlockRequest, *, account: str | None = None
    ) -> WorkspaceChange: ...
    def dissolve_workspace(self, ws_id: str, *, account: str | None = None) -> WorkspaceChange: ...
    def remind_workspaces(self, data: RemindRequest) -> RemindResult: ...

    # -- bindings as code (issue 25) ----------------------------------------------
    def plan_bindings(self, request: BindingsPlanRequest) -> BindingsPlan: ...
    def apply_bindings(self, request: BindingsApplyRequest) -> BindingsApplied: ...

    # -- audit trail --------------------------------------------------------------
    def list_audit_events(self, query: AuditQuery) -> Iterator[AuditEventPublic]: ...
    def verify_audit(self, request: AuditVerifyRequest) -> AuditVerification: ...
    def write_audit_checkpoint(self) -> SignedCheckpoint: ...
    def audit_public_key(self) -> AuditPublicKey: ...
    def export_audit(self, query: AuditExportQuery) -> Iterator[AuditExportLine]: ...

    # -- completion values (issue 15) ---------------------------------------------
    def suggest(self, query: SuggestQuery) -> Suggestions: ...

    # -- lifecycle --------------------------------------------------------------
    def close(self) -> None: ...


# Where each schema named in the annotations above lives (``client/operations.py``
# imports one only when an operation uses it, so a remote command builds only its
# own). A test checks this table against the imports above.
SCHEMA_MODULES: dict[str, str] = {
    "AccountAdminUpdate": "accounts",
    "AccountCreate": "accounts",
    "AccountPublic": "accounts",
    "ProfileUpdate": "accounts",
    "AuditEventPublic": "audit",
    "AuditQuery": "audit",
    "AuditVerification": "audit",
    "AuditVerifyRequest": "audit",
    "AuditExportLine": "audit",
    "AuditExportQuery": "audit",
    "AuditPublicKey": "audit",
    "SignedCheckpoint": "audit",
    "BindingsApplied": "bindings",
    "BindingsApplyRequest": "bindings",
    "BindingsPlan": "bindings",
    "BindingsPlanRequest": "bindings",
    "PasswordChange": "credentials",
    "PasswordChanged": "credentials",
    "PasswordResetComplete": "credentials",
    "PasswordResetPublic": "credentials",
    "PasswordResetStart": "credentials",
    "InvoiceAddressCreate": "invoices",
    "InvoiceAddressPublic": "invoices",
    "InvoiceRequestCreate": "invoices",
    "InvoiceRequestPublic": "invoices",
    "InvoiceTitleCreate": "invoices",
    "InvoiceTitlePublic": "invoices",
    "InvoiceTitleUpdate": "invoices",
    "InvoiceAddressUpdate": "invoices",
    "CloudAccountAdded": "settlement",
    "RemindRequest": "settlement",
    "RemindResult": "settlement",
    "SuggestQuery": "suggest",
    "Suggestions": "suggest",
    "RealnamePublic": "realname",
    "RealnameReview": "realname",
    "RealnameSubmit": "realname",
    "BatchItem": "settlement",
    "BatchResult": "settlement",
    "CloudAccountCreate": "settlement",
    "CloudAccountPublic": "settlement",
    "UnlockRequest": "settlement",
    "UnsubscribeResult": "settlement",
    "WorkspaceChange": "settlement",
    "WorkspaceCreate": "settlement",
    "WorkspaceFilter": "settlement",
    "WorkspacePublic": "settlement",
    "LoginCodeRequest": "tokens",
    "LoginCodeSent": "tokens",
    "LoginRequest": "tokens",
    "TokenCreate": "tokens",
    "TokenCreated": "tokens",
    "TokenPublic": "tokens",
    "SessionPublic": "tokens",
    "SessionsRevoked": "tokens",
    "PasswordForgotten": "tokens",
    "ForgottenPasswordReset": "tokens",
    "PasswordResetDone": "tokens",
    "WhoAmI": "tokens",
    "ChangeRequestPublic": "verification",
    "ChangeStart": "verification",
    "CodeSubmit": "verification",
    "NewAddress": "verification",
}
