"""Import of topologies: edge-list CSV, GraphML and adjacency matrices, with row-level errors."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from autonet.knowledge.io import ImportValidationError, import_topology, topology_nodes
from autonet.knowledge.memory import (
    ImportBatch,
    TopologyEdge,
    TopologyNode,
    init_db,
    session_scope,
)


def _edges(engine: Engine) -> list[tuple[str, str, str | None, dict]]:
    with session_scope(engine) as session:
        rows = session.execute(
            sa.select(
                TopologyEdge.source, TopologyEdge.target, TopologyEdge.relation, TopologyEdge.attrs
            ).order_by(TopologyEdge.id)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def _nodes(engine: Engine) -> list[tuple[str, str | None]]:
    with session_scope(engine) as session:
        rows = session.execute(
            sa.select(TopologyNode.node_id, TopologyNode.kind).order_by(TopologyNode.id)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def test_edge_list_with_kinds_and_attributes(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "edges.csv"
    path.write_text(
        "source,target,relation,source_kind,target_kind,capacity_mbps,latency_ms\n"
        "S1-C1,S1,part_of,cell,site,,\n"
        "R1,R2,link,router,router,10000,1.5\n"
    )
    report = import_topology(engine, path)
    assert report.counts == {"topology_nodes": 4, "topology_edges": 2}
    assert _nodes(engine) == [("S1-C1", "cell"), ("R1", "router"), ("S1", "site"), ("R2", "router")]
    assert _edges(engine) == [
        ("S1-C1", "S1", "part_of", {}),
        ("R1", "R2", "link", {"capacity_mbps": 10000.0, "latency_ms": 1.5}),
    ]
    with session_scope(engine) as session:
        assert topology_nodes(session) == (1, {"S1-C1", "S1", "R1", "R2"})


def test_edge_list_errors_are_all_reported(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "edges.csv"
    path.write_text(
        "source,target,source_kind,capacity_mbps\n"
        "R1,R2,router,100\n"  # row 1: fine
        "R3,R3,router,100\n"  # row 2: self-loop
        "R2,R1,router,100\n"  # row 3: duplicate of row 1 (undirected)
        "R1,R4,site,-5\n"  # row 4: R1 was a router; negative capacity
        ",R5,router,fast\n"  # row 5: no source; not a number
    )
    with pytest.raises(ImportValidationError) as info:
        import_topology(engine, path)
    assert [(e.row, e.field) for e in info.value.errors] == [
        (2, "target"),
        (3, "target"),
        (4, "capacity_mbps"),
        (4, "source_kind"),
        (5, "capacity_mbps"),
        (5, "source"),
    ]
    assert "duplicate edge R2-R1 (row 1)" in info.value.errors[1].reason
    assert "node 'R1' was given kind 'router'" in info.value.errors[3].reason
    with session_scope(engine) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(ImportBatch)) == 0


def test_edge_list_refuses_unknown_columns(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "edges.csv"
    path.write_text("source,target,colour\nA,B,red\n")
    with pytest.raises(ImportValidationError) as info:
        import_topology(engine, path)
    (error,) = info.value.errors
    assert error.field == "colour"
    assert "unknown column; expected columns: source, target (optional: relation" in error.reason


def test_graphml_keeps_kinds_relations_and_attributes(engine: Engine, tmp_path: Path) -> None:
    graph = nx.Graph()
    graph.add_node("R1", kind="router", x_km=1.5)
    graph.add_node("DC1", kind="dc")
    graph.add_edge("R1", "DC1", relation="link", capacity_mbps=40000.0)
    nx.write_graphml(graph, tmp_path / "g.graphml")
    report = import_topology(engine, tmp_path / "g.graphml")
    assert (report.file_format, report.counts) == (
        "graphml",
        {"topology_nodes": 2, "topology_edges": 1},
    )
    assert _nodes(engine) == [("R1", "router"), ("DC1", "dc")]
    assert _edges(engine) == [("R1", "DC1", "link", {"capacity_mbps": 40000.0})]


def test_malformed_graphml_is_refused(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "g.graphml"
    path.write_text("<graphml><graph><node id='a'></graph>")
    with pytest.raises(ImportValidationError, match="not a valid GraphML file"):
        import_topology(engine, path)


def test_adjacency_matrix_symmetric_and_directed(engine: Engine, tmp_path: Path) -> None:
    np.save(tmp_path / "sym.npy", np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]]))
    import_topology(engine, tmp_path / "sym.npy")
    assert [(s, t) for s, t, _, _ in _edges(engine)] == [("0", "1"), ("1", "2")]
    np.save(tmp_path / "dir.npy", np.array([[0, 1], [0, 0]]))
    import_topology(engine, tmp_path / "dir.npy")
    assert _edges(engine)[-1] == ("0", "1", None, {"weight": 1.0, "directed": True})
    with session_scope(engine) as session:
        assert topology_nodes(session) == (2, {"0", "1"})  # the newest topology


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        (np.zeros((2, 3)), "square adjacency matrix"),
        (np.array([[0.0, np.nan], [1.0, 0.0]]), "not a finite number"),
        (np.array([[1, 0], [0, 0]]), "self-loop on the diagonal"),
    ],
)
def test_bad_adjacency_matrices(
    engine: Engine, tmp_path: Path, matrix: np.ndarray, message: str
) -> None:
    np.save(tmp_path / "m.npy", matrix)
    with pytest.raises(ImportValidationError, match=message):
        import_topology(engine, tmp_path / "m.npy")


def test_unknown_topology_format(engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "t.json").write_text("{}")
    with pytest.raises(ImportValidationError, match=r"unknown topology file type '\.json'"):
        import_topology(engine, tmp_path / "t.json")
    with pytest.raises(ValueError, match="unknown topology format 'gml'"):
        import_topology(engine, tmp_path / "t.json", file_format="gml")


@pytest.mark.shared_data
def test_real_topology_zoo_backbone(shared_data: Path, tmp_path: Path) -> None:
    source = shared_data / "topology" / "zoo" / "Abilene.graphml"
    expected = nx.read_graphml(source)
    engine = init_db(f"sqlite:///{tmp_path / 'zoo.db'}")
    try:
        report = import_topology(engine, source)
        assert report.counts == {
            "topology_nodes": 11,  # MANIFEST.md: Abilene, 11 nodes
            "topology_edges": expected.number_of_edges(),
        }
        with session_scope(engine) as session:
            labels = session.scalars(sa.select(TopologyNode.attrs["label"].as_string())).all()
        assert set(labels) == {d["label"] for _, d in expected.nodes(data=True)}
    finally:
        engine.dispose()
