"""``keys rotate``: move a store to a new master key without breaking the audit chain.

In one write transaction, under the audit append lock, with the old key configured:

1. the whole chain is verified under the old key (a broken chain is not rotated);
2. every open one-time code is voided (its keyed hash cannot be checked under the new
   key; the holder asks for a new one);
3. a ``keys.rotate`` event is appended, linked under the *old* key; it records both
   fingerprints and the old checkpoint-signing public key (public, so that checkpoints
   signed before the rotation still verify);
4. the old chain keys are *sealed* under the new key (AES-GCM, a key derived from the new
   master for that purpose only) in ``audit_meta`` rows ``key_epoch:<n>`` =
   ``<last event id>|<fingerprint>|<nonce+ciphertext, base64>``: a verifier holding only
   the new key can still check every old link;
5. the store's ``key_fingerprint`` becomes the new key's.

Events after the rotation event are linked under the new key, continuing from its link.
Processes still configured with the old key refuse to write from then on (``store_keys``).
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass

from sqlmodel import col, select

from guance_billing_cli.errors import RuleViolation
from guance_billing_cli.keys import derive as keys
from guance_billing_cli.services.context import ServiceContext
from guance_billing_cli.services.key_epochs import (
    EPOCH_PREFIX,
    epoch_fingerprints,
    epochs,
    seal,
)


@dataclass(frozen=True)
class Rotation:
    old_fingerprint: str
    new_fingerprint: str
    event_id: int
    codes_voided: int
    epochs: int


def _signing_public(seed: bytes) -> tuple[str, str]:
    from cryptography.hazmat.primitives import serialization

    from guance_billing_cli.audit import proof as audit_proof

    public = audit_proof.private_key(seed).public_key()
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return audit_proof.key_id(public), base64.b64encode(raw).decode()


def rotate(ctx: ServiceContext, *, new_master: bytes) -> Rotation:
    from guance_billing_cli.services import audit, audit_proofs, authz, challenges, store_keys
    from guance_billing_cli.store.models import Challenge
    from guance_billing_cli.store.models.audit import AuditMeta

    authz.require_support(ctx.actor, "keys rotate")
    audit.lock_appends(ctx)
    try:
        old_master, _source = keys.master_key(create=False)
    except (keys.MissingSecretKey, keys.BadSecretKey) as exc:
        raise keys.unavailable(exc) from None
    old_fp, new_fp = keys.fingerprint(old_master), keys.fingerprint(new_master)
    if old_fp == new_fp:
        raise RuleViolation("key_rotation_same_key", fingerprint=old_fp)
    checked = audit_proofs.verify_chain(ctx)
    if not checked.ok:
        raise RuleViolation(
            "key_rotation_chain_broken", first_bad_id=checked.first_bad_id, problem=checked.problem
        )
    previous = epochs(ctx)
    now = ctx.now()
    voided = 0
    for row in ctx.session.exec(select(Challenge).where(Challenge.state == "open")).all():
        challenges.finish(ctx, row, "voided", now)
        voided += 1
    before = {"fingerprint": old_fp}
    after: dict[str, object] = {"fingerprint": new_fp, "codes_voided": voided}
    if not (os.environ.get(keys.ENV_SIGNING_KEY) or os.environ.get(keys.ENV_SIGNING_KEY_FILE)):
        # the checkpoint-signing key is derived from the master: it changes too
        old_id, old_pub = _signing_public(keys.derive(old_master, "audit-signing"))
        before |= {"signing_key_id": old_id, "signing_key": old_pub}
        after["signing_key_id"] = _signing_public(keys.derive(new_master, "audit-signing"))[0]
    event = audit.record(
        ctx, action="keys.rotate", target=new_fp, account_id=None, before=before, after=after
    )
    ctx.session.flush()
    chain = [*previous, (int(event.id or 0), keys.derive(old_master, "audit-chain"))]
    fingerprints = [*epoch_fingerprints(ctx), old_fp]
    for old_row in ctx.session.exec(
        select(AuditMeta).where(col(AuditMeta.name).startswith(EPOCH_PREFIX))
    ).all():
        ctx.session.delete(old_row)
    ctx.session.flush()
    for n, ((until, chain_key), fp) in enumerate(zip(chain, fingerprints, strict=True)):
        label = f"{until}|{fp}"
        ctx.session.add(
            AuditMeta(
                name=f"{EPOCH_PREFIX}{n}", value=f"{label}|{seal(new_master, chain_key, label)}"
            )
        )
    meta = ctx.session.get(AuditMeta, store_keys.META_NAME)
    if meta is None:
        ctx.session.add(AuditMeta(name=store_keys.META_NAME, value=new_fp))
    else:
        meta.value = new_fp
        ctx.session.add(meta)
    return Rotation(old_fp, new_fp, int(event.id or 0), voided, len(chain))
