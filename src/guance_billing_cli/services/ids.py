"""Opaque, prefixed identifiers (``acc_3f9c2a1b7d04``)."""

from __future__ import annotations

import secrets


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(6)}"
