"""Root-cause localisation on hand-built twin topologies with hand-placed alarms."""

from __future__ import annotations

from datetime import datetime, timedelta

import networkx as nx
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

from autonet.knowledge.rca import RCAInputError, RootCauseLocator, build_index
from autonet.twin.builder import chain_topology, three_cell_topology
from autonet.twin.events import Alarm

T0 = datetime(2026, 1, 5, 10, 0)


def alarm(n: int, alarm_type: str, node: str, dt_s: float) -> Alarm:
    return Alarm(f"A{n}", alarm_type, node, "major", T0 + timedelta(seconds=dt_s))


def fibre_cut(link: str, sites: list[str], *, start: int = 0, dt_s: float = 0.0) -> list[Alarm]:
    """LINK_DOWN on the link, then GNB_DISCONNECTED and CELL_UNAVAILABLE behind it."""
    out = [alarm(start, "LINK_DOWN", link, dt_s)]
    for k, site in enumerate(sites, start=1):
        out.append(alarm(start + 10 * k, "GNB_DISCONNECTED", site, dt_s + 2 + k))
        for c in (1, 2):
            out.append(alarm(start + 10 * k + c, "CELL_UNAVAILABLE", f"{site}-C{c}", dt_s + 3 + k))
    return out


def power_failure(site: str, *, start: int = 0, dt_s: float = 0.0) -> list[Alarm]:
    return [
        alarm(start, "SITE_POWER_FAILURE", site, dt_s),
        alarm(start + 1, "CELL_UNAVAILABLE", f"{site}-C1", dt_s + 1.5),
        alarm(start + 2, "CELL_UNAVAILABLE", f"{site}-C2", dt_s + 1.7),
    ]


@pytest.fixture(scope="module")
def chain() -> nx.Graph:
    # AGG1 -- AR1 -- AR2, AGG1 -- AR3; S1 behind AR1, S2 behind AR2, S3 behind AR3; 2 cells each.
    return chain_topology(cells_per_site=2)


@pytest.fixture(scope="module")
def locator(chain: nx.Graph) -> RootCauseLocator:
    return RootCauseLocator().fit(chain)


def test_dependency_index_knows_what_is_behind_each_link(chain: nx.Graph) -> None:
    idx = build_index(chain)
    assert idx.behind["AR1--AR2"] == {"S2"}
    assert idx.behind["AGG1--AR1"] == {"S1", "S2"}
    assert idx.behind["AGG1--AR3"] == {"S3"}
    assert idx.site_path["S2"] == ["AR1--AR2", "AGG1--AR1", "AGG1--CR1", "CR1--DC1"]
    assert idx.served["UPF1"] == {"S1", "S2", "S3"}


@pytest.mark.parametrize(("link", "behind"), [("AGG1--AR1", ["S1", "S2"]), ("AR1--AR2", ["S2"])])
def test_fibre_cut_is_top1_and_explains_exactly_the_sites_behind(
    locator: RootCauseLocator, link: str, behind: list[str]
) -> None:
    top = locator.locate(fibre_cut(link, behind))[0]
    assert (top.node, top.fault_type, top.domain) == (link, "fibre_cut", "transport")
    assert [n for n in top.explained if "-C" not in n] == behind
    assert {n for n in top.explained if "-C" in n} == {f"{s}-C{c}" for s in behind for c in (1, 2)}
    assert top.rank == 1
    assert top.score > 0
    assert any("LINK_DOWN" in e for e in top.evidence)


def test_upstream_and_downstream_links_rank_below_the_cut(locator: RootCauseLocator) -> None:
    found = locator.locate(fibre_cut("AGG1--AR1", ["S1", "S2"]))
    assert found[0].node == "AGG1--AR1"
    # The rest only re-explain the same symptoms: they add nothing.
    assert all(h.score <= 0 for h in found[1:])


def test_two_concurrent_faults_in_different_branches_are_the_top2(
    locator: RootCauseLocator,
) -> None:
    alarms = fibre_cut("AR1--AR2", ["S2"]) + power_failure("S3", start=100, dt_s=20)
    found = locator.locate(alarms)
    assert {(h.node, h.fault_type) for h in found[:2]} == {
        ("AR1--AR2", "fibre_cut"),
        ("S3", "site_power_failure"),
    }
    assert found[0].score > 0
    assert found[1].score > 0


def test_two_concurrent_fibre_cuts_are_the_top2(locator: RootCauseLocator) -> None:
    alarms = fibre_cut("AR1--AR2", ["S2"]) + fibre_cut("AGG1--AR3", ["S3"], start=100, dt_s=1)
    assert {h.node for h in locator.locate(alarms)[:2]} == {"AR1--AR2", "AGG1--AR3"}


