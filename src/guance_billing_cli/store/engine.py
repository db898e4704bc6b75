"""Opening a store: engine set-up, schema version check, automatic migration.

SQLite (the default) runs in WAL mode with a busy timeout and foreign keys on;
write transactions start with ``BEGIN IMMEDIATE`` (SQLAlchemy's pysqlite recipe:
driver-level autocommit plus a ``begin`` event), because a deferred transaction
that reads and then writes fails at once with SQLITE_BUSY_SNAPSHOT when another
writer committed in between. The schema version is checked with one query of
``alembic_version``; Alembic itself is imported only to migrate.
"""

from __future__ import annotations

import os
import weakref
from typing import TYPE_CHECKING, Any

from guance_billing_cli import paths
from guance_billing_cli.config import STORE_SCHEMES as _SCHEMES
from guance_billing_cli.config import redact_url, sqlite_path
from guance_billing_cli.errors import InvalidInput, Unavailable

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

# Every migration, oldest first. A migration file appends its id here; a test
# checks this matches Alembic's history.
REVISIONS: tuple[str, ...] = (
    "0005",
    "0006_i13",
    "0007_i11",
    "0008_i15",
    "0009_i14",
    "0010_i23",
    "0011_i24",
)
HEAD = REVISIONS[-1]
#: the revisions of development builds before the first release (0.1.0), folded into
#: the baseline ``0005``: a store at one of them cannot be upgraded (docs/upgrade.md)
PRE_RELEASE: frozenset[str] = frozenset({"0001", "0002", "0003", "0004"})

WRITE = {"sqlite_begin": "IMMEDIATE"}

# A transaction that lost to a concurrent one and may simply run again: serialization
# failure, deadlock, lock not available (PostgreSQL SQLSTATEs).
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01", "55P03"})
#: how many times a server runs a write that lost such a race before answering 503
WRITE_ATTEMPTS = 4


def is_contention(exc: Exception) -> bool:
    """True for a transaction aborted only because another one won a race for the same
    rows or locks: running it again is safe (nothing of it was committed)."""
    orig = getattr(exc, "orig", exc)
    return getattr(orig, "sqlstate", None) in RETRYABLE_SQLSTATES


def driver_url(url: str) -> str:
    """``url`` with the driver this tool uses; exit 2 for a scheme it does not support."""
    scheme, sep, rest = url.partition("://")
    driver = _SCHEMES.get(scheme.lower()) if sep else None
    if driver is None:
        raise InvalidInput("unsupported_store", field="store", value=redact_url(url))
    if driver == "postgresql+psycopg":
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise Unavailable(
                "psycopg_missing",
                package="psycopg",
            ) from None
    return f"{driver}://{rest}"


def _has_nul(parameters: Any) -> bool:
    if isinstance(parameters, str):
        return "\x00" in parameters
    if isinstance(parameters, dict):
        return any(_has_nul(v) for v in parameters.values())
    if isinstance(parameters, list | tuple):
        return any(_has_nul(v) for v in parameters)
    return False


def refuse_nul_text(engine: Engine) -> None:
    """Text with a NUL character is never valid input, on every store: PostgreSQL
    cannot hold it, so SQLite must not accept or look it up either (the same answer,
    exit 2, on both, instead of a driver error on one)."""
    from sqlalchemy import event

    @event.listens_for(engine, "before_cursor_execute")
    def _refuse(
        _conn: Any, _cursor: Any, _statement: str, parameters: Any, _ctx: Any, _many: bool
    ) -> None:
        if _has_nul(parameters):
            raise InvalidInput("nul_character")


def create_store_engine(url: str, *, create: bool = True) -> Engine:
    """An engine on ``url``. A SQLite file that is missing is created only when
    ``create`` (a write, ``store init``, the server); a file this process cannot write
    is opened read-only (``is_read_only``)."""
    from sqlalchemy import create_engine, event

    url = driver_url(url)
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        read_only = False
        if path is not None:
            read_only = _prepare_sqlite_file(path, create=create)
        if read_only and path is not None:
            engine = _read_only_sqlite_engine(path)
        else:
            engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA busy_timeout=30000")
            if not read_only:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
            conn.exec_driver_sql(f"BEGIN {mode}")

        refuse_nul_text(engine)
        install_schema_guard(engine, read_only_path=path if read_only else None)
        return engine
    engine = create_engine(url, pool_pre_ping=True)
    refuse_nul_text(engine)
    install_schema_guard(engine)
    return engine


