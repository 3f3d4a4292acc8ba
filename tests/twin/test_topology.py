"""Synthetic topology: counts, determinism, reachability, geometry and neighbour overlaps."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from scipy.spatial import cKDTree

from autonet.twin.geometry import antenna_gain, neighbour_pairs
from autonet.twin.topology import build_topology
from autonet.twin.validate import TopologyError


def _nodes(G: nx.Graph, kind: str) -> list[str]:
    return sorted(n for n, d in G.nodes(data=True) if d["kind"] == kind)


@pytest.fixture(scope="module")
def g30() -> nx.Graph:
    return build_topology(n_sites=30, seed=3)


def test_counts_sectors_and_areas(g30: nx.Graph) -> None:
    sites, cells = _nodes(g30, "site"), _nodes(g30, "cell")
    assert len(sites) == 30
    assert len(cells) == 90
    # area mix 0.2/0.4/0.4 of 30 sites -> 6 urban, 12 suburban, 12 rural
    areas = [g30.nodes[s]["area"] for s in sites]
    assert (areas.count("urban"), areas.count("suburban"), areas.count("rural")) == (6, 12, 12)
    for s in sites:
        own = sorted(c for c in g30.neighbors(s) if g30.nodes[c]["kind"] == "cell")
        assert [g30.nodes[c]["sector"] for c in own] == [1, 2, 3]
        az = [g30.nodes[c]["azimuth_deg"] for c in own]
        assert [(az[k] - az[0]) % 360 for k in (1, 2)] == pytest.approx([120.0, 240.0])
        assert len({g30.nodes[c]["band"] for c in own}) == 1
    for c in cells:
        d = g30.nodes[c]
        expected = ("n28", 20.0, 106) if d["area"] == "rural" else ("n78", 100.0, 273)
        assert (d["band"], d["bandwidth_mhz"], d["prbs"]) == expected
        assert 4.0 <= d["tilt_deg"] <= 8.0
        assert d["max_tx_w"] == 20.0
    assert {g30.nodes[s]["region"] for s in sites} <= {"centre", "north", "east", "south", "west"}


def test_same_seed_same_graph_other_seed_differs() -> None:
    a = nx.node_link_data(build_topology(n_sites=40, seed=11), edges="links")
    b = nx.node_link_data(build_topology(n_sites=40, seed=11), edges="links")
    c = nx.node_link_data(build_topology(n_sites=40, seed=12), edges="links")
    assert a == b
    assert a != c


def test_every_site_reaches_a_upf_and_core_functions_exist(g30: nx.Graph) -> None:
    links = nx.Graph((u, v) for u, v, d in g30.edges(data=True) if d["relation"] == "link")
    nfs = {g30.nodes[n]["nf_type"] for n in _nodes(g30, "nf")}
    assert nfs == {"AMF", "SMF", "UPF"}
    upf_dcs = {g30.nodes[n]["dc"] for n in _nodes(g30, "nf") if g30.nodes[n]["nf_type"] == "UPF"}
    assert any(g30.nodes[d]["tier"] == "central" for d in upf_dcs)
    for s in _nodes(g30, "site"):
        router = g30.nodes[s]["router"]
        assert g30.nodes[router]["role"] == "access"
        assert any(nx.has_path(links, router, dc) for dc in upf_dcs), s


def test_access_chains_are_one_to_four_sites_long() -> None:
    G = build_topology(n_sites=200, seed=5)
    links = nx.Graph((u, v) for u, v, d in G.edges(data=True) if d["relation"] == "link")
    access = {n for n in links if G.nodes[n].get("role") == "access"}
    for comp in nx.connected_components(links.subgraph(access)):
        assert 1 <= len(comp) <= 4
        assert nx.is_tree(links.subgraph(comp))
    media = {d["medium"] for u, v, d in G.edges(data=True) if d["relation"] == "link"}
    assert media == {"fibre", "microwave"}


def test_isd_by_area_type() -> None:
    G = build_topology(n_sites=600, seed=1, area_mix=(1 / 3, 1 / 3, 1 / 3))
    for area, isd in (("urban", 0.5), ("suburban", 1.5), ("rural", 5.0)):
        xy = np.array(
            [
                (d["x_km"], d["y_km"])
                for _, d in G.nodes(data=True)
                if d.get("kind") == "site" and d["area"] == area
            ]
        )
        nearest, _ = cKDTree(xy).query(xy, k=2)
        # hex grid at the ISD, each site moved by at most 15 % of it
        assert 0.85 * isd <= float(np.median(nearest[:, 1])) <= 1.05 * isd, area


def test_neighbours_symmetric_and_from_geometry(g30: nx.Graph) -> None:
    nbr = [(u, v, d) for u, v, d in g30.edges(data=True) if d["relation"] == "neighbour"]
    assert nbr
    for u, v, d in nbr:
        assert g30.nodes[u]["kind"] == g30.nodes[v]["kind"] == "cell"
        assert 0.0 < d["overlap"] <= 0.5
        du, dv = g30.nodes[u], g30.nodes[v]
        assert d["distance_km"] == pytest.approx(
            math.hypot(du["x_km"] - dv["x_km"], du["y_km"] - dv["y_km"]), abs=1e-3
        )


def test_antenna_gain_hand_values() -> None:
    # A(phi) = -min(12 (phi/65)^2, 30) dB
    assert antenna_gain(np.array([0.0, 65.0, 180.0, -65.0, 425.0])) == pytest.approx(
        [1.0, 10**-1.2, 1e-3, 10**-1.2, 10**-1.2]
    )


def test_neighbour_pairs_hand_values() -> None:
    # two urban sites one ISD (0.5 km) apart on an east-west line, one sector each
    xy = np.array([[0.0, 0.0], [0.5, 0.0]])
    isd = np.array([0.5, 0.5])
    a, b, overlap, dist = neighbour_pairs(xy, isd, np.array([[90.0], [270.0]]))
    # facing each other at d = ISD: 0.4 * sqrt(1 * 1) * (1.6 - 1) / 0.6 = 0.4
    assert (a.tolist(), b.tolist()) == ([0], [1])
    assert overlap.tolist() == [0.4]
    assert dist.tolist() == [0.5]
    # site 0 turned 60 degrees off: gain 10^(-12 (60/65)^2 / 10) = 0.09497 -> 0.4 * sqrt(0.09497)
    _, _, overlap, _ = neighbour_pairs(xy, isd, np.array([[30.0], [270.0]]))
    assert overlap.tolist() == [pytest.approx(0.1233, abs=1e-4)]
    # symmetric: swapping the two sites gives the same relation
    _, _, swapped, _ = neighbour_pairs(xy[::-1].copy(), isd, np.array([[270.0], [30.0]]))
    assert swapped.tolist() == overlap.tolist()
    # back to back: no relation; 3 sectors of one site: 3 intra-site pairs at 0.15
    assert len(neighbour_pairs(xy, isd, np.array([[270.0], [90.0]]))[0]) == 0
    a, b, overlap, _ = neighbour_pairs(xy[:1], isd[:1], np.array([[0.0, 120.0, 240.0]]))
    assert sorted(zip(a.tolist(), b.tolist(), strict=True)) == [(0, 1), (0, 2), (1, 2)]
    assert overlap.tolist() == [0.15, 0.15, 0.15]


def test_tiny_networks_are_valid() -> None:
    for n in (1, 2, 3, 7):
        G = build_topology(n_sites=n)
        assert len(_nodes(G, "cell")) == 3 * n


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_sites": 0}, r"n_sites must be an integer in 1\.\.200000, got 0"),
        ({"n_sites": 2.5}, r"n_sites must be an integer"),
        ({"n_sites": 5, "seed": -1}, r"seed must be a non-negative integer, got -1"),
        ({"n_sites": 5, "area_mix": (1, 1)}, r"area_mix must be 3 non-negative finite shares"),
        ({"n_sites": 5, "area_mix": (0, 0, 0)}, r"area_mix must be 3 non-negative"),
        ({"n_sites": 5, "area_mix": "abc"}, r"area_mix must be 3"),
        ({"n_sites": 5, "isd_km": {"urban": 0.5, "suburban": 1.5}}, r"isd_km\['rural'\]"),
        ({"n_sites": 5, "n_core": 0}, r"n_core must be a positive integer, got 0"),
        ({"n_sites": 5, "traffic": 120.0}, r"traffic must be a TrafficModel .*got float"),
        (
            {"n_sites": 5, "backbone": "NoSuchNet"},
            r"unknown backbone 'NoSuchNet'|shared data folder",
        ),
    ],
)
def test_bad_arguments_are_rejected(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(TopologyError, match=message):
        build_topology(**kwargs)  # type: ignore[arg-type]
