"""The one source of "now" for services. Tests move time by replacing ``now``."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """Current time, timezone-aware UTC."""
    return datetime.now(UTC)
