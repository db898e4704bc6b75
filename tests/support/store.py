"""SQL on a store by URL (SQLite file or PostgreSQL), for tests that must look below
the CLI; and the running test's store, for helpers that only get ``home``."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from tests.support.pg import NOT_DATA_TABLES, pg_dump

# The store of the running test, set by the `backend_store` fixture (conftest.py).
ACTIVE: dict[str, str | None] = {"store_url": None}


class StoreDB:
    """SQL on a store by URL: ``rows("SELECT action FROM audit_events WHERE id > :n", n=3)``."""

    def __init__(self, url: str) -> None:
        self.url = url

    def _engine(self) -> Any:
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        return create_engine(self.url, poolclass=NullPool)

    def rows(self, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        from sqlalchemy import text

        engine = self._engine()
        try:
            with engine.connect() as conn:
                return [tuple(row) for row in conn.execute(text(sql), params)]
        finally:
            engine.dispose()

    def scalar(self, sql: str, **params: Any) -> Any:
        rows = self.rows(sql, **params)
        return rows[0][0] if rows else None

    def column(self, sql: str, **params: Any) -> list[Any]:
        return [row[0] for row in self.rows(sql, **params)]

    def execute(self, sql: str, **params: Any) -> int:
        """Run one statement in its own transaction; returns the rows it touched."""
        from sqlalchemy import text

        engine = self._engine()
        try:
            with engine.begin() as conn:
                return int(conn.execute(text(sql), params).rowcount)
        finally:
            engine.dispose()

    def dump(self) -> str:
        return dump_store(self.url)

    def raw(self) -> bytes:
        """Everything the store holds, as bytes: the SQLite file with its WAL, or every
        row of every table on PostgreSQL (to prove a secret is stored nowhere)."""
        path = sqlite_file(self.url)
        if path is None:
            return pg_dump(self.url).encode()
        return b"".join(p.read_bytes() for p in sorted(path.parent.glob(path.name + "*")))


def sqlite_file(url: str) -> Path | None:
    prefix = "sqlite:///"
    return Path(url[len(prefix) :]) if url.startswith(prefix) else None


def dump_store(url: str) -> str:
    """A store's content as text, to prove a refusal changed nothing."""
    path = sqlite_file(url)
    if path is None:
        return pg_dump(url)
    if not path.exists():
        return ""
    skip = tuple(f'INSERT INTO "{table}"' for table in NOT_DATA_TABLES)
    with sqlite3.connect(path) as conn:
        return "\n".join(line for line in conn.iterdump() if not line.startswith(skip))


def active_store(home: Path) -> StoreDB:
    """The running test's store (any backend); ``home``'s SQLite file outside the matrix."""
    return StoreDB(ACTIVE["store_url"] or f"sqlite:///{home / 'billing.db'}")


def store_dump(home: Path) -> str:
    """The running test's store as text (any backend); ``home``'s SQLite file otherwise."""
    return dump_store(ACTIVE["store_url"] or f"sqlite:///{home / 'billing.db'}")
