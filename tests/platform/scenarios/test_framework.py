"""The scenario framework: parameters, registry, run/compare on identical twins, the report."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest

from autonet.platform.scenarios import (
    POLICIES,
    MetricSpec,
    PolicyResult,
    Scenario,
    ScenarioError,
    ScenarioParams,
    TargetCheck,
    compare_scenario,
    get_scenario,
    parse_policies,
    run_scenario,
    scenario_names,
    write_report,
)
from autonet.platform.scenarios.common import (
    FieldRepair,
    RepairModel,
    build_scenario_twin,
    operator_approver,
    reduction_target,
    relative_reduction,
    threshold_target,
)

SLEEP_W = 75.0  # EARTH macro cell asleep (autonet.twin.energy.PowerModel.p_sleep_w)


class TinyEnergy(Scenario):
    """A real, small scenario: some cells sleep for the whole run (none: 0, rules: 1,
    agentic: ``sleepers``); reports RAN energy and the first cell's power."""

    name: ClassVar[str] = "tiny-energy"
    title: ClassVar[str] = "Tiny energy check"
    metrics: ClassVar[tuple[MetricSpec, ...]] = (
        MetricSpec("energy_kwh", "RAN energy", "kWh", "lower"),
        MetricSpec("asleep", "cells asleep", "cells", "higher", ".0f"),
    )
    plots: ClassVar[tuple[tuple[str, str, str], ...]] = (
        ("power_w", "RAN power", "W"),
        ("cell0_w", "first cell's power", "W"),
    )
    option_defaults: ClassVar[Mapping[str, Any]] = {"sleepers": 2, "note": "", "ratio": 0.5,
                                                    "verbose": False}  # fmt: skip

    def __init__(self) -> None:
        self.runs: list[str] = []

    def run(
        self,
        params: ScenarioParams,
        policy: str,
        *,
        workdir: Path,
        progress: Callable[[int, int], None] | None = None,
    ) -> PolicyResult:
        self.runs.append(policy)
        assert workdir.is_dir()
        opts = self.resolved_options(params)
        twin = build_scenario_twin(params)
        n = {"none": 0, "rules": 1, "agentic": opts["sleepers"]}[policy]
        asleep = twin.compiled.cell_ids[:n]
        for cell in asleep:
            twin.apply("sleep", cell)
        rows = []
        for k in range(params.steps):
            res = twin.step()
            power = res.cell["PEE.AvgPower"]
            rows.append(
                {"time": res.time, "power_w": float(power.sum()), "cell0_w": float(power[0])}
            )
            if progress is not None:
                progress(k + 1, params.steps)
        energy = float(twin.kpi_array("PEE.Energy").sum(dtype=np.float64)) / 1000.0
        incidents = [{"cell": c, "action": "sleep", "note": "a | b"} for c in asleep]
        return PolicyResult(self.name, policy, params, {"energy_kwh": energy, "asleep": float(n)},
                            pd.DataFrame(rows), incidents, wall_s=0.0,
                            notes=[f"{n} cell(s) asleep"])  # fmt: skip

    def targets(self, results: Mapping[str, PolicyResult]) -> list[TargetCheck]:
        return [
            reduction_target(results, "energy_kwh", at_least=0.01),
            threshold_target(results, "asleep", ">=", 2),
            threshold_target(results, "asleep", ">=", 5, label="five asleep"),
        ]


class Incomplete(TinyEnergy):
    name: ClassVar[str] = "incomplete"

    def run(self, params: ScenarioParams, policy: str, **kw: Any) -> PolicyResult:
        result = super().run(params, policy, **kw)
        del result.metrics["asleep"]
        return result


SMALL = ScenarioParams(sites=2, days=0.25, seed=3)


# -- parameters -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sites": 0}, "sites must be an integer in 1..200000, got 0"),
        ({"sites": 2.5}, "sites must be an integer"),
        ({"sites": True}, "sites must be an integer"),
        ({"days": -1.0}, r"days must be in \(0, 366\], got -1.0"),
        ({"days": 0}, r"days must be in \(0, 366\]"),
        ({"days": math.inf}, "days must be a finite number > 0"),
        ({"days": math.nan}, "days must be a finite number > 0"),
        ({"days": 0.001}, "less than one 15-minute step"),
        ({"seed": -3}, "seed must be an integer >= 0, got -3"),
        ({"seed": "7"}, "seed must be an integer"),
        ({"options": [("a", 1)]}, "options must be a mapping"),
    ],
)
def test_impossible_parameters_are_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        ScenarioParams(**kwargs)


