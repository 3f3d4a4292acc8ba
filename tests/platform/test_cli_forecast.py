"""``autonet forecast``: hand-checked output on a tiny file, and every bad input named."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from autonet.platform.cli import build_app

runner = CliRunner()


def kpi_file(tmp_path: Path, suffix: str = ".csv") -> Path:
    # 6-hourly PRB of two cells over three days (a day is 4 steps), plus another counter.
    times = pd.date_range("2026-01-05", periods=12, freq="6h")
    rows = []
    for obj, values in {"S1-C1": [1, 2, 3, 4, 1, 2, 3, 4, 5, 7, 6, 8], "S1-C2": [9] * 12}.items():
        rows += [
            {"time": t, "object": obj, "counter": "RRU.PrbUsedDl", "value": v}
            for t, v in zip(times, values, strict=True)
        ]
        rows += [{"time": t, "object": obj, "counter": "DRB.UEThpDl", "value": 1.0} for t in times]
    path = tmp_path / f"kpis{suffix}"
    frame = pd.DataFrame(rows)
    frame.to_csv(path, index=False) if suffix == ".csv" else frame.to_parquet(path)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_seasonal_naive_json_repeats_the_last_day(tmp_path: Path, suffix: str) -> None:
    args = [
        "forecast",
        "--kpis",
        str(kpi_file(tmp_path, suffix)),
        "--counter",
        "RRU.PrbUsedDl",
        "--horizon",
        "24h",
        "--model",
        "seasonal-naive",
        "--json",
    ]
    result = runner.invoke(build_app(), args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["period"] == "0 days 06:00:00"
    rows = data["forecast"]
    assert [r["p50"] for r in rows if r["object"] == "S1-C1"] == [5, 7, 6, 8]
    assert [r["p50"] for r in rows if r["object"] == "S1-C2"] == [9, 9, 9, 9]
    assert rows[0]["time"] == "2026-01-08T00:00:00"


def test_table_output_and_csv_file(tmp_path: Path) -> None:
    out = tmp_path / "fc.csv"
    args = [
        "forecast",
        "--kpis",
        str(kpi_file(tmp_path)),
        "--counter",
        "RRU.PrbUsedDl",
        "--horizon",
        "12h",
        "--model",
        "ets",
        "--out",
        str(out),
    ]
    result = runner.invoke(build_app(), args)
    assert result.exit_code == 0, result.output
    assert "RRU.PrbUsedDl forecast (ets, 12h)" in result.output
    written = pd.read_csv(out)
    assert list(written.columns) == ["time", "object", "p10", "p50", "p90"] and len(written) == 4


@pytest.mark.parametrize(
    ("extra", "code", "message"),
    [
        (["--counter", "PEE.AvgPower"], 3, "no rows for counter 'PEE.AvgPower'"),
        (["--counter", "RRU.PrbUsedDl", "--horizon", "soon"], 3, "horizon: expected a duration"),
        (["--counter", "RRU.PrbUsedDl", "--model", "lstm"], 3, "--model: expected one of"),
        (
            ["--counter", "RRU.PrbUsedDl", "--horizon", "90min"],
            3,
            "not a whole number of sampling periods",
        ),
    ],
)
def test_bad_options_are_named(tmp_path: Path, extra: list[str], code: int, message: str) -> None:
    result = runner.invoke(
        build_app(), ["forecast", "--kpis", str(kpi_file(tmp_path)), *extra, "--json"]
    )
    assert result.exit_code == code
    assert message in " ".join(result.output.split())


def test_bad_files_are_named(tmp_path: Path) -> None:
    missing = runner.invoke(
        build_app(), ["forecast", "--kpis", str(tmp_path / "no.csv"), "--counter", "X"]
    )
    assert missing.exit_code == 4 and "does not exist" in missing.output
    wrong = tmp_path / "kpis.csv"
    wrong.write_text("when,cell,value\n2026-01-01,a,1\n")
    result = runner.invoke(build_app(), ["forecast", "--kpis", str(wrong), "--counter", "X"])
    assert result.exit_code == 3 and "missing column 'time'" in " ".join(result.output.split())
    text = tmp_path / "kpis.txt"
    text.write_text("x")
    result = runner.invoke(build_app(), ["forecast", "--kpis", str(text), "--counter", "X"])
    assert result.exit_code == 3 and "expected a .csv or .parquet file" in " ".join(
        result.output.split()
    )


def test_wide_file_as_the_twin_writes_it(tmp_path: Path) -> None:
    # The same PRB series in the wide layout of `autonet twin simulate --out` (time, cell, ...).
    long = pd.read_csv(kpi_file(tmp_path))
    wide = long.pivot_table(index=["time", "object"], columns="counter", values="value")
    wide = wide.reset_index().rename(columns={"object": "cell"})
    path = tmp_path / "wide.csv"
    wide.to_csv(path, index=False)
    args = ["forecast", "--kpis", str(path), "--counter", "RRU.PrbUsedDl", "--horizon", "24h"]
    result = runner.invoke(build_app(), [*args, "--model", "seasonal-naive", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["forecast"]
    assert [r["p50"] for r in rows if r["object"] == "S1-C1"] == [5, 7, 6, 8]
    missing = runner.invoke(build_app(), ["forecast", "--kpis", str(path), "--counter", "X.Y"])
    assert missing.exit_code == 3
    assert "no column for counter 'X.Y'" in missing.output
