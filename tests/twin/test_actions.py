"""Actions on tiny twins: every kind applies and undoes bit for bit; rejections change nothing."""

from __future__ import annotations

import json
import math
from typing import Any

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autonet.twin._action_plans import PLANNERS
from autonet.twin.actions import ACTIONS, ActionError, action_catalogue, slice_feasibility
from autonet.twin.builder import TopologyBuilder, three_cell_topology
from autonet.twin.engine import Twin
from autonet.twin.radio import RadioModel
from autonet.twin.state import TwinState
from autonet.twin.traffic import TrafficModel

KINDS = (
    "offload", "tilt", "tx_power", "sleep", "wake", "reroute", "capacity_boost",
    "slice_admit", "slice_modify", "slice_release", "upf_scale_out", "restart",
)  # fmt: skip


def flat_traffic() -> TrafficModel:
    """Busy hour all day, no noise: DL demand 200 / 120 / 40 Mbit/s (S1-C1, S2-C1, S3-C1)."""
    return TrafficModel(
        profile="flat",
        users_busy_hour=(100.0, 80.0, 40.0),
        dl_per_user_mbps=(2.0, 1.5, 1.0),
        scale_sigma=0.0,
        noise_sigma=0.0,
    )


def three_cell_twin() -> Twin:
    return Twin(three_cell_topology(), traffic=flat_traffic())


def ring_topology() -> nx.Graph:
    """A 4-router ring: AR1 -1- R2 -1- R3 -2- R4 -2- AR1 (ms); DC1 (UPF1) at R3, 0 ms.

    S1 (cell S1-C1) sits at AR1: planned path AR1--R2, R2--R3, R3--DC1 (2 ms; the way round
    via R4 takes 4 ms). S2 (cell S2-C1) sits at R2: planned path R2--R3, R3--DC1 (1 ms).
    """
    b = TopologyBuilder()
    for r, role in (("AR1", "access"), ("R2", "aggregation"), ("R3", "core"), ("R4", "access")):
        b.router(r, role=role)  # type: ignore[arg-type]
    b.link("AR1", "R2", latency_ms=1.0).link("R2", "R3", latency_ms=1.0)
    b.link("R3", "R4", latency_ms=2.0).link("R4", "AR1", latency_ms=2.0)
    b.dc("DC1", router="R3", latency_ms=0.0).nf("UPF1", "UPF", dc="DC1")
    b.site("S1", 0.0, 0.0, router="AR1").cell(None, "S1")
    b.site("S2", 1.0, 0.0, router="R2").cell(None, "S2")
    return b.build()


def snapshot_equal(a: TwinState, b: TwinState) -> bool:
    """Every array equal bit for bit (dtype, shape, bytes) and the same slices."""
    for name, value in vars(a).items():
        other = getattr(b, name)
        if isinstance(value, np.ndarray):
            if value.dtype != other.dtype or value.shape != other.shape:
                return False
            if value.tobytes() != other.tobytes():
                return False
        elif value != other:
            return False
    return True


def path_of(twin: Twin, site: str) -> list[str]:
    topo, state = twin.compiled, twin.state
    s = topo.site_index[site]
    return [topo.link_ids[i] for i in state.path_idx[state.path_ptr[s] : state.path_ptr[s + 1]]]


SLICE = {
    "slice_type": "eMBB",
    "guaranteed_dl_mbps": 50.0,
    "max_latency_ms": 20.0,
    "cells": ["S1-C1", "S2-C1"],
}

