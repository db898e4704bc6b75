"""Opening a store: engine set-up, schema version check, automatic migration.

SQLite (the default) runs in WAL mode with a busy timeout and foreign keys on;
write transactions start with ``BEGIN IMMEDIATE`` (SQLAlchemy's pysqlite recipe:
driver-level autocommit plus a ``begin`` event), because a deferred transaction
that reads and then writes fails at once with SQLITE_BUSY_SNAPSHOT when another
writer committed in between. The schema version is checked with one query of
``alembic_version``; Alembic itself is imported only to migrate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from guance_billing_cli import paths
from guance_billing_cli.errors import InvalidInput, Unavailable

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

# Every migration, oldest first. A migration file appends its id here; a test
# checks this matches Alembic's history.
REVISIONS: tuple[str, ...] = (
    "0001",
    "0002",
    "0003",
    "0004",
    "0005",
    "0006_i13",
    "0007_i11",
    "0008_i15",
    "0009_i14",
    "0010_i24",
)
HEAD = REVISIONS[-1]

WRITE = {"sqlite_begin": "IMMEDIATE"}


def redact_url(url: str) -> str:
    """The URL without its password, for messages."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"


def sqlite_path(url: str) -> str | None:
    """The file of a SQLite URL (None for other databases and in-memory)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return None
    path = url[len(prefix) :].split("?", 1)[0]
    return None if path in ("", ":memory:") else path


# URL scheme -> the driver SQLAlchemy is to use; anything else is refused up front.
_SCHEMES = {
    "sqlite": "sqlite",
    "postgresql+psycopg": "postgresql+psycopg",
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
}


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


def create_store_engine(url: str) -> Engine:
    from sqlalchemy import create_engine, event

    url = driver_url(url)
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        if path is not None:
            from pathlib import Path

            try:
                paths.touch_private_file(Path(path))
            except OSError as exc:
                raise Unavailable("store_file", path=str(path), why=exc.strerror or "") from None
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
            conn.exec_driver_sql(f"BEGIN {mode}")

        refuse_nul_text(engine)
        return engine
    engine = create_engine(url, pool_pre_ping=True)
    refuse_nul_text(engine)
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
    text = str(getattr(exc, "orig", exc)).lower()
    return "no such table" in text or "does not exist" in text


def _reason(exc: Exception) -> str:
    orig = getattr(exc, "orig", None) or exc
    return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__


def check_schema(engine: Engine, *, migrate: bool) -> None:
    """Refuse a store from a newer version; migrate (or ask to) one that is behind."""
    version = schema_version(engine)
    if version == HEAD:
        return
    if version is not None and version not in REVISIONS:
        raise Unavailable(
            "store_too_new", store=redact_url(str(engine.url)), version=version, head=HEAD
        )
    if not migrate:
        raise Unavailable(
            "store_behind",
            store=redact_url(str(engine.url)),
            version=version or "none",
            head=HEAD,
            next_step="migrate_store",
        )
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


def open_store(url: str, *, migrate: bool = True) -> Engine:
    engine = create_store_engine(url)
    check_schema(engine, migrate=migrate)
    return engine
