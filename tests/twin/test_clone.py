"""clone(): independent state, shared compiled topology, identical futures when untouched."""

from __future__ import annotations

import numpy as np
from engine_helpers import make_twin

from autonet.twin.builder import three_cell_topology
from autonet.twin.engine import Twin
from autonet.twin.events import Alarm


def test_untouched_clone_continues_exactly_like_the_original() -> None:
    twin = Twin(three_cell_topology(), seed=11)
    twin.run(5)
    other = twin.clone()
    assert other.compiled is twin.compiled and other.now == twin.now
    a = [twin.step() for _ in range(3)]
    b = [other.step() for _ in range(3)]
    for x, y in zip(a, b, strict=True):
        assert all(np.array_equal(x.cell[k], y.cell[k], equal_nan=True) for k in x.cell)
    assert twin.kpis("wide").equals(other.kpis("wide"))


def test_changing_a_clone_leaves_the_original_alone() -> None:
    twin = make_twin()
    twin.run(2)
    before = twin.state.copy()
    other = twin.clone()
    other.state.cell_on[1] = False
    other.state.cell_tx_w[0] = 5.0
    other.state.link_up[0] = False
    other.add_event(["S1-C1"], other.now, other.now + other.step_delta * 4, 3.0, "e")
    other.alarms.append(Alarm("A1", "LINK_DOWN", "AGG1--CR1", "critical", other.now))
    other.run(3)
    assert twin.state.equals(before)
    assert twin.traffic.events == [] and twin.alarms == []
    assert twin.step_index == 2 and len(twin.kpis("wide")) == 6
    assert other.step_index == 5 and len(other.kpis("wide")) == 15
    res = twin.step()
    assert res["KQI.Available"].tolist() == [1.0, 1.0, 1.0]
    assert res["RRC.ConnMean"][0] == np.float32(100.0)


def test_state_copy_is_deep() -> None:
    twin = make_twin()
    twin.state.slices["s"] = {"cells": [1, 2]}
    copy = twin.state.copy()
    copy.slices["s"]["cells"].append(3)
    copy.cell_prbs[0] = 1
    assert twin.state.slices["s"]["cells"] == [1, 2]
    assert twin.state.cell_prbs[0] == 273
    assert not twin.state.equals(copy)
