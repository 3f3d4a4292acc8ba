"""``autonet rca`` on tiny alarm logs and topologies written to tmp_path."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from typer.testing import CliRunner

from autonet.platform.cli import build_app
from autonet.twin.builder import chain_topology

runner = CliRunner()


def flat(text: str) -> str:
    """Output without whitespace: Rich wraps long lines at the console width."""
    return "".join(text.split())


@pytest.fixture
def plain(tmp_path: Path) -> tuple[Path, Path]:
    """Path graph 0-1-2-3 as .npy; type 5 on device 1 at t=100, then type 7 on 0 and 2."""
    adj = np.zeros((4, 4))
    for i in range(3):
        adj[i, i + 1] = adj[i + 1, i] = 1
    np.save(tmp_path / "topology.npy", adj)
    (tmp_path / "alarm.csv").write_text(
        "alarm_id,device_id,start_timestamp,end_timestamp\n"
        "5,1,100,130\n7,2,102,140\n7,0,103,140\n9,3,5000,5010\n"
    )
    return tmp_path / "alarm.csv", tmp_path / "topology.npy"


def test_json_ranks_the_first_alarm_as_root(plain: tuple[Path, Path]) -> None:
    alarms, topo = plain
    args = ["rca", "--alarms", str(alarms), "--topology", str(topo), "--window", "0:1000", "--json"]
    result = runner.invoke(build_app(), args)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["alarms"] == 3  # the alarm at t=5000 is outside the window
    top = out["hypotheses"][0]
    assert (top["node"], top["fault_type"], top["explained"]) == ("1", "alarm:5", ["0", "2"])


def test_table_output_lists_the_hypotheses(
    plain: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "160")  # Rich sizes its tables from it
    alarms, topo = plain
    result = runner.invoke(
        build_app(), ["rca", "--alarms", str(alarms), "--topology", str(topo)], terminal_width=200
    )
    assert result.exit_code == 0, result.output
    assert flat("Root-cause hypotheses for 4 alarm(s)") in flat(result.output)
    assert "alarm:5" in result.output


def test_twin_topology_as_graphml(tmp_path: Path) -> None:
    G = chain_topology()
    nx.write_graphml(G, tmp_path / "chain.graphml")
    (tmp_path / "alarms.csv").write_text(
        "alarm_id,alarm_type,node,raised_at\n"
        "A1,LINK_DOWN,AR1--AR2,2026-01-05T10:00:00\n"
        "A2,GNB_DISCONNECTED,S2,2026-01-05T10:00:03\n"
        "A3,CELL_UNAVAILABLE,S2-C1,2026-01-05T10:00:04\n"
    )
    result = runner.invoke(
        build_app(),
        [
            "rca",
            "--alarms",
            str(tmp_path / "alarms.csv"),
            "--topology",
            str(tmp_path / "chain.graphml"),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    top = json.loads(result.stdout)["hypotheses"][0]
    assert (top["node"], top["fault_type"], top["explained"]) == (
        "AR1--AR2",
        "fibre_cut",
        ["S2", "S2-C1"],
    )


def test_empty_window_is_a_clear_error(plain: tuple[Path, Path]) -> None:
    alarms, topo = plain
    args = ["rca", "--alarms", str(alarms), "--topology", str(topo), "--window", "0:50"]
    result = runner.invoke(build_app(), args)
    assert result.exit_code == 3
    assert flat("no alarms in window '0:50'") in flat(result.output)
    assert flat("t=100s .. t=5000s") in flat(result.output)


def test_unknown_device_is_named(plain: tuple[Path, Path], tmp_path: Path) -> None:
    _, topo = plain
    (tmp_path / "bad.csv").write_text(
        "alarm_id,device_id,start_timestamp,end_timestamp\n5,42,100,130\n"
    )
    result = runner.invoke(
        build_app(), ["rca", "--alarms", str(tmp_path / "bad.csv"), "--topology", str(topo)]
    )
    assert result.exit_code == 3
    assert flat("not in the topology: '42'") in flat(result.output)


def test_priors_file_flips_the_root(plain: tuple[Path, Path], tmp_path: Path) -> None:
    _, topo = plain
    (tmp_path / "same.csv").write_text(
        "alarm_id,device_id,start_timestamp,end_timestamp\n5,1,100,130\n7,2,100,140\n"
    )
    prior = np.zeros((8, 8))
    prior[7, 5] = 0.8
    np.save(tmp_path / "prior.npy", prior)
    args = ["rca", "--alarms", str(tmp_path / "same.csv"), "--topology", str(topo), "--json"]
    plain_top = json.loads(runner.invoke(build_app(), args).stdout)["hypotheses"][0]
    result = runner.invoke(build_app(), [*args, "--priors", str(tmp_path / "prior.npy")])
    assert result.exit_code == 0, result.output
    assert plain_top["node"] == "1"
    assert json.loads(result.stdout)["hypotheses"][0]["node"] == "2"


@pytest.mark.parametrize(
    ("which", "content", "code", "message"),
    [
        ("alarms", None, 4, "does not exist"),
        ("alarms", "when,what\n1,2\n", 3, "expected ['alarm_type', 'node', 'raised_at']"),
        ("alarms", "alarm_id,device_id,start_timestamp\n", 3, "has no rows"),
        (
            "alarms",
            "alarm_id,device_id,start_timestamp\n5,1,soon\n",
            3,
            "row 1, field start_timestamp",
        ),
        ("window", "9:1", 3, "END is before START"),
        ("priors", "x", 3, "unknown extension"),
    ],
)
def test_bad_input_exits_with_a_named_error(
    plain: tuple[Path, Path],
    tmp_path: Path,
    which: str,
    content: str | None,
    code: int,
    message: str,
) -> None:
    alarms, topo = plain
    args = ["rca", "--alarms", str(alarms), "--topology", str(topo)]
    if which == "alarms":
        path = tmp_path / "in.csv"
        if content is not None:
            path.write_text(content)
        args[2] = str(path)
    elif which == "window":
        args += ["--window", content or ""]
    else:
        (tmp_path / "prior.txt").write_text(content or "")
        args += ["--priors", str(tmp_path / "prior.txt")]
    result = runner.invoke(build_app(), args, terminal_width=300)
    assert result.exit_code == code, result.output
    assert flat(message) in flat(result.output)
