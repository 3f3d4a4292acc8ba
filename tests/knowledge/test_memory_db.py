"""The memory database: migrations, engines, transactions and column types, on both backends."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from autonet.knowledge.memory import (
    Base,
    Intent,
    ModelVersion,
    create_engine_for,
    current_revision,
    head_revision,
    init_db,
    session_scope,
)
from autonet.knowledge.memory import db as memory_db


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL: a SQLite file, or a private PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'memory.db'}"
        return
    base = request.getfixturevalue("pg_url")
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_init_db_reaches_head_and_matches_the_models(db_url: str) -> None:
    engine = init_db(db_url)
    try:
        # the newest shipped migration file, by its number (not asked of alembic)
        versions = Path(memory_db.__file__).parent / "migrations" / "versions"
        newest = max(p.name[:4] for p in versions.glob("[0-9][0-9][0-9][0-9]_*.py"))
        assert current_revision(engine) == head_revision() == newest
        init_db(engine)  # idempotent
        assert current_revision(engine) == newest
        with engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
            )
        assert diff == []
        names = set(sa.inspect(engine).get_table_names())
        assert {
            "cases",
            "actions",
            "outcomes",
            "intents",
            "model_versions",
            "audit_entries",
        } <= names
        assert {"kpi_samples", "alarm_events", "topology_nodes", "topology_edges"} <= names
        assert {"requests", "learned_state"} <= names
    finally:
        engine.dispose()


def test_session_scope_commits_whole_or_rolls_back(db_url: str) -> None:
    engine = init_db(db_url)
    try:
        with session_scope(engine) as session:
            session.add(Intent(name="kept"))

        def failing_transaction() -> None:
            with session_scope(engine) as session:
                session.add(Intent(name="lost-1"))
                session.flush()  # the first row reached the database inside the transaction
                session.add(Intent(name="lost-2"))
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError, match="boom"):
            failing_transaction()
        with session_scope(engine) as session:
            assert session.scalars(sa.select(Intent.name)).all() == ["kept"]
    finally:
        engine.dispose()


def test_timestamps_round_trip_as_aware_utc(db_url: str) -> None:
    engine = init_db(db_url)
    paris = timezone(timedelta(hours=1))
    try:
        with session_scope(engine) as session:
            session.add(Intent(name="a", created_at=datetime(2026, 1, 1, 1, 30, tzinfo=paris)))
            session.add(Intent(name="b", created_at=datetime(2026, 1, 1, 0, 30)))  # naive = UTC
        with session_scope(engine) as session:
            got = dict(session.execute(sa.select(Intent.name, Intent.created_at)).all())
        assert got["a"] == datetime(2026, 1, 1, 0, 30, tzinfo=UTC)
        assert got["a"].tzinfo is UTC
        assert got["b"] == datetime(2026, 1, 1, 0, 30, tzinfo=UTC)
    finally:
        engine.dispose()


def test_database_allows_one_active_version_per_model(db_url: str) -> None:
    engine = init_db(db_url)

    def version(number: int, status: str) -> ModelVersion:
        return ModelVersion(name="m", version=number, status=status, artefact_sha256="0" * 64)

    try:
        with session_scope(engine) as session:
            session.add_all([version(1, "active"), version(2, "retired"), version(3, "candidate")])
        with pytest.raises(IntegrityError), session_scope(engine) as session:
            session.add(version(4, "active"))
        with session_scope(engine) as session:
            assert session.scalar(sa.select(sa.func.count()).select_from(ModelVersion)) == 3
    finally:
        engine.dispose()


def test_sqlite_connections_enforce_foreign_keys_and_use_wal(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'sub' / 'dir' / 'x.db'}")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert (tmp_path / "sub" / "dir").is_dir()
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "invalid database URL"),
        ("mysql://root@localhost/db", "unsupported database 'mysql'"),
    ],
)
def test_bad_urls_are_refused_with_what_is_expected(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        create_engine_for(url)
    assert "sqlite" in str(info.value)