def schema_version(engine: Engine) -> str | None:
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError as exc:
        if _is_missing_table(exc):
            return None
        raise Unavailable(
            "store_cannot_open", store=redact_url(str(engine.url)), why=_reason(exc)
        ) from None


def _is_missing_table(exc: Exception) -> bool:
    """The table is missing (an empty store) — not the database (that is unreachable)."""
    orig = getattr(exc, "orig", exc)
    if getattr(orig, "sqlstate", None) is not None:  # PostgreSQL: undefined_table only
        return getattr(orig, "sqlstate", None) == "42P01"
    text = str(orig).lower()
    return "no such table" in text or ("relation" in text and "does not exist" in text)


def _reason(exc: Exception) -> str:
    orig = getattr(exc, "orig", None) or exc
    return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__


def check_schema(engine: Engine, *, migrate: bool | None = None) -> None:
    """Refuse a store from a newer version or from a development build before the first
    release; migrate (or ask to) one that is behind.

    ``migrate``: True migrates (``store migrate``), False never does, None (the
    default) migrates a SQLite store only — after copying it aside
    (``backup_before_migrating``) — and never a shared PostgreSQL database."""
    version = schema_version(engine)
    if version == HEAD:
        return
    if version is not None and version in PRE_RELEASE:
        raise predates_release(version)
    if version is not None and version not in REVISIONS:
        raise Unavailable(
            "store_too_new", store=redact_url(str(engine.url)), version=version, head=HEAD
        )
    if migrate is None:
        migrate = engine.dialect.name == "sqlite"
    if migrate and is_read_only(engine):
        raise Unavailable("store_read_only", store=_READ_ONLY.get(engine, ""))
    if not migrate:
        raise Unavailable(
            "store_behind",
            store=redact_url(str(engine.url)),
            version=version or "none",
            head=HEAD,
            next_step="migrate_store",
        )
    if version is not None:
        backup_before_migrating(engine, version)
    upgrade(engine)


