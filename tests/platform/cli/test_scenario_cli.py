"""``autonet scenario list|run|compare``: tables, JSON, the report, and clear usage errors."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner, Result

from autonet.platform.cli import build_app
from autonet.platform.cli.scenario import parse_opts
from autonet.platform.scenarios import (
    SCENARIOS,
    MetricSpec,
    PolicyResult,
    Scenario,
    ScenarioParams,
    TargetCheck,
)
from autonet.platform.scenarios.common import build_scenario_twin, threshold_target

runner = CliRunner()


class Sleepers(Scenario):
    """A small real scenario: ``agentic`` sleeps two cells, ``rules`` one, ``none`` none."""

    name: ClassVar[str] = "sleepers"
    title: ClassVar[str] = "Sleeping cells"
    metrics: ClassVar[tuple[MetricSpec, ...]] = (
        MetricSpec("energy_kwh", "RAN energy", "kWh", "lower"),
        MetricSpec("asleep", "cells asleep", "cells", "higher", ".0f"),
    )
    plots: ClassVar[tuple[tuple[str, str, str], ...]] = (("power_w", "RAN power", "W"),)
    option_defaults: ClassVar[Mapping[str, Any]] = {"extra": 0}
    default_days: ClassVar[float] = 0.25

    def run(
        self,
        params: ScenarioParams,
        policy: str,
        *,
        workdir: Path,
        progress: Callable[[int, int], None] | None = None,
    ) -> PolicyResult:
        twin = build_scenario_twin(params)
        n = {"none": 0, "rules": 1, "agentic": 2}[policy] + self.resolved_options(params)["extra"]
        for cell in twin.compiled.cell_ids[:n]:
            twin.apply("sleep", cell)
        rows = []
        for k in range(params.steps):
            res = twin.step()
            rows.append({"time": res.time, "power_w": float(res.cell["PEE.AvgPower"].sum())})
            if progress is not None:
                progress(k + 1, params.steps)
        energy = float(twin.kpi_array("PEE.Energy").sum(dtype=np.float64)) / 1000.0
        metrics = {"energy_kwh": energy, "asleep": float(n)}
        if policy == "none" and params.options.get("extra") == "-1":
            del metrics["asleep"]  # a broken scenario, for the failure exit code
        return PolicyResult(self.name, policy, params, metrics, pd.DataFrame(rows), [], 0.0)

    def targets(self, results: Mapping[str, PolicyResult]) -> list[TargetCheck]:
        return [threshold_target(results, "asleep", ">=", 2)]


@pytest.fixture(autouse=True)
def _registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(SCENARIOS, "sleepers", lambda: Sleepers)


def _run(*args: str) -> Result:
    return runner.invoke(build_app(), ["scenario", *args])


def _text(output: str) -> str:
    """The output without Rich's box drawing and line wrapping."""
    return " ".join(re.sub(r"[\u2500-\u257f]", " ", output).split())


SMALL = ("--sites", "2", "--days", "0.25", "--seed", "3")


def test_list_names_every_scenario() -> None:
    result = _run("list", "--json")
    assert result.exit_code == 0, result.output
    entries = {e["name"]: e for e in json.loads(result.stdout)}
    assert list(entries)[:4] == ["fault-healing", "event-scheduling", "slice-provisioning",
                                 "energy-saving"]  # fmt: skip
    assert entries["sleepers"] == {"name": "sleepers", "available": True,
                                   "title": "Sleeping cells", "metrics": ["energy_kwh", "asleep"],
                                   "default_days": 0.25, "options": {"extra": 0},
                                   "compare": "autonet scenario compare sleepers"}  # fmt: skip
    table = _run("list")
    assert table.exit_code == 0 and "Sleeping cells" in table.stdout and "extra=0" in table.stdout


def test_compare_prints_the_table_targets_and_report(tmp_path: Path) -> None:
    result = _run("compare", "sleepers", *SMALL, "--out", str(tmp_path / "r"))
    assert result.exit_code == 0, result.output
    text = _text(result.stdout)
    assert "Sleeping cells: 2 sites, 0.25 days, seed 3" in text
    assert "metric (v lower / ^ higher is better) agentic rules none" in text
    assert "cells asleep (cells) ^ 2 1 0" in text
    assert "targets: 1 of 1 met" in text and "asleep >= 2 (agentic) 2 yes" in text
    assert f"report: {tmp_path / 'r' / 'report.md'}" in text
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == [
        "metrics.json", "power-w.png", "report.md", "timeline.csv", "work"]  # fmt: skip


