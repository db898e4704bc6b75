"""``BillingClient``: one method per operation, plain pydantic schemas in and out.

Composed of one slice per noun (``api/<noun>.py``), where each operation is declared
once: its signature (what mypy checks at every CLI call site) and, on it, how it
travels and runs (``api/declare.py``). ``LocalClient`` runs the services in-process
on a store; ``HttpClient`` speaks to the server. The CLI only ever sees this interface.
"""

from __future__ import annotations

from typing import Protocol

from guance_billing_cli.api.accounts import Accounts
from guance_billing_cli.api.audit import Audit
from guance_billing_cli.api.auth import Auth
from guance_billing_cli.api.changes import Changes
from guance_billing_cli.api.invoices import Invoices
from guance_billing_cli.api.passwords import Passwords
from guance_billing_cli.api.realname import Realname
from guance_billing_cli.api.settlement import Settlement
from guance_billing_cli.api.suggest import Suggest


class BillingClient(
    Accounts, Auth, Passwords, Changes, Realname, Invoices, Settlement, Audit, Suggest, Protocol
):
    def close(self) -> None: ...
