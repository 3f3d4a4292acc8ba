"""The topology-aware partial score: hop distance between predicted and true roots."""

from __future__ import annotations

import math

import networkx as nx
import pytest

from autonet.knowledge.rca import topology_distance


@pytest.fixture
def path4() -> nx.Graph:
    G = nx.path_graph(["a", "b", "c", "d"])  # a - b - c - d
    nx.set_edge_attributes(G, "link", "relation")
    G.edges["a", "b"]["link_id"] = "L-ab"
    G.edges["c", "d"]["link_id"] = "L-cd"
    return G


@pytest.mark.parametrize(
    ("predicted", "true", "hops"),
    [
        ("a", "a", 0.0),
        ("a", "b", 1.0),
        ("a", "d", 3.0),
        ("d", "b", 2.0),
        ("L-ab", "a", 0.5),  # a link sits halfway between its ends
        ("L-ab", "d", 2.5),
        ("L-ab", "L-cd", 2.0),
        ("L-ab", "L-ab", 0.0),
        ("b~c", "a", 1.5),  # an edge without link_id is named by its sorted ends
    ],
)
def test_hand_values_on_a_4_node_path(
    path4: nx.Graph, predicted: str, true: str, hops: float
) -> None:
    assert topology_distance(path4, predicted, true) == hops


def test_radio_neighbour_relations_are_not_walked(path4: nx.Graph) -> None:
    path4.add_edge("a", "d", relation="neighbour")
    assert topology_distance(path4, "a", "d") == 3.0


def test_disconnected_elements_are_infinitely_far(path4: nx.Graph) -> None:
    path4.add_node("z")
    assert math.isinf(topology_distance(path4, "a", "z"))


def test_unknown_element_is_named(path4: nx.Graph) -> None:
    with pytest.raises(KeyError, match="'nowhere'"):
        topology_distance(path4, "nowhere", "a")


def test_graph_is_not_mutated(path4: nx.Graph) -> None:
    before = nx.to_dict_of_dicts(path4)
    topology_distance(path4, "L-ab", "d")
    assert nx.to_dict_of_dicts(path4) == before
