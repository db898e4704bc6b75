"""Persistence: SQLModel tables, engines (SQLite default, PostgreSQL) and Alembic migrations.

Only ``client/local.py``, ``services/`` and ``server/`` import this package.
"""
