"""Per-invocation state (``ctx.obj``): global flags, settings, the client."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import typer

from guance_billing_cli.errors import InputRequired

if TYPE_CHECKING:
    from guance_billing_cli.client.protocol import BillingClient
    from guance_billing_cli.config import Settings


@dataclass
class AppState:
    debug: bool = False
    no_input: bool = False
    store: str | None = None
    server: str | None = None
    profile: str | None = None
    account: str | None = None  # the global --account (a command's own --account wins)
    json_errors: bool = False
    _settings: Settings | None = None
    _client: BillingClient | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    _pooled: bool = False

    # Set by a shell session (cli/shell/session.py): hands out clients it keeps open
    # across commands, so the store engine / HTTP connection stays warm. A pooled
    # client is the session's to close, not the command's.
    client_source: ClassVar[Callable[[Settings, str | None, bool | None], BillingClient] | None] = (
        None
    )

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from guance_billing_cli.config import resolve_settings

            self._settings = resolve_settings(
                profile=self.profile, store=self.store, server=self.server, account=self.account
            )
        return self._settings

    @property
    def interactive(self) -> bool:
        """Prompts only with a terminal on stdin, no --no-input and no CI."""
        if self.no_input or os.environ.get("CI"):
            return False
        return sys.stdin.isatty()

    def client(self) -> BillingClient:
        if self._client is None:
            ca_bundle = self.extras.get("ca_bundle")
            insecure_http = self.extras.get("insecure_http")
            source = AppState.client_source
            self._pooled = source is not None
            self._client = (
                source(self.settings, ca_bundle, insecure_http)
                if source is not None
                else make_client(self.settings, ca_bundle=ca_bundle, insecure_http=insecure_http)
            )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            if not self._pooled:
                self._client.close()
            self._client = None


def make_client(
    settings: Settings, *, ca_bundle: str | None = None, insecure_http: bool | None = None
) -> BillingClient:
    """The one place that picks the transport."""
    if settings.server_url:
        from guance_billing_cli.client.http import HttpClient

        return HttpClient(
            settings.server_url, settings=settings, ca_bundle=ca_bundle, insecure_http=insecure_http
        )
    from guance_billing_cli.client.local import LocalClient

    return LocalClient(settings.store_url, settings=settings)


def get_state(ctx: typer.Context) -> AppState:
    root = ctx.find_root()
    if not isinstance(root.obj, AppState):
        root.obj = AppState()
    return root.obj


def client(ctx: typer.Context) -> BillingClient:
    return get_state(ctx).client()


def account_ref(ctx: typer.Context, flag: str | None) -> str:
    """The billing account to act on: --account / env, else the profile's default."""
    if flag:
        return flag
    account = get_state(ctx).settings.account
    if account:
        return account
    raise InputRequired(
        "no_account_selected",
        next_step="use_account",
        field="account",
    )