# (setup actions, kind, target, params, expected (field, object id, before, after) by hand)
CASES: list[tuple[list[tuple[str, str, dict[str, Any]]], str, str, dict[str, Any], Any]] = [
    ([], "offload", "S1-C1", {"share": 0.3}, ("cell_offload", "S1-C1", 0.0, 0.3)),
    ([], "tilt", "S1-C1", {"tilt_deg": 8.0}, ("cell_tilt_deg", "S1-C1", 6.0, 8.0)),
    ([], "tilt", "S2-C1", {"delta_deg": -2}, ("cell_tilt_deg", "S2-C1", 6.0, 4.0)),
    ([], "tx_power", "S1-C1", {"tx_w": 10}, ("cell_tx_w", "S1-C1", 20.0, 10.0)),
    ([], "tx_power", "S1-C1", {"delta_db": -3.0},
     ("cell_tx_w", "S1-C1", 20.0, 20.0 * 10 ** -0.3)),
    ([], "sleep", "S3-C1", {}, ("cell_asleep", "S3-C1", False, True)),
    ([("sleep", "S3-C1", {})], "wake", "S3-C1", {}, ("cell_asleep", "S3-C1", True, False)),
    ([], "capacity_boost", "S1-C1", {"extra_prbs": 100}, ("cell_prbs", "S1-C1", 273, 373)),
    ([], "capacity_boost", "AR1--AGG1", {"extra_mbps": 5000.0},
     ("link_capacity_mbps", "AR1--AGG1", 10_000.0, 15_000.0)),
    ([], "upf_scale_out", "UPF1", {"instances": 2}, ("upf_instances", "UPF1", 1, 3)),
    ([], "slice_admit", "video", SLICE, ("slices", "video", None, "video")),
    ([("slice_admit", "video", SLICE)], "slice_modify", "video", {"guaranteed_dl_mbps": 80.0},
     ("slices", "video", "video", "video")),
    ([("slice_admit", "video", SLICE)], "slice_release", "video", {},
     ("slices", "video", "video", None)),
]  # fmt: skip


def _object_id(twin: Twin, fld: str, key: Any) -> str:
    topo = twin.compiled
    if fld == "slices":
        return str(key)
    ids = {"cell": topo.cell_ids, "link": topo.link_ids, "upf": topo.upf_ids}
    return ids[fld.split("_")[0]][key]


@pytest.mark.parametrize(("setup", "kind", "target", "params", "want"), CASES)
def test_every_kind_applies_with_hand_values_and_undoes_bit_for_bit(
    setup: list[tuple[str, str, dict[str, Any]]],
    kind: str,
    target: str,
    params: dict[str, Any],
    want: tuple[str, str, Any, Any],
) -> None:
    twin = three_cell_twin()
    twin.step()
    for k, t, p in setup:
        twin.apply(k, t, **p)
    before = twin.state.copy()
    record = twin.apply(kind, target, **params)
    assert record.kind == kind and record.target == target and record.at == twin.now
    assert twin.actions[-1] is record
    [(fld, key, old, new)] = record.changes
    w_fld, w_id, w_old, w_new = want
    assert (fld, _object_id(twin, fld, key)) == (w_fld, w_id)
    if fld == "slices":
        assert (old is None) == (w_old is None) and (new is None) == (w_new is None)
        if new is not None:
            assert new.spec.name == target and twin.state.slices[target] is new
    else:
        assert float(old) == pytest.approx(float(w_old))
        assert float(new) == pytest.approx(float(w_new))
        assert getattr(twin.state, fld)[key] == new
    assert not snapshot_equal(twin.state, before)
    json.dumps(record.as_dict(twin.compiled))
    undo = twin.undo(record.action_id)
    assert undo.kind == "undo" and undo.undoes == record.action_id
    assert snapshot_equal(twin.state, before)
    twin.step()  # the engine runs on the restored state


def test_slice_modify_re_sizes_the_reservation() -> None:
    twin = three_cell_twin()
    twin.apply("slice_admit", "video", **SLICE)
    share = twin.state.slices["video"].prb_share.copy()
    twin.apply("slice_modify", "video", guaranteed_dl_mbps=100.0)
    assert twin.state.slices["video"].prb_share == pytest.approx(2 * share)
    twin.apply("slice_modify", "video", cells=["S3-C1"], guaranteed_dl_mbps=20.0)
    moved = twin.state.slices["video"]
    assert moved.spec.cells == ("S3-C1",) and moved.cells.tolist() == [2]


