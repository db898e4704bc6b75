"""One sentence per operation for the OpenAPI document (issue 24): what it does and
what an integrator must know. A new row of ``client/operations.py`` gets one here
(``tests/test_api_http.py`` checks every operation has one)."""

from __future__ import annotations

DESCRIPTIONS: dict[str, str] = {
    # accounts and profile
    "create_account": "Create a billing account (support only). 201 with its Location.",
    "list_accounts": "List billing accounts (support: all; owner: its own), as pages.",
    "get_account": "Read one billing account by id, username, email or phone; answers an ETag.",
    "admin_update_account": "Change an account's administrative settings (support only); "
    "honours If-Match.",
    "update_profile": "Change an account's company profile and contact; honours If-Match.",
    # email / phone change
    "start_change": "Start changing the login email or phone: a code goes to the current "
    "address. 201 with the request's Location.",
    "latest_change": "Read the account's latest email or phone change request.",
    "get_change": "Read one email or phone change request.",
    "verify_change": "Submit the code of the current step of a change request.",
    "set_change_address": "Give the new address of a change request (a code goes to it).",
    "resend_change": "Send the current step's code again (after the cooldown).",
    "cancel_change": "Cancel an open change request.",
    # tokens and login
    "login": "Log in with a password or a one-time code; answers a new session token.",
    "send_login_code": "Send a one-time login code to an email or phone.",
    "whoami": "Who the token acts for: role, account, scopes, expiry.",
    "logout": "Revoke the token used for this request.",
    "create_token": "Create an API token (its secret is shown once). 201; no Idempotency-Key "
    "(the secret is never stored for a replay).",
    "list_tokens": "List API tokens (never their secrets), as pages.",
    "revoke_token": "Revoke an API token by id or name.",
    "list_sessions": "List the caller's account's login sessions, as pages.",
    "revoke_session": "End one login session of the caller's account.",
    "revoke_other_sessions": "End every session of the caller's account but this one.",
    "logout_all": "End every session of the caller's account, this one included.",
    "forgot_password": "Start a password reset without a token: a code goes to the address.",
    "reset_forgotten_password": "Set a new password with the code from forgot_password.",
    # passwords, real-name, invoices
    "change_password": "Change an account's password (the current one is required).",
    "start_password_reset": "Start a password reset for an account (support): a code goes "
    "to its email or phone. 201 with the request's Location.",
    "complete_password_reset": "Complete a password reset with its code and a new password.",
    "resend_password_reset": "Send a password reset's code again (after the cooldown).",
    "get_password_reset": "Read one password reset request.",
    "get_realname": "Read an account's real-name authentication; answers an ETag.",
    "submit_realname": "Submit real-name authentication (enterprise with licence, or person).",
    "review_realname": "Approve or reject a real-name submission (support); honours If-Match.",
    "add_invoice_title": "Add an invoice title to an account. 201; Idempotency-Key honoured.",
    "list_invoice_titles": "List an account's invoice titles, as pages.",
    "add_invoice_address": "Add a mailing address for paper invoices. 201; Idempotency-Key "
    "honoured.",
    "list_invoice_addresses": "List an account's invoice mailing addresses, as pages.",
    "request_invoice": "Request an invoice for an amount. 201; Idempotency-Key honoured.",
    "list_invoices": "List an account's invoice requests, as pages.",
    "update_invoice_title": "Change an invoice title.",
    "delete_invoice_title": "Delete an invoice title no pending request uses.",
    "update_invoice_address": "Change an invoice mailing address.",
    "delete_invoice_address": "Delete a mailing address no pending request uses.",
    "get_invoice": "Read one invoice request; answers an ETag.",
    "cancel_invoice": "Cancel a pending invoice request; honours If-Match.",
    # cloud accounts, workspaces, batches
    "add_cloud_account": "Subscribe a cloud marketplace account (Aliyun, AWS, Huawei) for "
    "settlement. 201; Idempotency-Key honoured.",
    "list_cloud_accounts": "List an account's cloud accounts, as pages (bindings scope).",
    "get_cloud_account": "Read one cloud account; answers an ETag.",
    "unsubscribe_cloud_account": "Unsubscribe a cloud account; its workspaces fall back or "
    "count down. Honours If-Match.",
    "resubscribe_cloud_account": "Subscribe an unsubscribed cloud account again; honours If-Match.",
    "bind_workspaces": "Bind workspaces to a cloud account for settlement, row by row: a "
    "refused row does not stop the others (bindings scope; Idempotency-Key honoured).",
    "unbind_workspaces": "Unbind workspaces from their cloud accounts, row by row (bindings "
    "scope; Idempotency-Key honoured).",
    "plan_bindings": "Compare a desired state (which workspaces settle through which cloud "
    "account) with the store, row by row: bind, move, unbind, unchanged or refused with the "
    "reason; changes nothing (bindings scope).",
    "apply_bindings": "Make the store match a desired state in one transaction, or change "
    "nothing: refused rows (unless skip_refused) and a stale plan are refused whole "
    "(bindings scope; Idempotency-Key honoured; applying twice changes nothing).",
    "add_workspace": "Add one workspace to an account. 201 (200 with changed=false when it "
    "is already there); Idempotency-Key honoured.",
    "add_workspaces": "Add workspaces in a batch, row by row (Idempotency-Key honoured).",
    "list_workspaces": "List an account's workspaces, filtered, as pages (bindings scope).",
    "get_workspace": "Read one workspace; answers an ETag.",
    "move_workspace": "Move a workspace to another billing account; honours If-Match.",
    "unlock_workspace": "Unlock a locked workspace by rebinding it or settling through the "
    "billing center; honours If-Match.",
    "dissolve_workspace": "Dissolve a workspace (irreversible); honours If-Match.",
    "remind_workspaces": "Send (or preview) the reminders of workspaces counting down.",
    # audit
    "list_audit_events": "List audit events, filtered, as pages.",
    "verify_audit": "Verify the audit chain against signed checkpoints.",
    "write_audit_checkpoint": "Sign a checkpoint of the audit chain's current head.",
    "audit_public_key": "The public key that verifies audit checkpoints.",
    "export_audit": "Export the audit trail for offline verification, as pages (or NDJSON).",
    # completion
    "suggest": "Values for shell completion (ids, usernames), filtered by the caller's role.",
}
