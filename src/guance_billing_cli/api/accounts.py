"""Billing accounts and their profile, declared once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol

from guance_billing_cli.api.declare import operation

if TYPE_CHECKING:
    from guance_billing_cli.schemas.accounts import (
        AccountAdminUpdate,
        AccountCreate,
        AccountPublic,
        ProfileUpdate,
    )

#: the schema modules the annotations below name (read when an operation is described)
SCHEMAS = ("accounts",)


class Accounts(Protocol):
    # one declaration, one or two lines: route and service, then the rest (api/declare.py)
    # fmt: off
    @operation("POST /v1/accounts", "accounts:create",
               created="/v1/accounts/{id}", command="account create")
    def create_account(self, data: AccountCreate) -> AccountPublic:
        """Create a billing account (support only). 201 with its Location."""

    @operation("GET /v1/accounts/{ref}", "accounts:get", command="account show")
    def get_account(self, ref: str) -> AccountPublic:
        """Read one billing account by id, username, email or phone; answers an ETag."""

    @operation("GET /v1/accounts", "accounts:list_all", command="account list")
    def list_accounts(self) -> Iterator[AccountPublic]:
        """List billing accounts (support: all; owner: its own), as pages."""

    @operation("PATCH /v1/accounts/{ref}/profile", "accounts:change_profile",
               etag_from="get_account", command="profile update")
    def update_profile(self, ref: str, update: ProfileUpdate) -> AccountPublic:
        """Change an account's company profile and contact; honours If-Match."""

    @operation("PATCH /v1/accounts/{ref}", "accounts:admin_update",
               etag_from="get_account", command="account update ACCOUNT --arbitrary-settlement on")
    def admin_update_account(self, ref: str, update: AccountAdminUpdate) -> AccountPublic:
        """Change an account's administrative settings (support only); honours If-Match."""