# -- reroute on a 4-node ring ------------------------------------------------------------------
def test_reroute_moves_the_sites_behind_a_link_the_other_way_round_the_ring() -> None:
    twin = Twin(ring_topology(), traffic=flat_traffic())
    assert path_of(twin, "S1") == ["AR1--R2", "R2--R3", "R3--DC1"]
    assert path_of(twin, "S2") == ["R2--R3", "R3--DC1"]
    before = twin.state.copy()
    rec = twin.apply("reroute", "AR1--R2")
    assert path_of(twin, "S1") == ["R4--AR1", "R3--R4", "R3--DC1"]
    assert path_of(twin, "S2") == ["R2--R3", "R3--DC1"]  # S2 never used AR1--R2
    assert [(f, twin.compiled.site_ids[int(k)]) for f, k, _, _ in rec.changes] == [
        ("site_path", "S1")
    ]
    twin.undo(rec.action_id)
    assert snapshot_equal(twin.state, before)
    twin.apply("reroute", "R2--R3")  # both sites use it
    assert path_of(twin, "S1") == ["R4--AR1", "R3--R4", "R3--DC1"]
    assert path_of(twin, "S2") == ["AR1--R2", "R4--AR1", "R3--R4", "R3--DC1"]


def test_reroute_restores_service_after_a_cut() -> None:
    twin = Twin(ring_topology(), traffic=flat_traffic())
    twin.state.link_up[twin.compiled.link_index["AR1--R2"]] = False  # a fibre cut
    assert twin.step()["KQI.Available"].tolist() == [0.0, 1.0]
    twin.apply("reroute", "AR1--R2")
    assert twin.step()["KQI.Available"].tolist() == [1.0, 1.0]


def test_reroute_without_an_alternative_is_rejected() -> None:
    twin = Twin(ring_topology(), traffic=flat_traffic())
    twin.state.link_up[twin.compiled.link_index["R3--R4"]] = False
    before = twin.state.copy()
    with pytest.raises(
        ActionError,
        match=r"reroute on 'AR1--R2': no path from router 'AR1' to data centre 'DC1' avoids "
        r"this link over links that are up",
    ):
        twin.apply("reroute", "AR1--R2")
    assert snapshot_equal(twin.state, before) and twin.actions == []


def test_reroute_moves_slice_paths_too() -> None:
    twin = Twin(ring_topology(), traffic=flat_traffic())
    twin.apply("slice_admit", "s", **{**SLICE, "cells": ["S1-C1"]})
    twin.apply("reroute", "AR1--R2")
    sl = twin.state.slices["s"]
    assert [twin.compiled.link_ids[i] for i in sl.path_idx] == ["R4--AR1", "R3--R4", "R3--DC1"]
    assert sl.path_latency_ms.tolist() == pytest.approx([4.0])


# -- slices through the twin -------------------------------------------------------------------
def _hand_sizing_capacity_s1() -> float:
    """S1-C1 at full neighbour load: 14 dB - 10 log10(1 + 3 x 0.3) dB, n78 273 PRBs TDD."""
    sinr = 14.0 - 10.0 * math.log10(1.0 + 3.0 * 0.3)
    se = 0.75 * math.log2(1.0 + 10.0 ** (sinr / 10.0))
    return 273 * 12 * 30e3 * 2.0 * 0.74 * 0.86 * se / 1e6  # about 359.3 Mbit/s


def test_slice_admission_prb_threshold_on_the_twin_by_hand() -> None:
    twin = three_cell_twin()
    cap = _hand_sizing_capacity_s1()
    free = 1.0 - 200.0 / cap  # best-effort DL of S1-C1 is 200 Mbit/s
    fits = math.floor(free * cap * 100) / 100 - 0.01  # just under the threshold
    one = {"slice_type": "eMBB", "max_latency_ms": 20.0, "cells": ["S1-C1"]}
    with pytest.raises(ActionError, match=r"rejected: PRB: cell 'S1-C1' needs 0\.4") as err:
        twin.apply("slice_admit", "big", guaranteed_dl_mbps=fits + 0.05, **one)
    assert err.value.reasons[0].startswith("PRB:") and twin.state.slices == {}
    rec = twin.apply("slice_admit", "big", guaranteed_dl_mbps=fits, **one)
    assert twin.state.slices["big"].prb_share[0] == pytest.approx(fits / cap, rel=1e-4)
    assert rec.changes[0][0] == "slices"


