"""Write rules under concurrent writers: one billing account's rule-bound changes in turn.

A rule such as "no move away from a subscribed cloud account" reads rows, decides, then
writes. Two writers doing that at once on PostgreSQL (READ COMMITTED; several servers on
one database) would both read the same "before" and both succeed. So every write that
checks a rule first *holds* the billing accounts it touches: a transaction-scoped
advisory lock per account (``pg_advisory_xact_lock``), taken in a stable order (sorted
keys) before the rows are read, released at commit or rollback. A second writer of the
same account waits, then reads what the first committed. Reads never wait.

On SQLite every write transaction is ``BEGIN IMMEDIATE`` (``store/engine.py``): writers
are serialized for the whole transaction already, so holding is a no-op there.

Locks are always taken before the audit append lock (``audit.APPEND_LOCK``), never after,
so the two cannot deadlock each other. Rows loaded before the lock are expired and read
again on next use.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

from guance_billing_cli.services.context import ServiceContext

#: the first key of every rule lock (``pg_advisory_xact_lock(int, int)``); the audit
#: append lock uses the one-bigint form, a separate key space
NAMESPACE = 19
_HELD = "guance_billing_held_locks"


def _key(name: str) -> int:
    """A stable signed 32-bit key for ``name`` (a collision only serializes more)."""
    return zlib.crc32(name.encode()) - 2**31


def hold(ctx: ServiceContext, names: Iterable[str]) -> bool:
    """Hold ``names`` (e.g. ``account:<id>``) until this transaction ends (PostgreSQL).

    True when it took a lock it did not hold yet: what was read before may be stale.
    """
    session = ctx.session
    if session.get_bind().dialect.name != "postgresql":
        return False
    held: set[str] = session.info.setdefault(_HELD, set())
    wanted = sorted({n for n in names if n} - held)
    if not wanted:
        return False
    from sqlalchemy import text

    session.flush()
    for key in sorted({_key(n) for n in wanted}):
        session.execute(text(f"SELECT pg_advisory_xact_lock({NAMESPACE}, {key})"))
    held.update(wanted)
    # whatever was read before waiting may have changed meanwhile: read it again
    session.expire_all()
    return True


def hold_accounts(ctx: ServiceContext, account_ids: Iterable[str | None]) -> bool:
    """Hold these billing accounts until commit (see the module's notes)."""
    return hold(ctx, (f"account:{a}" for a in account_ids if a))
