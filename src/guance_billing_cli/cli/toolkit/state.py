"""Per-invocation state (``ctx.obj``): global flags, settings, the client."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import typer

from guance_billing_cli.errors import InputRequired

if TYPE_CHECKING:
    from guance_billing_cli.client.protocol import BillingClient
    from guance_billing_cli.config import Settings


@dataclass(frozen=True)
class SessionLink:
    """What a ``shell`` session hands each command it runs (``ctx.obj`` of the root,
    replaced by the command's own ``AppState``): its warm clients and its account.
    Passed per command, never kept in a module, so nothing else carries over."""

    #: hands out clients the session keeps open across commands (the store engine or
    #: HTTP connection stays warm); a pooled client is the session's to close
    client_source: Callable[[Settings], BillingClient]
    #: the session's account (``shell --account``, ``use``): as if given as ``--account``
    account: str | None = None


@dataclass
class Given:
    """What a command was given of the options many commands take (``options.takes``),
    kept by their callbacks as they are parsed."""

    json: bool = False  # --json
    output: str | None = None  # --output: table, json, ndjson, csv
    #: the command's --account, else the global one (or a shell session's), else
    #: GUANCE_BILLING_ACCOUNT; None: the client's default applies
    account: str | None = None


@dataclass
class AppState:
    """One command's global flags, and what is resolved from them once: its settings
    (``config.Settings``, frozen) and its client. Made afresh for every command."""

    debug: bool = False
    no_input: bool = False
    store: str | None = None
    server: str | None = None
    profile: str | None = None
    account: str | None = None  # the global --account (a command's own --account wins)
    lang: str | None = None
    ca_bundle: str | None = None
    insecure_http: bool = False
    given: Given = field(default_factory=lambda: Given())
    session: SessionLink | None = None  # set when a shell session runs this command
    _settings: Settings | None = None
    _client: BillingClient | None = None
    _pooled: bool = False

    @property
    def json_errors(self) -> bool:
        """Errors go to stderr as JSON: the command was asked for JSON output."""
        return self.given.json or self.given.output == "json"

    @property
    def settings(self) -> Settings:
        """Flag > environment > profile > default, resolved on first use, then kept."""
        if self._settings is None:
            from guance_billing_cli.config import resolve_settings

            self._settings = resolve_settings(
                profile=self.profile,
                store=self.store,
                server=self.server,
                account=self.account,
                lang=self.lang,
                ca_bundle=self.ca_bundle,
                insecure_http=self.insecure_http or None,
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
            self._pooled = self.session is not None
            self._client = (
                self.session.client_source(self.settings)
                if self.session is not None
                else make_client(self.settings)
            )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            if not self._pooled:
                self._client.close()
            self._client = None


def make_client(settings: Settings) -> BillingClient:
    """The client ``settings`` select (``client/connect.py`` picks the transport)."""
    from guance_billing_cli.client.connect import connect

    return connect(settings)


def get_state(ctx: typer.Context) -> AppState:
    root = ctx.find_root()
    if not isinstance(root.obj, AppState):
        root.obj = AppState()
    return root.obj


def client(ctx: typer.Context) -> BillingClient:
    return get_state(ctx).client()


def given(ctx: typer.Context) -> Given:
    """The command's ``--json``, ``--output`` and ``--account`` as given."""
    return get_state(ctx).given


def account_ref(ctx: typer.Context, flag: str | None = None) -> str:
    """The billing account to act on: ``flag``, else --account / env, else the profile's
    default."""
    state = get_state(ctx)
    account = flag or state.given.account or state.settings.account
    if account:
        return account
    raise InputRequired(
        "no_account_selected",
        next_step="use_account",
        field="account",
    )
