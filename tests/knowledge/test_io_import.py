"""Import of KPI series and alarm logs: row-level errors, all-or-nothing writes, both databases."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from autonet.knowledge.io import (
    ImportValidationError,
    KpiImporter,
    import_alarms,
    import_kpis,
    import_topology,
)
from autonet.knowledge.memory import (
    AlarmEvent,
    Base,
    ImportBatch,
    KpiSample,
    init_db,
    session_scope,
)


def _write(path: Path, text: str) -> Path:
    path.write_text(text.lstrip("\n"), encoding="utf-8")
    return path


def _count(engine: Engine, model: type[Base]) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


def _where(exc: pytest.ExceptionInfo[ImportValidationError]) -> list[tuple[Any, ...]]:
    return [(e.row, e.line, e.field) for e in exc.value.errors]


GOOD_KPIS = """
time,object,counter,value
2026-01-01T01:00:00+01:00,C1,RRU.PrbUsedDl,40.5
2026-01-01T00:15:00Z,C1,RRU.PrbUsedDl,42
2026-01-01T00:00:00Z,C2,RRU.PrbUsedDl,7
"""


def test_kpis_import_converts_times_to_utc(engine: Engine, tmp_path: Path) -> None:
    report = import_kpis(engine, _write(tmp_path / "k.csv", GOOD_KPIS))
    assert (report.kind, report.rows, report.counts) == ("kpis", 3, {"kpi_samples": 3})
    with session_scope(engine) as session:
        rows = session.execute(
            sa.select(KpiSample.object, KpiSample.time, KpiSample.value).order_by(KpiSample.id)
        ).all()
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    assert [tuple(r) for r in rows] == [
        ("C1", t0, 40.5),
        ("C1", t0.replace(minute=15), 42.0),
        ("C2", t0, 7.0),
    ]


def test_kpis_import_parquet_and_epoch_seconds(engine: Engine, tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "time": pd.to_datetime(["2026-01-01 00:00", "2026-01-01 01:00"]).tz_localize("UTC"),
            "object": ["C1", "C1"],
            "counter": ["DRB.UEThpDl", "DRB.UEThpDl"],
            "value": [1.25, 2.5],
        }
    )
    frame.to_parquet(tmp_path / "k.parquet")
    assert import_kpis(engine, tmp_path / "k.parquet").rows == 2
    epoch = "time,object,counter,value\n0,C9,x,1\n3600,C9,x,2\n"
    import_kpis(engine, _write(tmp_path / "e.csv", epoch))
    with session_scope(engine) as session:
        times = session.scalars(
            sa.select(KpiSample.time).where(KpiSample.object == "C9").order_by(KpiSample.time)
        ).all()
    assert times == [datetime(1970, 1, 1, tzinfo=UTC), datetime(1970, 1, 1, 1, tzinfo=UTC)]


def test_every_bad_row_is_reported_and_nothing_lands(engine: Engine, tmp_path: Path) -> None:
    text = """
