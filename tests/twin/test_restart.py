"""The remote cell restart: software outages clear, hardware outages and other states refuse."""

from __future__ import annotations

import numpy as np
import pytest

from autonet.twin.actions import ACTIONS, ActionError, action_catalogue
from autonet.twin.builder import chain_topology
from autonet.twin.engine import Twin
from autonet.twin.faults import (
    SOFTWARE_OUTAGE_SHARE,
    FaultError,
    active_faults,
    outage_cause,
    schedule_clear,
)

SEED = 5


@pytest.fixture
def chain() -> Twin:
    twin = Twin(chain_topology(cells_per_site=3), seed=SEED)
    twin.step()
    return twin


def _by_hand(seq: int) -> str:
    # the documented draw: rng(seed, fault number, 4) below the software share
    draw = np.random.default_rng((SEED, seq, 4)).random()
    return "software" if draw < SOFTWARE_OUTAGE_SHARE else "hardware"


def _outage(twin: Twin, cause: str) -> tuple[str, str]:
    """Inject outages on the chain's cells until one has ``cause``; (fault id, cell)."""
    for cell in twin.compiled.cell_ids:
        rec = twin.inject_fault("cell_outage", cell)
        if _by_hand(int(rec.fault_id[1:])) == cause:
            return rec.fault_id, cell
        twin.clear_fault(rec.fault_id)
    raise AssertionError(f"no {cause} outage among {twin.compiled.cell_ids}")


def test_cause_is_the_documented_draw(chain: Twin) -> None:
    causes = []
    for k, cell in enumerate(chain.compiled.cell_ids):
        rec = chain.inject_fault("cell_outage", cell)
        assert outage_cause(chain, rec.fault_id) == _by_hand(k + 1)
        causes.append(outage_cause(chain, rec.fault_id))
    assert set(causes) == {"software", "hardware"}  # 9 cells: both causes occur at seed 5


def test_software_outage_comes_back_at_the_next_step(chain: Twin) -> None:
    fid, cell = _outage(chain, "software")
    c = chain.compiled.cell_index[cell]
    chain.step()
    assert chain.kpi_array("KQI.Available")[-1, c] == 0
    record = chain.apply("restart", cell)
    assert (record.kind, record.target, record.changes) == ("restart", cell, [])
    res = chain.step()
    assert res.cell["KQI.Available"][c] == 1
    assert res.cell["KQI.LostUsers"][c] == 0
    assert fid not in active_faults(chain)
    fault = next(f for f in chain.faults if f.fault_id == fid)
    assert fault.end == record.at  # closed when the restart took effect
    mine = [a for a in chain.alarms if a.fault_id == fid]
    assert mine and all(a.cleared_at is not None for a in mine)
    assert not [a for a in chain.active_alarms() if a.fault_id == fid]


def test_hardware_outage_refuses_and_changes_nothing(chain: Twin) -> None:
    fid, cell = _outage(chain, "hardware")
    n_actions = len(chain.actions)
    with pytest.raises(ActionError, match="hardware fault"):
        chain.apply("restart", cell)
    assert len(chain.actions) == n_actions
    res = chain.step()
    assert res.cell["KQI.Available"][chain.compiled.cell_index[cell]] == 0
    assert fid in active_faults(chain)


def test_restart_refuses_a_cell_in_service_or_without_power(chain: Twin) -> None:
    with pytest.raises(ActionError, match="not in outage"):
        chain.apply("restart", "S1-C1")
    chain.inject_fault("site_power_failure", "S2", battery_minutes=0.0)
    with pytest.raises(ActionError, match="no power"):
        chain.apply("restart", "S2-C1")
    chain.apply("sleep", "S3-C1")
    with pytest.raises(ActionError, match="asleep"):
        chain.apply("restart", "S3-C1")
    with pytest.raises(ActionError, match="applies to a cell"):
        chain.apply("restart", "S1")
    with pytest.raises(ActionError, match="unknown parameter"):
        chain.apply("restart", "S1-C1", force=True)


def test_undo_of_a_restart_changes_nothing(chain: Twin) -> None:
    _fid, cell = _outage(chain, "software")
    record = chain.apply("restart", cell)
    chain.step()
    before = chain.state.copy()
    undo = chain.undo(record.action_id)
    assert (undo.kind, undo.undoes, undo.changes) == ("undo", record.action_id, [])
    assert chain.state.equals(before)
    assert chain.step().cell["KQI.Available"][chain.compiled.cell_index[cell]] == 1


def test_restart_before_a_scheduled_repair_and_on_a_clone(chain: Twin) -> None:
    for cell in chain.compiled.cell_ids:
        rec = chain.inject_fault("cell_outage", cell, duration_steps=3)
        if _by_hand(int(rec.fault_id[1:])) == "software":
            break
        chain.clear_fault(rec.fault_id)
    other = chain.clone()
    other.apply("restart", cell)
    other.run(4)  # the repair due at step +3 finds the fault cleared: no error
    assert rec.fault_id not in active_faults(other)
    assert rec.fault_id in active_faults(chain)  # the original is untouched
    chain.step()
    assert rec.fault_id in active_faults(chain)


def test_schedule_clear_rejects_unknown_or_cleared_faults(chain: Twin) -> None:
    with pytest.raises(FaultError, match="unknown"):
        schedule_clear(chain, "F9999")
    rec = chain.inject_fault("cell_outage", "S1-C1")
    chain.clear_fault(rec.fault_id)
    with pytest.raises(FaultError, match="already cleared"):
        schedule_clear(chain, rec.fault_id)
    other = chain.inject_fault("interference", "S1-C2")
    with pytest.raises(FaultError, match="not a cell outage"):
        outage_cause(chain, other.fault_id)


def test_catalogue_lists_the_restart() -> None:
    assert ACTIONS["restart"].targets == {"cell": {}}
    assert action_catalogue()["restart"]["targets"] == {"cell": {}}