def test_missing_symptom_alarms_still_localise(locator: RootCauseLocator) -> None:
    alarms = [
        a
        for a in fibre_cut("AGG1--AR1", ["S1", "S2"])
        if (a.alarm_type, a.node) not in {("GNB_DISCONNECTED", "S1"), ("CELL_UNAVAILABLE", "S2-C2")}
    ]
    top = locator.locate(alarms)[0]
    assert top.node == "AGG1--AR1"
    assert any("silent" in e and "S2-C2" in e for e in top.evidence)


def test_missing_root_alarm_is_inferred_from_the_sites_behind(locator: RootCauseLocator) -> None:
    alarms = [a for a in fibre_cut("AGG1--AR1", ["S1", "S2"]) if a.alarm_type != "LINK_DOWN"]
    top = locator.locate(alarms)[0]
    # Neither AR1--AR2 (misses S1) nor AGG1--CR1 (S3 would be down too) fits as well.
    assert (top.node, top.fault_type) == ("AGG1--AR1", "fibre_cut")
    assert any("no root alarm" in e for e in top.evidence)


def test_noise_alarms_do_not_displace_the_root(locator: RootCauseLocator) -> None:
    noise = [
        alarm(900, "KPI_DEGRADATION", "S3-C1", -40),
        alarm(901, "HIGH_INTERFERENCE", "S1-C2", 100),
        alarm(902, "ETH_LINK_DEGRADED", "AGG1--AR3", 7),
    ]
    found = locator.locate(noise + fibre_cut("AR1--AR2", ["S2"]))
    assert found[0].node == "AR1--AR2"


def test_single_cell_outage_beats_the_site_power_failure() -> None:
    # One cell down, its sibling fine: the cell, not its site (which would darken both).
    loc = RootCauseLocator().fit(chain_topology(cells_per_site=2))
    top = loc.locate([alarm(1, "CELL_UNAVAILABLE", "S1-C2", 0)])[0]
    assert (top.node, top.fault_type, top.domain) == ("S1-C2", "cell_outage", "ran")


def test_symptom_before_the_root_alarm_is_not_its_effect(locator: RootCauseLocator) -> None:
    # GNB_DISCONNECTED on S2 ten minutes before the cut: not explained by it (precedence).
    alarms = [*fibre_cut("AR1--AR2", ["S2"])[:1], alarm(5, "GNB_DISCONNECTED", "S2", -600)]
    top = locator.locate(alarms)[0]
    assert top.node == "AR1--AR2"
    assert "A5" not in top.alarm_ids


def test_upf_overload_explains_pdu_failures_on_the_sites_it_serves() -> None:
    loc = RootCauseLocator().fit(three_cell_topology())
    alarms = [
        alarm(1, "UPF_OVERLOAD", "UPF1", 0),
        alarm(2, "PDU_SESSION_FAILURES", "S1", 4),
        alarm(3, "PDU_SESSION_FAILURES", "S3", 5),
    ]
    top = loc.locate(alarms)[0]
    assert (top.node, top.fault_type, top.domain) == ("UPF1", "upf_overload", "core")
    assert top.explained == ["S1", "S3"]


def test_kpi_anomalies_count_as_soft_symptoms(locator: RootCauseLocator) -> None:
    root = [alarm(1, "LINK_CONGESTION", "AR1--AR2", 0)]
    anomalies = [
        {
            "object": "S2-C1",
            "time": T0 + timedelta(seconds=30),
            "score": 4.0,
            "kpis": ["DRB.UEThpDl"],
        },
        {
            "object": "S2-C2",
            "time": T0 + timedelta(seconds=31),
            "score": 3.0,
            "kpis": ["DRB.UEThpDl"],
        },
    ]
    with_anomalies = locator.locate(root, anomalies)[0]
    alone = locator.locate(root)[0]
    assert (with_anomalies.node, with_anomalies.fault_type) == ("AR1--AR2", "link_congestion")
    assert with_anomalies.explained == ["S2-C1", "S2-C2"]
    assert with_anomalies.score > alone.score


def test_alarm_log_frame_gives_the_same_answer_as_alarm_objects(
    locator: RootCauseLocator,
) -> None:
    alarms = fibre_cut("AGG1--AR1", ["S1", "S2"])
    frame = pd.DataFrame([a.as_dict() for a in alarms])
    assert locator.locate(frame) == locator.locate(alarms)


def test_max_hypotheses_bounds_the_list(chain: nx.Graph) -> None:
    found = RootCauseLocator(max_hypotheses=2).fit(chain).locate(fibre_cut("AR1--AR2", ["S2"]))
    assert [h.rank for h in found] == [1, 2]


def test_empty_window_is_an_empty_result(locator: RootCauseLocator) -> None:
    assert locator.locate([]) == []


def test_unknown_nodes_are_named(locator: RootCauseLocator) -> None:
    alarms = [*fibre_cut("AR1--AR2", ["S2"]), alarm(7, "LINK_DOWN", "AR9--AR8", 0)]
    alarms.append(alarm(8, "CELL_UNAVAILABLE", "S7-C1", 1))
    with pytest.raises(RCAInputError, match=r"2 alarm/anomaly node\(s\).*'AR9--AR8', 'S7-C1'"):
        locator.locate(alarms)


