"""validate_topology: every kind of broken graph is rejected with a message naming the culprit."""

from __future__ import annotations

from collections.abc import Callable

import networkx as nx
import pytest

from autonet.twin.builder import three_cell_topology
from autonet.twin.validate import TopologyError, validate_topology


def _broken(mutate: Callable[[nx.Graph], object]) -> nx.Graph:
    G = three_cell_topology()
    mutate(G)
    return G


CASES: list[tuple[str, Callable[[nx.Graph], object], str]] = [
    ("missing kind", lambda G: G.nodes["S1"].pop("kind"), r"node 'S1': missing attribute 'kind'"),
    (
        "unknown kind",
        lambda G: G.add_node("X1", kind="antenna"),
        r"node 'X1': unknown kind 'antenna'",
    ),
    (
        "cell without site",
        lambda G: G.nodes["S1-C1"].update(site="S9"),
        r"cell 'S1-C1': site='S9' must name a site node, found no such node",
    ),
    (
        "cell site names a router",
        lambda G: G.nodes["S1-C1"].update(site="AR1"),
        r"cell 'S1-C1': site='AR1' must name a site node, found a 'router' node",
    ),
    (
        "negative capacity",
        lambda G: G.edges["AR1", "AGG1"].update(capacity_mbps=-5.0),
        r"link 'AR1--AGG1' edge \(.*\): attribute 'capacity_mbps' = -5.0 is invalid "
        r"\(expected a number > 0",
    ),
    (
        "neighbour between non-cells",
        lambda G: G.add_edge("S1", "S2", relation="neighbour", overlap=0.1, distance_km=1.0),
        r"edge \('S1', 'S2'\): a 'neighbour' edge cannot join a site and a site "
        r"\(allowed: cell-cell\)",
    ),
    (
        "overlap out of range",
        lambda G: G.edges["S1-C1", "S2-C1"].update(overlap=1.5),
        r"attribute 'overlap' = 1.5 is invalid \(expected a number in \[0, 1\]\)",
    ),
    (
        "prbs not an integer",
        lambda G: G.nodes["S3-C1"].update(prbs=106.0),
        r"cell 'S3-C1': attribute 'prbs' = 106.0 is invalid \(expected an integer >= 1\)",
    ),
    (
        "unknown area",
        lambda G: G.nodes["S2"].update(area="desert"),
        r"site 'S2': attribute 'area' = 'desert'",
    ),
    (
        "missing relation",
        lambda G: G.add_edge("AR1", "AR2"),
        r"edge \('AR1', 'AR2'\): relation None is missing",
    ),
    (
        "duplicate link id",
        lambda G: G.edges["AR2", "AGG1"].update(link_id="AR1--AGG1"),
        r"link_id 'AR1--AGG1' is already used",
    ),
    (
        "site not connected to a UPF",
        lambda G: G.remove_edge("AR3", "AGG1"),
        r"site 'S3': its router 'AR3' has no path of transport links to a data centre "
        r"hosting a UPF",
    ),
    ("no UPF", lambda G: G.remove_node("UPF1"), r"topology has no UPF"),
    (
        "nf on a missing dc edge",
        lambda G: G.remove_edge("UPF1", "DC1"),
        r"nf 'UPF1': expected a 'hosted_on' edge to its dc 'DC1'",
    ),
    (
        "NaN position",
        lambda G: G.nodes["AR1"].update(x_km=float("nan")),
        r"router 'AR1': attribute 'x_km' = nan",
    ),
]


@pytest.mark.parametrize(("mutate", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_validate_rejects(mutate: Callable[[nx.Graph], object], message: str) -> None:
    with pytest.raises(TopologyError, match=message):
        validate_topology(_broken(mutate))


def test_validate_accepts_canonical_and_never_mutates() -> None:
    G = three_cell_topology()
    before = nx.node_link_data(G, edges="links")
    validate_topology(G)
    assert nx.node_link_data(G, edges="links") == before


def test_validate_rejects_non_graphs() -> None:
    with pytest.raises(TopologyError, match=r"undirected networkx\.Graph, got DiGraph"):
        validate_topology(nx.DiGraph())
    with pytest.raises(TopologyError, match="topology is empty"):
        validate_topology(nx.Graph())
    assert issubclass(TopologyError, ValueError)
