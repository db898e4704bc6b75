"""The test PostgreSQL server (issue 6): GUANCE_BILLING_TEST_PG_URL, set by
``eval "$(scripts/pg-test-server.sh start DIR)"``; databases made and dropped per test."""

from __future__ import annotations

import os
import secrets

PG_URL = os.environ.get("GUANCE_BILLING_TEST_PG_URL")

# Transport bookkeeping, not data: the answers kept for Idempotency-Key replays (issue 24;
# the HttpClient sends a key with each create and batch write).
NOT_DATA_TABLES = ("idempotency_keys",)


def pg_dsn(url: str) -> str:
    """A SQLAlchemy URL as psycopg takes it."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def pg_admin(sql: str) -> None:
    """One statement on the server's admin database (CREATE/DROP DATABASE)."""
    import psycopg

    assert PG_URL is not None
    with psycopg.connect(pg_dsn(PG_URL), autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def pg_url(name: str) -> str:
    """The URL of database ``name`` on the test server."""
    assert PG_URL is not None
    return f"{PG_URL.rsplit('/', 1)[0]}/{name}"


def pg_new_database(template: str | None = None) -> str:
    """A new database (a copy of ``template`` if given); returns its name."""
    name = f"gbt_{secrets.token_hex(6)}"
    pg_admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return name


def pg_drop_database(name: str) -> None:
    pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_dump(url: str) -> str:
    """Every row of every table, in a stable order (the PostgreSQL ``store_dump``)."""
    import psycopg

    lines: list[str] = []
    with psycopg.connect(pg_dsn(url)) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' ORDER BY table_name"
            )
        ]
        for table in tables:
            if table in NOT_DATA_TABLES:
                continue
            for row in conn.execute(f'SELECT * FROM "{table}" ORDER BY 1'):
                lines.append(f"{table}: {row!r}")
    return "\n".join(lines)
