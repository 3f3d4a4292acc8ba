"""``autonet twin simulate``: summary, outputs, faults and clear errors with exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner, Result

from autonet.platform.cli import build_app
from autonet.platform.cli.twin import FaultSpec, parse_fault
from autonet.twin.kpis import CELL_COUNTERS

runner = CliRunner()


def _run(*args: str) -> Result:
    return runner.invoke(build_app(), ["twin", "simulate", *args])


def _text(output: str) -> str:
    """The output without Rich's box drawing and line wrapping."""
    return " ".join(re.sub(r"[\u2500-\u257f]", " ", output).split())


def test_json_summary_of_a_small_run() -> None:
    result = _run("--sites", "3", "--days", "0.25", "--seed", "5", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["cells"] == 9 and summary["sites"] == 3 and summary["steps"] == 24
    assert summary["users_peak"] >= summary["users_mean"] > 0
    assert 0 < summary["busy_hour_prb_util_pct"] <= 100
    # 9 cells drawing at least their 130 W static power for 6 h
    assert summary["energy_kwh"] >= 9 * 0.130 * 6
    assert summary["faults"] == [] and summary["alarms_raised"] == 0


def test_table_output_names_the_figures() -> None:
    result = _run("--sites", "2", "--days", "0.1")
    assert result.exit_code == 0, result.output
    for label in ("cells", "users_peak", "busy_hour_prb_util_pct", "energy_kwh", "alarms"):
        assert label in result.stdout


def test_fault_is_injected_cleared_and_reported() -> None:
    result = _run("--sites", "3", "--days", "0.25", "--fault", "cell_outage@S0001-C1@1:2",
                  "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    (fault,) = summary["faults"]
    assert fault["type"] == "cell_outage" and fault["root"] == "S0001-C1"
    assert fault["start"] == "2026-01-05T01:00:00" and fault["end"] == "2026-01-05T03:00:00"
    assert summary["alarms_raised"] >= 1 and summary["alarms_active_at_end"] == 0


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_out_writes_the_wide_kpis(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"kpis{suffix}"
    result = _run("--sites", "2", "--days", "0.05", "--out", str(out), "--json")
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out)
    assert len(frame) == 5 * 6  # round(0.05 x 96) steps x 6 cells
    assert list(frame.columns) == ["time", "cell", *(c.name for c in CELL_COUNTERS)]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--sites", "0"], 2, "--sites"),
        (["--days", "-1"], 2, "--days"),
        (["--days", "0.001"], 2, "less than one 15-minute step"),
        (["--fault", "meteor@S0001-C1"], 2, "unknown fault type 'meteor'"),
        (["--fault", "cell_outage"], 2, "TYPE@TARGET"),
        (["--fault", "cell_outage@S0001-C1@x"], 2, "not a number of hours"),
        (["--fault", "cell_outage@NOPE"], 3, "NOPE"),
        (["--fault", "cell_outage@S0001-C1@30"], 3, "after the simulation ends"),
        (["--out", "kpis.txt"], 3, ".parquet or .csv"),
        (["--out", "/no/such/folder/k.csv"], 4, "does not exist"),
        (["--sites", "abc"], 2, "--sites"),
        (["--sites", "200001"], 2, "must be in 1..200000 (got 200001)"),
        (["--days", "nan"], 2, "must be a number of days in (0, 366]"),
        (["--seed", "-1"], 2, "must be an integer >= 0 (got -1)"),
        (["--seed", "x"], 2, "--seed"),
        (["--backbone", ""], 2, "must name a backbone"),
        (["--fault", "cell_outage@S0001-C1@1:0"], 2, "DURATION_H in"),
        (["--fault", "cell_outage@S0001-C1@1:"], 2, "DURATION_H is missing after ':'"),
        (["--fault", "cell_outage@S0001-C1@-1"], 2, "START_HOUR in"),
        (["--fault", "fibre_cut@S0001-C1"], 3, "targets a link"),
        (["--fault", "upf_overload@UPF-X"], 3, "UPF-X"),
        (
            ["--fault", "cell_outage@S0001-C1@1:2", "--fault", "cell_outage@S0001-C1@2"],
            3,
            "given twice at overlapping times",
        ),
        (["--bogus"], 2, "No such option"),
    ],
)
def test_bad_values_fail_clearly(args: list[str], code: int, message: str) -> None:
    result = _run("--sites", "2", "--days", "0.25", *args)
    assert result.exit_code == code, result.output
    assert message in _text(result.output)


