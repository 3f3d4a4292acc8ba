"""KpiStore: chunked cell blocks written in place, shared by copies without interference."""

from __future__ import annotations

import numpy as np
import pytest

from autonet.twin.builder import three_cell_topology
from autonet.twin.engine import Twin
from autonet.twin.kpis import CELL_COUNTERS
from autonet.twin.store import KpiStore

N_COUNTERS = len(CELL_COUNTERS)
CONN = [c.name for c in CELL_COUNTERS].index("RRC.ConnMean")


def _write(store: KpiStore, value: float) -> None:
    """Fill the next slot with ``value + counter row`` and record it (as the engine does)."""
    slot = store.cell_slot()
    assert slot is not None
    slot[...] = (value + np.arange(N_COUNTERS, dtype=np.float32))[:, None]
    store.append(np.datetime64("2026-01-05").astype(object), slot, np.zeros(1, np.float32),
                 np.zeros(1, np.float32))  # fmt: skip


@pytest.mark.parametrize("n_cells", [3, 10_000])  # 10k cells: chunks of >= 1 MiB, mapped
def test_a_copy_taken_mid_chunk_and_its_source_do_not_overwrite_each_other(n_cells: int) -> None:
    store = KpiStore([f"c{i}" for i in range(n_cells)], ["l"], ["u"])
    for k in range(3):  # inside the first chunk (4 steps)
        _write(store, float(k))
    copy = store.copy()
    for k in range(3, 9):  # crosses into new chunks
        _write(store, float(k))
    for k in range(3, 6):
        _write(copy, 100.0 + k)
    conn = store.array("RRC.ConnMean")
    assert conn.shape == (9, n_cells)
    assert conn[:, 0].tolist() == [k + CONN for k in range(9)]
    assert (conn == conn[:, :1]).all()
    assert copy.array("RRC.ConnMean")[:, -1].tolist() == [
        0 + CONN, 1 + CONN, 2 + CONN, 103 + CONN, 104 + CONN, 105 + CONN,
    ]  # fmt: skip
    assert store.frame("wide").shape == (9 * n_cells, N_COUNTERS)


def test_a_slot_handed_out_but_never_recorded_is_reused() -> None:
    store = KpiStore(["a", "b"], ["l"], ["u"])
    first = store.cell_slot()
    again = store.cell_slot()
    assert first is not None and again is not None
    assert np.shares_memory(first, again)
    _write(store, 1.0)
    assert len(store) == 1 and store.array("RRC.ConnMean").tolist() == [[1.0 + CONN] * 2]


def test_a_store_keeping_some_counters_hands_out_no_slot() -> None:
    store = KpiStore(["a"], ["l"], ["u"], ["RRC.ConnMean"])
    assert store.cell_slot() is None
    cell = np.arange(N_COUNTERS, dtype=np.float32)[:, None]
    store.append(np.datetime64("2026-01-05").astype(object), cell, np.zeros(1, np.float32),
                 np.zeros(1, np.float32))  # fmt: skip
    assert store.array("RRC.ConnMean").tolist() == [[float(CONN)]]


def test_clones_stepping_apart_keep_the_original_record_intact() -> None:
    reference = Twin(three_cell_topology(), seed=3)
    reference.run(10)
    twin = Twin(three_cell_topology(), seed=3)
    twin.run(3)  # mid-chunk
    other = twin.clone()
    other.inject_fault("cell_outage", "S2-C1")
    other.run(7)
    twin.run(7)
    assert twin.kpis("wide").equals(reference.kpis("wide"))
    outage = other.kpi_array("KQI.Available")
    assert outage[:3].tolist() == [[1.0, 1.0, 1.0]] * 3
    assert outage[3:, 1].tolist() == [0.0] * 7


def test_a_store_keeping_some_counters_copies_them_into_its_chunks() -> None:
    store = KpiStore(["a", "b"], ["l"], ["u"], ["PEE.AvgPower", "RRC.ConnMean"])
    power = [c.name for c in CELL_COUNTERS].index("PEE.AvgPower")
    for k in range(6):  # crosses the first chunk (4 steps)
        cell = (10.0 * k + np.arange(N_COUNTERS, dtype=np.float32))[:, None].repeat(2, axis=1)
        store.append(np.datetime64("2026-01-05").astype(object), cell, np.zeros(1, np.float32),
                     np.zeros(1, np.float32))  # fmt: skip
        cell[...] = -1.0  # the caller's array is not kept
    assert store.array("PEE.AvgPower")[:, 1].tolist() == [10.0 * k + power for k in range(6)]
    assert store.array("RRC.ConnMean")[:, 0].tolist() == [10.0 * k + CONN for k in range(6)]


def test_tail_reads_return_only_the_newest_steps() -> None:
    twin = Twin(three_cell_topology(), seed=3)
    twin.run(5)
    full = twin.kpi_array("RRU.PrbUsedDl")
    np.testing.assert_array_equal(twin.kpi_array("RRU.PrbUsedDl", last=2), full[-2:])
    assert twin.kpi_array("RRU.PrbUsedDl", last=0).shape == (0, 3)
    assert twin.kpi_array("RRU.PrbUsedDl", last=99).shape == (5, 3)  # all there is
    cube = twin.recent_kpis("cell", last=3)
    names = twin.kpi_counters("cell")
    assert cube.shape == (3, len(names), 3)
    np.testing.assert_array_equal(cube[:, names.index("RRU.PrbUsedDl"), :], full[-3:])
    times = twin.kpi_times()
    assert len(times) == 5 and twin.kpi_times(last=2) == times[-2:]
    assert (times[-1] - times[0]).total_seconds() == 4 * 15 * 60
    with pytest.raises(ValueError, match="non-negative integer"):
        twin.kpi_array("RRU.PrbUsedDl", last=-1)
    with pytest.raises(ValueError, match="non-negative integer"):
        twin.recent_kpis("cell", last=True)
