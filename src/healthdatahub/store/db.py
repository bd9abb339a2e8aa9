"""Engines, sessions and migrations of the metadata store (SQLite or PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    InterfaceError,
    NoSuchModuleError,
    OperationalError,
)
from sqlalchemy.orm import Session, sessionmaker

from healthdatahub.config import Settings
from healthdatahub.errors import HubError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000
SQLITE_POOL_SIZE = 40
# PostgreSQL: undefined table, invalid schema name (the store was never migrated).
_MISSING_SCHEMA_STATES = ("42P01", "3F000")

_engines: dict[str, Engine] = {}
_factories: dict[str, sessionmaker[Session]] = {}
_lock = threading.Lock()


def _parse(url: str) -> URL:
    try:
        return make_url(url)
    except (ArgumentError, ValueError):
        raise HubError(
            "The database URL is not a valid SQLAlchemy URL "
            "(expected e.g. sqlite:///path/store.sqlite or postgresql+psycopg://user@host/db)."
        ) from None


def safe_url(url: str | URL) -> str:
    """The URL with its password masked, fit for messages and logs."""
    parsed = url if isinstance(url, URL) else _parse(url)
    return parsed.render_as_string(hide_password=True)


def _reason(exc: BaseException, url: URL) -> str:
    """The first line of a driver error, without the password."""
    orig = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(orig).splitlines() if line.strip()]
    text = lines[0] if lines else type(orig).__name__
    if url.password:
        text = text.replace(str(url.password), "***")
    return text.rstrip(".")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def make_engine(url: str) -> Engine:
    """A new Engine for ``url``; SQLite gets foreign keys, WAL and a busy timeout."""
    parsed = _parse(url)
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            try:
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise HubError(
                    f"Cannot create the folder of the SQLite store {database}: {exc.strerror}."
                ) from None
            # Keep a connection per worker thread open (the portal serves from a thread pool
            # of 40): opening one costs a file open and four PRAGMAs.
            kwargs.update(pool_size=SQLITE_POOL_SIZE, max_overflow=SQLITE_POOL_SIZE)
    else:
        kwargs["pool_pre_ping"] = True
    try:
        engine = create_engine(parsed, **kwargs)
    except (NoSuchModuleError, ArgumentError, ImportError) as exc:
        raise HubError(
            f"The database URL {safe_url(parsed)} names an unsupported database or driver "
            f"({_reason(exc, parsed)})."
        ) from None
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def get_engine(url: str) -> Engine:
    """The process-wide shared Engine for ``url`` (created on first use)."""
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = make_engine(url)
        return engine


def session_factory(url: str) -> sessionmaker[Session]:
    """A cached session factory bound to the shared Engine of ``url``."""
    engine = get_engine(url)
    with _lock:
        factory = _factories.get(url)
        if factory is None:
            factory = _factories[url] = sessionmaker(engine, expire_on_commit=False)
        return factory


def dispose_engines() -> None:
    """Close every shared Engine's connections (tests, and before forking workers)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _factories.clear()


def _url_of(target: Settings | str) -> str:
    return target.store_url if isinstance(target, Settings) else target


def store_error(exc: DBAPIError, url: str | URL) -> HubError:
    """Turn a driver error into one clear sentence naming the store (password masked)."""
    parsed = url if isinstance(url, URL) else _parse(url)
    sqlstate = getattr(exc.orig, "sqlstate", None)
    reason = _reason(exc, parsed)
    if sqlstate in _MISSING_SCHEMA_STATES or "no such table" in reason:
        return HubError(
            f"The metadata store at {safe_url(parsed)} is not initialised; run `hdh db upgrade`."
        )
    return HubError(f"Cannot use the metadata store at {safe_url(parsed)}: {reason}.")


def is_store_failure(exc: DBAPIError) -> bool:
    """True for errors of the store itself (unreachable, not migrated), not of the caller."""
    if isinstance(exc, OperationalError | InterfaceError) or exc.connection_invalidated:
        return True
    return getattr(exc.orig, "sqlstate", None) in _MISSING_SCHEMA_STATES


@contextmanager
def session_scope(target: Settings | str) -> Iterator[Session]:
    """A session that commits on success and rolls back on error; store failures are HubErrors."""
    url = _url_of(target)
    session = session_factory(url)()
    try:
        yield session
        session.commit()
    except DBAPIError as exc:
        session.rollback()
        if is_store_failure(exc):
            raise store_error(exc, url) from None
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["hdh_url"] = url
    return config


def _with_connection(url: str, work: Callable[[Any], Any]) -> Any:
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            return work(connection)
    except DBAPIError as exc:
        raise store_error(exc, url) from None
    finally:
        engine.dispose()


def upgrade(url: str, revision: str = "head") -> str:
    """Migrate the store at ``url`` to ``revision`` (default the latest); returns the new revision."""

    def work(connection: Any) -> str | None:
        config = _alembic_config(url)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        return MigrationContext.configure(connection).get_current_revision()

    return _with_connection(url, work) or "base"


def downgrade(url: str, revision: str) -> str:
    """Migrate the store at ``url`` back to ``revision`` ("base" empties it); returns it."""

    def work(connection: Any) -> str | None:
        config = _alembic_config(url)
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
        return MigrationContext.configure(connection).get_current_revision()

    return _with_connection(url, work) or "base"


def current_revision(url: str) -> str | None:
    """The store's current migration revision, or None when it has never been migrated."""
    return _with_connection(
        url, lambda connection: MigrationContext.configure(connection).get_current_revision()
    )


def head_revision() -> str:
    """The latest migration revision shipped with this version of the hub."""
    head = ScriptDirectory.from_config(_alembic_config("")).get_current_head()
    assert head is not None
    return head


def ensure_schema(target: Settings | str) -> str:
    """Upgrade the store to the latest revision if it is behind; returns the revision."""
    url = _url_of(target)
    head = head_revision()
    if current_revision(url) == head:
        return head
    return upgrade(url)
