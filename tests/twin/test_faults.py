"""Fault injectors on hand-built twins: effects, alarms, ground truth, exact restore, bad input."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from autonet.twin.builder import TopologyBuilder, chain_topology, three_cell_topology
from autonet.twin.engine import Twin
from autonet.twin.events import FAULT_TYPES
from autonet.twin.faults import FaultError, active_faults, clear, inject


@pytest.fixture
def chain() -> Twin:
    return Twin(chain_topology(cells_per_site=3), seed=5)


def _alarms(twin: Twin, fault_id: str, alarm_type: str) -> set[str]:
    return {a.node for a in twin.alarms if a.fault_id == fault_id and a.alarm_type == alarm_type}


S1_CELLS = {"S1-C1", "S1-C2", "S1-C3"}
S2_CELLS = {"S2-C1", "S2-C2", "S2-C3"}


@pytest.mark.parametrize(
    ("link", "sites", "cells"),
    [
        ("AR1--AR2", {"S2"}, S2_CELLS),  # chain end: only S2 is behind it
        ("AGG1--AR1", {"S1", "S2"}, S1_CELLS | S2_CELLS),  # chain head: S1 and S2
        ("AR2--AR1", {"S2"}, S2_CELLS),  # either spelling of the link id
    ],
)
def test_fibre_cut_alarms_exactly_the_sites_behind_it(
    chain: Twin, link: str, sites: set[str], cells: set[str]
) -> None:
    chain.step()
    t0 = chain.now
    rec = chain.inject_fault("fibre_cut", link, missing_prob=0.0)
    assert (rec.fault_type, rec.domain, rec.start) == ("fibre_cut", "transport", t0)
    assert _alarms(chain, rec.fault_id, "LINK_DOWN") == set(link.split("--"))
    assert _alarms(chain, rec.fault_id, "GNB_DISCONNECTED") == sites
    assert _alarms(chain, rec.fault_id, "CELL_UNAVAILABLE") == cells
    assert set(rec.affected) == sites | cells
    mine = [a for a in chain.alarms if a.fault_id == rec.fault_id]
    roots = [a for a in mine if a.root]
    assert {a.alarm_type for a in roots} == {"LINK_DOWN"}
    last_root = max(a.raised_at for a in roots)
    assert last_root <= t0 + timedelta(seconds=2)
    for a in mine:
        if not a.root:
            assert last_root <= a.raised_at <= last_root + timedelta(seconds=90)
    # the engine turns the cut into lost service on exactly those cells
    res = chain.step()
    down = {
        c for c, ok in zip(chain.compiled.cell_ids, res["KQI.Available"], strict=True) if ok == 0
    }
    assert down == cells


@pytest.mark.parametrize(
    ("link", "nodes"),
    [
        ("AR2--AGG1", {"S2", "S2-C1"}),  # S2's own access fibre
        ("AGG1--CR1", {"S1", "S1-C1", "S2", "S2-C1", "S3", "S3-C1"}),  # every site behind it
    ],
)
def test_fibre_cut_on_the_three_cell_twin_alarms_exactly_the_sites_behind_it(
    link: str, nodes: set[str]
) -> None:
    twin = Twin(three_cell_topology(), seed=2)
    rec = twin.inject_fault("fibre_cut", link, missing_prob=0.0)
    symptoms = {a.node for a in twin.alarms if a.fault_id == rec.fault_id and not a.root}
    assert symptoms == nodes
    assert {a.node for a in twin.alarms if a.root} == set(link.split("--"))


def test_clear_restores_state_and_closes_alarms(chain: Twin) -> None:
    chain.step()
    before = chain.state.copy()
    rec = inject(chain, "fibre_cut", "AGG1--AR1")
    assert not chain.state.equals(before)
    chain.step()
    clear(chain, rec.fault_id)
    assert chain.state.equals(before)
    assert rec.end == chain.now
    mine = [a for a in chain.alarms if a.fault_id == rec.fault_id]
    assert mine and all(a.cleared_at is not None and a.cleared_at >= a.raised_at for a in mine)
    assert active_faults(chain) == []
    with pytest.raises(FaultError, match=r"fault 'F0001' is already cleared"):
        clear(chain, rec.fault_id)
    with pytest.raises(FaultError, match=r"fault 'F9999' is unknown"):
        clear(chain, "F9999")


@pytest.mark.parametrize(
    ("fault_type", "target", "params"),
    [
        ("cell_outage", "S2-C1", {}),
        ("site_power_failure", "S1", {"battery_minutes": 0}),
        ("fibre_cut", "AR2--AGG1", {}),
        ("link_congestion", "AR1--AGG1", {"load_share": 0.9}),
        ("interference", "S3-C1", {"extra_db": 12.5}),
        ("upf_overload", "UPF1", {}),
        ("misconfiguration", "S1-C1", {"tilt_deg": 15}),
    ],
)
def test_every_fault_type_changes_state_and_restores_it_exactly(
    fault_type: str, target: str, params: dict[str, float]
) -> None:
    twin = Twin(three_cell_topology(), seed=1)
    twin.step()
    before = twin.state.copy()
    rec = twin.inject_fault(fault_type, target, **params)
    assert not twin.state.equals(before)
    assert any(a.root for a in twin.alarms if a.fault_id == rec.fault_id)
    twin.run(2)
    twin.clear_fault(rec.fault_id)
    assert twin.state.equals(before)


def test_effect_values_by_hand() -> None:
    twin = Twin(three_cell_topology(), seed=1)
    st, topo = twin.state, twin.compiled
    c3 = topo.cell_index["S3-C1"]
    link = topo.link_index["AR1--AGG1"]
    upf = topo.upf_index["UPF1"]
    twin.inject_fault("interference", "S3-C1", extra_db=12.5)
    assert st.cell_interference_db[c3] == np.float32(12.5)
    twin.inject_fault("link_congestion", "AR1--AGG1", load_share=0.9)
    assert st.link_background_mbps[link] == np.float32(9000.0)  # 0.9 x 10 Gbit/s
    rec = twin.inject_fault("upf_overload", "UPF1")
    # default 1.1 x (20 Gbit/s per instance x 1 instance)
    assert st.upf_background_mbps[upf] == pytest.approx(22_000.0)
    assert (rec.domain, rec.root_node) == ("core", "UPF1")
    assert set(rec.affected) == {"S1", "S2", "S3"}
    rec = twin.inject_fault("misconfiguration", "S1-C1")
    assert st.cell_tilt_deg[topo.cell_index["S1-C1"]] == np.float32(15.0)
    # neighbours sharing >= 0.1 of the users get NEIGHBOUR_OVERLOAD: S1-C1's only one is S2-C1
    assert _alarms(twin, rec.fault_id, "NEIGHBOUR_OVERLOAD") <= {"S2-C1"}


def test_additive_faults_stack_and_unstack_exactly() -> None:
    twin = Twin(three_cell_topology(), seed=1)
    i = twin.compiled.cell_index["S2-C1"]
    a = twin.inject_fault("interference", "S2-C1", extra_db=10.0)
    b = twin.inject_fault("interference", "S2-C1", extra_db=5.0)
    assert twin.state.cell_interference_db[i] == np.float32(15.0)
    twin.clear_fault(a.fault_id)
    assert twin.state.cell_interference_db[i] == np.float32(5.0)
    twin.clear_fault(b.fault_id)
    assert twin.state.cell_interference_db[i] == np.float32(0.0)


def test_site_power_failure_waits_for_the_battery(chain: Twin) -> None:
    site = chain.compiled.site_index["S3"]
    rec = chain.inject_fault("site_power_failure", "S3", battery_minutes=30, missing_prob=0.0)
    assert [(a.alarm_type, a.root) for a in chain.alarms] == [("BATTERY_LOW", True)]
    assert rec.affected == ()
    chain.step()  # 15 min on battery
    chain.step()  # 30 min on battery: the next step starts dark
    assert chain.state.site_powered[site]
    res = chain.step()
    assert not chain.state.site_powered[site]
    assert set(rec.affected) == {"S3", "S3-C1", "S3-C2", "S3-C3"}
    assert _alarms(chain, rec.fault_id, "SITE_POWER_FAILURE") == {"S3"}
    assert _alarms(chain, rec.fault_id, "CELL_UNAVAILABLE") == {"S3-C1", "S3-C2", "S3-C3"}
    assert [a.alarm_type for a in chain.alarms if a.root] == ["BATTERY_LOW"]
    avail = dict(zip(chain.compiled.cell_ids, res["KQI.Available"], strict=True))
    assert [avail[f"S3-C{k}"] for k in (1, 2, 3)] == [0, 0, 0]


def test_mains_back_before_the_battery_runs_out(chain: Twin) -> None:
    before = chain.state.copy()
    rec = chain.inject_fault("site_power_failure", "S3", battery_minutes=60)
    chain.step()
    chain.clear_fault(rec.fault_id)
    chain.run(6)
    assert chain.state.equals(before)
    assert [a.alarm_type for a in chain.alarms] == ["BATTERY_LOW"]


def test_duration_steps_clears_automatically(chain: Twin) -> None:
    rec = chain.inject_fault("cell_outage", "S1-C2", duration_steps=2)
    chain.step()
    assert active_faults(chain) == [rec.fault_id]
    chain.run(2)
    assert active_faults(chain) == []
    assert rec.end is not None


def test_alarms_deterministic_per_seed_and_symptoms_can_go_missing() -> None:
    def alarms(seed: int, missing: float) -> list[tuple[str, str, object]]:
        twin = Twin(chain_topology(cells_per_site=3), seed=seed)
        twin.inject_fault("fibre_cut", "AGG1--AR1", missing_prob=missing)
        return [(a.alarm_type, a.node, a.raised_at) for a in twin.alarms]

    assert alarms(3, 0.05) == alarms(3, 0.05)
    assert alarms(3, 0.0) != alarms(4, 0.0)
    # every symptom lost: only the two LINK_DOWN root alarms remain
    assert sorted(a[:2] for a in alarms(3, 1.0)) == [("LINK_DOWN", "AGG1"), ("LINK_DOWN", "AR1")]


def test_edge_upf_is_in_the_edge_domain() -> None:
    b = TopologyBuilder()
    b.router("CR1", role="core").dc("DC1", router="CR1").nf("UPF1", "UPF", dc="DC1")
    b.router("AGG1", role="aggregation", x_km=5.0).link("AGG1", "CR1")
    b.dc("DCE", router="AGG1", tier="edge").nf("UPFE", "UPF", dc="DCE", capacity_mbps=1000.0)
    b.router("AR1", x_km=6.0).link("AR1", "AGG1").site("S1", 6.0, 0.0, router="AR1").cell(
        None, "S1"
    )
    twin = Twin(b.build())
    rec = twin.inject_fault("upf_overload", "UPFE", load_share=2.0)
    assert rec.domain == "edge"
    assert twin.state.upf_background_mbps[twin.compiled.upf_index["UPFE"]] == np.float32(2000.0)


@pytest.mark.parametrize(
    ("fault_type", "target", "params", "message"),
    [
        ("meteor", "S1-C1", {}, r"unknown fault type 'meteor'; expected one of \['cell_outage'"),
        (
            "cell_outage",
            "S1",
            {},
            r"'cell_outage' targets a cell \(cell id such as 'S1-C1'\); 'S1' is not one",
        ),
        (
            "fibre_cut",
            "S1",
            {},
            r"'fibre_cut' targets a link \(link_id such as .*\); 'S1' is not one",
        ),
        ("site_power_failure", "S1-C1", {}, r"targets a site"),
        ("upf_overload", "DC1", {}, r"targets a upf \(upf id such as 'UPF1'\)"),
        (
            "interference",
            "S1-C1",
            {"extra_db": -3},
            r"extra_db=-3 must be a number in \[0\.1, 40\]",
        ),
        (
            "interference",
            "S1-C1",
            {"db": 3},
            r"unknown parameter\(s\) \['db'\]; accepted: \['extra_db'",
        ),
        ("misconfiguration", "S1-C1", {"tilt_deg": 6.0}, r"already has tilt 6 deg"),
        (
            "cell_outage",
            "S1-C1",
            {"missing_prob": 2},
            r"missing_prob=2 must be a number in \[0, 1\]",
        ),
        ("link_congestion", "AR1--AGG1", {"load_share": float("nan")}, r"load_share=nan"),
    ],
)
def test_bad_faults_are_rejected_and_change_nothing(
    fault_type: str, target: str, params: dict[str, float], message: str
) -> None:
    twin = Twin(three_cell_topology())
    before = twin.state.copy()
    with pytest.raises(FaultError, match=message):
        twin.inject_fault(fault_type, target, **params)
    assert twin.state.equals(before)
    assert twin.alarms == [] and twin.faults == []


def test_same_outage_twice_is_rejected() -> None:
    twin = Twin(three_cell_topology())
    twin.inject_fault("cell_outage", "S1-C1")
    with pytest.raises(FaultError, match=r"'cell_outage' is already active on 'S1-C1' \(F0001\)"):
        twin.inject_fault("cell_outage", "S1-C1")
    assert len(twin.faults) == 1


def test_all_fault_types_are_covered() -> None:
    from autonet.twin.faults import FAULT_PARAMS, FAULT_TARGETS

    assert set(FAULT_TARGETS) == set(FAULT_TYPES) == set(FAULT_PARAMS)


def test_repair_by_action_is_kept_when_the_misconfiguration_clears() -> None:
    twin = Twin(three_cell_topology())
    i = twin.compiled.cell_index["S1-C1"]
    rec = twin.inject_fault("misconfiguration", "S1-C1", tilt_deg=15.0)
    twin.apply("tilt", "S1-C1", tilt_deg=7.0)  # an operator corrects the tilt by hand
    twin.clear_fault(rec.fault_id)
    assert twin.state.cell_tilt_deg[i] == np.float32(7.0)
    # untouched, the planned 6 degrees come back
    rec = twin.inject_fault("misconfiguration", "S2-C1", tilt_deg=15.0)
    twin.clear_fault(rec.fault_id)
    assert twin.state.cell_tilt_deg[twin.compiled.cell_index["S2-C1"]] == np.float32(6.0)


def test_faults_on_a_clone_leave_the_original_alone(chain: Twin) -> None:
    chain.step()
    before = chain.state.copy()
    other = chain.clone()
    rec = other.inject_fault("site_power_failure", "S2", battery_minutes=15)
    other.run(2)
    assert not other.state.site_powered[other.compiled.site_index["S2"]]
    assert chain.state.equals(before)
    assert chain.alarms == [] and chain.faults == [] and active_faults(chain) == []
    other.clear_fault(rec.fault_id)
    assert other.state.equals(before)
