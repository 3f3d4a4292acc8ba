"""Import of KPI time series in long format (time, object, counter, value) from CSV or Parquet."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from autonet.knowledge.io._base import (
    Importer,
    ImportReport,
    ProgressCallback,
    Validated,
    node_filter,
)
from autonet.knowledge.io._read import Table, check_columns, read_table
from autonet.knowledge.memory.models import KpiSample

__all__ = ["KPI_COLUMNS", "KpiImporter", "import_kpis"]

KPI_COLUMNS = ("time", "object", "counter", "value")


class KpiImporter(Importer):
    """KPI samples, one per row: ``time, object, counter, value``.

    ``time`` is ISO 8601 (a zone is converted to UTC; none means UTC) or epoch seconds;
    ``object`` is the measured node (cell, router, ...); ``counter`` a KPI name such as
    ``RRU.PrbUsedDl``; ``value`` a finite number. Each (object, counter, time) appears once.

    Args:
        engine: The memory database.
        require_sorted: Each series' times must increase down the file (as an exporter writes
            them); a time going back is reported. When False, only duplicates are refused.
        check_nodes: Refuse objects that are not nodes of the newest imported topology
            (when the database holds one).
        known_nodes: Node ids to check objects against instead of the imported topology.
        chunk_size: Rows per INSERT.
        progress: Callback ``(rows_written, rows_total)``.
    """

    kind = "kpis"

    def __init__(
        self,
        engine: Engine,
        *,
        require_sorted: bool = True,
        check_nodes: bool = True,
        known_nodes: Collection[str] | None = None,
        chunk_size: int = 5_000,
        progress: ProgressCallback | None = None,
    ) -> None:
        super().__init__(engine, chunk_size=chunk_size, progress=progress)
        self.require_sorted = require_sorted
        self.check_nodes = check_nodes
        self.known_nodes = known_nodes

    def validate(self, path: Path, session: Session) -> Validated:
        table = read_table(path)
        check_columns(table, required=KPI_COLUMNS)
        times = table.time("time")
        objects = table.text("object")
        counters = table.text("counter", max_len=120)
        values = table.number("value")
        nodes, origin = node_filter(session, self.known_nodes, self.check_nodes)
        if nodes is not None:
            unknown = np.flatnonzero(
                np.fromiter((o != "" and o not in nodes for o in objects), bool, len(objects))
            )
            table.add(unknown, "object", f"not a node of {origin}")
        _check_order(table, times, objects, counters, sorted_=self.require_sorted)
        table.raise_if_errors()
        frame = pd.DataFrame(
            {"time": times, "object": objects, "counter": counters, "value": values}
        )
        return Validated(table.file_format, [(KpiSample, frame)])


def _check_order(
    table: Table, times: np.ndarray, objects: np.ndarray, counters: np.ndarray, *, sorted_: bool
) -> None:
    """Report duplicates of (object, counter, time) and, if ``sorted_``, times going back."""
    valid = ~np.isnat(times)
    if not valid.any():
        return
    object_codes = pd.factorize(objects)[0].astype(np.int64)
    counter_codes = pd.factorize(counters)[0].astype(np.int64)
    series = object_codes * (int(counter_codes.max()) + 1) + counter_codes
    position = np.arange(len(times))
    t = times.astype("int64")
    # Within each series: file order when it must be sorted, else time order.
    order = np.lexsort((position, series)) if sorted_ else np.lexsort((position, t, series))
    order = order[valid[order]]
    same = series[order][1:] == series[order][:-1]
    current, previous = order[1:][same], order[:-1][same]
    equal = t[current] == t[previous]
    back = t[current] < t[previous]
    for i, j in zip(current[equal].tolist(), previous[equal].tolist(), strict=True):
        table.add([i], "time", f"duplicate sample of this series (row {j + 1})")
    for i, j in zip(current[back].tolist(), previous[back].tolist(), strict=True):
        table.add(
            [i],
            "time",
            f"non-monotonic: earlier than row {j + 1} ({str(times[j])[:19]}) of the same "
            "series; sort each series by time or pass require_sorted=False",
        )


def import_kpis(
    engine: Engine,
    path: str | Path,
    *,
    require_sorted: bool = True,
    check_nodes: bool = True,
    known_nodes: Collection[str] | None = None,
    progress: ProgressCallback | None = None,
) -> ImportReport:
    """Import a long-format KPI file; all rows or none. See :class:`KpiImporter`."""
    importer = KpiImporter(
        engine,
        require_sorted=require_sorted,
        check_nodes=check_nodes,
        known_nodes=known_nodes,
        progress=progress,
    )
    return importer.run(path)
