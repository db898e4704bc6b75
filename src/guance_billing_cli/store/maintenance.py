"""What ``guance-billing store`` does: init, migrate (or show what it would do),
backup, restore and verify a store.

A backup is SQLite's online backup API (a consistent copy while others write);
PostgreSQL is backed up with ``pg_dump``/``pg_restore`` (docs/upgrade.md) and
checked afterwards with ``verify``. Results are plain dicts for the CLI to render.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from guance_billing_cli.errors import InvalidInput, Unavailable
from guance_billing_cli.store import engine as store_engine


def _pending(version: str | None) -> list[str]:
    if version is None:
        return list(store_engine.REVISIONS)
    if version not in store_engine.REVISIONS:
        return []
    return list(store_engine.REVISIONS[store_engine.REVISIONS.index(version) + 1 :])


def migrate(store_url: str, *, dry_run: bool = False) -> dict[str, Any]:
    """Bring the store to the head schema, or (``dry_run``) say what that would apply."""
    engine = store_engine.create_store_engine(store_url, create=not dry_run)
    try:
        before = store_engine.schema_version(engine)
        if before is not None and before not in store_engine.REVISIONS:
            store_engine.check_schema(engine, migrate=False)  # refuses: too new, or pre-release
        pending = _pending(before)
        backup = None
        if not dry_run and pending:
            if before is not None:
                backup = store_engine.backup_before_migrating(engine, before)
            store_engine.upgrade(engine)
        after = before if dry_run else store_engine.schema_version(engine)
    finally:
        engine.dispose()
    return {
        "store": store_engine.redact_url(store_url),
        "from": before,
        "to": after,
        "head": store_engine.HEAD,
        "pending": pending,
        "changed": before != after,
        "dry_run": dry_run,
        "backup": backup,
    }


def init(store_url: str) -> dict[str, Any]:
    """Create the store (a SQLite file or an empty PostgreSQL database) at the head schema."""
    return migrate(store_url)


def _sqlite_only(store_url: str, what: str) -> str:
    path = store_engine.sqlite_path(store_engine.driver_url(store_url))
    if path is None:
        raise InvalidInput("backup_needs_sqlite", what=what, next_step="verify_store")
    return path


def backup(store_url: str, target: Path) -> dict[str, Any]:
    """Copy the store to ``target`` (a new file, mode 0600), consistent while others write."""
    _sqlite_only(store_url, "store backup")
    if target.exists():
        raise InvalidInput("backup_target_exists", field="file", path=str(target))
    engine = store_engine.create_store_engine(store_url, create=False)
    try:
        version = store_engine.schema_version(engine)
        raw = engine.raw_connection()
        try:
            store_engine.copy_sqlite(raw.driver_connection, str(target))
        except OSError as exc:
            raise InvalidInput(
                "file_unwritable", field="file", path=str(target), why=exc.strerror or ""
            ) from None
        finally:
            raw.close()
    finally:
        engine.dispose()
    return {
        "store": store_engine.redact_url(store_url),
        "file": str(target),
        "schema": version,
        "bytes": target.stat().st_size,
    }


def inspect_backup(file: Path) -> str:
    """The schema revision of a backup file that passes SQLite's integrity check;
    a file that is not SQLite, fails the check or has an unknown revision: exit 2."""
    if not file.is_file():
        raise InvalidInput("backup_not_sqlite", field="file", path=str(file), why="no such file")
    try:
        conn = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise InvalidInput(
            "backup_not_sqlite", field="file", path=str(file), why=str(exc)
        ) from None
    try:
        try:
            rows = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
        except sqlite3.DatabaseError as exc:
            raise InvalidInput(
                "backup_not_sqlite", field="file", path=str(file), why=str(exc)
            ) from None
        if rows != ["ok"]:
            raise InvalidInput(
                "backup_integrity", field="file", path=str(file), why="; ".join(rows[:3])
            )
        try:
            version = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.DatabaseError:
            version = None
    finally:
        conn.close()
    revision = version[0] if version else None
    if revision not in store_engine.REVISIONS:
        raise InvalidInput(
            "backup_unknown_schema",
            field="file",
            path=str(file),
            version=revision or "none",
            head=store_engine.HEAD,
        )
    return str(revision)


def restore(store_url: str, file: Path) -> dict[str, Any]:
    """Replace the store's content with ``file`` after checking it; the replaced store
    is kept beside it (``billing.db.replaced-20261206T050000Z``)."""
    path = _sqlite_only(store_url, "store restore")
    revision = inspect_backup(file)
    store = Path(path)
    kept = None
    if store.exists() and store.stat().st_size > 0:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        kept = f"{path}.replaced-{stamp}"
        live = sqlite3.connect(path, timeout=30)
        try:
            store_engine.copy_sqlite(live, kept)
        finally:
            live.close()
    else:
        from guance_billing_cli import paths

        paths.touch_private_file(store)
    source = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
    target = sqlite3.connect(path, timeout=30)
    try:
        source.backup(target)  # page by page under SQLite's locks: readers see old or new
    finally:
        source.close()
        target.close()
    os.chmod(path, 0o600)
    return {
        "store": store_engine.redact_url(store_url),
        "file": str(file),
        "schema": revision,
        "replaced_kept_at": kept,
        "will_migrate": revision != store_engine.HEAD,
    }


def verify(store_url: str, *, audit_chain: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Integrity check (SQLite), schema revision, and the audit chain (at head): the
    store knows no business rule, so the caller verifies the chain (``audit_chain``)."""
    from sqlalchemy import text

    engine = store_engine.create_store_engine(store_url, create=False)
    report: dict[str, Any] = {"store": store_engine.redact_url(store_url)}
    try:
        version = store_engine.schema_version(engine)
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:
                rows = [r[0] for r in conn.execute(text("PRAGMA integrity_check"))]
            report["integrity"] = "ok" if rows == ["ok"] else "; ".join(rows[:3])
        else:
            report["integrity"] = "not_applicable"
    finally:
        engine.dispose()
    report["schema"] = version
    report["head"] = store_engine.HEAD
    if version == store_engine.HEAD:
        report["schema_status"] = "current"
    elif version in store_engine.PRE_RELEASE:
        report["schema_status"] = "pre_release"
    elif version is None or version in store_engine.REVISIONS:
        report["schema_status"] = "behind"
    else:
        report["schema_status"] = "ahead"
    report["audit"] = audit_chain() if report["schema_status"] == "current" else None
    report["ok"] = (
        report["integrity"] in ("ok", "not_applicable")
        and report["schema_status"] == "current"
        and bool(report["audit"] and report["audit"]["ok"])
    )
    return report


def unavailable_if_not_ok(report: dict[str, Any]) -> None:
    """Exit 10 for a damaged or unusable store (the audit chain is the CLI's exit 6)."""
    if report["integrity"] not in ("ok", "not_applicable"):
        raise Unavailable("store_cannot_open", store=report["store"], why=report["integrity"])
