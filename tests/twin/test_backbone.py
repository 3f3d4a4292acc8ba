"""Real backbones: Topology Zoo GraphML and SNDlib JSON imports, and sites attached to them."""

from __future__ import annotations

import json
import logging
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest

from autonet.twin.backbone import great_circle_km, load_backbone
from autonet.twin.engine import Twin
from autonet.twin.topology import build_topology
from autonet.twin.validate import TopologyError, validate_backbone

GRAPHML = "{http://graphml.graphdrawing.org/xmlns}"


def _zoo_counts(path: Path) -> tuple[int, int]:
    """Nodes and distinct undirected links of a GraphML file, by plain XML parsing."""
    root = ET.parse(path).getroot()
    nodes = root.findall(f"{GRAPHML}graph/{GRAPHML}node")
    pairs = {
        frozenset((e.get("source"), e.get("target")))
        for e in root.findall(f"{GRAPHML}graph/{GRAPHML}edge")
        if e.get("source") != e.get("target")
    }
    return len(nodes), len(pairs)


def _sndlib_counts(path: Path) -> tuple[int, int]:
    doc = json.loads(path.read_text())
    return len(doc["nodes"]), len({frozenset((lk["source"], lk["target"])) for lk in doc["links"]})


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("name", "rel", "counter"),
    [
        ("Abilene", "topology/zoo/Abilene.graphml", _zoo_counts),
        ("Geant2012", "topology/zoo/Geant2012.graphml", _zoo_counts),
        ("germany50", "topology/sndlib/germany50.json", _sndlib_counts),
        ("abilene", "topology/sndlib/abilene.json", _sndlib_counts),
    ],
)
def test_backbone_counts_match_the_files(shared_data: Path, name: str, rel: str, counter) -> None:
    n_nodes, n_links = counter(shared_data / rel)
    B = load_backbone(name, data_dir=shared_data)
    assert (B.number_of_nodes(), B.number_of_edges()) == (n_nodes, n_links)
    assert Path(B.graph["source"]).name == Path(rel).name
    assert all(d["kind"] == "router" and d["role"] == "core" for _, d in B.nodes(data=True))


@pytest.mark.shared_data
def test_sndlib_capacity_and_latency_from_data(shared_data: Path) -> None:
    B = load_backbone(shared_data / "topology/sndlib/abilene.json")
    # link ATLAM5_ATLAng: pre-installed 9920 Mbit/s (meta unit MBITPERSEC)
    edge = B.edges["BB-ATLAM5", "BB-ATLAng"]
    assert edge["capacity_mbps"] == 9920.0
    assert edge["capacity_source"] == "file"
    km = great_circle_km(33.75, -84.3833, 34.5, -85.5)
    assert edge["latency_ms"] == pytest.approx(0.005 * km + 0.05, abs=1e-4)
    # germany50 has no unit: its module capacities (40) are not Mbit/s -> default 100 Gbit/s
    G50 = load_backbone("germany50", data_dir=shared_data)
    assert {d["capacity_source"] for *_, d in G50.edges(data=True)} == {"default"}
    assert {d["capacity_mbps"] for *_, d in G50.edges(data=True)} == {100_000.0}


def test_great_circle_hand_value() -> None:
    # one degree of latitude = 6371 * pi / 180 km
    assert great_circle_km(0.0, 10.0, 1.0, 10.0) == pytest.approx(6371 * math.pi / 180)


@pytest.mark.shared_data
@pytest.mark.parametrize("name", ["Abilene", "Geant2012", "germany50"])
def test_sites_attach_to_nearest_backbone_node(shared_data: Path, name: str) -> None:
    B = load_backbone(name, data_dir=shared_data)
    G = build_topology(n_sites=150, seed=2, backbone=B)
    backbone = set(B)
    assert backbone <= set(G)
    for u, v in B.edges():
        assert G.edges[u, v]["relation"] == "link"
    links = nx.Graph((u, v) for u, v, d in G.edges(data=True) if d["relation"] == "link")
    aggs = [n for n, d in G.nodes(data=True) if d.get("role") == "aggregation"]
    for ring in nx.connected_components(links.subgraph(aggs)):
        homes = {n for a in ring for n in links[a] if n in backbone}
        assert len(homes) == 1  # a ring closes on exactly one backbone node ...
        home = homes.pop()
        for a in ring:  # ... the geographically nearest one to each of its routers
            ax, ay = G.nodes[a]["x_km"], G.nodes[a]["y_km"]
            km = {b: math.hypot(G.nodes[b]["x_km"] - ax, G.nodes[b]["y_km"] - ay) for b in backbone}
            # (Geant2012 places MD and RO at the same point: either is the nearest)
            assert km[home] == pytest.approx(min(km.values())), (a, home)
    # the twin runs on it: every cell served, no link or UPF above 80 % at 11:00 on a Monday
    twin = Twin(G, seed=2, validate=False, record=False)
    twin.step_index = 44
    res = twin.step()
    assert res["KQI.Available"].all()
    assert res.link_util.max() < 80.0 and res.upf_load.max() < 80.0


def _write_graphml(path: Path, nodes: str, edges: str) -> Path:
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?>'
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
        '<key attr.name="Latitude" attr.type="double" for="node" id="lat"/>'
        '<key attr.name="Longitude" attr.type="double" for="node" id="lon"/>'
        '<key attr.name="label" attr.type="string" for="node" id="lab"/>'
        '<key attr.name="LinkSpeedRaw" attr.type="double" for="edge" id="spd"/>'
        f'<graph edgedefault="undirected">{nodes}{edges}</graph></graphml>'
    )
    return path


