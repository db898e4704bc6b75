"""The store and its key: a store records the fingerprint of the key its chain and codes
are made with, and a process holding another key refuses to write (issue 19).

Without this, one command run with a different ``GUANCE_BILLING_SECRET_KEY`` succeeds
and from then on ``audit verify`` reports the chain broken at that event under either
key, forever; on several hosts, one host with a wrong key does it to everyone. The
fingerprint (``keys.fingerprint``: an HMAC of a fixed label, never the key) lives in
``audit_meta`` as ``key_fingerprint``. The first write of a store that has none records
it, inside the same transaction; every later write compares, before it writes anything.
``keys rotate`` (``services/key_rotation.py``) is the one way to move a store to a new key.
"""

from __future__ import annotations

from typing import Any

from guance_billing_cli.errors import Unavailable
from guance_billing_cli.keys import derive as keys
from guance_billing_cli.services.context import ServiceContext

META_NAME = "key_fingerprint"


def recorded(ctx: ServiceContext) -> str | None:
    from guance_billing_cli.store.models.audit import AuditMeta

    row = ctx.session.get(AuditMeta, META_NAME)
    return None if row is None else row.value


def mismatch(stored: str, mine: str, source: keys.KeySource) -> Unavailable:
    return Unavailable(
        "store_key_mismatch",
        stored=stored,
        configured=mine,
        source=source.describe(),
    )


def ensure_same_key(ctx: ServiceContext) -> None:
    """Refuse (exit 10) a write with a key other than the store's; record the key of a
    store that has none yet. Call first in a write transaction."""
    from guance_billing_cli.services import locking
    from guance_billing_cli.store.models.audit import AuditMeta

    try:
        master, source = keys.master_key(create=True)
    except (keys.MissingSecretKey, keys.BadSecretKey) as exc:
        raise keys.unavailable(exc) from None
    mine = keys.fingerprint(master)
    stored = recorded(ctx)
    if stored is None:
        locking.hold(ctx, ["store-key"])  # two first writers at once: one records it
        stored = recorded(ctx)
        if stored is None:
            ctx.session.add(AuditMeta(name=META_NAME, value=mine))
            ctx.session.flush()
            return
    if stored != mine:
        raise mismatch(stored, mine, source)


def check_at_start(engine: Any) -> None:
    """A server refuses to start with a key other than its store's (exit 10), before it
    serves anything; each write checks again (another host may have rotated the key)."""
    from sqlmodel import Session

    from guance_billing_cli.services.context import Actor

    with Session(bind=engine) as session:
        stored = recorded(ServiceContext(session=session, actor=Actor("server")))
    if stored is None:
        return
    try:
        found = keys.locate()
    except keys.BadSecretKey as exc:
        raise keys.unavailable(exc) from None
    if found is not None and keys.fingerprint(found[0]) != stored:
        raise mismatch(stored, keys.fingerprint(found[0]), found[1])
