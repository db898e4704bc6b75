"""The attacker of the audit trail: write access to the database, and perhaps the key.

Works on the raw table through the database driver (sqlite3 or psycopg), as someone
with a database login would: delete, edit, swap and renumber rows, and recompute the
links — with plain SHA-256 (no key) or with the audit-chain key (an insider).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import datetime
from typing import Any

from guance_billing_cli.audit import proof as audit_proof
from guance_billing_cli.services.audit_proofs import COLUMNS


class Database:
    def __init__(self, url: str) -> None:
        self.url = url

    def _connect(self) -> Any:
        if self.url.startswith("sqlite:///"):
            return sqlite3.connect(self.url[len("sqlite:///") :])
        import psycopg

        return psycopg.connect(self.url.replace("postgresql+psycopg://", "postgresql://", 1))

    def _sql(self, sql: str) -> str:
        return sql if self.url.startswith("sqlite") else sql.replace("?", "%s")

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        conn = self._connect()
        try:
            conn.execute(self._sql(sql), params)
            conn.commit()
        finally:
            conn.close()

    def events(self) -> list[dict[str, Any]]:
        conn = self._connect()
        try:
            cursor = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM audit_events ORDER BY id")
            return [dict(zip(COLUMNS, row, strict=True)) for row in cursor.fetchall()]
        finally:
            conn.close()

    def rewrite(self, rows: list[dict[str, Any]]) -> None:
        """Replace the whole table with ``rows`` in one transaction."""
        conn = self._connect()
        try:
            conn.execute("DELETE FROM audit_events")
            marks = ", ".join("?" for _ in COLUMNS)
            sql = self._sql(f"INSERT INTO audit_events ({', '.join(COLUMNS)}) VALUES ({marks})")
            for row in rows:
                conn.execute(sql, tuple(row[c] for c in COLUMNS))
            conn.commit()
        finally:
            conn.close()


def _time(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def renumber(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Close the gaps: ids 1..n again, as if nothing had been removed."""
    return [{**row, "id": n} for n, row in enumerate(rows, start=1)]


def rechain(
    rows: list[dict[str, Any]], key: bytes | None, *, start: int = 0
) -> list[dict[str, Any]]:
    """Recompute the links from ``rows[start]`` on: HMAC with ``key`` (an insider), or
    plain SHA-256 without it (the best an outsider can do)."""
    previous = rows[start - 1]["hash"] if start else audit_proof.GENESIS
    out = rows[:start]
    for row in rows[start:]:
        at = audit_proof.canonical_time(_time(row["at"]))
        body = audit_proof.body_digest([row[name] for name in audit_proof.BODY_FIELDS])
        entry = audit_proof.entry_digest(row["id"], at, row["account_id"], body)
        if key is not None:
            link = audit_proof.link(key, previous, entry)
        else:
            payload = json.dumps([previous, row["id"], at, body]).encode()
            link = hashlib.sha256(payload).hexdigest()
        out.append({**row, "prev_hash": previous, "hash": link})
        previous = link
    return out