def test_slice_admission_latency_threshold_on_the_twin_by_hand() -> None:
    # S1's path AR1--AGG1 (2 km: 0.06 ms), AGG1--CR1 (8 km: 0.09 ms), CR1--DC1 (0.05 ms):
    # 0.2 ms + 4 ms eMBB radio budget = 4.2 ms.
    twin = three_cell_twin()
    one = {"slice_type": "eMBB", "guaranteed_dl_mbps": 10.0, "cells": ["S1-C1"]}
    with pytest.raises(ActionError, match=r"latency: site 'S1' reaches UPF 'UPF1' in 0\.200 ms"):
        twin.apply("slice_admit", "s", max_latency_ms=4.19, **one)
    twin.apply("slice_admit", "s", max_latency_ms=4.21, **one)


def test_an_admitted_slice_withholds_its_prb_share_from_best_effort() -> None:
    # Without interference coupling the capacity is nominal: S1-C1 at 14 dB.
    se = 0.75 * math.log2(1.0 + 10.0**1.4)
    cap = 273 * 12 * 30e3 * 2.0 * 0.74 * 0.86 * se / 1e6  # about 441.6 Mbit/s
    twin = Twin(three_cell_topology(), traffic=flat_traffic(), radio=RadioModel(coupling=0.0))
    before = float(twin.step()["RRU.PrbUsedDl"][0])
    assert before == pytest.approx(100.0 * 200.0 / cap, rel=1e-4)
    twin.apply("slice_admit", "s", slice_type="eMBB", guaranteed_dl_mbps=50.0,
               max_latency_ms=20.0, cells=["S1-C1"])  # fmt: skip
    after = float(twin.step()["RRU.PrbUsedDl"][0])  # best effort on (1 - share) + share
    assert after == pytest.approx(100.0 * (200.0 + 50.0) / cap, rel=1e-4)


def test_slice_feasibility_is_a_dry_run() -> None:
    twin = three_cell_twin()
    before = twin.state.copy()
    ok = slice_feasibility(twin, "video", **SLICE)
    assert ok.ok and set(ok.prb_share) == {"S1-C1", "S2-C1"} and ok.upf is None
    big = slice_feasibility(twin, "video", **{**SLICE, "guaranteed_dl_mbps": 5000.0})
    assert not big.ok and big.reasons[0].startswith("PRB: cell 'S1-C1'")
    with pytest.raises(ActionError, match=r"slice_admit on 'video': .*unknown cell ids \['nope'\]"):
        slice_feasibility(twin, "video", **{**SLICE, "cells": ["nope"]})
    with pytest.raises(ActionError, match="missing parameter 'max_latency_ms'"):
        slice_feasibility(twin, "video", slice_type="eMBB", guaranteed_dl_mbps=1.0, cells=["S1-C1"])
    assert snapshot_equal(twin.state, before) and twin.actions == []
    twin.apply("slice_admit", "video", **SLICE)
    # a modification is checked without the slice's own reservation
    assert slice_feasibility(twin, "video", guaranteed_dl_mbps=60.0).ok


def test_engine_reports_slice_kpis_and_a_cut_breaks_the_sla() -> None:
    twin = three_cell_twin()
    twin.apply("slice_admit", "video", **SLICE)  # 50 Mbit/s in S1-C1 and S2-C1
    kpi = twin.step().slices["video"]
    assert kpi["SLICE.Active"] == 1.0 and kpi["SLICE.SlaMet"] == 1.0
    assert kpi["SLICE.GuaranteedDlMbps"] == 100.0
    assert kpi["SLICE.DeliveredDlMbps"] == pytest.approx(100.0)
    # 4 ms eMBB radio budget + about 0.2 ms of fibre and forwarding (+ light queueing)
    assert kpi["SLICE.LatencyMs"] == pytest.approx(4.2, abs=0.05)
    twin.state.link_up[twin.compiled.link_index["AR1--AGG1"]] = False  # S1 loses backhaul
    cut = twin.step().slices["video"]
    assert cut["SLICE.DeliveredDlMbps"] == pytest.approx(50.0) and cut["SLICE.CellsBelow"] == 1
    assert cut["SLICE.SlaMet"] == 0.0 and cut["SLICE.LatencyMs"] == math.inf


