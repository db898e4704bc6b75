"""``LocalClient``: runs the services in-process against a store.

Each call is one transaction: writes start ``BEGIN IMMEDIATE`` on SQLite and
commit only if the service returns; any error rolls everything back.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from guance_billing_cli.errors import BillingError, Conflict, Unavailable
from guance_billing_cli.schemas.accounts import (
    AccountAdminUpdate,
    AccountCreate,
    AccountPublic,
    ProfileUpdate,
)
from guance_billing_cli.schemas.tokens import (
    LoginRequest,
    TokenCreate,
    TokenCreated,
    TokenPublic,
    WhoAmI,
)
from guance_billing_cli.services import accounts
from guance_billing_cli.services.context import Actor, ServiceContext
from guance_billing_cli.store import engine as store_engine

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def local_actor() -> Actor:
    """The operator of a local store is support (they hold the whole file)."""
    try:
        user = getpass.getuser()
    except Exception:  # no passwd entry, e.g. in a container
        user = "unknown"
    return Actor(name=f"local:{user}", role="support")


class LocalClient:
    def __init__(
        self,
        store_url: str,
        *,
        settings: Any = None,
        actor: Actor | None = None,
        migrate: bool = True,
    ) -> None:
        self.store_url = store_url
        self.settings = settings
        self.actor = actor or local_actor()
        self._migrate = migrate
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = store_engine.open_store(self.store_url, migrate=self._migrate)
        return self._engine

    @contextmanager
    def context(self, *, write: bool, request_id: str | None = None) -> Iterator[ServiceContext]:
        """A service context inside one transaction (committed on success)."""
        from sqlalchemy.exc import IntegrityError, OperationalError
        from sqlmodel import Session

        bind = self.engine.execution_options(**store_engine.WRITE) if write else self.engine
        deferred: BillingError | None = None
        try:
            with Session(bind=bind, expire_on_commit=False) as session, session.begin():
                try:
                    yield ServiceContext(
                        session=session, actor=self.actor, settings=self.settings,
                        request_id=request_id,
                    )
                except BillingError as error:
                    if not error.commit:
                        raise
                    deferred = error  # counted failure: commit it, then raise below
        except BillingError:
            raise
        except IntegrityError:
            raise Conflict("the change conflicts with existing data; nothing was changed") from None
        except OperationalError as exc:
            reason = str(exc.orig).splitlines()[0] if exc.orig else type(exc).__name__
            raise Unavailable(
                f"store {store_engine.redact_url(self.store_url)} unavailable: {reason}"
            ) from None
        if deferred is not None:
            raise deferred

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    # -- accounts and profile -------------------------------------------------
    def create_account(self, data: AccountCreate) -> AccountPublic:
        with self.context(write=True) as ctx:
            return accounts.create_account(ctx, data=data)

    def get_account(self, ref: str) -> AccountPublic:
        with self.context(write=False) as ctx:
            return accounts.get_account(ctx, ref=ref)

    def list_accounts(self) -> Iterator[AccountPublic]:
        with self.context(write=False) as ctx:
            yield from accounts.list_accounts(ctx)

    def update_profile(self, ref: str, update: ProfileUpdate) -> AccountPublic:
        with self.context(write=True) as ctx:
            return accounts.update_profile(ctx, ref=ref, update=update)

    def admin_update_account(self, ref: str, update: AccountAdminUpdate) -> AccountPublic:
        with self.context(write=True) as ctx:
            return accounts.admin_update(ctx, ref=ref, update=update)

    # -- server tokens and login (issue 6) ---------------------------------------
    def login(self, data: LoginRequest) -> TokenCreated:
        from guance_billing_cli.services import tokens

        with self.context(write=True) as ctx:
            return tokens.login(ctx, data=data)

    def whoami(self) -> WhoAmI:
        from guance_billing_cli.services import tokens

        with self.context(write=False) as ctx:
            return tokens.whoami(ctx)

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
