"""A CI job that binds workspaces to a cloud account, written against a client that
`openapi-python-client` generated from the server's `/openapi.json` — no code from
this repository (issue 24; docs/api.md, "Generated clients").

    openapi-python-client generate --url $BILLING_URL/openapi.json --meta none \\
        --output-path guance_billing_client
    BILLING_URL=... BILLING_TOKEN=... BILLING_ACCOUNT=acme \\
        python examples/ci_bind_workspaces.py wksp_a wksp_b wksp_c

What it does, as a deploy pipeline would with a `--scope bindings` token:

1. lists the account's cloud accounts (page by page) and picks the subscribed one
   (`BILLING_CLOUD` names one, if there are several);
2. binds the workspaces given, with an `Idempotency-Key`, so a retry after a
   timeout cannot bind twice; a refused row is reported by its `reason_code`;
3. reads the cloud account's workspaces back (a JSON page) and checks each bound one;
4. handles an error by its `reason`: a cloud account that is gone (`cloud_account_not_found`)
   is told apart from everything else.

Exit status: 0 all bound, 9 some rows refused (as the CLI), 3 no such cloud account,
1 anything else.
"""

from __future__ import annotations

import os
import sys
import uuid

from guance_billing_client import AuthenticatedClient
from guance_billing_client.api.accounts import list_cloud_accounts, list_workspaces
from guance_billing_client.api.cloud_accounts import bind_workspaces
from guance_billing_client.models import (
    BatchItem,
    BatchResult,
    BindWorkspacesRequest,
    ErrorResponse,
)
from guance_billing_client.types import UNSET


def fail(what: str, answer: ErrorResponse | None, status: int) -> int:
    """One line naming what failed and why; the exit status a script can branch on."""
    error = answer.error if isinstance(answer, ErrorResponse) else None
    reason = error.reason if error is not None else None
    print(f"{what}: HTTP {status}, reason {reason}: {error.message if error else ''}")
    return 3 if reason == "cloud_account_not_found" else 1


def cloud_accounts(client: AuthenticatedClient, account: str) -> list:
    found, cursor = [], UNSET
    while True:
        answer = list_cloud_accounts.sync_detailed(account, client=client, limit=50, cursor=cursor)
        if answer.status_code != 200:
            raise SystemExit(fail("listing cloud accounts", answer.parsed, answer.status_code))
        found += answer.parsed.items
        if not answer.parsed.next_cursor:
            return found
        cursor = answer.parsed.next_cursor


def main(workspaces: list[str]) -> int:
    client = AuthenticatedClient(
        base_url=os.environ["BILLING_URL"], token=os.environ["BILLING_TOKEN"]
    )
    account = os.environ["BILLING_ACCOUNT"]
    clouds = [c for c in cloud_accounts(client, account) if c.status == "subscribed"]
    wanted = os.environ.get("BILLING_CLOUD")
    cloud_id = wanted or (clouds[0].id if clouds else None)
    if cloud_id is None:
        print(f"{account} has no subscribed cloud account")
        return 1
    print(f"cloud account {cloud_id}: binding {', '.join(workspaces)}")

    body = BindWorkspacesRequest(items=[BatchItem(workspace_id=w) for w in workspaces])
    answer = bind_workspaces.sync_detailed(
        cloud_id, client=client, body=body, idempotency_key=str(uuid.uuid4())
    )
    if not isinstance(answer.parsed, BatchResult):
        return fail("bind", answer.parsed, answer.status_code)
    refused = 0
    for row in answer.parsed.results:
        if row.result.value == "refused":
            refused += 1
            print(f"  refused {row.workspace_id}: {row.reason_code} ({row.reason})")
        else:
            print(f"  {row.result.value} {row.workspace_id}")

    listed = list_workspaces.sync_detailed(
        account, client=client, cloud_account=cloud_id, limit=1000
    )
    if listed.status_code != 200:
        return fail("reading back", listed.parsed, listed.status_code)
    bound = {w.id for w in listed.parsed.items}
    for row in answer.parsed.results:
        if row.result.value in ("bound", "unchanged") and row.workspace_id not in bound:
            print(f"  {row.workspace_id} is not bound after all")
            return 1
    print(f"read back: {len(bound)} workspace(s) on {cloud_id}; {refused} refused")
    return 9 if refused else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