def test_sleeping_a_slice_cell_and_duplicate_slices_are_rejected() -> None:
    twin = three_cell_twin()
    twin.apply("slice_admit", "video", **SLICE)
    before = twin.state.copy()
    with pytest.raises(ActionError, match=r"carries slice\(s\) \['video'\]; release or modify"):
        twin.apply("sleep", "S2-C1")
    with pytest.raises(ActionError, match="slice 'video' already exists"):
        twin.apply("slice_admit", "video", **SLICE)
    with pytest.raises(ActionError, match="give at least one parameter to change"):
        twin.apply("slice_modify", "video")
    with pytest.raises(ActionError, match="equal the slice's current spec"):
        twin.apply("slice_modify", "video", guaranteed_dl_mbps=50.0)
    assert snapshot_equal(twin.state, before) and len(twin.actions) == 1


# -- rejections change nothing -----------------------------------------------------------------
BAD: list[tuple[Any, Any, dict[str, Any], str]] = [
    ("boost", "S1-C1", {}, "unknown action kind 'boost' (accepted: ['capacity_boost'"),
    (None, "S1-C1", {}, "unknown action kind None"),
    ("tilt", 5, {"tilt_deg": 5}, "tilt: target must be a non-empty id string, got 5"),
    ("tilt", "S9-C9", {"tilt_deg": 5}, "tilt: unknown target 'S9-C9' (expected the id of a cell)"),
    ("tilt", "AR1--AGG1", {"tilt_deg": 5}, "tilt applies to a cell; 'AR1--AGG1' is a link"),
    ("tilt", "S1", {"tilt_deg": 5}, "tilt applies to a cell; 'S1' is a site"),
    ("tilt", "S1-C1", {}, "give exactly one of ['tilt_deg', 'delta_deg'], got none"),
    ("tilt", "S1-C1", {"tilt_deg": 5, "delta_deg": 1}, "give exactly one of"),
    ("tilt", "S1-C1", {"tilt_deg": 16}, "tilt_deg = 16 is invalid (expected a number in [0, 15]"),
    ("tilt", "S1-C1", {"tilt_deg": "5"}, "tilt_deg = '5' is invalid"),
    ("tilt", "S1-C1", {"tilt_deg": math.inf}, "tilt_deg = inf is invalid"),
    ("tilt", "S1-C1", {"delta_deg": 10}, "6 + delta_deg 10 = 16 degrees is outside [0, 15]"),
    ("tilt", "S1-C1", {"tilt_deg": 6.0}, "the tilt (degrees) is already 6 (nothing to change)"),
    ("tilt", "S1-C1", {"tilt_deg": 5, "power": 3},
     "unknown parameter(s) ['power'] (accepted: tilt_deg, delta_deg)"),
    ("offload", "S1-C1", {"share": 0.95}, "share = 0.95 is invalid (expected a number in [0, 0.9]"),
    ("offload", "S1-C1", {"share": True}, "share = True is invalid"),
    ("offload", "S1-C1", {}, "missing parameter 'share' (a number in [0, 0.9]"),
    ("tx_power", "S1-C1", {"tx_w": 25}, "tx_w = 25 is invalid (expected a number in [1, 20]"),
    ("tx_power", "S1-C1", {"delta_db": 3.0}, "= 39.905 W is outside [1, 20] W"),
    ("wake", "S1-C1", {}, "wake on 'S1-C1': the cell is not asleep"),
    ("sleep", "S1-C1", {"now": True}, "unknown parameter(s) ['now'] (accepted: none)"),
    ("reroute", "S1-C1", {}, "reroute applies to a link; 'S1-C1' is a cell"),
    ("reroute", "AR1--AGG1", {}, "no path from router 'AR1' to data centre 'DC1' avoids"),
    ("capacity_boost", "S1-C1", {"extra_prbs": 274}, "expected an integer in [1, 273]"),
    ("capacity_boost", "S1-C1", {"extra_prbs": 2.5}, "extra_prbs = 2.5 is invalid"),
    ("capacity_boost", "AR1--AGG1", {"extra_prbs": 10},
     "unknown parameter(s) ['extra_prbs'] (accepted: extra_mbps)"),
    ("capacity_boost", "AR1--AGG1", {"extra_mbps": 10_001.0},
     "extra_mbps = 10001.0 is invalid (expected a number in (0, 10000]"),
    ("capacity_boost", "UPF1", {"instances": 1}, "applies to a cell or link; 'UPF1' is a UPF"),
    ("upf_scale_out", "UPF1", {"instances": 16}, "expected an integer in [1, 15]"),
    ("upf_scale_out", "S1-C1", {"instances": 1}, "upf_scale_out applies to a UPF; 'S1-C1' is a"),
    ("slice_admit", "bad name!", SLICE, "slice name 'bad name!' is invalid"),
    ("slice_admit", "s", {k: v for k, v in SLICE.items() if k != "slice_type"},
     "missing parameter 'slice_type' (one of ['eMBB', 'URLLC', 'mMTC']"),
    ("slice_admit", "s", {**SLICE, "region": "centre"}, "give exactly one of ['cells', 'region']"),
    ("slice_admit", "s", {**SLICE, "cells": ["S9-C9"]}, "unknown cell ids ['S9-C9']"),
    ("slice_admit", "s", {**SLICE, "slice_type": "V2X"}, "slice_type = 'V2X' is invalid"),
    ("slice_admit", "s", {**SLICE, "weekdays": [9]}, "weekdays = (9,) is invalid"),
    ("slice_admit", "s", {**SLICE, "guaranteed_dl_mbps": 5000.0}, "rejected: PRB: cell 'S1-C1'"),
    ("slice_modify", "nope", {"guaranteed_dl_mbps": 5.0}, "unknown slice 'nope' (admitted: [])"),
    ("slice_release", "nope", {}, "slice_release: unknown slice 'nope'"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "target", "params", "fragment"), BAD)
