"""Checkpointers of the loop's graph: SQLite on a file by default, PostgreSQL by URL."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver

from autonet.errors import BadInputError

__all__ = ["CheckpointError", "close_checkpointer", "default_checkpoint_path", "open_checkpointer",
           "prune_thread", "thread_ids"]  # fmt: skip

_SQLITE_MAGIC = b"SQLite format 3\x00"


class CheckpointError(BadInputError, RuntimeError):
    """The checkpoint store cannot be opened or read (names the file or URL and why)."""


def default_checkpoint_path(workdir: Path | None = None) -> Path:
    """``<workdir>/checkpoints.sqlite``, or under the settings' home when no workdir."""
    if workdir is None:
        from autonet.platform.config import get_settings

        workdir = Path(get_settings().home)
    return Path(workdir) / "checkpoints.sqlite"


def _open_sqlite(path: Path) -> BaseCheckpointSaver:
    from langgraph.checkpoint.sqlite import SqliteSaver

    if path.is_dir():
        raise CheckpointError(f"checkpoint file {str(path)!r} is a directory")
    if path.exists() and path.stat().st_size > 0:
        with path.open("rb") as fh:
            head = fh.read(len(_SQLITE_MAGIC))
        if head != _SQLITE_MAGIC:
            raise CheckpointError(
                f"checkpoint file {str(path)!r} is not an SQLite database (corrupt or another "
                "file); move it away or pass another --checkpoint"
            )
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), check_same_thread=False)
    saver = SqliteSaver(conn)
    try:
        # WAL with synchronous=NORMAL: every checkpoint is committed before the next step
        # (durable across a crash of the process), at a fraction of the cost of a full fsync
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        saver.setup()
        conn.execute("SELECT count(*) FROM checkpoints").fetchone()
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise CheckpointError(f"checkpoint file {str(path)!r} is unreadable: {exc}") from None
    return saver


def _open_postgres(url: str) -> BaseCheckpointSaver:
    import psycopg
    from langgraph.checkpoint.postgres import PostgresSaver
    from psycopg.rows import dict_row

    try:
        conn = psycopg.connect(url, autocommit=True, prepare_threshold=0, row_factory=dict_row)
    except psycopg.OperationalError as exc:
        raise CheckpointError(f"checkpoint database {_safe(url)} does not answer: {exc}") from None
    saver = PostgresSaver(conn)
    saver.setup()
    return saver


def _safe(url: str) -> str:
    """The URL without its password."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        cred, host = rest.rsplit("@", 1)
        return f"{scheme}://{cred.split(':', 1)[0]}@{host}"
    return url


def open_checkpointer(target: str | Path | None = None) -> BaseCheckpointSaver:
    """A saver on ``target``: a ``postgresql://`` URL, an SQLite file path (or ``sqlite:///``
    URL), ``":memory:"`` for an in-process saver, or None for the default file.

    Raises:
        CheckpointError: The file is not an SQLite database or unreadable; the server does not
            answer.
    """
    if target is None:
        return _open_sqlite(default_checkpoint_path())
    text = str(target)
    if text == ":memory:":
        from langgraph.checkpoint.memory import InMemorySaver

        return InMemorySaver()
    if text.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        return _open_postgres(text.replace("postgresql+psycopg://", "postgresql://", 1))
    if text.startswith("sqlite:///"):
        text = text[len("sqlite:///") :]
    elif "://" in text:
        raise CheckpointError(
            f"unsupported checkpoint URL {_safe(text)}: expected a file path, sqlite:///PATH "
            "or postgresql://..."
        )
    return _open_sqlite(Path(text).expanduser())


def close_checkpointer(saver: Any) -> None:
    """Close the saver's connection (SQLite or PostgreSQL), if it has one."""
    conn = getattr(saver, "conn", None)
    if conn is not None:
        conn.close()


def thread_ids(saver: Any, prefix: str = "") -> list[str]:
    """Thread ids stored by ``saver`` that start with ``prefix``, sorted.

    Raises:
        CheckpointError: The store cannot be read.
    """
    conn = getattr(saver, "conn", None)
    query = "SELECT DISTINCT thread_id FROM checkpoints"
    try:
        if isinstance(conn, sqlite3.Connection):
            rows = [r[0] for r in conn.execute(query).fetchall()]
        elif conn is not None:
            with conn.cursor() as cur:
                cur.execute(query)
                rows = [r["thread_id"] if isinstance(r, dict) else r[0] for r in cur.fetchall()]
        else:
            rows = list({c.config["configurable"]["thread_id"] for c in saver.list(None)})
    except sqlite3.DatabaseError as exc:
        raise CheckpointError(f"checkpoint store unreadable: {exc}") from None
    return sorted(str(r) for r in rows if str(r).startswith(prefix))


def prune_thread(saver: Any, thread_id: str) -> None:
    """Keep only the latest checkpoint (per namespace) of a finished thread, and its writes.

    A finished run's state (its trace, incidents, provenance) is all in its latest checkpoint;
    the earlier ones only grow the store (hundreds of MB over a week-long scenario). The loop's
    graph uses no ``DeltaChannel``, so the latest checkpoint is self-contained. Savers without
    a pruning operation are left as they are.
    """
    conn = getattr(saver, "conn", None)
    if isinstance(conn, sqlite3.Connection) and hasattr(saver, "cursor"):
        latest = (
            "(checkpoint_ns, checkpoint_id) IN (SELECT checkpoint_ns, max(checkpoint_id) "
            "FROM checkpoints WHERE thread_id = ? GROUP BY checkpoint_ns)"
        )
        with saver.cursor() as cur:
            cur.execute(
                f"DELETE FROM writes WHERE thread_id = ? AND NOT {latest}", (thread_id, thread_id)
            )
            cur.execute(
                f"DELETE FROM checkpoints WHERE thread_id = ? AND NOT {latest}",
                (thread_id, thread_id),
            )
        return
    try:
        saver.prune([thread_id], strategy="keep_latest")
    except NotImplementedError:
        return
