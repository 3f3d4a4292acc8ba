"""Engines, sessions and schema upgrades of the memory database (SQLite or PostgreSQL)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

__all__ = [
    "create_engine_for",
    "current_revision",
    "head_revision",
    "init_db",
    "session_factory",
    "session_scope",
]

log = logging.getLogger(__name__)

_SUPPORTED = ("sqlite", "postgresql")


def _parse_url(url: str | URL) -> URL:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ValueError(
            f"invalid database URL {str(url)!r}: expected e.g. 'sqlite:///path/autonet.db' "
            "or 'postgresql+psycopg://user@host:5432/db'"
        ) from exc
    if parsed.get_backend_name() not in _SUPPORTED:
        raise ValueError(
            f"unsupported database {parsed.get_backend_name()!r} in URL "
            f"{parsed.render_as_string(hide_password=True)!r}: expected one of {_SUPPORTED}"
        )
    return parsed


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL, much faster than FULL
        cursor.execute("PRAGMA busy_timeout=10000")
    finally:
        cursor.close()


def create_engine_for(url: str | URL, *, echo: bool = False, **kwargs: Any) -> Engine:
    """An engine for a SQLite file or a PostgreSQL server, configured for the memory.

    SQLite connections get foreign keys, WAL journaling and a busy timeout; the folder of a
    SQLite file is created when missing.

    Args:
        url: SQLAlchemy URL, e.g. ``sqlite:///~/.autonet/autonet.db`` or
            ``postgresql+psycopg://user@127.0.0.1:5432/autonet``.
        echo: Log every SQL statement.
        **kwargs: Passed to :func:`sqlalchemy.create_engine`.

    Raises:
        ValueError: The URL is malformed or names an unsupported database.
    """
    parsed = _parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            path = Path(database).expanduser()
            path.parent.mkdir(parents=True, exist_ok=True)
            parsed = parsed.set(database=str(path))
        engine = create_engine(parsed, echo=echo, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(parsed, echo=echo, **kwargs)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory bound to ``engine`` (objects stay readable after commit)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(bind: Engine | sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commits when the block ends, rolls everything back on any error."""
    factory = session_factory(bind) if isinstance(bind, Engine) else bind
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _alembic_config() -> Config:
    config = Config()
    location = resources.files("autonet.knowledge.memory") / "migrations"
    config.set_main_option("script_location", str(location))
    return config


def head_revision() -> str:
    """The newest migration shipped with this version of autonet."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships its migrations
        raise RuntimeError("no Alembic migrations found in autonet.knowledge.memory")
    return head


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at, or None for a database never initialised."""
    from alembic.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def init_db(url_or_engine: str | URL | Engine) -> Engine:
    """Create or upgrade the memory schema to the newest migration (Alembic ``upgrade head``).

    Idempotent: an up-to-date database is left as it is. Needs no ``alembic.ini``.

    Returns:
        The engine (created from the URL when one was given).
    """
    engine = (
        url_or_engine if isinstance(url_or_engine, Engine) else create_engine_for(url_or_engine)
    )
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    log.info("memory schema at %s on %s", head_revision(), engine.url.render_as_string())
    return engine
