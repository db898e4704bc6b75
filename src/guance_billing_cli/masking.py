"""Masked forms of personal data (addresses, ID numbers): the one place for each mask."""

from __future__ import annotations


def mask_email(value: str) -> str:
    """``j***@acme.com``."""
    local, _, domain = value.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def mask_phone(value: str) -> str:
    """``+86 138****5678`` for Chinese E.164 numbers, else the last four digits kept."""
    if value.startswith("+86") and len(value) == 14:
        return f"+86 {value[3:6]}****{value[-4:]}"
    if len(value) > 7:
        return value[:-8] + "****" + value[-4:]
    return "****"


def mask_id_number(value: str) -> str:
    """First 4 and last 4 characters kept (resident ID numbers)."""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]
