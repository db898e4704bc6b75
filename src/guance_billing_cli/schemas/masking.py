"""Masked forms of personal data (addresses, ID numbers): the one place for each mask;
and the rough test of which kind of address a string is (an email or a phone number)."""

from __future__ import annotations


def mask_email(value: str, *, unlike: str | None = None) -> str:
    """``j***@acme.com``; told apart from ``unlike`` when both would mask the same.

    Two addresses shown together (the old and the new login email) that share a
    first letter and a domain reveal their last letter too (``r***t@x.cn`` and
    ``r***y@x.cn``), then more of the start, always hiding at least one letter.
    """
    local, _, domain = value.partition("@")
    if not domain:
        return "***"
    if unlike is None or unlike.lower() == value.lower():
        return f"{local[:1]}***@{domain}"
    other, _, other_domain = unlike.partition("@")
    mine = theirs = ""
    for head, tail in _reveal_levels(max(len(local), len(other))):
        mine, theirs = _reveal(local, head, tail), _reveal(other, head, tail)
        if (mine, domain) != (theirs, other_domain):
            break
    return f"{mine}@{domain}"


def _reveal_levels(length: int) -> list[tuple[int, int]]:
    """(first letters, last letters) kept, from the least revealing up."""
    return [(1, 0)] + [(head, 1) for head in range(1, max(2, length))]


def _reveal(local: str, head: int, tail: int) -> str:
    while head + tail >= len(local) and (head > 1 or tail > 0):  # keep one letter hidden
        if tail:
            tail = 0
        else:
            head -= 1
    end = local[-tail:] if tail else ""
    return f"{local[:head]}***{end}"


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


def looks_like_email(value: str) -> bool:
    return "@" in value


def looks_like_phone(value: str) -> bool:
    stripped = value.replace(" ", "").replace("-", "")
    return stripped.startswith("+") or (stripped.isdigit() and len(stripped) >= 7)
