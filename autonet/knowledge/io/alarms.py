"""Import of alarm logs: the Huawei/gCastle format and a named-columns format."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any, Final

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
from autonet.knowledge.io._read import check_columns, read_table
from autonet.knowledge.io.errors import ImportValidationError, RowError
from autonet.knowledge.memory.models import AlarmEvent

__all__ = [
    "ALARM_FORMATS",
    "SEVERITIES",
    "AlarmImporter",
    "import_alarms",
]

# ITU-T X.733 perceived severities (less "cleared", which is not an occurrence).
SEVERITIES: Final[tuple[str, ...]] = ("critical", "major", "minor", "warning", "indeterminate")

ALARM_FORMATS: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    # gCastle / Huawei datasets: alarm_id is the alarm TYPE, timestamps are integer seconds.
    "huawei": (("alarm_id", "device_id", "start_timestamp", "end_timestamp"), ()),
    # Named columns: alarm_id (optional) is the occurrence's own identifier.
    "named": (("alarm_type", "node", "raised_at"), ("cleared_at", "severity", "alarm_id")),
}


def _detect(columns: list[str], source: str) -> str:
    if "device_id" in columns or "start_timestamp" in columns:
        return "huawei"
    if "alarm_type" in columns or "raised_at" in columns:
        return "named"
    expected = "; ".join(
        f"{name}: {', '.join(req)}" + (f" [+ {', '.join(opt)}]" if opt else "")
        for name, (req, opt) in ALARM_FORMATS.items()
    )
    raise ImportValidationError(
        source,
        [
            RowError(
                None, None, ", ".join(columns), f"unknown alarm log header; expected {expected}"
            )
        ],
    )


class AlarmImporter(Importer):
    """Alarm occurrences.

    Two formats, told apart by the header:

    * ``huawei`` (the format of the gCastle/Huawei datasets): ``alarm_id, device_id,
      start_timestamp, end_timestamp`` where ``alarm_id`` is the alarm type and timestamps are
      seconds (stored as seconds after 1970-01-01 UTC);
    * ``named``: ``alarm_type, node, raised_at`` and optionally ``cleared_at, severity,
      alarm_id``; times are ISO 8601 or epoch seconds.

    A clear time must not precede its raise time. Rows need not be sorted.

    Args:
        engine: The memory database.
        check_nodes: Refuse nodes that are not in the newest imported topology (if any).
        known_nodes: Node ids to check against instead of the imported topology.
        drop_bad_clear: Store a clear time earlier than its raise time as unknown (and say so
            in the report) instead of refusing the file.
        chunk_size: Rows per INSERT.
        progress: Callback ``(rows_written, rows_total)``.
    """

    kind = "alarms"

    def __init__(
        self,
        engine: Engine,
        *,
        check_nodes: bool = True,
        known_nodes: Collection[str] | None = None,
        drop_bad_clear: bool = False,
        chunk_size: int = 5_000,
        progress: ProgressCallback | None = None,
    ) -> None:
        super().__init__(engine, chunk_size=chunk_size, progress=progress)
        self.drop_bad_clear = drop_bad_clear
        self.check_nodes = check_nodes
        self.known_nodes = known_nodes

    def validate(self, path: Path, session: Session) -> Validated:
        table = read_table(path)
        fmt = _detect(list(table.frame.columns), table.source)
        required, optional = ALARM_FORMATS[fmt]
        check_columns(table, required=required, optional=optional)
        n = len(table.frame)
        if fmt == "huawei":
            types = table.text("alarm_id", max_len=120)
            nodes = table.text("device_id")
            node_field, raised_field, cleared_field = (
                "device_id",
                "start_timestamp",
                "end_timestamp",
            )
            raised = _seconds(table, raised_field, required=True)
            cleared = _seconds(table, cleared_field, required=True)
            uids = np.full(n, None, dtype=object)
            severities = np.full(n, None, dtype=object)
        else:
            types = table.text("alarm_type", max_len=120)
            nodes = table.text("node")
            node_field, raised_field, cleared_field = "node", "raised_at", "cleared_at"
            raised = table.time("raised_at")
            cleared = (
                table.time("cleared_at", required=False)
                if "cleared_at" in table.frame
                else np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
            )
            uids = (
                table.text("alarm_id", required=False, max_len=120)
                if "alarm_id" in table.frame
                else np.full(n, "", dtype=object)
            )
            uids = np.array([u or None for u in uids], dtype=object)
            severities = np.full(n, None, dtype=object)
            if "severity" in table.frame:
                text = table.text("severity", required=False, max_len=20)
                lowered = np.array([s.lower() for s in text], dtype=object)
                bad = np.flatnonzero((lowered != "") & ~np.isin(lowered, SEVERITIES))
                table.add(bad, "severity", f"unknown severity; expected one of {SEVERITIES}")
                severities = np.array([v or None for v in lowered], dtype=object)
        both = ~np.isnat(raised) & ~np.isnat(cleared)
        before = np.flatnonzero(both & (cleared < raised))
        notes = []
        if self.drop_bad_clear and len(before):
            cleared[before] = np.datetime64("NaT")
            notes.append(f"{len(before)} clear time(s) before the raise time stored as unknown")
        else:
            table.add(
                before,
                cleared_field,
                f"clears before the alarm is raised ({raised_field}); "
                "pass drop_bad_clear (--drop-bad-clear) to store such clear times as unknown",
            )
        known, origin = node_filter(session, self.known_nodes, self.check_nodes)
        if known is not None:
            unknown = np.flatnonzero(
                np.fromiter((v != "" and v not in known for v in nodes), bool, n)
            )
            table.add(unknown, node_field, f"not a node of {origin}")
        table.raise_if_errors()
        frame = pd.DataFrame(
            {
                "alarm_uid": uids,
                "alarm_type": types,
                "node": nodes,
                "severity": severities,
                "raised_at": raised,
                "cleared_at": cleared,
            }
        )
        return Validated(f"{table.file_format}/{fmt}", [(AlarmEvent, frame)], notes)


def _seconds(table: Any, column: str, *, required: bool) -> np.ndarray:
    """Huawei timestamps: non-negative seconds (integer or decimal)."""
    values = table.number(column, required=required, minimum=0)
    too_big = np.flatnonzero(values >= 1e11)
    table.add(too_big, column, "epoch seconds out of range")
    values = np.where(values < 1e11, values, np.nan)
    out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[ns]")
    ok = ~np.isnan(values)
    out[ok] = (values[ok] * 1e9).round().astype("int64").astype("datetime64[ns]")
    return out


def import_alarms(
    engine: Engine,
    path: str | Path,
    *,
    check_nodes: bool = True,
    known_nodes: Collection[str] | None = None,
    drop_bad_clear: bool = False,
    progress: ProgressCallback | None = None,
) -> ImportReport:
    """Import an alarm log; all rows or none. See :class:`AlarmImporter`."""
    importer = AlarmImporter(
        engine,
        check_nodes=check_nodes,
        known_nodes=known_nodes,
        drop_bad_clear=drop_bad_clear,
        progress=progress,
    )
    return importer.run(path)
