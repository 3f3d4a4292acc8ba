"""Transport and UPF dimensioning: standard sizes, the planning rule, a normal day below 80 %."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest

from autonet.twin.compile import compile_topology
from autonet.twin.dimensioning import required_capacity_mbps, standard_capacity_mbps
from autonet.twin.engine import Twin
from autonet.twin.state import CompiledTopology
from autonet.twin.topology import build_topology
from autonet.twin.traffic import TrafficModel

# Default TrafficModel by hand: users x DL per user x (1 + UL 0.12) x peak activity per area.
URBAN, SUBURBAN, RURAL = 120 * 1.5 * 1.12 * 1.0, 90 * 1.5 * 1.12 * 1.0, 35 * 1.2 * 1.12 * 0.95
CV = math.sqrt(math.exp(0.4**2 + 2 * 0.08**2) - 1)  # scale sigma 0.4, noise sigma 0.08 (twice)
LADDER = (1_000.0, 10_000.0, 25_000.0, 100_000.0, 400_000.0)


def _hand_size(need: float) -> float:
    return next((s for s in LADDER if need <= s), 400_000.0 * math.ceil(need / 400_000.0))


def _floor(G: nx.Graph, u: str, v: str) -> float:
    """Smallest size of a link by its kind (the documented MIN_CAPACITY_MBPS)."""
    roles = {G.nodes[n].get("role", G.nodes[n]["kind"]) for n in (u, v)}
    if "access" in roles:
        return 1_000.0 if G.edges[u, v]["medium"] == "microwave" else 10_000.0
    if "dc" in roles or roles == {"core"}:
        return 100_000.0
    return 10_000.0  # aggregation ring


def _cells_behind(topo: CompiledTopology) -> tuple[np.ndarray, np.ndarray]:
    """Cells per area code routed over each link and homed on each UPF, from the engine's paths."""
    per_link = np.zeros((topo.n_links, 3))
    per_upf = np.zeros((topo.n_upfs, 3))
    for s in range(topo.n_sites):
        cells = np.bincount(topo.cell_area[topo.cell_site == s], minlength=3)
        for link in topo.path_idx[topo.path_ptr[s] : topo.path_ptr[s + 1]]:
            per_link[link] += cells
        per_upf[topo.site_upf[s]] += cells
    return per_link, per_upf


def _hand_need(cells: np.ndarray) -> float:
    means = np.array([URBAN, SUBURBAN, RURAL])
    mean = float(cells @ means)
    sd = math.sqrt(float(cells @ (means * CV) ** 2))
    return (mean + 3.0 * sd) / 0.7


def test_standard_sizes_round_up() -> None:
    cases = {0.0: 1_000.0, 1_000.0: 1_000.0, 1_000.5: 10_000.0, 24_999.0: 25_000.0,
             100_001.0: 400_000.0, 400_001.0: 800_000.0, 1_000_000.0: 1_200_000.0}  # fmt: skip
    assert {k: standard_capacity_mbps(k) for k in cases} == cases


def test_planning_rule_hand_value() -> None:
    # (mean + 3 sigma) / 0.7: (1000 + 3 * 100) / 0.7
    got = required_capacity_mbps(np.array([1000.0, 0.0]), np.array([10_000.0, 0.0]))
    assert got.tolist() == pytest.approx([1300.0 / 0.7, 0.0])


@pytest.fixture(scope="module")
def g200() -> nx.Graph:
    return build_topology(n_sites=200, seed=5)


def test_links_and_upfs_sized_for_the_cells_routed_over_them(g200: nx.Graph) -> None:
    topo = compile_topology(g200, validate=False)
    per_link, per_upf = _cells_behind(topo)
    above_floor = 0
    for i, lid in enumerate(topo.link_ids):
        u, v = (topo.tnode_ids[topo.link_u[i]], topo.tnode_ids[topo.link_v[i]])
        expected = max(_floor(g200, u, v), _hand_size(_hand_need(per_link[i])))
        assert topo.link_capacity_mbps[i] == expected, lid
        above_floor += expected > _floor(g200, u, v)
    assert above_floor > 0  # some links are sized by their traffic, not by their kind
    for k, upf in enumerate(topo.upf_ids):
        assert topo.upf_instances[k] == max(1, math.ceil(_hand_need(per_upf[k]) / 50_000.0)), upf


def test_a_normal_weekday_stays_below_80_percent(g200: nx.Graph) -> None:
    # The rule plans the busy hour at <= 70 % of a link/UPF with 3 sigma of cell spread on
    # top, then rounds up: the default traffic on an ordinary weekday stays below 80 %.
    twin = Twin(g200, seed=5, validate=False, record=False)
    link_max = np.zeros(twin.compiled.n_links)
    upf_max = np.zeros(twin.compiled.n_upfs)
    for _ in range(96):  # Monday 2026-01-05, 15-minute steps
        res = twin.step()
        link_max = np.maximum(link_max, res.link_util)
        upf_max = np.maximum(upf_max, res.upf_load)
    assert link_max.max() < 80.0, twin.compiled.link_ids[int(np.argmax(link_max))]
    assert upf_max.max() < 80.0
    assert link_max.max() > 25.0 and upf_max.max() > 10.0  # loaded, not idle


def test_heavier_traffic_gets_bigger_links_and_more_upf_instances(g200: nx.Graph) -> None:
    heavy = TrafficModel(users_busy_hour=(480.0, 360.0, 140.0))
    big = compile_topology(build_topology(n_sites=200, seed=5, traffic=heavy), validate=False)
    base = compile_topology(g200, validate=False)
    assert big.link_ids == base.link_ids
    assert np.all(big.link_capacity_mbps >= base.link_capacity_mbps)
    assert np.any(big.link_capacity_mbps > base.link_capacity_mbps)
    assert np.all(big.upf_instances >= base.upf_instances)
    assert big.upf_instances.sum() > base.upf_instances.sum()


def _two_node_backbone(capacity: float, source: str) -> nx.Graph:
    B = nx.Graph(name="hand")
    for name, x in (("BB-A", 0.0), ("BB-B", 40.0)):
        B.add_node(name, kind="router", role="core", x_km=x, y_km=0.0)
    B.add_edge("BB-A", "BB-B", relation="link", medium="fibre", link_id="BB-A--BB-B",
               capacity_mbps=capacity, capacity_source=source, latency_ms=0.25)  # fmt: skip
    return B


def test_backbone_links_are_raised_to_their_load_unless_overridden() -> None:
    # Without edge DCs every site behind the non-central backbone node crosses A-B.
    def link(B: nx.Graph) -> dict:
        before = dict(B.edges["BB-A", "BB-B"])
        G = build_topology(n_sites=120, seed=1, backbone=B, n_edge_dcs=0)
        assert B.edges["BB-A", "BB-B"] == before  # the caller's backbone is left alone
        return dict(G.edges["BB-A", "BB-B"])

    small = link(_two_node_backbone(1_000.0, "file"))
    assert small["capacity_source"] == "dimensioned" and small["capacity_mbps"] >= 10_000.0
    assert small["capacity_mbps"] in LADDER
    huge = link(_two_node_backbone(5_000_000.0, "file"))
    assert (huge["capacity_mbps"], huge["capacity_source"]) == (5_000_000.0, "file")
    fixed = link(_two_node_backbone(1_000.0, "override"))
    assert (fixed["capacity_mbps"], fixed["capacity_source"]) == (1_000.0, "override")
