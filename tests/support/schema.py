"""A store's schema as sorted text, to compare two stores: what the tables, columns
(in order, with type, nullability and default), constraints and indexes are, by name.

SQLite: the ``sql`` of every ``sqlite_master`` entry. PostgreSQL: the catalog
(``information_schema.columns``, ``pg_constraint``, ``pg_indexes``), which is what
``pg_dump --schema-only`` prints, without its version banner. Rows are not compared.
"""

from __future__ import annotations

import sqlite3

from tests.support.pg import pg_dsn

PG_QUERIES = (
    "SELECT 'column', table_name, ordinal_position, column_name, data_type,"
    " character_maximum_length, is_nullable, column_default"
    " FROM information_schema.columns WHERE table_schema = 'public'",
    "SELECT 'constraint', cl.relname, c.conname, c.contype, pg_get_constraintdef(c.oid)"
    " FROM pg_constraint c JOIN pg_class cl ON cl.oid = c.conrelid"
    " JOIN pg_namespace n ON n.oid = cl.relnamespace WHERE n.nspname = 'public'",
    "SELECT 'index', tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'",
    "SELECT 'sequence', sequence_name, data_type, start_value, increment"
    " FROM information_schema.sequences WHERE sequence_schema = 'public'",
)


def sqlite_schema(path: str) -> str:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
    conn.close()
    return "\n".join(sorted(" | ".join(str(v) for v in row) for row in rows))


def pg_schema(url: str) -> str:
    import psycopg

    lines: list[str] = []
    with psycopg.connect(pg_dsn(url)) as conn:
        for query in PG_QUERIES:
            lines += [" | ".join(str(v) for v in row) for row in conn.execute(query)]  # type: ignore[arg-type]
    return "\n".join(sorted(lines))


def store_schema(url: str) -> str:
    """The schema of the store at ``url`` (``sqlite:///path`` or ``postgresql+psycopg://``)."""
    if url.startswith("sqlite"):
        return sqlite_schema(url.split(":///", 1)[1])
    return pg_schema(url)
