"""The migrations themselves, on SQLite and PostgreSQL: the baseline ``0005`` creates
exactly the schema the 0.1.0 release wrote (its stores are fixtures in
``tests/upgrade/``, made by that release's own CLI), the chain from it ends at the
schema a release store is migrated to, and the baseline's downgrade empties a store.

Schemas are compared as text (``tests/support/schema.py``): every table, its columns
in order with type, nullability and default, every constraint and index by name.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from guance_billing_cli.store import engine as store_engine
from tests.support.pg import pg_dsn
from tests.support.schema import store_schema

FIXTURES = Path(__file__).parent / "upgrade"
BASELINE = "0005"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def empty_store(backend: str, request: pytest.FixtureRequest, tmp_path: Path, name: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / f'{name}.db'}"
    return str(request.getfixturevalue("pg_store")) if name == "fresh" else _pg_second(request)


def _pg_second(request: pytest.FixtureRequest) -> str:
    from tests.support.pg import pg_drop_database, pg_new_database, pg_url

    request.getfixturevalue("pg_store")  # skips without a test PostgreSQL server
    name = pg_new_database()
    request.addfinalizer(lambda: pg_drop_database(name))
    return pg_url(name)


def release_store(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A store as the 0.1.0 release left it (schema 0005, its rows)."""
    if backend == "sqlite":
        db = tmp_path / "release.db"
        shutil.copyfile(FIXTURES / "release-0.1.0.db", db)
        return f"sqlite:///{db}"
    import psycopg

    url = empty_store(backend, request, tmp_path, "release")
    sql = "\n".join(
        line
        for line in (FIXTURES / "release-0.1.0.pg.sql").read_text().splitlines()
        if not line.startswith(("SET transaction_timeout", "\\restrict", "\\unrestrict"))
    )
    with psycopg.connect(pg_dsn(url), autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]
    return url


def migrate(url: str, revision: str) -> None:
    engine = store_engine.create_store_engine(url)
    try:
        store_engine.upgrade(engine, revision)
    finally:
        engine.dispose()


def test_the_baseline_is_the_schema_the_release_wrote(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    release = release_store(backend, request, tmp_path)
    fresh = empty_store(backend, request, tmp_path, "fresh")
    migrate(fresh, BASELINE)
    schema = store_schema(fresh)
    assert "login_codes" in schema and "uq_cloud_accounts_provider" in schema  # not empty
    assert schema == store_schema(release)


def test_a_new_store_and_a_migrated_release_store_have_one_schema(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    release = release_store(backend, request, tmp_path)
    fresh = empty_store(backend, request, tmp_path, "fresh")
    migrate(fresh, "head")
    migrate(release, "head")
    assert store_schema(fresh) == store_schema(release)


def test_the_baseline_seeds_the_code_key_and_its_downgrade_empties_the_store(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    from alembic import command
    from sqlalchemy import inspect, text

    url = empty_store(backend, request, tmp_path, "fresh")
    migrate(url, BASELINE)
    engine = store_engine.create_store_engine(url)
    try:
        with engine.connect() as conn:
            seeded = conn.execute(text("SELECT name, value FROM store_secrets")).all()
        assert [name for name, _ in seeded] == ["verification_hmac_key"]
        assert len(seeded[0][1]) == 64  # 32 random bytes, hex
        config = store_engine.alembic_config()
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "base")
        assert inspect(engine).get_table_names() == ["alembic_version"]
        assert store_engine.schema_version(engine) is None
    finally:
        engine.dispose()