def test_the_same_fault_again_after_it_cleared() -> None:
    faults = ("--fault", "cell_outage@S0001-C1@1:1", "--fault", "cell_outage@S0001-C1@3")
    result = _run("--sites", "2", "--days", "0.25", "--json", *faults)
    assert result.exit_code == 0, result.output
    spans = [
        (f["start"][11:16], f["end"] and f["end"][11:16])
        for f in json.loads(result.stdout)["faults"]
    ]
    assert spans == [("01:00", "02:00"), ("03:00", None)]


def test_summary_matches_the_written_kpis(tmp_path: Path) -> None:
    # the summary is accumulated step by step; check it against the KPIs written with --out
    out = tmp_path / "k.parquet"
    args = ("--sites", "3", "--days", "0.25", "--seed", "4", "--json")
    result = _run(*args, "--out", str(out), "--fault", "cell_outage@S0001-C2@2:1")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    frame = pd.read_parquet(out)
    per_step = frame.groupby("time")
    users = per_step["RRC.ConnMean"].sum()
    assert summary["users_peak"] == pytest.approx(users.max(), rel=1e-5)
    assert summary["users_mean"] == pytest.approx(users.mean(), rel=1e-5)
    assert summary["energy_kwh"] == pytest.approx(frame["PEE.Energy"].sum() / 1000, rel=1e-5)
    assert summary["lost_user_steps"] == pytest.approx(frame["KQI.LostUsers"].sum(), rel=1e-5)
    assert summary["lost_user_steps"] > 0  # the outage lost some users for an hour
    busy = per_step["KQI.OfferedDlMbps"].sum().idxmax()
    at_busy = frame[(frame["time"] == busy) & (frame["KQI.Available"] > 0)]
    assert summary["busy_hour"] == pd.Timestamp(busy).isoformat()
    assert summary["busy_hour_prb_util_pct"] == pytest.approx(at_busy["RRU.PrbUsedDl"].mean())
    without = json.loads(_run(*args, "--fault", "cell_outage@S0001-C2@2:1").stdout)
    assert without == {k: v for k, v in summary.items() if k != "out"}


def test_out_into_a_folder_is_refused(tmp_path: Path) -> None:
    result = _run("--sites", "2", "--days", "0.05", "--out", str(tmp_path))
    assert result.exit_code in (3, 4)  # a folder has no .csv/.parquet suffix either
    assert not any(tmp_path.iterdir())


def test_unknown_backbone_is_not_found() -> None:
    result = _run("--sites", "2", "--days", "0.05", "--backbone", "NoSuchNet2099")
    assert result.exit_code == 4, result.output
    assert "NoSuchNet2099" in result.output


def test_real_backbone(shared_data: Path) -> None:
    result = _run("--sites", "12", "--days", "0.05", "--backbone", "Geant2012", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["cells"] == 36


def test_parse_fault() -> None:
    assert parse_fault("fibre_cut@AR1--AGG1@7.5:2") == FaultSpec("fibre_cut", "AR1--AGG1", 7.5, 2.0)
    assert parse_fault("interference@S1-C1") == FaultSpec("interference", "S1-C1", 0.0, None)


def test_counters_lists_the_kpi_definitions() -> None:
    result = runner.invoke(build_app(), ["twin", "counters", "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["name"]: r for r in json.loads(result.stdout)}
    assert rows["PEE.AvgPower"]["unit"] == "W" and rows["TN.LinkUtil"]["level"] == "link"
    assert set(rows) >= {c.name for c in CELL_COUNTERS}
    table_out = runner.invoke(build_app(), ["twin", "counters"])
    assert table_out.exit_code == 0 and "RRU.PrbUsedDl" in table_out.stdout
