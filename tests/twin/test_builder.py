"""TopologyBuilder and the canonical hand-built topologies."""

from __future__ import annotations

import networkx as nx
import pytest

from autonet.twin.builder import (
    BANDS,
    TopologyBuilder,
    chain_topology,
    link_latency_ms,
    three_cell_topology,
)
from autonet.twin.validate import TopologyError


def _core() -> TopologyBuilder:
    b = TopologyBuilder()
    b.router("CR1", role="core", x_km=0.0, y_km=0.0)
    b.dc("DC1", router="CR1").nf("UPF1", "UPF", dc="DC1", capacity_mbps=5000.0)
    b.router("AR1", role="access", x_km=3.0, y_km=4.0).link("AR1", "CR1")
    return b


def test_builder_defaults_are_the_band_profile_and_sector_geometry() -> None:
    b = _core().site("S1", 3.0, 4.0, router="AR1", area="suburban", region="north")
    b.cell(None, "S1").cell(None, "S1").cell(None, "S1", band="n28", tilt_deg=8.0)
    G = b.build()
    c1, c2, c3 = (G.nodes[f"S1-C{k}"] for k in (1, 2, 3))
    assert (c1["sector"], c2["sector"], c3["sector"]) == (1, 2, 3)
    assert (c1["azimuth_deg"], c2["azimuth_deg"], c3["azimuth_deg"]) == (0.0, 120.0, 240.0)
    assert (c1["band"], c1["bandwidth_mhz"], c1["prbs"], c1["max_tx_w"]) == (
        "n78",
        100.0,
        273,
        20.0,
    )
    assert (c3["band"], c3["bandwidth_mhz"], c3["prbs"], c3["tilt_deg"]) == ("n28", 20.0, 106, 8.0)
    assert (c1["area"], c1["x_km"], c1["y_km"]) == ("suburban", 3.0, 4.0)
    assert G.edges["S1-C1", "S1"]["relation"] == "part_of"
    assert G.edges["S1", "AR1"]["relation"] == "part_of"
    assert G.edges["UPF1", "DC1"]["relation"] == "hosted_on"
    # AR1 at (3, 4) is 5 km from CR1: 5 * 0.005 + 0.05 ms
    link = G.edges["AR1", "CR1"]
    assert link["latency_ms"] == pytest.approx(0.075)
    assert link["link_id"] == "AR1--CR1"
    assert link_latency_ms(5.0) == pytest.approx(0.075)


def test_builder_neighbour_distance_from_positions() -> None:
    b = _core().site("S1", 0.0, 0.0, router="AR1").site("S2", 0.0, 0.5, router="AR1")
    b.cell(None, "S1").cell(None, "S2").neighbour("S1-C1", "S2-C1", overlap=0.25)
    G = b.build()
    assert G.edges["S1-C1", "S2-C1"] == {
        "relation": "neighbour",
        "overlap": 0.25,
        "distance_km": 0.5,
    }


def test_build_returns_a_copy() -> None:
    b = _core().site("S1", 0.0, 0.0, router="AR1").cell(None, "S1")
    G = b.build()
    G.nodes["S1-C1"]["prbs"] = 1
    assert b.build().nodes["S1-C1"]["prbs"] == BANDS["n78"].prbs


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda b: b.router("AR1"), "node 'AR1' already exists"),
        (lambda b: b.site("S9", 0, 0, router="NOPE"), "unknown router 'NOPE'"),
        (lambda b: b.site("S9", 0, 0, router="DC1"), "'DC1' is a dc, expected a router"),
        (lambda b: b.cell(None, "AR1"), "'AR1' is a router, expected a site"),
        (lambda b: b.link("AR1", "UPF1"), "'UPF1' is not a router or dc node"),
        (lambda b: b.link("CR1", "AR1"), "already joined"),
        (lambda b: b.nf("X", "UPF", dc="CR1"), "'CR1' is a router, expected a dc"),
        (lambda b: b.neighbour("AR1", "CR1"), "'AR1' is a router, expected a cell"),
    ],
)
def test_builder_rejects_bad_references(call, message: str) -> None:
    b = _core()
    with pytest.raises(TopologyError, match=message):
        call(b)


def test_builder_unknown_band_needs_explicit_carrier() -> None:
    b = _core().site("S1", 0.0, 0.0, router="AR1")
    with pytest.raises(TopologyError, match=r"band 'n41' has no default profile"):
        b.cell(None, "S1", band="n41")
    b.cell(None, "S1", band="n41", bandwidth_mhz=100.0, prbs=273, freq_mhz=2593.0)
    assert b.build().nodes["S1-C1"]["freq_mhz"] == 2593.0


def test_build_validates_values() -> None:
    b = _core().site("S1", 0.0, 0.0, router="AR1").cell(None, "S1", tilt_deg=45.0)
    with pytest.raises(TopologyError, match=r"cell 'S1-C1': attribute 'tilt_deg' = 45.0"):
        b.build()
    assert b.build(validate=False).nodes["S1-C1"]["tilt_deg"] == 45.0


def test_three_cell_topology_hand_values() -> None:
    G = three_cell_topology()
    cells = sorted(n for n, d in G.nodes(data=True) if d["kind"] == "cell")
    assert cells == ["S1-C1", "S2-C1", "S3-C1"]
    assert [G.nodes[c]["prbs"] for c in cells] == [273, 273, 106]
    assert [G.nodes[c]["area"] for c in cells] == ["urban", "suburban", "rural"]
    nbrs = {
        tuple(sorted((u, v))): d["overlap"]
        for u, v, d in G.edges(data=True)
        if d["relation"] == "neighbour"
    }
    assert nbrs == {("S1-C1", "S2-C1"): 0.3, ("S2-C1", "S3-C1"): 0.2}
    assert G.edges["S2-C1", "S3-C1"]["distance_km"] == 3.0
    upfs = [n for n, d in G.nodes(data=True) if d.get("nf_type") == "UPF"]
    assert upfs == ["UPF1"]


def test_chain_topology_paths() -> None:
    G = chain_topology(cells_per_site=3)
    links = nx.Graph((u, v) for u, v, d in G.edges(data=True) if d["relation"] == "link")
    assert nx.shortest_path(links, "AR2", "DC1") == ["AR2", "AR1", "AGG1", "CR1", "DC1"]
    assert nx.shortest_path(links, "AR3", "DC1") == ["AR3", "AGG1", "CR1", "DC1"]
    assert sum(1 for _, d in G.nodes(data=True) if d["kind"] == "cell") == 9
    with pytest.raises(TopologyError, match="cells_per_site"):
        chain_topology(cells_per_site=0)
