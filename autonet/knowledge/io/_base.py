"""The import pipeline shared by every kind of operator data: read, validate, write once."""

from __future__ import annotations

import hashlib
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ClassVar, cast

import pandas as pd
from sqlalchemy import Engine, Table, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from autonet.knowledge.io._write import insert_frame
from autonet.knowledge.io.errors import ImportValidationError, RowError
from autonet.knowledge.memory.db import session_scope
from autonet.knowledge.memory.models import Base, ImportBatch, TopologyNode

__all__ = [
    "ImportReport",
    "Importer",
    "ProgressCallback",
    "Validated",
    "node_filter",
    "topology_nodes",
]

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int], None]
"""Called as ``progress(rows_written, rows_total)`` after each chunk is written."""


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What one import wrote."""

    kind: str
    batch_id: int
    source: str
    file_format: str
    rows: int
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)  # rows per table written
    notes: list[str] = field(default_factory=list)  # repairs made on request, e.g. dropped values

    @property
    def rows_per_s(self) -> float:
        return self.rows / max(self.seconds, 1e-9)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "rows_per_s": self.rows_per_s}


@dataclass
class Validated:
    """A file that passed validation: the rows to insert per table."""

    file_format: str
    tables: list[tuple[type[Base], pd.DataFrame]]  # columns named as the table's
    notes: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(len(rows) for _, rows in self.tables)


def topology_nodes(session: Session) -> tuple[int, set[str]] | None:
    """The newest imported topology: its batch id and node ids, or None when there is none."""
    batch_id = session.scalar(
        select(ImportBatch.id)
        .where(ImportBatch.kind == "topology")
        .order_by(ImportBatch.id.desc())
        .limit(1)
    )
    if batch_id is None:
        return None
    nodes = session.scalars(select(TopologyNode.node_id).where(TopologyNode.batch_id == batch_id))
    return batch_id, set(nodes)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Importer(ABC):
    """Reads one file, validates every row, then writes all of it in ONE transaction.

    Subclasses implement :meth:`validate`. Nothing is written unless the whole file is valid;
    a failure while writing rolls the whole import back.

    Args:
        engine: The memory database (schema created by ``init_db``).
        chunk_size: Rows per INSERT statement.
        progress: Optional callback, see :data:`ProgressCallback`.
    """

    kind: ClassVar[str]
    refuse_duplicate_file: ClassVar[bool] = True

    def __init__(
        self,
        engine: Engine,
        *,
        chunk_size: int = 5_000,
        progress: ProgressCallback | None = None,
    ) -> None:
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
        self.engine = engine
        self.chunk_size = chunk_size
        self.progress = progress

    @abstractmethod
    def validate(self, path: Path, session: Session) -> Validated:
        """Parse and check ``path``; raise :class:`ImportValidationError` listing every bad row."""

    def run(self, path: str | Path) -> ImportReport:
        """Import ``path``; all or nothing.

        Raises:
            FileNotFoundError: ``path`` does not exist.
            ImportValidationError: The file is malformed; carries every bad row.
        """
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no such file: {path}")
        started = time.perf_counter()
        digest = _sha256(path)
        try:
            with session_scope(self.engine) as session:
                self._refuse_duplicate(session, path, digest)
                validated = self.validate(path, session)
                batch = ImportBatch(
                    kind=self.kind,
                    source=str(path)[-1000:],
                    file_format=validated.file_format,
                    sha256=digest,
                    rows=validated.rows,
                )
                session.add(batch)
                session.flush()
                counts = self._write(session, batch.id, validated)
        except IntegrityError as exc:
            raise ImportValidationError(
                str(path),
                [RowError(None, None, None, f"conflicts with data already stored: {exc.orig}")],
            ) from exc
        seconds = time.perf_counter() - started
        report = ImportReport(
            self.kind,
            batch.id,
            str(path),
            validated.file_format,
            validated.rows,
            seconds,
            counts,
            list(validated.notes),
        )
        log.info("imported %s rows of %s from %s in %.2fs", report.rows, self.kind, path, seconds)
        return report

    def _refuse_duplicate(self, session: Session, path: Path, digest: str) -> None:
        if not self.refuse_duplicate_file:
            return
        previous = session.scalar(
            select(ImportBatch).where(ImportBatch.kind == self.kind, ImportBatch.sha256 == digest)
        )
        if previous is not None:
            raise ImportValidationError(
                str(path),
                [
                    RowError(
                        None,
                        None,
                        None,
                        f"this file was already imported as batch {previous.id} "
                        f"({previous.source}, {previous.created_at:%Y-%m-%d %H:%M} UTC)",
                    )
                ],
            )

    def _write(self, session: Session, batch_id: int, validated: Validated) -> dict[str, int]:
        total, done, counts = validated.rows, 0, {}
        for model, frame in validated.tables:
            frame = frame.assign(batch_id=batch_id)
            for start in range(0, len(frame), self.chunk_size):
                chunk = frame.iloc[start : start + self.chunk_size]
                self.write_chunk(session, model, chunk)
                done += len(chunk)
                if self.progress is not None:
                    self.progress(done, total)
            counts[model.__tablename__] = len(frame)
        return counts

    def write_chunk(self, session: Session, model: type[Base], chunk: pd.DataFrame) -> None:
        """INSERT one chunk of rows (inside the import's transaction)."""
        insert_frame(session.connection(), cast(Table, model.__table__), chunk)


def node_filter(
    session: Session, known_nodes: Collection[str] | None, check_nodes: bool
) -> tuple[set[str] | None, str]:
    """The set of node ids imported rows must refer to, and where it came from."""
    if known_nodes is not None:
        return set(map(str, known_nodes)), "the given node list"
    if not check_nodes:
        return None, ""
    found = topology_nodes(session)
    if found is None:
        return None, ""
    return found[1], f"the imported topology (batch {found[0]})"
