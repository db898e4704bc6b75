"""Billing accounts and their profile, declared once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol

from guance_billing_cli.api.declare import READ, WRITE, operation

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
    @operation(
        "POST",
        "/v1/accounts",
        created="/v1/accounts/{id}",
        idempotent=True,
        tx=WRITE,
        service="accounts:create",
        command="account create",
        description="Create a billing account (support only). 201 with its Location.",
    )
    def create_account(self, data: AccountCreate) -> AccountPublic: ...

    @operation(
        "GET",
        "/v1/accounts/{ref}",
        tx=READ,
        service="accounts:get",
        command="account show",
        description="Read one billing account by id, username, email or phone; answers an ETag.",
    )
    def get_account(self, ref: str) -> AccountPublic: ...

    @operation(
        "GET",
        "/v1/accounts",
        tx=READ,
        service="accounts:list_all",
        command="account list",
        description="List billing accounts (support: all; owner: its own), as pages.",
    )
    def list_accounts(self) -> Iterator[AccountPublic]: ...

    @operation(
        "PATCH",
        "/v1/accounts/{ref}/profile",
        etag_from="get_account",
        tx=WRITE,
        service="accounts:change_profile",
        command="profile update",
        description="Change an account's company profile and contact; honours If-Match.",
    )
    def update_profile(self, ref: str, update: ProfileUpdate) -> AccountPublic: ...

    @operation(
        "PATCH",
        "/v1/accounts/{ref}",
        etag_from="get_account",
        tx=WRITE,
        service="accounts:admin_update",
        command="account update ACCOUNT --arbitrary-settlement on",
        description="Change an account's administrative settings (support only); honours If-Match.",
    )
    def admin_update_account(self, ref: str, update: AccountAdminUpdate) -> AccountPublic: ...
