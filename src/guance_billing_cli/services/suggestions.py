"""Live values for shell completion: ids and names that exist, read-only.

One SQL text per kind, written once and run two ways: through SQLAlchemy by
``suggest`` (the server, and a local PostgreSQL store), and through the standard
library's ``sqlite3`` by ``client/suggest.py`` on a local SQLite file, where
importing SQLAlchemy would already spend the completion budget. So this module
imports nothing heavy at the top.

Parameters of every query: ``:prefix`` (a LIKE pattern, escaped with ``\\``),
``:account`` (id, username, email or phone of the billing account, or NULL for
every account), ``:owner`` (the only account an owner token may see, or NULL for
support) and ``:limit``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from guance_billing_cli.schemas.suggest_kinds import SUGGEST_KINDS

if TYPE_CHECKING:
    from guance_billing_cli.schemas.suggest import Suggestions, SuggestQuery
    from guance_billing_cli.services.context import ServiceContext

_ACCOUNT_FILTER = (
    "(CAST(:account AS VARCHAR) IS NULL OR {col} IN (SELECT id FROM accounts WHERE id = :account "
    "OR username = :account OR email = :account OR phone = :account)) "
    "AND (CAST(:owner AS VARCHAR) IS NULL OR {col} = :owner)"
)


def _scoped(select_from: str, value: str, where: str = "", col: str = "account_id") -> str:
    extra = f" AND {where}" if where else ""
    return (
        f"SELECT {value} FROM {select_from} WHERE {value} LIKE :prefix ESCAPE '\\' "
        f"AND {_ACCOUNT_FILTER.format(col=col)}{extra} ORDER BY {value} LIMIT :limit"
    )


#: kind -> SQL returning one column of candidate values.
QUERIES: dict[str, str] = {
    # --account completes every account a caller may see (support: all; owner: its own)
    "accounts": (
        "SELECT username FROM accounts WHERE username LIKE :prefix ESCAPE '\\' "
        "AND (CAST(:owner AS VARCHAR) IS NULL OR id = :owner) ORDER BY username LIMIT :limit"
    ),
    "cloud_accounts": _scoped("cloud_accounts", "id"),
    "subscribed_cloud_accounts": _scoped("cloud_accounts", "id", "status = 'subscribed'"),
    "unsubscribed_cloud_accounts": _scoped("cloud_accounts", "id", "status = 'unsubscribed'"),
    "workspaces": _scoped("workspaces", "id", "dissolved_at IS NULL"),
    "email_requests": _scoped(
        "change_requests",
        "id",
        "kind = 'email' AND state IN ('awaiting_current_code', 'awaiting_new_code')",
    ),
    "phone_requests": _scoped(
        "change_requests",
        "id",
        "kind = 'phone' AND state IN ('awaiting_current_code', 'awaiting_new_code')",
    ),
    "password_resets": _scoped("password_resets", "id", "state = 'awaiting_code'"),
    "invoice_titles": _scoped("invoice_titles", "id"),
    "invoice_addresses": _scoped("invoice_addresses", "id"),
    "invoices": _scoped("invoice_requests", "id"),
    "pending_invoices": _scoped("invoice_requests", "id", "status = 'pending'"),
}

KINDS = tuple(QUERIES)
assert set(KINDS) == set(SUGGEST_KINDS), "schemas/suggest.py lists every kind"
MAX_LIMIT = 200


def like_prefix(prefix: str) -> str:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def parameters(
    *, prefix: str, account: str | None, owner: str | None, limit: int
) -> dict[str, object]:
    return {
        "prefix": like_prefix(prefix),
        "account": account or None,
        "owner": owner,
        "limit": max(1, min(limit, MAX_LIMIT)),
    }


def answer(ctx: ServiceContext, *, query: SuggestQuery) -> Suggestions:
    """Values of ``query.kind`` starting with ``query.prefix`` that the actor may see."""
    from sqlalchemy import text

    from guance_billing_cli.errors import InvalidInput
    from guance_billing_cli.schemas.suggest import Suggestions

    kind, prefix, account, limit = query.kind, query.prefix, query.account, query.limit
    if kind not in QUERIES:
        raise InvalidInput("unknown_kind", field="kind", value=kind, choices=list(KINDS))
    owner = None if ctx.actor.role == "support" else (ctx.actor.account_id or "")
    params = parameters(prefix=prefix, account=account, owner=owner, limit=limit)
    rows = ctx.session.execute(text(QUERIES[kind]), params)  # type: ignore[call-overload]
    return Suggestions(kind=kind, values=[str(row[0]) for row in rows])