def test_params_steps_and_plain_values() -> None:
    params = ScenarioParams(sites=5, days=0.5, seed=1, options={"k": 1})
    assert params.steps == 48  # 12 h of 15-minute steps
    assert ScenarioParams().steps == 288  # the 3-day default
    assert params.as_dict() == {"sites": 5, "days": 0.5, "seed": 1, "steps": 48,
                                "options": {"k": 1}}  # fmt: skip


def test_unknown_option_is_named_with_the_accepted_ones() -> None:
    params = ScenarioParams(sites=2, days=0.25, options={"sleeper": 3})
    with pytest.raises(
        ScenarioError, match=r"no option 'sleeper' \(accepted: note, ratio, sleepers, verbose\)"
    ):
        TinyEnergy().check(params)


def test_option_values_from_the_command_line_are_coerced() -> None:
    params = ScenarioParams(
        options={"sleepers": "3", "ratio": "0.25", "verbose": "yes", "note": "hi"}
    )
    assert TinyEnergy().resolved_options(params) == {"sleepers": 3, "ratio": 0.25,
                                                     "verbose": True, "note": "hi"}  # fmt: skip
    assert TinyEnergy().resolved_options(ScenarioParams(options={"ratio": 2}))["ratio"] == 2.0
    for bad, word in (({"sleepers": "two"}, "an integer"), ({"verbose": "maybe"}, "true or false"),
                      ({"ratio": "nan"}, "a number"), ({"sleepers": 1.5}, "an integer"),
                      ({"sleepers": True}, "an integer")):  # fmt: skip
        with pytest.raises(ScenarioError, match=f"option '{next(iter(bad))}': expected {word}"):
            TinyEnergy().check(ScenarioParams(options=bad))


# -- registry ---------------------------------------------------------------------------------
def test_registry_names_and_unknown_scenario() -> None:
    assert scenario_names() == ["fault-healing", "event-scheduling", "slice-provisioning",
                                "energy-saving"]  # fmt: skip
    with pytest.raises(
        ScenarioError,
        match="unknown scenario 'fault-heal'; expected one of fault-healing, event-scheduling",
    ):
        get_scenario("fault-heal")


def test_policies_are_checked() -> None:
    assert POLICIES == ("agentic", "rules", "none")
    assert parse_policies("none, rules,none") == ("none", "rules")
    with pytest.raises(
        ScenarioError, match="unknown policy 'smart'; expected one of agentic, rules, none"
    ):
        parse_policies("none,smart")
    with pytest.raises(ScenarioError, match="at least one policy"):
        parse_policies(" , ")


def test_bad_policy_or_option_runs_nothing(tmp_path: Path) -> None:
    sc = TinyEnergy()
    with pytest.raises(ScenarioError, match="unknown policy 'manual'"):
        run_scenario(sc, SMALL, "manual", workdir=tmp_path)
    with pytest.raises(ScenarioError, match="unknown policy 'manual'"):
        compare_scenario(sc, SMALL, ["none", "manual"], workdir=tmp_path)
    with pytest.raises(ScenarioError, match="no option 'x'"):
        compare_scenario(sc, ScenarioParams(sites=2, days=0.25, options={"x": 1}), workdir=tmp_path)
    assert sc.runs == []


def test_incomplete_result_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(
        ScenarioError, match=r"policy 'none' did not report metric\(s\) \['asleep'\]"
    ):
        run_scenario(Incomplete(), SMALL, "none", workdir=tmp_path)


# -- runs -------------------------------------------------------------------------------------
def test_compare_runs_every_policy_on_identical_twins(tmp_path: Path) -> None:
    seen: list[tuple[str, int, int]] = []
    sc = TinyEnergy()
    results = compare_scenario(sc, SMALL, workdir=tmp_path, progress=lambda *a: seen.append(a))
    assert list(results) == ["agentic", "rules", "none"] and sc.runs == list(POLICIES)
    assert {p: (tmp_path / p).is_dir() for p in POLICIES} == dict.fromkeys(POLICIES, True)
    steps = SMALL.steps  # 24
    assert [s for s in seen if s[1] == steps] == [(p, steps, steps) for p in POLICIES]
    # the sleeping first cell draws the EARTH sleep power, the awake one more
    assert (results["rules"].timeline["cell0_w"] == SLEEP_W).all()
    assert (results["none"].timeline["cell0_w"] > SLEEP_W).all()
    energy = {p: r.metrics["energy_kwh"] for p, r in results.items()}
    assert energy["agentic"] < energy["rules"] < energy["none"]
    # same seed, fresh twin: the baseline comes out identical when run again
    again = run_scenario(sc, SMALL, "none", workdir=tmp_path)
    pd.testing.assert_frame_equal(again.timeline, results["none"].timeline)
    assert all(r.wall_s > 0 for r in results.values())


