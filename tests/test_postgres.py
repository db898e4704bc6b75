"""The store on PostgreSQL: migrations apply, newer schemas are refused, the CLI works.

Runs when GUANCE_BILLING_TEST_PG_URL is set (scripts/pg-test-server.sh; .ci/run does it).
"""

from __future__ import annotations

import pytest

from tests.support.cli import CliFn
from tests.support.pg import pg_dump

pytestmark = [pytest.mark.postgres, pytest.mark.sqlite_only]  # drives PostgreSQL by hand


def test_server_migrate_applies_every_revision_once(cli: CliFn, pg_store: str) -> None:
    from guance_billing_cli.store.engine import HEAD

    first = cli("server", "migrate", "--store", pg_store, "--json")
    assert first.exit_code == 0, first.stderr
    assert first.json["from"] is None
    assert first.json["to"] == HEAD
    assert "***" in first.json["store"] or "@" not in first.json["store"]
    again = cli("server", "migrate", "--store", pg_store, "--json")
    assert again.exit_code == 0
    assert again.json["changed"] is False
    tables = {line.split(":", 1)[0] for line in pg_dump(pg_store).splitlines()}
    assert "alembic_version" in tables


def test_migrations_match_the_models_on_postgresql(pg_store: str) -> None:
    from sqlalchemy import inspect
    from sqlmodel import SQLModel

    import guance_billing_cli.store.models  # noqa: F401
    from guance_billing_cli.store import engine as store_engine

    engine = store_engine.open_store(pg_store, migrate=True)
    try:
        inspector = inspect(engine)
        for table in SQLModel.metadata.sorted_tables:
            columns = {c["name"] for c in inspector.get_columns(table.name)}
            assert columns == {c.name for c in table.columns}, table.name
    finally:
        engine.dispose()


def test_a_newer_schema_is_refused_and_left_alone(cli: CliFn, pg_store: str) -> None:
    import psycopg

    assert cli("server", "migrate", "--store", pg_store).exit_code == 0
    dsn = pg_store.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    before = pg_dump(pg_store)
    result = cli("server", "migrate", "--store", pg_store, "--json")
    assert result.exit_code == 10
    assert "newer" in result.error["message"]
    assert pg_dump(pg_store) == before


def test_server_does_not_migrate_a_postgresql_store_implicitly(
    pg_store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from guance_billing_cli.cli.toolkit.words import describe
    from guance_billing_cli.errors import Unavailable
    from guance_billing_cli.server.app import create_app

    with pytest.raises(Unavailable, match="needs its secret key"):  # issue 11: first the key
        create_app(pg_store)
    monkeypatch.setenv("GUANCE_BILLING_SECRET_KEY", os.urandom(32).hex())
    with pytest.raises(Unavailable) as behind:
        create_app(pg_store)
    # the store is behind: the next step is the migration, a command in the CLI's words
    assert behind.value.next_step == "migrate_store"
    assert "guance-billing store migrate" in describe(behind.value)
    assert pg_dump(pg_store) == ""  # nothing was created
    app = create_app(pg_store, migrate=True)
    app.state.backend.dispose()


def test_local_commands_on_a_postgresql_store(cli: CliFn, pg_store: str) -> None:
    args = ("--store", pg_store)
    # a shared store changes schema only on purpose (issue 21): an empty one too
    before = cli(*args, "account", "list", "--json")
    assert before.exit_code == 10 and before.error["reason"] == "store_behind"
    assert pg_dump(pg_store) == ""
    assert cli(*args, "store", "migrate").exit_code == 0
    created = cli(
        *args,
        "account",
        "create",
        "--username",
        "acme",
        "--company-name",
        "Acme",
        "--email",
        "ops@acme.com",
        "--phone",
        "+8613800138000",
        "--json",
    )
    assert created.exit_code == 0, created.stderr
    duplicate = cli(
        *args,
        "account",
        "create",
        "--username",
        "acme2",
        "--company-name",
        "Acme",
        "--email",
        "ops@acme.com",
        "--phone",
        "+8613800138001",
        "--json",
    )
    assert duplicate.exit_code == 6
    updated = cli(*args, "profile", "update", "--account", "acme", "--region", "Hangzhou", "--json")
    assert updated.exit_code == 0, updated.stderr
    assert updated.json["region"] == "Hangzhou"
    assert updated.json["created_at"] == created.json["created_at"]
    audit = cli(*args, "audit", "verify", "--json")
    assert audit.exit_code == 0, audit.stderr