def test_locate_before_fit_is_refused() -> None:
    with pytest.raises(NotFittedError, match="fit"):
        RootCauseLocator().locate([])


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"max_hypotheses": 0}, "max_hypotheses"),
        ({"window_s": -1.0}, "window_s"),
        ({"p_noise": 1.5}, "p_noise"),
        ({"p_root": 0.01}, "p_root"),
        ({"max_hops": -1}, "max_hops"),
    ],
)
def test_bad_hyperparameters_are_named(chain: nx.Graph, params: dict, name: str) -> None:
    with pytest.raises(RCAInputError, match=name):
        RootCauseLocator(**params).fit(chain)


def test_empty_topology_is_refused() -> None:
    with pytest.raises(RCAInputError, match="non-empty"):
        RootCauseLocator().fit(nx.Graph())


def test_battery_warning_alone_points_at_the_site_without_expecting_an_outage(
    locator: RootCauseLocator,
) -> None:
    top = locator.locate([alarm(1, "BATTERY_LOW", "S3", 0)])[0]
    assert (top.node, top.fault_type) == ("S3", "site_power_failure")
    assert top.score > 0
    assert not any("silent" in e for e in top.evidence)


def test_warning_and_outage_an_hour_apart_are_one_hypothesis(locator: RootCauseLocator) -> None:
    alarms = [alarm(1, "BATTERY_LOW", "S3", 0), *power_failure("S3", start=10, dt_s=3600)]
    alarms += fibre_cut("AR1--AR2", ["S2"], start=50, dt_s=1800)
    found = {(h.node, h.fault_type): h for h in locator.locate(alarms)[:2]}
    assert set(found) == {("S3", "site_power_failure"), ("AR1--AR2", "fibre_cut")}
    power = found["S3", "site_power_failure"]
    assert {"A1", "A10", "A11", "A12"} <= set(power.alarm_ids)
    assert any("1 more episode" in e for e in power.evidence)


def test_link_root_alarm_on_both_end_routers(locator: RootCauseLocator) -> None:
    # The twin raises LINK_DOWN on the two routers of the link, not on the link id.
    alarms = [alarm(1, "LINK_DOWN", "AR1", 0), alarm(2, "LINK_DOWN", "AR2", 0.5)]
    alarms += fibre_cut("AR1--AR2", ["S2"], start=10)[1:]
    found = locator.locate(alarms)
    # AGG1--AR1 also ends at AR1, but only AR1--AR2 has both ends down and S1 is fine.
    assert found[0].node == "AR1--AR2"
    assert "A1" in found[0].alarm_ids
    assert "A2" in found[0].alarm_ids


def test_unknown_alarm_types_on_a_twin_topology_are_named(locator: RootCauseLocator) -> None:
    with pytest.raises(RCAInputError, match=r"\['FAN_FAILURE'\] are not alarms of the twin"):
        locator.locate([alarm(1, "FAN_FAILURE", "S1", 0), alarm(2, "LINK_DOWN", "AR1", 0)])


def test_symptoms_after_the_window_are_not_the_fault_s(chain: nx.Graph) -> None:
    alarms = [*fibre_cut("AR1--AR2", ["S2"])[:2], alarm(9, "CELL_UNAVAILABLE", "S2-C1", 400)]
    short = RootCauseLocator(window_s=60).fit(chain).locate(alarms)[0]
    assert short.node == "AR1--AR2"
    assert "A9" not in short.alarm_ids
    long = RootCauseLocator(window_s=600).fit(chain).locate(alarms)[0]
    assert "A9" in long.alarm_ids


def test_rerouted_paths_change_what_is_behind_a_link(chain: nx.Graph) -> None:
    # Pretend S3 was rerouted over AGG1--AR1: a cut there now explains S3 too.
    paths = {"S3": ["AGG1--AR1", "AGG1--CR1", "CR1--DC1"]}
    loc = RootCauseLocator().fit(chain, site_paths=paths)
    assert loc.index_ is not None
    assert loc.index_.behind["AGG1--AR1"] == {"S1", "S2", "S3"}
    with pytest.raises(RCAInputError, match=r"site 'S3': unknown link ids.*'NOPE'"):
        RootCauseLocator().fit(chain, site_paths={"S3": ["NOPE"]})


def test_topology_with_a_dangling_reference_is_named() -> None:
    G = nx.Graph()
    G.add_node("S1", kind="site", router="AR9")
    G.add_node("R1", kind="router", role="access")
    G.add_node("R2", kind="router", role="core")
    G.add_edge("R1", "R2", relation="link", link_id="L1")
    with pytest.raises(RCAInputError, match=r"site 'S1'.*'AR9'"):
        RootCauseLocator().fit(G)
    G.add_node("S1-C1", kind="cell", site="S0")
    with pytest.raises(RCAInputError, match=r"cell 'S1-C1': its site 'S0'"):
        build_index(G)