def test_rejected_actions_name_the_problem_and_change_nothing(
    kind: Any, target: Any, params: dict[str, Any], fragment: str
) -> None:
    twin = three_cell_twin()
    before = twin.state.copy()
    with pytest.raises(ActionError) as err:
        twin.apply(kind, target, **params)
    assert fragment in str(err.value)
    assert snapshot_equal(twin.state, before) and twin.actions == []


def test_offload_needs_a_neighbour() -> None:
    twin = Twin(ring_topology(), traffic=flat_traffic())
    with pytest.raises(ActionError, match="has no neighbour relations to offload to"):
        twin.apply("offload", "S1-C1", share=0.2)


def test_boost_at_its_bound_says_so() -> None:
    twin = three_cell_twin()
    twin.apply("upf_scale_out", "UPF1", instances=15)
    with pytest.raises(ActionError, match="expected nothing: the target is already at its bound"):
        twin.apply("upf_scale_out", "UPF1", instances=1)
    twin.apply("capacity_boost", "S3-C1", extra_prbs=106)  # n28: 106 PRBs -> 212 = 2x
    with pytest.raises(ActionError, match="extra_prbs = 1 is invalid"):
        twin.apply("capacity_boost", "S3-C1", extra_prbs=1)


def test_sleep_twice_is_an_error() -> None:
    twin = three_cell_twin()
    twin.apply("sleep", "S3-C1")
    before = twin.state.copy()
    with pytest.raises(ActionError, match="sleep on 'S3-C1': the cell is already asleep"):
        twin.apply("sleep", "S3-C1")
    assert snapshot_equal(twin.state, before) and len(twin.actions) == 1