time,object,counter,value
2026-01-01T00:00:00Z,C1,RRU.PrbUsedDl,1
2026-01-01T00:15:00Z,C1,RRU.PrbUsedDl,abc
2026-01-01T00:10:00Z,C1,RRU.PrbUsedDl,2
yesterday,C2,RRU.PrbUsedDl,3
2026-01-01T00:00:00Z,,RRU.PrbUsedDl,NaN
2026-01-01T00:00:00Z,C3,RRU.PrbUsedDl,inf
2026-01-01T00:00:00Z,C3,RRU.PrbUsedDl,
2026-01-01T00:00:00Z,C4,RRU.PrbUsedDl,5
"""
    with pytest.raises(ImportValidationError) as info:
        import_kpis(engine, _write(tmp_path / "bad.csv", text))
    assert _where(info) == [
        (2, 3, "value"),  # not a number
        (3, 4, "time"),  # goes back in its series
        (4, 5, "time"),  # not a time
        (5, 6, "object"),  # empty
        (5, 6, "value"),  # NaN
        (6, 7, "value"),  # inf
        (7, 8, "time"),  # duplicate of row 6's series/time
        (7, 8, "value"),  # missing
    ]
    reasons = [e.reason for e in info.value.errors]
    assert reasons[1].startswith("non-monotonic: earlier than row 2")
    assert "duplicate sample of this series (row 6)" in reasons[6]
    assert "nothing imported" in str(info.value)
    assert _count(engine, KpiSample) == _count(engine, ImportBatch) == 0


def test_any_order_accepts_unsorted_series_but_not_duplicates(
    engine: Engine, tmp_path: Path
) -> None:
    unsorted = "time,object,counter,value\n10,C1,x,1\n0,C1,x,2\n"
    with pytest.raises(ImportValidationError, match="non-monotonic"):
        import_kpis(engine, _write(tmp_path / "u.csv", unsorted))
    assert import_kpis(engine, tmp_path / "u.csv", require_sorted=False).rows == 2
    dup = "time,object,counter,value\n10,C1,y,1\n0,C1,y,2\n10,C1,y,3\n"
    with pytest.raises(ImportValidationError) as info:
        import_kpis(engine, _write(tmp_path / "d.csv", dup), require_sorted=False)
    assert _where(info) == [(3, 4, "time")]


def test_a_bad_last_row_leaves_zero_rows(engine: Engine, tmp_path: Path) -> None:
    lines = ["time,object,counter,value"] + [f"{i * 60},C1,x,{i}" for i in range(500)]
    lines.append(f"{500 * 60},C1,x,not-a-number")
    with pytest.raises(ImportValidationError) as info:
        import_kpis(engine, _write(tmp_path / "k.csv", "\n".join(lines) + "\n"))
    assert _where(info) == [(501, 502, "value")]
    assert _count(engine, KpiSample) == 0


class _FailingImporter(KpiImporter):
    """Dies after its first chunk went to the database (a crash mid-transaction)."""

    def write_chunk(self, session: Session, model: type[Base], chunk: pd.DataFrame) -> None:
        if session.scalar(sa.select(sa.func.count()).select_from(KpiSample)):
            raise OSError("disk vanished")
        super().write_chunk(session, model, chunk)


def test_a_failure_mid_write_rolls_back_everything(engine: Engine, tmp_path: Path) -> None:
    lines = ["time,object,counter,value"] + [f"{i * 60},C1,x,{i}" for i in range(10)]
    path = _write(tmp_path / "k.csv", "\n".join(lines) + "\n")
    chunks: list[tuple[int, int]] = []
    importer = _FailingImporter(engine, chunk_size=3, progress=lambda d, t: chunks.append((d, t)))
    with pytest.raises(OSError, match="disk vanished"):
        importer.run(path)
    assert chunks == [(3, 10)]  # the first chunk was written inside the transaction
    assert _count(engine, KpiSample) == _count(engine, ImportBatch) == 0
    assert KpiImporter(engine, chunk_size=3).run(path).rows == 10  # the same file, intact


def test_reimport_and_overlap_are_refused(engine: Engine, tmp_path: Path) -> None:
    path = _write(tmp_path / "k.csv", GOOD_KPIS)
    import_kpis(engine, path)
    with pytest.raises(ImportValidationError, match="already imported as batch 1"):
        import_kpis(engine, path)
    overlap = "time,object,counter,value\n2026-01-01T00:00:00Z,C9,RRU.PrbUsedDl,1\n"
    overlap += "2026-01-01T00:00:00Z,C2,RRU.PrbUsedDl,8\n"
    with pytest.raises(ImportValidationError, match="conflicts with data already stored"):
        import_kpis(engine, _write(tmp_path / "o.csv", overlap))
    assert _count(engine, KpiSample) == 3
    assert _count(engine, ImportBatch) == 1


@pytest.mark.parametrize(
    ("text", "field", "reason"),
    [
        ("", None, "the file is empty"),
        ("time,object,counter,value\n", None, "no data rows"),
        ("time,object,counter\n0,C1,x\n", "value", "required column is missing"),
        ("time,object,counter,value,unit\n0,C1,x,1,%\n", "unit", "unknown column"),
        ("time,object,counter,value,value\n0,C1,x,1,1\n", None, "duplicate column"),
    ],
)
def test_file_level_problems_name_what_is_expected(
    engine: Engine, tmp_path: Path, text: str, field: str | None, reason: str
) -> None:
    with pytest.raises(ImportValidationError) as info:
        import_kpis(engine, _write(tmp_path / "k.csv", text))
    (error,) = info.value.errors
    assert (error.row, error.field) == (None, field)
    assert reason in error.reason
    if field is not None:
        assert "expected columns: time, object, counter, value" in error.reason
    assert _count(engine, ImportBatch) == 0


def test_ragged_rows_are_all_reported(engine: Engine, tmp_path: Path) -> None:
    text = "time,object,counter,value\n0,C1,x,1\n60,C1,x,2,9\n120,C1,x,3\n180,C1\n"
    with pytest.raises(ImportValidationError) as info:
        import_kpis(engine, _write(tmp_path / "k.csv", text))
    assert [(e.row, e.line) for e in info.value.errors] == [(2, 3), (4, 5)]
    assert "has 5 fields, the header has 4" in info.value.errors[0].reason


def test_unknown_file_type_and_missing_file(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(ImportValidationError, match=r"unknown file type '\.xlsx'"):
        import_kpis(engine, _write(tmp_path / "k.xlsx", "x"))
    with pytest.raises(FileNotFoundError, match="no such file"):
        import_kpis(engine, tmp_path / "absent.csv")


def test_objects_must_be_nodes_of_the_imported_topology(engine: Engine, tmp_path: Path) -> None:
    import_topology(engine, _write(tmp_path / "t.csv", "source,target\nC1,R1\nC2,R1\n"))
    text = "time,object,counter,value\n0,C1,x,1\n0,C7,x,1\n60,C7,x,1\n"
    with pytest.raises(ImportValidationError) as info:
        import_kpis(engine, _write(tmp_path / "k.csv", text))
    assert _where(info) == [(2, 3, "object"), (3, 4, "object")]
    assert "not a node of the imported topology (batch 1)" in info.value.errors[0].reason
    assert import_kpis(engine, tmp_path / "k.csv", check_nodes=False).rows == 3


HUAWEI = """
alarm_id,device_id,start_timestamp,end_timestamp
11,55,0,0
12,260,23,30
5,107,32,32
"""


def test_alarms_in_the_huawei_format(engine: Engine, tmp_path: Path) -> None:
    report = import_alarms(engine, _write(tmp_path / "Alarm.csv", HUAWEI))
    assert (report.file_format, report.rows) == ("csv/huawei", 3)
    with session_scope(engine) as session:
        rows = session.execute(
            sa.select(
                AlarmEvent.alarm_type, AlarmEvent.node, AlarmEvent.raised_at, AlarmEvent.cleared_at
            ).order_by(AlarmEvent.id)
        ).all()
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    assert tuple(rows[1]) == ("12", "260", epoch.replace(second=23), epoch.replace(second=30))


def test_alarms_in_the_named_format_with_every_problem(engine: Engine, tmp_path: Path) -> None:
    good = """
