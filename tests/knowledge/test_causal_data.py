"""Reading and validating alarm logs, topologies and priors: every error names its place."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from autonet.knowledge.causal import (
    AlarmDataError,
    load_alarm_log,
    read_prior,
    read_topology,
)

PATH3 = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]])


def _csv(tmp_path: Path, text: str, name: str = "alarms.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _npy(tmp_path: Path, array: np.ndarray, name: str) -> Path:
    path = tmp_path / name
    np.save(path, array)
    return path


def test_reads_the_huawei_format(tmp_path: Path) -> None:
    alarms = _csv(
        tmp_path,
        "alarm_id,device_id,start_timestamp,end_timestamp\n2,0,30,31\n0,1,10,12\n1,2,20,20\n",
    )
    log = load_alarm_log(alarms, _npy(tmp_path, PATH3, "topo.npy"))
    assert log.labels == ("0", "1", "2")  # integer ids index the matrix directly
    np.testing.assert_array_equal(log.types, [0, 1, 2])  # sorted by time
    np.testing.assert_array_equal(log.devices, [1, 2, 0])
    np.testing.assert_array_equal(log.times, [10.0, 20.0, 30.0])
    assert (log.n_types, log.n_devices, log.n_events) == (3, 3, 3)


def test_string_labels_are_sorted(tmp_path: Path) -> None:
    alarms = _csv(tmp_path, "alarm_id,device_id,start_timestamp\nLOS,0,1\nAIS,1,2\n")
    log = load_alarm_log(alarms, PATH3)
    assert log.labels == ("AIS", "LOS")
    np.testing.assert_array_equal(log.types, [1, 0])


def test_missing_column_is_named(tmp_path: Path) -> None:
    alarms = _csv(tmp_path, "alarm_id,start_timestamp\n1,10\n")
    with pytest.raises(AlarmDataError, match=r"missing column\(s\) device_id"):
        load_alarm_log(alarms, PATH3)


def test_non_numeric_timestamp_names_row_and_field(tmp_path: Path) -> None:
    alarms = _csv(tmp_path, "alarm_id,device_id,start_timestamp\n1,0,10\n1,1,noon\n")
    with pytest.raises(AlarmDataError, match=r"row 2 \(line 3\), field start_timestamp: 'noon'"):
        load_alarm_log(alarms, PATH3)


def test_empty_timestamp_is_refused(tmp_path: Path) -> None:
    alarms = _csv(tmp_path, "alarm_id,device_id,start_timestamp\n1,0,\n")
    with pytest.raises(AlarmDataError, match=r"row 1 \(line 2\), field start_timestamp"):
        load_alarm_log(alarms, PATH3)


def test_device_outside_topology_names_row(tmp_path: Path) -> None:
    alarms = _csv(tmp_path, "alarm_id,device_id,start_timestamp\n1,0,10\n1,1,11\n0,7,12\n")
    with pytest.raises(AlarmDataError, match=r"row 3 \(line 4\), field device_id: device 7"):
        load_alarm_log(alarms, PATH3)


def test_negative_or_fractional_device_is_refused(tmp_path: Path) -> None:
    alarms = _csv(tmp_path, "alarm_id,device_id,start_timestamp\n1,1.5,10\n")
    with pytest.raises(AlarmDataError, match=r"field device_id: '1.5' is not a non-negative"):
        load_alarm_log(alarms, PATH3)


def test_empty_log_is_refused(tmp_path: Path) -> None:
    alarms = _csv(tmp_path, "alarm_id,device_id,start_timestamp\n")
    with pytest.raises(AlarmDataError, match="no events"):
        load_alarm_log(alarms, PATH3)


def test_missing_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"alarm log .*absent\.csv does not exist"):
        load_alarm_log(tmp_path / "absent.csv", PATH3)


def test_non_square_topology_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AlarmDataError, match=r"topo.npy: expected a square .* shape \(2, 3\)"):
        read_topology(_npy(tmp_path, np.zeros((2, 3)), "topo.npy"))


def test_negative_topology_entry_is_named(tmp_path: Path) -> None:
    bad = PATH3.copy()
    bad[2, 0] = -1
    with pytest.raises(AlarmDataError, match=r"entry \[2, 0\] = -1"):
        read_topology(_npy(tmp_path, bad, "topo.npy"))


def test_topology_is_symmetrised(tmp_path: Path) -> None:
    one_way = np.array([[0, 1], [0, 0]])
    np.testing.assert_array_equal(read_topology(_npy(tmp_path, one_way, "t.npy")), [[0, 1], [1, 0]])


def test_csv_topology_matrix_and_edge_list(tmp_path: Path) -> None:
    matrix = _csv(tmp_path, "0,1,0\n1,0,1\n0,1,0\n", "m.csv")
    np.testing.assert_array_equal(read_topology(matrix), PATH3)
    edges = _csv(tmp_path, "source,target\n0,1\n2,1\n", "e.csv")
    np.testing.assert_array_equal(read_topology(edges), PATH3)


def test_csv_topology_errors_name_the_cell(tmp_path: Path) -> None:
    with pytest.raises(AlarmDataError, match=r"row 2, column 3: 'x' is not a number"):
        read_topology(_csv(tmp_path, "0,1,0\n1,0,x\n0,1,0\n", "m.csv"))
    with pytest.raises(AlarmDataError, match=r"row 2 \(line 3\), field target: '-4'"):
        read_topology(_csv(tmp_path, "source,target\n0,1\n2,-4\n", "e.csv"))
    with pytest.raises(AlarmDataError, match=r"expected a .npy or .csv topology"):
        read_topology(_csv(tmp_path, "0", "t.txt"))


def test_prior_with_wrong_shape_is_refused(tmp_path: Path) -> None:
    alarms = _csv(tmp_path, "alarm_id,device_id,start_timestamp\n0,0,1\n2,1,2\n")
    prior = _npy(tmp_path, -np.ones((2, 2)), "prior.npy")
    with pytest.raises(AlarmDataError, match=r"field alarm_id: 2 is outside the prior's 2 alarm"):
        load_alarm_log(alarms, PATH3, prior)
    with pytest.raises(AlarmDataError, match=r"prior.npy: expected a square .* shape \(2, 3\)"):
        read_prior(_npy(tmp_path, -np.ones((2, 3)), "prior.npy"))
    with pytest.raises(AlarmDataError, match=r"shape \(2, 2\) does not match the 3 alarm types"):
        read_prior(_npy(tmp_path, -np.ones((2, 2)), "prior.npy"), n_types=3)


def test_prior_values_are_checked(tmp_path: Path) -> None:
    bad = -np.ones((3, 3))
    bad[1, 2] = 0.5
    with pytest.raises(AlarmDataError, match=r"entry \[1, 2\] = 0.5; expected 1 \(required\)"):
        read_prior(_npy(tmp_path, bad, "prior.npy"))
    cyclic = -np.ones((3, 3))
    cyclic[0, 1] = cyclic[1, 0] = 1
    with pytest.raises(AlarmDataError, match="both required"):
        read_prior(_npy(tmp_path, cyclic, "prior.npy"))


def test_pickled_npy_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "obj.npy"
    np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(AlarmDataError, match=r"not a readable \.npy matrix"):
        read_topology(path)
