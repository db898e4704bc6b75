"""``LocalClient``: runs the services in-process against a store.

Each call is one transaction: writes start ``BEGIN IMMEDIATE`` on SQLite and
commit only if the service returns; any error rolls everything back.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from guance_billing_cli.errors import BillingError, Conflict, Unavailable
from guance_billing_cli.services.context import Actor, ServiceContext
from guance_billing_cli.store import engine as store_engine

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

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


@contextmanager
def login_floor(seconds: float | None = None) -> Iterator[None]:
    """Answer the calls that take no token no sooner than ``seconds`` after they
    arrived, whatever happened (also on error), so the time an answer takes does not
    tell whether the address has an account. The wait is after the transaction has
    ended: no lock is held while waiting."""
    import time

    floor = LOGIN_FLOOR if seconds is None else seconds
    started = time.monotonic()
    try:
        yield
    finally:
        rest = floor - (time.monotonic() - started)
        if rest > 0:
            time.sleep(rest)


# Logins: argon2 (or a code check) is the same work for every address.
LOGIN_FLOOR = 0.06
# Sending a code: a real send writes a request and delivers a message, which a
# phantom does not; the floor is above what that takes, and a person asking for a
# code does not notice a quarter of a second.
SEND_FLOOR = 0.25


def local_actor() -> Actor:
    """The operator of a local store is support (they hold the whole file)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry / no login name, e.g. in a container
        user = "unknown"
    return Actor(name=f"local:{user}", role="support")