alarm_type,node,raised_at,cleared_at,severity,alarm_id
LINK_DOWN,R1,2026-01-01T00:00:00Z,2026-01-01T00:05:00Z,Critical,A1
CELL_UNAVAILABLE,C1,2026-01-01T00:00:05Z,,major,
"""
    report = import_alarms(engine, _write(tmp_path / "a.csv", good))
    assert (report.file_format, report.rows) == ("csv/named", 2)
    with session_scope(engine) as session:
        got = session.execute(
            sa.select(AlarmEvent.severity, AlarmEvent.alarm_uid, AlarmEvent.cleared_at).order_by(
                AlarmEvent.id
            )
        ).all()
    assert [tuple(g) for g in got] == [
        ("critical", "A1", datetime(2026, 1, 1, 0, 5, tzinfo=UTC)),
        ("major", None, None),
    ]
    bad = """
alarm_type,node,raised_at,cleared_at,severity
LINK_DOWN,R1,2026-01-01T00:10:00Z,2026-01-01T00:05:00Z,critical
,C1,2026-01-01T00:00:05Z,,loud
LINK_DOWN,R1,soon,,minor
"""
    with pytest.raises(ImportValidationError) as info:
        import_alarms(engine, _write(tmp_path / "b.csv", bad))
    assert _where(info) == [
        (1, 2, "cleared_at"),
        (2, 3, "alarm_type"),
        (2, 3, "severity"),
        (3, 4, "raised_at"),
    ]
    assert _count(engine, AlarmEvent) == 2


def test_clear_before_raise_can_be_stored_as_unknown(engine: Engine, tmp_path: Path) -> None:
    text = "alarm_id,device_id,start_timestamp,end_timestamp\n1,0,10,5\n2,0,10,12\n"
    path = _write(tmp_path / "a.csv", text)
    with pytest.raises(ImportValidationError, match="--drop-bad-clear"):
        import_alarms(engine, path)
    report = import_alarms(engine, path, drop_bad_clear=True)
    assert report.notes == ["1 clear time(s) before the raise time stored as unknown"]
    with session_scope(engine) as session:
        cleared = session.scalars(sa.select(AlarmEvent.cleared_at).order_by(AlarmEvent.id)).all()
    assert cleared == [None, datetime(1970, 1, 1, 0, 0, 12, tzinfo=UTC)]


def test_unknown_alarm_header_lists_both_formats(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(ImportValidationError) as info:
        import_alarms(engine, _write(tmp_path / "a.csv", "type,where,when\nX,R1,0\n"))
    reason = info.value.errors[0].reason
    assert "huawei: alarm_id, device_id" in reason
    assert "named: alarm_type, node, raised_at" in reason


def test_alarm_devices_must_be_in_the_imported_topology(engine: Engine, tmp_path: Path) -> None:
    np.save(tmp_path / "topo.npy", np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]]))
    import_topology(engine, tmp_path / "topo.npy")
    text = "alarm_id,device_id,start_timestamp,end_timestamp\n1,2,0,0\n1,3,0,0\n"
    with pytest.raises(ImportValidationError) as info:
        import_alarms(engine, _write(tmp_path / "a.csv", text))
    assert _where(info) == [(2, 3, "device_id")]


@pytest.mark.shared_data
def test_real_neurips_alarm_log_imports_whole(shared_data: Path, tmp_path: Path) -> None:
    folder = shared_data / "alarms" / "huawei-neurips2023-sample"
    raw = pd.read_csv(folder / "alarm.csv")
    clear_before_raise = int((raw.end_timestamp < raw.start_timestamp).sum())
    engine = init_db(f"sqlite:///{tmp_path / 'real.db'}")
    try:
        import_topology(engine, folder / "topology.npy")
        report = import_alarms(engine, folder / "alarm.csv", drop_bad_clear=True)
        assert report.rows == len(raw) == 30_691  # the count MANIFEST.md gives
        assert report.notes == [
            f"{clear_before_raise} clear time(s) before the raise time stored as unknown"
        ]
        with session_scope(engine) as session:
            types = session.scalar(sa.select(sa.func.count(sa.distinct(AlarmEvent.alarm_type))))
        assert types == raw.alarm_id.nunique()
    finally:
        engine.dispose()


def test_named_alarms_need_only_the_required_columns(engine: Engine, tmp_path: Path) -> None:
    path = _write(tmp_path / "a.csv", "alarm_type,node,raised_at\nLINK_DOWN,R1,60\n")
    assert import_alarms(engine, path).rows == 1
    with session_scope(engine) as session:
        row = session.scalars(sa.select(AlarmEvent)).one()
    assert (row.cleared_at, row.severity, row.alarm_uid) == (None, None, None)
    assert row.raised_at == datetime(1970, 1, 1, 0, 1, tzinfo=UTC)


def test_parquet_nans_and_missing_times_are_named(engine: Engine, tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "time": pd.to_datetime(["2026-01-01 00:00", None, "2026-01-01 02:00"]),
            "object": ["C1", "C1", "C1"],
            "counter": ["x", "x", "x"],
            "value": [1.0, 2.0, np.nan],
        }
    )
    frame.to_parquet(tmp_path / "k.parquet")
    with pytest.raises(ImportValidationError) as info:
        import_kpis(engine, tmp_path / "k.parquet")
    assert _where(info) == [(2, None, "time"), (3, None, "value")]  # Parquet: no lines
    assert _count(engine, KpiSample) == 0
