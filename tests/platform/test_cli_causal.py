"""``autonet causal learn`` on a tiny synthetic log with a known graph, and its bad inputs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from autonet.platform.cli import build_app
from autonet.platform.cli._output import EXIT_INPUT, EXIT_NOT_FOUND

runner = CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A 6-device ring; type 0 on a device raises type 2 on a neighbour ~15 s later; 1 is noise."""
    rng = np.random.default_rng(0)
    n, span = 6, 36 * 3600.0
    rows: list[tuple[int, int, float]] = []
    for device in range(n):
        for alarm in (0, 1):
            rows += [(alarm, device, t) for t in rng.uniform(0, span, rng.poisson(100))]
    rows += [
        (2, (d + rng.choice([-1, 1])) % n, t + rng.exponential(15.0))
        for a, d, t in list(rows)
        if a == 0
    ]
    folder = tmp_path_factory.mktemp("causal-cli")
    frame = pd.DataFrame(rows, columns=["alarm_id", "device_id", "start_timestamp"])
    frame["start_timestamp"] = frame["start_timestamp"].round().astype(int)
    frame["end_timestamp"] = frame["start_timestamp"] + 30
    frame.sort_values("start_timestamp").to_csv(folder / "alarm.csv", index=False)
    ring = np.zeros((n, n), dtype=int)
    for d in range(n):
        ring[d, (d + 1) % n] = ring[(d + 1) % n, d] = 1
    np.save(folder / "topology.npy", ring)
    prior = -np.ones((3, 3))
    prior[1, 0] = 1  # required although the data has no evidence for it
    np.save(folder / "prior.npy", prior)
    np.save(folder / "prior_bad.npy", -np.ones((2, 2)))  # the log has 3 types
    (folder / "no_device.csv").write_text("alarm_id,start_timestamp\n0,1\n")
    return {p.stem: p for p in folder.iterdir()}


def _learn(*args: str | Path) -> object:
    return runner.invoke(build_app(), ["causal", "learn", *map(str, args)])


def test_json_output_is_the_true_graph(files: dict[str, Path]) -> None:
    result = _learn("--alarms", files["alarm"], "--topology", files["topology"], "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["labels"] == ["0", "1", "2"]
    assert [(e["cause"], e["effect"]) for e in doc["edges"]] == [("0", "2")]
    assert doc["adjacency"] == [[0, 0, 1], [0, 0, 0], [0, 0, 0]]
    assert 0.8 < doc["edges"][0]["strength"] <= 1.0


def test_prior_and_out_file(files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "graph.json"
    result = _learn(
        "--alarms", files["alarm"], "--topology", files["topology"],
        "--prior", files["prior"], "--out", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "2 causal edges among 3 alarm types" in result.stdout
    assert json.loads(out.read_text())["adjacency"] == [[0, 0, 1], [1, 0, 0], [0, 0, 0]]


@pytest.mark.parametrize(
    ("alarms", "topology", "extra", "code", "message"),
    [
        ("no_device", "topology", (), EXIT_INPUT, "missing column(s) device_id"),
        ("alarm", "missing", (), EXIT_NOT_FOUND, "does not exist"),
        (
            "alarm",
            "topology",
            ("--prior", "prior_bad"),
            EXIT_INPUT,
            "outside the prior's 2 alarm types",
        ),
        ("alarm", "alarm", (), EXIT_INPUT, "is not a number"),
    ],
)
def test_bad_inputs_exit_with_a_clear_message(
    files: dict[str, Path],
    alarms: str,
    topology: str,
    extra: tuple[str, ...],
    code: int,
    message: str,
) -> None:
    args = [str(files[x]) if x in files else x for x in extra]
    topo = files.get(topology, files["alarm"].parent / "missing.npy")
    result = _learn("--alarms", files[alarms], "--topology", topo, *args)
    assert result.exit_code == code
    assert message in " ".join(result.output.split())


def test_out_in_a_missing_folder_writes_nothing(files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "absent" / "graph.json"
    result = _learn("--alarms", files["alarm"], "--topology", files["topology"], "--out", out)
    assert result.exit_code == EXIT_NOT_FOUND
    assert "folder" in result.output and not out.exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [("often", "'often' is neither 'auto' nor a number"), ("-1", "'-1' must be >= 0")],
)
def test_bad_penalty_is_a_usage_error(tmp_path, value: str, message: str) -> None:
    result = CliRunner().invoke(
        build_app(),
        [
            "causal",
            "learn",
            "--alarms",
            str(tmp_path / "a.csv"),
            "--topology",
            str(tmp_path / "t.npy"),
            "--penalty",
            value,
        ],
    )
    assert result.exit_code == 2
    assert message in " ".join(result.output.replace("│", " ").split())
