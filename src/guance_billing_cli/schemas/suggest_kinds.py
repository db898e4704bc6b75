"""The kinds of live values completion can ask for: one list for the schema (an enum on
the wire) and the service (one query each). Imports nothing: completion is on a budget."""

SUGGEST_KINDS: tuple[str, ...] = (
    "accounts",
    "cloud_accounts",
    "subscribed_cloud_accounts",
    "unsubscribed_cloud_accounts",
    "workspaces",
    "email_requests",
    "phone_requests",
    "password_resets",
    "invoice_titles",
    "invoice_addresses",
    "invoices",
    "pending_invoices",
)
