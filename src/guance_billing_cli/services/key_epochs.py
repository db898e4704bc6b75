"""The store's key epochs: the chain keys of the master keys a store has had.

``keys rotate`` (``key_rotation``) writes them; the audit proofs (``audit_proofs``) read
them to check links made under an earlier key, and the checkpoint-signing keys a
rotation retired. Below both, so neither imports the other.
"""

from __future__ import annotations

import base64
import os

from sqlmodel import col, select

from guance_billing_cli.errors import Unavailable
from guance_billing_cli.keys import derive as keys
from guance_billing_cli.services.context import ServiceContext

EPOCH_PREFIX = "key_epoch:"


def _seal_key(master: bytes) -> bytes:
    return keys.derive(master, "key-seal")


def seal(master: bytes, secret: bytes, label: str) -> str:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(12)
    sealed = AESGCM(_seal_key(master)).encrypt(nonce, secret, label.encode())
    return base64.b64encode(nonce + sealed).decode()


def _unseal(master: bytes, text: str, label: str) -> bytes:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    raw = base64.b64decode(text)
    try:
        return AESGCM(_seal_key(master)).decrypt(raw[:12], raw[12:], label.encode())
    except InvalidTag:
        raise Unavailable("key_epoch_unsealable", epoch=label) from None


def epochs(ctx: ServiceContext, *, create: bool = False) -> list[tuple[int, bytes]]:
    """The chain keys of the key epochs before the current key, oldest first:
    ``(last event id linked under it, chain key)``. Empty for a store never rotated."""
    from guance_billing_cli.store.models.audit import AuditMeta

    rows = ctx.session.exec(
        select(AuditMeta).where(col(AuditMeta.name).startswith(EPOCH_PREFIX))
    ).all()
    if not rows:
        return []
    try:
        master, _source = keys.master_key(create=create)
    except (keys.MissingSecretKey, keys.BadSecretKey) as exc:
        raise keys.unavailable(exc) from None
    found: list[tuple[int, bytes]] = []
    for row in rows:
        until, fingerprint, sealed = row.value.split("|", 2)
        found.append((int(until), _unseal(master, sealed, f"{int(until)}|{fingerprint}")))
    return sorted(found)


def epoch_fingerprints(ctx: ServiceContext) -> list[str]:
    from guance_billing_cli.store.models.audit import AuditMeta

    rows = ctx.session.exec(
        select(AuditMeta).where(col(AuditMeta.name).startswith(EPOCH_PREFIX))
    ).all()
    parsed = sorted((int(r.value.split("|", 2)[0]), r.value.split("|", 2)[1]) for r in rows)
    return [fp for _until, fp in parsed]


def signing_keys(ctx: ServiceContext) -> dict[str, str]:
    """key id -> raw public key (base64) of every checkpoint-signing key retired by a
    rotation, from the ``keys.rotate`` events (which the keyed chain protects)."""
    import json

    from guance_billing_cli.store.models.audit import AuditEvent

    found: dict[str, str] = {}
    for before in ctx.session.exec(
        select(AuditEvent.before).where(AuditEvent.action == "keys.rotate")
    ).all():
        data = json.loads(before) if isinstance(before, str) else (before or {})
        if data.get("signing_key_id") and data.get("signing_key"):
            found[data["signing_key_id"]] = data["signing_key"]
    return found
