"""Alembic environment of the memory database, run programmatically by ``init_db``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from autonet.knowledge.memory.models import Base


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from autonet.knowledge.memory.db import create_engine_for

    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise ValueError("no database: pass a connection or set sqlalchemy.url")
    engine = create_engine_for(url)
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise NotImplementedError("offline (SQL script) migrations are not supported; use init_db")
_run_online()