def test_compare_json_and_chosen_policies(tmp_path: Path) -> None:
    result = _run("compare", "sleepers", *SMALL, "--policies", "none,rules", "--opt", "extra=1",
                  "--out", str(tmp_path), "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["policies"] == ["none", "rules"] and doc["report"] == str(tmp_path)
    assert doc["params"]["options"] == {"extra": "1"}
    assert doc["metrics"]["rules"]["asleep"] == 2.0 and doc["metrics"]["none"]["asleep"] == 1.0
    assert doc["metrics"]["rules"]["energy_kwh"] < doc["metrics"]["none"]["energy_kwh"]
    assert doc["targets"] == [{"name": "asleep >= 2", "required": "asleep >= 2 (agentic)",
                               "measured": "n/a (agentic did not run)", "met": False}]  # fmt: skip
    assert json.loads((tmp_path / "metrics.json").read_text())["metrics"] == doc["metrics"]


def test_run_one_policy_for_the_scenario_s_default_days(tmp_path: Path) -> None:
    result = _run("run", "sleepers", "--sites", "2", "--policy", "rules", "--json",
                  "--out", str(tmp_path))  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["policies"] == ["rules"] and doc["metrics"]["rules"]["asleep"] == 1.0
    assert doc["params"]["days"] == 0.25 and doc["params"]["steps"] == 24


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("compare", "sleeper"), "unknown scenario 'sleeper'; expected one of fault-healing"),
        (("compare", "sleepers", "--sites", "0"), "sites must be an integer in 1..200000, got 0"),
        (("compare", "sleepers", "--days", "-1"), "days must be in (0, 366], got -1.0"),
        (("compare", "sleepers", "--seed", "-2"), "seed must be an integer >= 0, got -2"),
        (("compare", "sleepers", "--policies", "none,smart"), "unknown policy 'smart'"),
        (("run", "sleepers", "--policy", "manual"), "unknown policy 'manual'; expected one of"),
        (("run", "sleepers", "--opt", "extra"), "--opt 'extra': expected KEY=VALUE"),
        (("run", "sleepers", "--opt", "more=1"), "has no option 'more' (accepted: extra)"),
        (
            ("run", "sleepers", "--opt", "extra=two"),
            "option 'extra': expected an integer, got 'two'",
        ),
        (
            ("run", "sleepers", "--opt", "extra=1", "--opt", "extra=2"),
            "--opt 'extra' is given twice",
        ),
    ],
)
def test_bad_input_is_a_usage_error(args: tuple[str, ...], message: str, tmp_path: Path) -> None:
    result = _run(*args, "--out", str(tmp_path / "never"))
    assert result.exit_code == 2, result.output
    assert message in _text(result.stderr)
    assert not (tmp_path / "never").exists()  # nothing ran, nothing written


def test_a_failing_run_exits_1(tmp_path: Path) -> None:
    result = _run("run", "sleepers", *SMALL, "--policy", "none", "--opt", "extra=-1",
                  "--out", str(tmp_path / "r"))  # fmt: skip
    assert result.exit_code == 1
    assert "policy 'none' did not report metric(s) ['asleep']" in _text(result.stderr)


def test_parse_opts() -> None:
    assert parse_opts(["a=1", " b = x=y "]) == {"a": "1", "b": "x=y"}
    assert parse_opts(None) == {}
    with pytest.raises(ValueError, match="expected KEY=VALUE"):
        parse_opts(["=3"])


def test_out_holding_a_report_is_refused_without_force(tmp_path: Path) -> None:
    out = tmp_path / "r"
    first = _run("run", "sleepers", *SMALL, "--policy", "rules", "--out", str(out), "--json")
    assert first.exit_code == 0, first.output
    (out / "notes.txt").write_text("mine")
    again = _run("run", "sleepers", *SMALL, "--policy", "none", "--out", str(out), "--json")
    assert again.exit_code == 2
    assert f"report folder '{out}' exists and is not empty; use --force" in _text(again.stderr)
    assert json.loads((out / "metrics.json").read_text())["policies"] == ["rules"]  # kept
    forced = _run("run", "sleepers", *SMALL, "--policy", "none", "--out", str(out), "--json",
                  "--force")  # fmt: skip
    assert forced.exit_code == 0, forced.output
    assert json.loads((out / "metrics.json").read_text())["policies"] == ["none"]
    assert not (out / "notes.txt").exists()  # the old report was replaced as a whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]  # no staging folder left


def test_force_never_replaces_a_folder_that_is_not_a_report(tmp_path: Path) -> None:
    out = tmp_path / "home"
    out.mkdir()
    (out / "thesis.tex").write_text("years of work")
    result = _run("run", "sleepers", *SMALL, "--policy", "none", "--out", str(out), "--force")
    assert result.exit_code == 2
    assert "holds no report" in _text(result.stderr)
    assert (out / "thesis.tex").read_text() == "years of work"


def test_an_interrupted_block_leaves_no_report_and_keeps_the_old_one(tmp_path: Path) -> None:
    from autonet.platform.scenarios.report import staged_report

    out = tmp_path / "r"
    out.mkdir()
    (out / "report.md").write_text("old report")

    def interrupted_run() -> None:
        with staged_report(out, force=True) as folder:
            (folder / "timeline.csv").write_text("time\n")
            raise KeyboardInterrupt  # Ctrl-C while the report is being written

    with pytest.raises(KeyboardInterrupt):
        interrupted_run()
    assert (out / "report.md").read_text() == "old report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


def test_the_report_names_its_run_databases_and_their_size(tmp_path: Path) -> None:
    from autonet.platform.scenarios import run_scenario, write_report

    out = tmp_path / "r"
    params = ScenarioParams(sites=2, days=0.25, seed=3)
    results = {"none": run_scenario(Sleepers(), params, "none", workdir=out / "work")}
    # the loop's checkpoint store, as a run leaves it in its work folder (2,500 bytes)
    (out / "work" / "none" / "checkpoints.sqlite").write_bytes(b"y" * 2500)
    write_report(Sleepers(), results, out)
    text = (out / "report.md").read_text()
    assert "- `work/none/checkpoints.sqlite`: 2.5 kB" in text
    stores = json.loads((out / "metrics.json").read_text())["stores"]
    assert stores == [{"path": "work/none/checkpoints.sqlite", "bytes": 2500}]
