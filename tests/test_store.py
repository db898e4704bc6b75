"""The local store: file modes, SQLite settings, migrations, newer-schema refusal."""

from __future__ import annotations

import hashlib
import sqlite3
import stat

import pytest

from guance_billing_cli.store import engine as store_engine
from tests.support.cli import CliFn

pytestmark = pytest.mark.sqlite_only  # about the SQLite file itself


def _sha(path) -> str:  # type: ignore[no-untyped-def]
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_store_file_and_dir_are_private(cli: CliFn, make_account, home) -> None:
    make_account("acme")
    db = home / "billing.db"
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert stat.S_IMODE(home.stat().st_mode) == 0o700


def test_sqlite_runs_in_wal_with_foreign_keys_and_busy_timeout(make_account, home) -> None:
    make_account("acme")
    engine = store_engine.open_store(f"sqlite:///{home / 'billing.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    engine.dispose()


def test_revisions_match_alembic_history() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(store_engine.alembic_config())
    history = [rev.revision for rev in reversed(list(script.walk_revisions()))]
    assert tuple(history) == store_engine.REVISIONS
    assert script.get_current_head() == store_engine.HEAD


def test_migrations_create_exactly_the_models_tables(home) -> None:
    """Autogenerate finds nothing to do: models and migrations agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    from guance_billing_cli.store.models import load_all

    load_all()

    engine = store_engine.open_store(f"sqlite:///{home / 'm.db'}")
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(ctx, SQLModel.metadata)
    engine.dispose()
    assert diff == []


def test_an_old_store_is_migrated_automatically(cli: CliFn, home) -> None:
    db = home / "old.db"
    engine = store_engine.create_store_engine(f"sqlite:///{db}")
    store_engine.upgrade(engine, "0005")  # the 0.1.0 release's schema
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO accounts VALUES ('acc_000000000001','old','Old Co','other','','','',"
            "'old@example.com','+8613700137000',NULL,'unverified',0,"
            "'2026-01-01 00:00:00.000000','2026-01-01 00:00:00.000000')"
        )
    engine.dispose()
    result = cli("--store", str(db), "account", "show", "old", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json["company_name"] == "Old Co"
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == (
            store_engine.HEAD
        )


def test_a_store_from_a_newer_version_is_refused_untouched(cli: CliFn, make_account, home) -> None:
    make_account("acme")
    db = home / "billing.db"
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.close()
    before = _sha(db)
    result = cli("account", "list", "--json")
    assert result.exit_code == 10
    assert "newer than this guance-billing" in result.error["message"]
    assert result.error["code"] == "unavailable"
    assert _sha(db) == before


def test_an_unusable_store_path_is_unavailable(cli: CliFn, home) -> None:
    home.mkdir(parents=True, exist_ok=True)
    blocker = home / "afile"
    blocker.write_text("x")
    result = cli("--store", str(blocker / "sub" / "b.db"), "store", "init")
    assert result.exit_code == 10
    assert "cannot create store file" in result.stderr


def test_a_file_that_is_not_a_database_is_unavailable(cli: CliFn, home) -> None:
    home.mkdir(parents=True, exist_ok=True)
    junk = home / "junk.db"
    junk.write_bytes(b"definitely not sqlite" * 100)
    result = cli("--store", str(junk), "account", "list", "--json")
    assert result.exit_code == 10
    assert "cannot open store" in result.error["message"]


def test_first_migration_store_with_data_upgrades_to_head_intact(cli: CliFn, home) -> None:
    """Data written under the first schema (the baseline, 0.1.0's) survives every
    migration, audit chain included."""
    db = home / "billing.db"
    first = store_engine.REVISIONS[0]
    engine = store_engine.create_store_engine(f"sqlite:///{db}")
    store_engine.upgrade(engine, first)
    engine.dispose()
    # Write through the current code's services on the old schema's tables only.
    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {
        "alembic_version", "accounts", "audit_events", "store_secrets", "change_requests",
        "password_attempts", "password_resets", "realname_submissions", "invoice_titles",
        "invoice_addresses", "invoice_requests", "cloud_accounts", "workspaces", "api_tokens",
        "login_failures", "login_codes",
    }  # fmt: skip
    engine = store_engine.create_store_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO accounts VALUES ('acc_000000000001','old','Old Co','finance','Hangzhou',"
            "'desc','Li','old@example.com','+8613700137000',NULL,'unverified',1,"
            "'2026-01-01 00:00:00.000000','2026-01-01 00:00:00.000000')"
        )
    engine.dispose()
    before = sqlite3.connect(db).execute("SELECT * FROM accounts").fetchall()
    result = cli("account", "show", "old", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json["arbitrary_settlement"] is True
    after = sqlite3.connect(db).execute("SELECT * FROM accounts").fetchall()
    assert [row[: len(before[0])] for row in after] == before  # later migrations add columns
    assert result.json["language"] == "en"  # what old accounts were always sent
    # The upgraded store takes new writes and its audit chain verifies.
    assert cli("profile", "update", "--account", "old", "--region", "Ningxia").exit_code == 0
    assert cli("audit", "verify").exit_code == 0
