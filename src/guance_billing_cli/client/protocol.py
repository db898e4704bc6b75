"""``BillingClient``: one method per operation, plain pydantic schemas in and out.

``LocalClient`` runs the services in-process on a store; ``HttpClient`` speaks to
the server. The CLI only ever sees this interface.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

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


class BillingClient(Protocol):
    # -- accounts and profile -------------------------------------------------
    def create_account(self, data: AccountCreate) -> AccountPublic: ...
    def get_account(self, ref: str) -> AccountPublic: ...
    def list_accounts(self) -> Iterator[AccountPublic]: ...
    def update_profile(self, ref: str, update: ProfileUpdate) -> AccountPublic: ...
    def admin_update_account(self, ref: str, update: AccountAdminUpdate) -> AccountPublic: ...

    # -- server tokens and login (issue 6) ---------------------------------------
    def login(self, data: LoginRequest) -> TokenCreated: ...
    def whoami(self) -> WhoAmI: ...
    def create_token(self, data: TokenCreate) -> TokenCreated: ...
    def list_tokens(self) -> Iterator[TokenPublic]: ...
    def revoke_token(self, ref: str) -> TokenPublic: ...

    # -- lifecycle --------------------------------------------------------------
    def close(self) -> None: ...
