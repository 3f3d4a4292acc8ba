"""Reading alarms, anomalies, alarm logs, topologies and windows: clear errors on bad input."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from autonet.knowledge.rca import (
    RCAInputError,
    parse_window,
    read_alarm_log,
    read_topology,
    select_window,
)
from autonet.knowledge.rca.symptoms import anomalies_to_symptoms, to_seconds, to_symptoms


def test_times_in_seconds() -> None:
    assert to_seconds(datetime(1970, 1, 1, 0, 1), "x") == 60.0
    assert to_seconds(datetime(1970, 1, 1, 1, 0, tzinfo=UTC), "x") == 3600.0
    assert to_seconds("1970-01-01T00:00:30", "x") == 30.0
    assert to_seconds("12.5", "x") == 12.5
    assert to_seconds(7, "x") == 7.0


@pytest.mark.parametrize("bad", [float("nan"), "yesterday-ish", None, True])
def test_bad_times_name_where(bad: object) -> None:
    with pytest.raises(RCAInputError, match="row 3"):
        to_seconds(bad, "row 3")


def test_log_rows_with_missing_fields_are_named() -> None:
    frame = pd.DataFrame(
        {"alarm_type": ["LINK_DOWN", None], "node": ["L1", "L2"], "raised_at": [1, 2]}
    )
    with pytest.raises(RCAInputError, match="row 2, field alarm_type"):
        to_symptoms(frame)


def test_log_with_unknown_columns_lists_the_expected_ones() -> None:
    with pytest.raises(RCAInputError, match=r"expected \['alarm_type', 'node', 'raised_at'\]"):
        to_symptoms(pd.DataFrame({"type": ["x"], "where": ["y"]}))


def test_alarm_mapping_without_a_field_is_named() -> None:
    with pytest.raises(RCAInputError, match=r"alarm 1: missing field\(s\) \['raised_at'\]"):
        to_symptoms([{"alarm_type": "LINK_DOWN", "node": "L1"}])


def test_huawei_rows_become_typed_symptoms() -> None:
    frame = pd.DataFrame({"alarm_id": [3], "device_id": [17], "start_timestamp": [120]})
    (s,) = to_symptoms(frame)
    assert (s.alarm_type, s.node, s.time_s, s.weight) == ("3", "17", 120.0, 1.0)


def test_anomaly_weight_is_score_over_one_plus_score() -> None:
    (s,) = anomalies_to_symptoms([{"object": "C1", "time": 10, "score": 3.0, "kpis": ["x"]}])
    assert (s.alarm_type, s.node, s.weight) == ("KPI_ANOMALY", "C1", 0.75)
    with pytest.raises(RCAInputError, match=r"anomaly 1: score -1\.0"):
        anomalies_to_symptoms([{"object": "C1", "time": 10, "score": -1.0}])
    with pytest.raises(RCAInputError, match=r"missing field\(s\) \['score'\]"):
        anomalies_to_symptoms([{"object": "C1", "time": 10}])


def test_read_topology_formats(tmp_path: Path) -> None:
    adj = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]])
    np.save(tmp_path / "t.npy", adj)
    G = read_topology(tmp_path / "t.npy")
    assert sorted(G.edges) == [("0", "1"), ("1", "2")]
    (tmp_path / "e.csv").write_text("source,target,relation\nR1,R2,link\nR2,R3,link\n")
    assert sorted(read_topology(tmp_path / "e.csv").edges) == [("R1", "R2"), ("R2", "R3")]
    nx.write_graphml(nx.path_graph(["x", "y"]), tmp_path / "g.graphml")
    assert list(read_topology(tmp_path / "g.graphml").edges) == [("x", "y")]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("t.txt", "x", "unknown extension '.txt'"),
        ("e.csv", "a,b\n1,2\n", "source,target"),
        ("e.csv", "source,target\nR1,\n", "row 1: empty end point"),
    ],
)
def test_read_topology_rejects_bad_files(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    (tmp_path / name).write_text(content)
    with pytest.raises(RCAInputError, match=message):
        read_topology(tmp_path / name)


def test_read_topology_rejects_non_square_matrix(tmp_path: Path) -> None:
    np.save(tmp_path / "t.npy", np.zeros((2, 3)))
    with pytest.raises(RCAInputError, match=r"shape \(2, 3\)"):
        read_topology(tmp_path / "t.npy")
    with pytest.raises(FileNotFoundError, match=r"absent\.npy"):
        read_topology(tmp_path / "absent.npy")


def test_read_alarm_log_checks_columns(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("when,what\n1,2\n")
    with pytest.raises(RCAInputError, match=r"columns \['when', 'what'\]"):
        read_alarm_log(tmp_path / "a.csv")


def test_window_parsing_and_selection() -> None:
    assert parse_window("10:20") == (10.0, 20.0)
    assert parse_window(":20") == (None, 20.0)
    assert parse_window("1970-01-01T00:00:10/1970-01-01T00:00:20") == (10.0, 20.0)
    with pytest.raises(RCAInputError, match="END is before START"):
        parse_window("20:10")
    with pytest.raises(RCAInputError, match="expected START:END"):
        parse_window("1:2:3")
    log = pd.DataFrame(
        {"alarm_id": [1, 2, 3], "device_id": [0, 0, 0], "start_timestamp": [5, 15, 25]}
    )
    assert select_window(log, 10.0, 20.0)["start_timestamp"].tolist() == [15]