def test_report_files_and_contents(tmp_path: Path) -> None:
    sc = TinyEnergy()
    params = ScenarioParams(sites=2, days=0.25, seed=3, options={"sleepers": 3})
    results = compare_scenario(sc, params, workdir=tmp_path / "work")
    out = write_report(sc, results, tmp_path / "report", max_incidents=2)
    files = sorted(p.name for p in out.iterdir())
    assert files == ["cell0-w.png", "metrics.json", "power-w.png", "report.md", "timeline.csv"]
    for png in ("cell0-w.png", "power-w.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    doc = json.loads((out / "metrics.json").read_text())
    assert doc["scenario"] == "tiny-energy" and doc["policies"] == ["agentic", "rules", "none"]
    assert doc["params"] == {"sites": 2, "days": 0.25, "seed": 3, "steps": 24,
                             "options": {"sleepers": 3}}  # fmt: skip
    assert doc["metrics"]["agentic"]["asleep"] == 3.0 and doc["metrics"]["none"]["asleep"] == 0.0
    assert doc["metrics"]["rules"]["energy_kwh"] == results["rules"].metrics["energy_kwh"]
    assert [t["met"] for t in doc["targets"]] == [True, True, False]
    assert doc["targets_met"] == 2 and doc["targets_total"] == 3
    assert doc["targets"][1]["measured"] == "3"
    assert set(doc["wall_s"]) == set(POLICIES) and doc["incidents"]["agentic"] == 3
    timeline = pd.read_csv(out / "timeline.csv")
    assert list(timeline.columns) == ["policy", "time", "power_w", "cell0_w"]
    assert timeline["policy"].value_counts().to_dict() == dict.fromkeys(POLICIES, 24)
    md = (out / "report.md").read_text()
    assert md.startswith("# Tiny energy check\n")
    assert "| metric | unit | better | agentic | rules | none |" in md
    assert "| cells asleep | cells | higher is better | 3 | 1 | 0 |" in md
    assert "2 of 3 met." in md and "| five asleep | asleep >= 5 (agentic) | 3 | **no** |" in md
    assert "![RAN power](power-w.png)" in md and "![first cell's power](cell0-w.png)" in md
    assert "### agentic (3)" in md and "... 1 more (not shown)." in md and "### none (0)" in md
    assert "a \\| b" in md  # table cells escape the pipe
    assert "- **agentic**: 3 cell(s) asleep" in md


def test_report_refuses_nothing_or_foreign_results(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no results to report"):
        write_report(TinyEnergy(), {}, tmp_path)
    result = run_scenario(TinyEnergy(), SMALL, "none", workdir=tmp_path)
    with pytest.raises(
        ScenarioError, match=r"result\(s\) of policy \['none'\] are not of scenario 'incomplete'"
    ):
        write_report(Incomplete(), {"none": result}, tmp_path)


def test_default_folders_are_under_the_home(tmp_path: Path) -> None:
    from autonet.platform.config import get_settings

    result = run_scenario(TinyEnergy(), SMALL, "rules")
    out = write_report(TinyEnergy(), {"rules": result})
    reports = get_settings().home / "reports"
    assert out.parent == reports and out.name.startswith("tiny-energy-3-")
    assert (out / "report.md").is_file()
    assert any((p / "work" / "rules").is_dir() for p in reports.iterdir())


# -- shared helpers ---------------------------------------------------------------------------
def test_scenario_twins_are_identical_for_a_seed() -> None:
    a, b = build_scenario_twin(SMALL), build_scenario_twin(SMALL)
    c = build_scenario_twin(ScenarioParams(sites=2, days=0.25, seed=4))
    for twin in (a, b, c):
        twin.run(8)
    assert a.compiled.cell_ids == b.compiled.cell_ids and a.compiled.n_cells == 6
    np.testing.assert_array_equal(a.kpi_array("RRC.ConnMean"), b.kpi_array("RRC.ConnMean"))
    assert not np.array_equal(a.kpi_array("RRC.ConnMean"), c.kpi_array("RRC.ConnMean"))
    quiet = build_scenario_twin(SMALL, record=["PEE.Energy"])
    quiet.run(2)
    assert quiet.kpis("wide").columns.tolist() == ["PEE.Energy"]


def test_field_repair_draws_are_fixed_per_seed_and_fault() -> None:
    repair = FieldRepair(RepairModel(), seed=11)
    first = repair.hours_many(50)
    assert FieldRepair(RepairModel(), seed=11).hours(37) == first[37]  # order does not matter
    assert FieldRepair(RepairModel(), seed=12).hours_many(50) != first
    assert min(first) >= 0.5
    many = np.array(FieldRepair(RepairModel(), seed=1).hours_many(4001))
    assert abs(float(np.median(many)) - 4.0) < 0.25  # lognormal median 4 h
    fixed = FieldRepair(RepairModel(median_h=4.0, kind="fixed"), seed=0)
    assert fixed.hours(3) == 4.0 and fixed.steps(3) == 16  # 4 h of 15-minute steps
    assert FieldRepair(RepairModel(median_h=0.1, min_h=0.0, kind="fixed")).steps(0) == 1
    assert FieldRepair(RepairModel(median_h=1.01, kind="fixed")).steps(0) == 5  # rounded up
    exp = np.array(FieldRepair(RepairModel(kind="exponential", min_h=0.0), seed=2).hours_many(4001))
    assert abs(float(np.median(exp)) - 4.0) < 0.35  # exponential with the same median
    with pytest.raises(ScenarioError, match="fault index must be an integer >= 0"):
        repair.hours(-1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"median_h": 0}, "median_h must be a finite number > 0"),
        ({"sigma": -0.1}, "sigma must be a finite number >= 0"),
        ({"min_h": math.nan}, "min_h must be a finite number >= 0"),
        ({"kind": "weibull"}, "kind must be one of lognormal, exponential, fixed"),
    ],
)
def test_bad_repair_model(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        RepairModel(**kwargs)


def _result(policy: str, **metrics: float) -> PolicyResult:
    return PolicyResult("t", policy, SMALL, dict(metrics), pd.DataFrame({"time": []}), [], 0.0)


def test_target_helpers_by_hand() -> None:
    results = {
        "agentic": _result("agentic", impact=10.0, acc=0.92),
        "rules": _result("rules", impact=20.0),
        "none": _result("none", impact=100.0),
    }
    cut = reduction_target(results, "impact", at_least=0.8)
    assert cut.met and cut.measured == "90.0% less (10 vs 100)"
    assert not reduction_target(results, "impact", at_least=0.6, baseline="rules").met  # 50 %
    assert reduction_target(results, "impact", at_least=0.5, baseline="rules").met
    missing = reduction_target({"agentic": results["agentic"]}, "impact", at_least=0.1)
    assert not missing.met and missing.measured == "n/a (none did not run)"
    zero = {"agentic": _result("agentic", x=0.0, y=math.nan), "none": _result("none", x=0.0)}
    assert reduction_target(zero, "x", at_least=0.1).measured == "0 vs 0 (baseline 0)"
    assert not reduction_target(zero, "x", at_least=0.0).met  # nothing to reduce: not shown
    nan = threshold_target(zero, "y", ">=", 0.9)
    assert not nan.met and nan.measured == "n/a (no y for agentic: nothing to measure)"
    assert threshold_target(zero, "z", "<", 1).measured == "n/a (agentic reports no z)"
    assert threshold_target(results, "acc", ">=", 0.9).met
    assert not threshold_target(results, "acc", ">=", 0.95).met
    assert not threshold_target(results, "acc", ">=", 0.9, policy="rules").met  # no such metric
    with pytest.raises(ScenarioError, match="op must be one of"):
        threshold_target(results, "acc", "=>", 0.9)
    assert relative_reduction(25.0, 100.0) == 0.75 and relative_reduction(0.0, 0.0) == 0.0


class _Desk:
    """Records the answers an approver gives (the loop's ``approve`` signature)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, bool, str]] = []

    def approve(self, run_id: str, approved: bool = True, by: str = "", comment: str = "") -> None:
        self.calls.append((run_id, approved, by))


def test_operator_answers_at_once_or_after_its_delay() -> None:
    now = build_scenario_twin(SMALL).now
    quick = operator_approver(clock=lambda: now)
    answer = quick("loop-00001", {"reasons": ["core element"]})
    assert answer == {"approved": True, "by": "operator", "at": now.isoformat(),
                      "comment": "operator"}  # fmt: skip
    slow = operator_approver(delay_steps=2, approve=False, by="bob")
    desk = _Desk()
    assert slow("loop-00002", {}) is None
    assert slow.tick(desk) == [] and desk.calls == []
    assert slow.tick(desk) == ["loop-00002"] and desk.calls == [("loop-00002", False, "bob")]
    assert slow.tick(desk) == [] and len(slow.answered) == 1 and len(quick.answered) == 1
    with pytest.raises(ScenarioError, match="delay_steps must be an integer >= 0"):
        operator_approver(delay_steps=-1)