def _node(i: int, label: str, lat: float | None = None, lon: float | None = None) -> str:
    coords = "" if lat is None else f'<data key="lat">{lat}</data><data key="lon">{lon}</data>'
    return f'<node id="{i}"><data key="lab">{label}</data>{coords}</node>'


def test_zoo_node_without_coordinates_placed_or_dropped(tmp_path: Path, caplog) -> None:
    nodes = _node(0, "A", 50.0, 8.0) + _node(1, "B", 52.0, 10.0) + _node(2, "C") + _node(3, "D")
    edges = (
        '<edge source="0" target="1"><data key="spd">10000000000</data></edge>'
        '<edge source="1" target="2"/><edge source="0" target="2"/>'
    )
    path = _write_graphml(tmp_path / "tiny.graphml", nodes, edges)
    with caplog.at_level(logging.WARNING, logger="autonet.twin.backbone"):
        B = load_backbone(path)
    # C lies between its located neighbours A and B; D has no neighbour at all: dropped
    assert sorted(B) == ["BB-A", "BB-B", "BB-C"]
    assert (B.nodes["BB-C"]["lat"], B.nodes["BB-C"]["lon"]) == (51.0, 9.0)
    assert "dropped 1 node(s)" in caplog.text
    assert B.edges["BB-A", "BB-B"]["capacity_mbps"] == 10_000.0  # 10 Gbit/s LinkSpeedRaw
    assert B.edges["BB-B", "BB-C"]["capacity_source"] == "default"
    assert (
        load_backbone(path, capacity_mbps=1234.0).edges["BB-A", "BB-B"]["capacity_mbps"] == 1234.0
    )


def test_bad_backbone_files(tmp_path: Path) -> None:
    broken = tmp_path / "broken.graphml"
    broken.write_text("<graphml><graph>")
    with pytest.raises(TopologyError, match=r"broken\.graphml: not a readable GraphML file"):
        load_backbone(broken)
    bad_lat = _write_graphml(tmp_path / "lat.graphml", _node(0, "A", 95.0, 8.0), "")
    with pytest.raises(
        TopologyError, match=r"lat\.graphml: node '0' \(A\): Latitude 95\.0 is outside"
    ):
        load_backbone(bad_lat)
    nolinks = tmp_path / "nolinks.json"
    nolinks.write_text(json.dumps({"nodes": []}))
    with pytest.raises(
        TopologyError,
        match=r"nolinks\.json: expected an SNDlib JSON object with 'nodes' and 'links'",
    ):
        load_backbone(nolinks)
    dangling = tmp_path / "dangling.json"
    dangling.write_text(
        json.dumps(
            {
                "nodes": [{"id": "a", "latitude": 1.0, "longitude": 2.0}],
                "links": [{"id": "L1", "source": "a", "target": "zz"}],
            }
        )
    )
    with pytest.raises(TopologyError, match=r"dangling\.json: link 'L1' names unknown node 'zz'"):
        load_backbone(dangling)
    notjson = tmp_path / "x.json"
    notjson.write_text("{nope")
    with pytest.raises(TopologyError, match=r"x\.json: not a readable JSON file"):
        load_backbone(notjson)
    with pytest.raises(TopologyError, match=r"backbone file .*missing\.graphml' does not exist"):
        load_backbone(tmp_path / "missing.graphml")
    with pytest.raises(TopologyError, match=r"unknown backbone 'Atlantis'"):
        load_backbone("Atlantis", data_dir=tmp_path)


@pytest.mark.shared_data
def test_backbone_by_name_through_the_environment(shared_data: Path, monkeypatch) -> None:
    monkeypatch.setenv("AUTONET_SHARED_DATA", str(shared_data))
    G = build_topology(n_sites=12, seed=1, backbone="Geant2012")
    assert G.graph["backbone"] == "Geant2012"
    cores = [n for n, d in G.nodes(data=True) if d.get("role") == "core"]
    assert len(cores) == 40 and all(c.startswith("BB-") for c in cores)


def _hand_backbone() -> nx.Graph:
    B = nx.Graph(name="hand")
    B.add_node("BB-A", kind="router", role="core", x_km=0.0, y_km=0.0)
    B.add_node("BB-B", kind="router", role="core", x_km=30.0, y_km=0.0)
    B.add_edge("BB-A", "BB-B", relation="link", medium="fibre", link_id="BB-A--BB-B",
               capacity_mbps=10_000.0, latency_ms=0.2)  # fmt: skip
    return B


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (
            lambda B: B.nodes["BB-B"].pop("x_km"),
            r"backbone router 'BB-B': missing attribute 'x_km'",
        ),
        (lambda B: B.nodes["BB-A"].update(kind="site"), r"backbone node 'BB-A': kind 'site', "),
        (
            lambda B: B.edges["BB-A", "BB-B"].update(capacity_mbps=-1.0),
            r"backbone link \('BB-A', 'BB-B'\): attribute 'capacity_mbps' = -1\.0 is invalid "
            r"\(expected a number > 0",
        ),
        (lambda B: B.edges["BB-A", "BB-B"].pop("relation"), r"relation None, expected 'link'"),
        (lambda B: B.remove_nodes_from(list(B)), r"backbone is empty"),
    ],
)
def test_bad_backbone_graphs_are_rejected(breakage, message: str) -> None:
    B = _hand_backbone()
    validate_backbone(B)  # the intact one is fine
    breakage(B)
    with pytest.raises(TopologyError, match=message):
        build_topology(n_sites=10, backbone=B)
    with pytest.raises(TopologyError, match=r"backbone must be an undirected networkx.Graph"):
        validate_backbone(nx.DiGraph(B))