def alembic_config(engine: Engine | None = None) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "guance_billing_cli.store:migrations")
    if engine is not None:
        cfg.set_main_option("sqlalchemy.url", str(engine.url).replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations in one write transaction (so racing processes serialize)."""
    from alembic import command
    from sqlalchemy.exc import DBAPIError

    cfg = alembic_config(engine)
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(**WRITE)
            conn = conn.execution_options(schema_guard=False)
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    from sqlalchemy import text

                    conn.execute(text("SELECT pg_advisory_xact_lock(7452001)"))
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
    except DBAPIError as exc:
        raise Unavailable(
            "store_cannot_migrate", store=redact_url(str(engine.url)), why=_reason(exc)
        ) from None


def open_store(url: str, *, migrate: bool | None = None, create: bool = True) -> Engine:
    """An engine on a store at the head schema (see ``check_schema`` for ``migrate``;
    ``create=False``: a missing SQLite file is an error, not a new store)."""
    engine = create_store_engine(url, create=create)
    try:
        check_schema(engine, migrate=migrate)
    except BaseException:
        engine.dispose()
        raise
    return engine


# -- a missing or read-only SQLite file ------------------------------------------------
_READ_ONLY: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()
"""engine -> the path of a store it opened read-only"""


def _prepare_sqlite_file(path: str, *, create: bool) -> bool:
    """Create the file if asked (mode 0600), refuse a missing one otherwise; True when
    this process cannot write it (or its directory, where SQLite keeps -wal and -shm)."""
    from pathlib import Path

    file = Path(path)
    if not file.exists():
        if not create:
            raise Unavailable("store_missing", path=str(file), next_step="init_store")
        try:
            paths.touch_private_file(file)
        except OSError as exc:
            raise Unavailable("store_file", path=str(path), why=exc.strerror or "") from None
        return False
    return not (os.access(file, os.W_OK) and os.access(file.parent, os.W_OK | os.X_OK))


def _read_only_sqlite_engine(path: str) -> Engine:
    """SQLite opened with ``mode=ro``; ``immutable=1`` when it cannot even keep its
    shared-memory file beside the database (a read-only directory with no ``-shm``)."""
    import sqlite3
    from pathlib import Path
    from urllib.parse import quote

    from sqlalchemy import create_engine

    file = Path(path).resolve()
    shm = file.with_name(file.name + "-shm")
    immutable = not os.access(file.parent, os.W_OK) and not shm.exists()
    uri = f"file:{quote(str(file))}?mode=ro" + ("&immutable=1" if immutable else "")

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False)

    engine = create_engine("sqlite://", creator=connect)
    _READ_ONLY[engine] = str(path)
    return engine


def is_read_only(engine: Engine) -> bool:
    return engine in _READ_ONLY


# -- the schema guard ------------------------------------------------------------------
def predates_release(version: str) -> Unavailable:
    """The refusal of a store at a ``PRE_RELEASE`` revision: nothing can upgrade it."""
    return Unavailable("store_predates_release", version=version)


def schema_refusal(version: str | None) -> Unavailable:
    """Why a process refuses to write under the store's schema ``version`` (not HEAD):
    a revision it does not know (a newer release migrated the store), one of a
    development build before the first release, or an older one."""
    if version is not None and version in PRE_RELEASE:
        return predates_release(version)
    if version is not None and version not in REVISIONS:
        return Unavailable("schema_ahead", version=version, head=HEAD)
    return Unavailable(
        "schema_behind", version=version or "none", head=HEAD, next_step="migrate_store"
    )


def install_schema_guard(engine: Engine, *, read_only_path: str | None = None) -> None:
    """Every write transaction first reads ``alembic_version`` — inside the transaction,
    after SQLite's ``BEGIN IMMEDIATE`` has taken the write lock — and refuses to write
    unless the store is at the revision this code serves (``HEAD``). A store migrated
    under a running process therefore stops its writes at once (503 ``schema_ahead``
    on a server, exit 10 in the CLI). A read-only store refuses every write up front.
    ``bench/schema_guard.py`` measures the cost."""
    from sqlalchemy import event
    from sqlalchemy.exc import DBAPIError

    def _is_write(conn: Connection) -> bool:
        options = conn.get_execution_options()
        return options.get("sqlite_begin") == "IMMEDIATE" and options.get("schema_guard", True)

    if read_only_path is not None:

        @event.listens_for(engine, "begin", insert=True)
        def _refuse_writes(conn: Connection) -> None:
            if _is_write(conn):
                raise Unavailable("store_read_only", store=read_only_path)

    @event.listens_for(engine, "begin")
    def _guard(conn: Connection) -> None:
        if not _is_write(conn):
            return
        try:
            version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        except DBAPIError as exc:
            if not _is_missing_table(exc):
                raise
            version = None
        if version != HEAD:
            conn.connection.dbapi_connection.rollback()  # type: ignore[union-attr]
            raise schema_refusal(version)


# -- copies of a SQLite store ----------------------------------------------------------
def copy_sqlite(source: Any, target_path: str) -> None:
    """Copy an open sqlite3 connection's database to ``target_path`` (mode 0600) with
    SQLite's online backup API: a consistent snapshot while others write."""
    import sqlite3

    fd = os.open(target_path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    os.close(fd)
    os.chmod(target_path, 0o600)
    target = sqlite3.connect(target_path)
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        target.close()


def backup_before_migrating(engine: Engine, version: str) -> str | None:
    """Copy a SQLite store beside itself (``billing.db.bak-0009``) before migrating it,
    and say so in one line on stderr. PostgreSQL: nothing (``pg_dump`` is the operator's)."""
    path = sqlite_path(str(engine.url))
    if engine.dialect.name != "sqlite" or path is None:
        return None
    target = f"{path}.bak-{version}"
    raw = engine.raw_connection()
    try:
        copy_sqlite(raw.driver_connection, target)
    except OSError as exc:
        raise Unavailable(
            "store_cannot_migrate", store=redact_url(str(engine.url)), why=exc.strerror or ""
        ) from None
    finally:
        raw.close()
    _notify_migration(path, version, target)
    return target


def _notify_migration(path: str, version: str, backup: str) -> None:
    import sys

    from guance_billing_cli.i18n import _

    line = _("Migrating store {path} from schema {version} to {head}; its copy: {backup}")
    sys.stderr.write(line.format(path=path, version=version, head=HEAD, backup=backup) + "\n")
    sys.stderr.flush()
