"""run_seeds / SeedSummary: a scenario over several seeds, mean and worst per policy."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from autonet.platform.scenarios import ScenarioError, ScenarioParams
from autonet.platform.scenarios.base import MetricSpec, PolicyResult, TargetCheck
from autonet.platform.scenarios.seeds import SeedSummary, run_seeds

SPECS = (
    MetricSpec("impact", "Impact", "user-min", "lower", ".0f"),
    MetricSpec("resolved", "Resolved", "%", "higher", ".1f"),
)
PARAMS = ScenarioParams(sites=10, days=0.25, seed=1)


def _result(policy: str, impact: float, resolved: float) -> PolicyResult:
    return PolicyResult(
        scenario="fault-healing", policy=policy, params=PARAMS,
        metrics={"impact": impact, "resolved": resolved},
        timeline=pd.DataFrame({"time": []}), incidents=[], wall_s=1.0,
    )  # fmt: skip


def _summary() -> SeedSummary:
    results = {
        1: {"agentic": _result("agentic", 100.0, 90.0), "none": _result("none", 400.0, 0.0)},
        2: {"agentic": _result("agentic", 300.0, 70.0), "none": _result("none", 500.0, 0.0)},
        3: {"agentic": _result("agentic", 200.0, math.nan), "none": _result("none", 600.0, 0.0)},
    }
    targets = {
        1: [TargetCheck("resolved >= 80", "resolved >= 80 (agentic)", "90", True)],
        2: [TargetCheck("resolved >= 80", "resolved >= 80 (agentic)", "70", False)],
        3: [TargetCheck("resolved >= 80", "resolved >= 80 (agentic)", "n/a", False)],
    }
    return SeedSummary("fault-healing", SPECS, PARAMS, results, targets)


def test_mean_and_worst_follow_each_metrics_direction() -> None:
    s = _summary()
    assert s.seeds == [1, 2, 3] and s.policies == ["agentic", "none"]
    assert s.mean("agentic", "impact") == 200.0  # (100 + 300 + 200) / 3
    assert s.worst("agentic", "impact") == 300.0  # lower is better: the highest
    assert s.mean("agentic", "resolved") == 80.0  # (90 + 70) / 2, the NaN seed left out
    assert s.worst("agentic", "resolved") == 70.0  # higher is better: the lowest
    assert s.worst("none", "impact") == 600.0
    assert s.met("resolved >= 80") == 1


def test_markdown_has_one_row_per_metric_and_the_targets() -> None:
    text = _summary().markdown()
    assert "| Impact (user-min) | 200 | 300 | 500 | 600 |" in text
    assert "| Resolved (%) | 80.0 | 70.0 | 0.0 | 0.0 |" in text
    assert "| resolved >= 80 | 1 of 3 | 1: met 90, 2: missed 70, 3: missed n/a |" in text


def test_an_unknown_metric_is_named() -> None:
    with pytest.raises(ScenarioError, match=r"no metric 'bogus'.*expected one of"):
        _summary().worst("agentic", "bogus")


def test_run_seeds_runs_each_seed_on_its_own_draw(tmp_path: Path) -> None:
    params = ScenarioParams(sites=10, days=0.25, seed=99, options={"rate": 40.0})
    s = run_seeds("fault-healing", params, seeds=(1, 2), policies="none", workdir=tmp_path)
    assert s.seeds == [1, 2] and s.policies == ["none"]
    assert [s.results[k]["none"].params.seed for k in (1, 2)] == [1, 2]
    assert {p.name for p in tmp_path.iterdir()} == {"seed-1", "seed-2"}
    assert len(s.targets[1]) == 5  # the scenario's own targets, per seed
    assert s.mean("none", "resolved_pct") == 0.0


@pytest.mark.parametrize(
    ("seeds", "message"),
    [((), "at least one seed"), ((1, 1), "must not repeat"), ((-1,), "seed must be")],
)
def test_bad_seeds_are_refused_before_anything_runs(
    seeds: tuple[int, ...], message: str, tmp_path: Path
) -> None:
    with pytest.raises(ScenarioError, match=message):
        run_seeds("fault-healing", PARAMS, seeds=seeds, workdir=tmp_path)
    assert list(tmp_path.iterdir()) == []
