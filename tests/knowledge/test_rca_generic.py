"""Root-cause localisation on a plain device graph (adjacency matrix), with and without priors."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from autonet.knowledge.rca import RCAInputError, RootCauseLocator, normalize_priors


def huawei_log(rows: list[tuple[int, int, int]]) -> pd.DataFrame:
    """Rows of (alarm type, device, start second) in the ../shared/data/alarms format."""
    return pd.DataFrame(
        [(a, d, t, t + 30) for a, d, t in rows],
        columns=["alarm_id", "device_id", "start_timestamp", "end_timestamp"],
    )


@pytest.fixture(scope="module")
def path4() -> nx.Graph:
    # 0 - 1 - 2 - 3, from an adjacency matrix as in the alarm data sets
    adj = np.zeros((4, 4))
    for i in range(3):
        adj[i, i + 1] = adj[i + 1, i] = 1
    return nx.relabel_nodes(nx.from_numpy_array(adj), str)


def test_the_earlier_of_two_adjacent_alarms_is_the_root(path4: nx.Graph) -> None:
    loc = RootCauseLocator().fit(path4)
    assert loc.locate(huawei_log([(5, 1, 10), (7, 2, 12)]))[0].node == "1"
    assert loc.locate(huawei_log([(5, 1, 12), (7, 2, 10)]))[0].node == "2"


def test_alarms_beyond_max_hops_are_not_explained(path4: nx.Graph) -> None:
    # Device 3 is two hops from 1: with max_hops=1 the alarm on 1 cannot explain it.
    found = RootCauseLocator(max_hops=1).fit(path4).locate(huawei_log([(5, 1, 10), (7, 3, 11)]))
    assert found[0].explained == []
    assert {h.node for h in found[:2]} == {"1", "3"}
    wide = RootCauseLocator(max_hops=2).fit(path4).locate(huawei_log([(5, 1, 10), (7, 3, 11)]))
    assert wide[0].node == "1"
    assert wide[0].explained == ["3"]


def test_priors_decide_the_direction_between_simultaneous_alarms(path4: nx.Graph) -> None:
    log = huawei_log([(5, 1, 10), (7, 2, 10)])
    # Without priors the tie goes to the first name; type 7 causing type 5 flips it.
    assert RootCauseLocator().fit(path4).locate(log)[0].node == "1"
    with_prior = RootCauseLocator(priors={"7": {"5": 0.9}}).fit(path4).locate(log)
    assert (with_prior[0].node, with_prior[0].fault_type) == ("2", "alarm:7")
    assert with_prior[0].explained == ["1"]


def test_prior_matrix_uses_the_alarm_ids_as_indices(path4: nx.Graph) -> None:
    prior = np.zeros((8, 8))
    prior[7, 5] = 1.0
    found = RootCauseLocator(priors=prior).fit(path4).locate(huawei_log([(5, 1, 10), (7, 2, 10)]))
    assert found[0].node == "2"


def test_integer_node_graph_matches_string_device_ids() -> None:
    G = nx.path_graph(3)  # nodes 0, 1, 2 as integers
    found = RootCauseLocator().fit(G).locate(huawei_log([(1, 0, 5), (2, 1, 6)]))
    assert found[0].node == "0"


def test_unknown_device_is_named(path4: nx.Graph) -> None:
    with pytest.raises(RCAInputError, match="'9'"):
        RootCauseLocator().fit(path4).locate(huawei_log([(5, 9, 10)]))


@pytest.mark.parametrize(
    ("priors", "message"),
    [
        (np.zeros((3, 4)), "square"),
        ({"a": {"b": 1.5}}, r"'a' -> 'b' is 1.5"),
        ({"a": {"b": float("nan")}}, "'a' -> 'b'"),
        ({"a": 3}, r"priors\['a'\]"),
        ({"a": {"b": "x"}}, "expected a number"),
    ],
)
def test_bad_priors_are_named(priors: object, message: str) -> None:
    with pytest.raises(RCAInputError, match=message):
        normalize_priors(priors)


def test_priors_from_a_frame_and_named_matrix() -> None:
    frame = pd.DataFrame([[0.0, 0.4], [0.0, 0.0]], index=["A", "B"], columns=["A", "B"])
    assert normalize_priors(frame) == {"A": {"B": 0.4}}
    assert normalize_priors(np.array([[0, 1], [0, 0]]), ["X", "Y"]) == {"X": {"Y": 1.0}}
    with pytest.raises(RCAInputError, match="3 type names"):
        normalize_priors(np.zeros((2, 2)), ["X", "Y", "Z"])