# -- undo ----------------------------------------------------------------------------------------
def test_undo_errors_change_nothing() -> None:
    twin = three_cell_twin()
    first = twin.apply("tilt", "S1-C1", tilt_deg=8.0)
    second = twin.apply("tilt", "S1-C1", tilt_deg=10.0)
    before = twin.state.copy()
    with pytest.raises(ActionError, match=r"undo: unknown action id 'A99' \(latest actions: "):
        twin.undo("A99")
    with pytest.raises(ActionError, match=r"changed since by later action\(s\) \['A00002'\]"):
        twin.undo(first.action_id)
    assert snapshot_equal(twin.state, before)
    undo2 = twin.undo(second.action_id)
    with pytest.raises(ActionError, match="was already undone by 'A00003'"):
        twin.undo(second.action_id)
    with pytest.raises(ActionError, match=r"'A00003' is itself an undo \(of 'A00002'\)"):
        twin.undo(undo2.action_id)
    twin.undo(first.action_id)
    assert float(twin.state.cell_tilt_deg[0]) == 6.0


def test_undo_refuses_to_clobber_a_fault() -> None:
    twin = three_cell_twin()
    rec = twin.apply("tilt", "S1-C1", tilt_deg=8.0)
    twin.state.cell_tilt_deg[0] = 12.0  # e.g. a misconfiguration fault
    with pytest.raises(ActionError, match="changed since by a fault or the engine"):
        twin.undo(rec.action_id)
    assert float(twin.state.cell_tilt_deg[0]) == 12.0


def test_clone_is_independent_and_continues_numbering() -> None:
    twin = three_cell_twin()
    twin.apply("tilt", "S1-C1", tilt_deg=8.0)
    other = twin.clone()
    rec = other.apply("slice_admit", "video", **SLICE)
    assert rec.action_id == "A00002" and twin.state.slices == {} and len(twin.actions) == 1
    other.undo("A00001")
    assert float(twin.state.cell_tilt_deg[0]) == 8.0 and float(other.state.cell_tilt_deg[0]) == 6.0


def test_catalogue_covers_every_kind() -> None:
    assert set(ACTIONS) == set(PLANNERS) == set(KINDS)
    cat = action_catalogue()
    json.dumps(cat)
    assert cat["tilt"]["targets"]["cell"]["tilt_deg"]["expected"].startswith("a number in [0, 15]")
    assert set(cat["capacity_boost"]["targets"]) == {"cell", "link"}


POOL: list[tuple[str, str, dict[str, Any]]] = [
    ("offload", "S1-C1", {"share": 0.3}),
    ("offload", "S2-C1", {"share": 0.9}),
    ("tilt", "S1-C1", {"delta_deg": 2.0}),
    ("tilt", "S3-C1", {"tilt_deg": 0.0}),
    ("tx_power", "S2-C1", {"delta_db": -3.0}),
    ("sleep", "S3-C1", {}),
    ("wake", "S3-C1", {}),
    ("capacity_boost", "S1-C1", {"extra_prbs": 100}),
    ("capacity_boost", "AGG1--CR1", {"extra_mbps": 1000.0}),
    ("upf_scale_out", "UPF1", {"instances": 3}),
    ("slice_admit", "a", {**SLICE, "cells": ["S3-C1"], "guaranteed_dl_mbps": 20.0}),
    ("slice_modify", "a", {"guaranteed_dl_mbps": 30.0}),
    ("slice_release", "a", {}),
    ("reroute", "AR2--AGG1", {}),  # always rejected: no alternative
]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from(range(len(POOL))), min_size=1, max_size=12))
def test_any_sequence_undone_in_reverse_restores_the_state(picks: list[int]) -> None:
    twin = three_cell_twin()
    start = twin.state.copy()
    applied = []
    for i in picks:
        kind, target, params = POOL[i]
        before = twin.state.copy()
        try:
            applied.append(twin.apply(kind, target, **params).action_id)
        except ActionError:
            assert snapshot_equal(twin.state, before)
    for action_id in reversed(applied):
        twin.undo(action_id)
    assert snapshot_equal(twin.state, start)