class LocalClient:
    def __init__(
        self,
        store_url: str,
        *,
        settings: Any = None,
        actor: Actor | None = None,
        migrate: bool | None = None,
    ) -> None:
        self.store_url = store_url
        self.settings = settings
        self.actor = actor or local_actor()
        self._migrate = migrate
        self._engine: Engine | None = None
        #: who calls, for the per-client throttle (the server sets the peer address)
        self.client_address = "local"

    @property
    def engine(self) -> Engine:
        return self._open(create=True)

    def _open(self, *, create: bool) -> Engine:
        """The engine, opened on first use: a read never creates a missing store (issue 21);
        ``migrate`` None: SQLite migrates itself (after a copy), PostgreSQL never does."""
        if self._engine is None:
            self._engine = store_engine.open_store(
                self.store_url, migrate=self._migrate, create=create
            )
        return self._engine

    @contextmanager
    def context(self, *, write: bool, request_id: str | None = None) -> Iterator[ServiceContext]:
        """A service context inside one transaction (committed on success)."""
        from sqlalchemy.exc import IntegrityError, OperationalError
        from sqlmodel import Session

        engine = self._open(create=write)
        bind = engine.execution_options(**store_engine.WRITE) if write else engine
        deferred: BillingError | None = None
        try:
            with Session(bind=bind, expire_on_commit=False) as session, session.begin():
                ctx = ServiceContext(
                    session=session,
                    actor=self.actor,
                    settings=self.settings,
                    request_id=request_id,
                    client=self.client_address,
                )
                if write:  # issue 19: a process with another key than the store's writes nothing
                    from guance_billing_cli.services import store_keys

                    store_keys.ensure_same_key(ctx)
                try:
                    yield ctx
                except BillingError as error:
                    if not error.commit:
                        raise
                    deferred = error  # counted failure: commit it, then raise below
        except BillingError:
            raise
        except IntegrityError as exc:
            from guance_billing_cli.services.accounts import unique_conflict

            known = unique_conflict(str(exc.orig))
            raise known or Conflict("store_conflict") from None
        except OperationalError as exc:
            reason = str(exc.orig).splitlines()[0] if exc.orig else type(exc).__name__
            if store_engine.is_contention(exc):  # rolled back: the caller may run it again
                raise Unavailable(
                    "store_contention", store=store_engine.redact_url(self.store_url)
                ) from None
            raise Unavailable(
                "store_unavailable", store=store_engine.redact_url(self.store_url), why=reason
            ) from None
        if deferred is not None:
            raise deferred

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    # -- accounts and profile -------------------------------------------------
    def create_account(self, data: AccountCreate) -> AccountPublic:
        from guance_billing_cli.services import accounts

        with self.context(write=True) as ctx:
            return accounts.create_account(ctx, data=data)

    def get_account(self, ref: str) -> AccountPublic:
        from guance_billing_cli.services import accounts

        with self.context(write=False) as ctx:
            return accounts.get_account(ctx, ref=ref)

    def list_accounts(self) -> Iterator[AccountPublic]:
        from guance_billing_cli.services import accounts

        with self.context(write=False) as ctx:
            yield from accounts.list_accounts(ctx)

    def update_profile(self, ref: str, update: ProfileUpdate) -> AccountPublic:
        from guance_billing_cli.services import accounts

        with self.context(write=True) as ctx:
            return accounts.update_profile(ctx, ref=ref, update=update)

    def admin_update_account(self, ref: str, update: AccountAdminUpdate) -> AccountPublic:
        from guance_billing_cli.services import accounts

        with self.context(write=True) as ctx:
            return accounts.admin_update(ctx, ref=ref, update=update)

    # -- server tokens and login (issue 6) ---------------------------------------
    def login(self, data: LoginRequest) -> TokenCreated:
        from guance_billing_cli.services import login

        with login_floor():
            if data.code is not None or data.request_id is not None:
                with self.context(write=True) as ctx:
                    return login.code_login(ctx, data=data)
            return login.password_login(self.context, data=data)

    def send_login_code(self, data: LoginCodeRequest) -> LoginCodeSent:
        from guance_billing_cli.services import login

        with login_floor(SEND_FLOOR), self.context(write=True) as ctx:
            return login.send_login_code(ctx, data=data)

    def forgot_password(self, data: PasswordForgotten) -> LoginCodeSent:
        from guance_billing_cli.services import password_reset

        with login_floor(SEND_FLOOR), self.context(write=True) as ctx:
            return password_reset.forgot(ctx, data=data)

    def reset_forgotten_password(self, data: ForgottenPasswordReset) -> PasswordResetDone:
        from guance_billing_cli.services import password_reset

        with login_floor(), self.context(write=True) as ctx:
            return password_reset.complete_forgotten(ctx, data=data)

    def list_sessions(self) -> Iterator[SessionPublic]:
        from guance_billing_cli.services import sessions

        with self.context(write=False) as ctx:
            yield from sessions.list_sessions(ctx)

    def revoke_session(self, token_id: str) -> SessionsRevoked:
        from guance_billing_cli.services import sessions

        with self.context(write=True) as ctx:
            return sessions.revoke_session(ctx, token_id=token_id)

    def revoke_other_sessions(self) -> SessionsRevoked:
        from guance_billing_cli.services import sessions

        with self.context(write=True) as ctx:
            return sessions.revoke_other_sessions(ctx)

    def logout_all(self) -> SessionsRevoked:
        from guance_billing_cli.services import sessions

        with self.context(write=True) as ctx:
            return sessions.revoke_all_sessions(ctx)

    def whoami(self) -> WhoAmI:
        from guance_billing_cli.services import tokens

        with self.context(write=False) as ctx:
            return tokens.whoami(ctx)

    def logout(self) -> TokenPublic:
        from guance_billing_cli.services import tokens

        with self.context(write=True) as ctx:
            return tokens.logout(ctx)

    def create_token(self, data: TokenCreate) -> TokenCreated:
        from guance_billing_cli.services import tokens

        with self.context(write=True) as ctx:
            return tokens.create_token(ctx, data=data)

    def list_tokens(self) -> Iterator[TokenPublic]:
        from guance_billing_cli.services import tokens

        with self.context(write=False) as ctx:
            yield from tokens.list_tokens(ctx)

    def revoke_token(self, ref: str) -> TokenPublic:
        from guance_billing_cli.services import tokens

        with self.context(write=True) as ctx:
            return tokens.revoke_token(ctx, ref=ref)

    # -- passwords, real-name authentication, invoices (issue 4) -----------------
    def change_password(self, ref: str, data: PasswordChange) -> PasswordChanged:
        from guance_billing_cli.services import credentials

        return credentials.change_password(self.context, ref=ref, change=data)

    def start_password_reset(self, ref: str, data: PasswordResetStart) -> PasswordResetPublic:
        from guance_billing_cli.services import password_reset

        with self.context(write=True) as ctx:
            return password_reset.start_reset(ctx, ref=ref, via=data.via)

    def complete_password_reset(
        self, request_id: str, data: PasswordResetComplete, *, account: str | None = None
    ) -> PasswordResetPublic:
        from guance_billing_cli.services import password_reset

        with self.context(write=True) as ctx:
            return password_reset.complete_reset(
                ctx, request_id=request_id, data=data, account=account
            )

    def resend_password_reset(
        self, request_id: str, *, account: str | None = None
    ) -> PasswordResetPublic:
        from guance_billing_cli.services import password_reset

        with self.context(write=True) as ctx:
            return password_reset.resend_reset(ctx, request_id=request_id, account=account)

    def get_password_reset(
        self, request_id: str, *, account: str | None = None
    ) -> PasswordResetPublic:
        from guance_billing_cli.services import password_reset

        with self.context(write=False) as ctx:
            return password_reset.get_reset(ctx, request_id=request_id, account=account)

    def get_realname(self, ref: str) -> RealnamePublic:
        from guance_billing_cli.services import realname

        with self.context(write=False) as ctx:
            return realname.get_realname(ctx, ref=ref)

    def submit_realname(self, ref: str, data: RealnameSubmit) -> RealnamePublic:
        from guance_billing_cli.services import realname

        with self.context(write=True) as ctx:
            return realname.submit(ctx, ref=ref, data=data)

    def review_realname(self, ref: str, data: RealnameReview) -> RealnamePublic:
        from guance_billing_cli.services import realname

        with self.context(write=True) as ctx:
            return realname.review(ctx, ref=ref, decision=data)

    def add_invoice_title(self, ref: str, data: InvoiceTitleCreate) -> InvoiceTitlePublic:
        from guance_billing_cli.services import invoices

        with self.context(write=True) as ctx:
            return invoices.add_title(ctx, ref=ref, data=data)

    def list_invoice_titles(self, ref: str) -> Iterator[InvoiceTitlePublic]:
        from guance_billing_cli.services import invoices

        with self.context(write=False) as ctx:
            yield from invoices.list_titles(ctx, ref=ref)

    def add_invoice_address(self, ref: str, data: InvoiceAddressCreate) -> InvoiceAddressPublic:
        from guance_billing_cli.services import invoices

        with self.context(write=True) as ctx:
            return invoices.add_address(ctx, ref=ref, data=data)

    def list_invoice_addresses(self, ref: str) -> Iterator[InvoiceAddressPublic]:
        from guance_billing_cli.services import invoices

        with self.context(write=False) as ctx:
            yield from invoices.list_addresses(ctx, ref=ref)

    def request_invoice(self, ref: str, data: InvoiceRequestCreate) -> InvoiceRequestPublic:
        from guance_billing_cli.services import invoices

        with self.context(write=True) as ctx:
            return invoices.request_invoice(ctx, ref=ref, data=data)

    def list_invoices(self, ref: str) -> Iterator[InvoiceRequestPublic]:
        from guance_billing_cli.services import invoices

        with self.context(write=False) as ctx:
            yield from invoices.list_requests(ctx, ref=ref)

    # -- invoice upkeep (issue 15) ----------------------------------------------------
    def update_invoice_title(
        self, title_id: str, data: InvoiceTitleUpdate, *, account: str | None = None
    ) -> InvoiceTitlePublic:
        from guance_billing_cli.services import invoices

        with self.context(write=True) as ctx:
            return invoices.update_title(ctx, title_id=title_id, data=data, account_ref=account)

    def delete_invoice_title(
        self, title_id: str, *, account: str | None = None
    ) -> InvoiceTitlePublic:
        from guance_billing_cli.services import invoices

        with self.context(write=True) as ctx:
            return invoices.delete_title(ctx, title_id=title_id, account_ref=account)

    def update_invoice_address(
        self, address_id: str, data: InvoiceAddressUpdate, *, account: str | None = None
    ) -> InvoiceAddressPublic:
        from guance_billing_cli.services import invoices

        with self.context(write=True) as ctx:
            return invoices.update_address(
                ctx, address_id=address_id, data=data, account_ref=account
            )

    def delete_invoice_address(
        self, address_id: str, *, account: str | None = None
    ) -> InvoiceAddressPublic:
        from guance_billing_cli.services import invoices

        with self.context(write=True) as ctx:
            return invoices.delete_address(ctx, address_id=address_id, account_ref=account)

    def get_invoice(self, request_id: str, *, account: str | None = None) -> InvoiceRequestPublic:
        from guance_billing_cli.services import invoices

        with self.context(write=False) as ctx:
            return invoices.get_request(ctx, request_id=request_id, account_ref=account)

    def cancel_invoice(
        self, request_id: str, *, account: str | None = None
    ) -> InvoiceRequestPublic:
        from guance_billing_cli.services import invoices

        with self.context(write=True) as ctx:
            return invoices.cancel_request(ctx, request_id=request_id, account_ref=account)

    # -- email / phone change (issue 3) -------------------------------------------
    def start_change(self, ref: str, data: ChangeStart) -> ChangeRequestPublic:
        from guance_billing_cli.services import verification

        with self.context(write=True) as ctx:
            return verification.start_change(
                ctx, ref=ref, kind=data.kind, new_address=data.new_address
            )

    def verify_change(
        self, request_id: str, data: CodeSubmit, *, kind: str, account: str | None = None
    ) -> ChangeRequestPublic:
        from guance_billing_cli.services import verification

        with self.context(write=True) as ctx:
            return verification.verify_change(
                ctx,
                request_id=request_id,
                kind=kind,
                code=data.code.get_secret_value(),
                account=account,
            )

    def set_change_address(
        self, request_id: str, data: NewAddress, *, kind: str, account: str | None = None
    ) -> ChangeRequestPublic:
        from guance_billing_cli.services import verification

        with self.context(write=True) as ctx:
            return verification.set_new_address(
                ctx,
                request_id=request_id,
                kind=kind,
                new_address=data.new_address,
                account=account,
            )

    def resend_change(
        self, request_id: str, *, kind: str, account: str | None = None
    ) -> ChangeRequestPublic:
        from guance_billing_cli.services import verification

        with self.context(write=True) as ctx:
            return verification.resend(ctx, request_id=request_id, kind=kind, account=account)

    def get_change(
        self, request_id: str, *, kind: str, account: str | None = None
    ) -> ChangeRequestPublic:
        from guance_billing_cli.services import verification

        with self.context(write=False) as ctx:
            return verification.get_change(ctx, request_id=request_id, kind=kind, account=account)

    def cancel_change(
        self, request_id: str, *, kind: str, account: str | None = None
    ) -> ChangeRequestPublic:
        from guance_billing_cli.services import verification

        with self.context(write=True) as ctx:
            return verification.cancel(ctx, request_id=request_id, kind=kind, account=account)

    def latest_change(self, ref: str, *, kind: str) -> ChangeRequestPublic:
        from guance_billing_cli.services import verification

        with self.context(write=False) as ctx:
            return verification.latest_change(ctx, ref=ref, kind=kind)

    # -- cloud accounts, workspaces, settlement batches (issue 5) -----------------
    def add_cloud_account(self, ref: str, data: CloudAccountCreate) -> CloudAccountAdded:
        from guance_billing_cli.services import cloud

        with self.context(write=True) as ctx:
            return cloud.add_cloud_account(ctx, account_ref=ref, data=data)

    def list_cloud_accounts(self, ref: str) -> Iterator[CloudAccountPublic]:
        from guance_billing_cli.services import cloud

        with self.context(write=False) as ctx:
            yield from cloud.list_cloud_accounts(ctx, account_ref=ref)

    def get_cloud_account(self, cloud_id: str, *, account: str | None = None) -> CloudAccountPublic:
        from guance_billing_cli.services import cloud

        with self.context(write=False) as ctx:
            return cloud.get_cloud_account(ctx, ref=cloud_id, account_ref=account)

    def unsubscribe_cloud_account(
        self, cloud_id: str, *, account: str | None = None
    ) -> UnsubscribeResult:
        from guance_billing_cli.services import cloud

        with self.context(write=True) as ctx:
            return cloud.unsubscribe(ctx, ref=cloud_id, account_ref=account)

    def resubscribe_cloud_account(
        self, cloud_id: str, *, account: str | None = None
    ) -> UnsubscribeResult:
        from guance_billing_cli.services import cloud

        with self.context(write=True) as ctx:
            return cloud.resubscribe(ctx, ref=cloud_id, account_ref=account)

    def bind_workspaces(
        self,
        cloud_id: str,
        items: Sequence[BatchItem],
        *,
        dry_run: bool = False,
        account: str | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> BatchResult:
        from guance_billing_cli.services import binding

        with self.context(write=not dry_run) as ctx:
            return binding.bind(
                ctx,
                cloud_ref=cloud_id,
                items=items,
                dry_run=dry_run,
                account_ref=account,
                progress=progress,
            )

    def unbind_workspaces(
        self,
        items: Sequence[BatchItem],
        *,
        dry_run: bool = False,
        account: str | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> BatchResult:
        from guance_billing_cli.services import binding

        with self.context(write=not dry_run) as ctx:
            return binding.unbind(
                ctx, items=items, dry_run=dry_run, account_ref=account, progress=progress
            )

    def add_workspace(self, ref: str, data: WorkspaceCreate) -> WorkspaceChange:
        from guance_billing_cli.services import workspaces

        with self.context(write=True) as ctx:
            return workspaces.add_workspace(ctx, account_ref=ref, data=data)

    def add_workspaces(
        self,
        ref: str,
        items: Sequence[BatchItem],
        *,
        dry_run: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> BatchResult:
        from guance_billing_cli.services import workspaces

        with self.context(write=not dry_run) as ctx:
            return workspaces.add_batch(
                ctx, account_ref=ref, items=items, dry_run=dry_run, progress=progress
            )

    def list_workspaces(self, ref: str, filters: WorkspaceFilter) -> Iterator[WorkspacePublic]:
        from guance_billing_cli.services import workspaces

        with self.context(write=False) as ctx:
            yield from workspaces.list_workspaces(ctx, account_ref=ref, filters=filters)

    def get_workspace(self, ws_id: str, *, account: str | None = None) -> WorkspacePublic:
        from guance_billing_cli.services import workspaces

        with self.context(write=False) as ctx:
            return workspaces.get_workspace(ctx, ref=ws_id, account_ref=account)

    def move_workspace(self, ws_id: str, to: str, *, account: str | None = None) -> WorkspaceChange:
        from guance_billing_cli.services import workspace_lifecycle

        with self.context(write=True) as ctx:
            return workspace_lifecycle.move_workspace(ctx, ref=ws_id, to=to, account_ref=account)

    def unlock_workspace(
        self, ws_id: str, remedy: UnlockRequest, *, account: str | None = None
    ) -> WorkspaceChange:
        from guance_billing_cli.services import workspace_lifecycle

        with self.context(write=True) as ctx:
            return workspace_lifecycle.unlock_workspace(
                ctx, ref=ws_id, remedy=remedy, account_ref=account
            )

    def dissolve_workspace(self, ws_id: str, *, account: str | None = None) -> WorkspaceChange:
        from guance_billing_cli.services import workspace_lifecycle

        with self.context(write=True) as ctx:
            return workspace_lifecycle.dissolve_workspace(ctx, ref=ws_id, account_ref=account)

    def remind_workspaces(self, data: RemindRequest) -> RemindResult:
        from guance_billing_cli.services import reminders

        with self.context(write=not data.dry_run) as ctx:
            return reminders.remind(ctx, account_ref=data.account, dry_run=data.dry_run)

    # -- bindings as code (issue 25) ----------------------------------------------
    def plan_bindings(self, request: BindingsPlanRequest) -> BindingsPlan:
        from guance_billing_cli.services import bindings_plan

        with self.context(write=False) as ctx:
            return bindings_plan.plan(ctx, request=request)

    def apply_bindings(self, request: BindingsApplyRequest) -> BindingsApplied:
        from guance_billing_cli.services import bindings_plan

        with self.context(write=True) as ctx:
            return bindings_plan.apply(ctx, request=request)

    # -- audit trail --------------------------------------------------------------
    def list_audit_events(self, query: AuditQuery) -> Iterator[AuditEventPublic]:
        from guance_billing_cli.services import audit

        with self.context(write=False) as ctx:
            yield from audit.list_events(ctx, query=query)

    def verify_audit(self, request: AuditVerifyRequest) -> AuditVerification:
        from guance_billing_cli.services import audit_proofs

        with self.context(write=False) as ctx:
            return audit_proofs.verify_chain(ctx, request=request)

    def write_audit_checkpoint(self) -> SignedCheckpoint:
        from guance_billing_cli.services import audit_proofs

        with self.context(write=True) as ctx:
            return audit_proofs.write_checkpoint(ctx)

    def audit_public_key(self) -> AuditPublicKey:
        from guance_billing_cli.services import audit_proofs

        with self.context(write=False) as ctx:
            return audit_proofs.public_key(ctx)

    def export_audit(self, query: AuditExportQuery) -> Iterator[AuditExportLine]:
        from guance_billing_cli.services import audit_proofs

        with self.context(write=False) as ctx:
            yield from audit_proofs.export_events(ctx, query=query)

    # -- completion values (issue 15) ---------------------------------------------
    def suggest(self, query: SuggestQuery) -> Suggestions:
        from guance_billing_cli.schemas.suggest import Suggestions
        from guance_billing_cli.services import suggestions

        with self.context(write=False) as ctx:
            values = suggestions.suggest(
                ctx,
                kind=query.kind,
                prefix=query.prefix,
                account=query.account,
                limit=query.limit,
            )
        return Suggestions(kind=query.kind, values=values)
