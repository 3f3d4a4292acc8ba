"""The energy-saving scenario: bad input, metric definitions, targets, a small run per policy."""

from __future__ import annotations

import pandas as pd
import pytest

from autonet.platform.scenarios import (
    PolicyResult,
    ScenarioError,
    ScenarioParams,
    get_scenario,
    run_scenario,
)
from autonet.platform.scenarios.energy_saving import EnergySaving


def test_registered_with_its_metrics_and_plots() -> None:
    sc = get_scenario("energy-saving")
    assert isinstance(sc, EnergySaving)
    names = {m.name for m in sc.metrics}
    assert {"energy_kwh", "energy_saved_pct", "kqi_loss_pct", "coverage_loss_user_min"} <= names
    assert [p[0] for p in sc.plots][:3] == ["power_kw", "cells_asleep", "user_thp_mbps"]


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"warmup_days": 0.5}, "warmup_days"),
        ({"kqi_bound_pct": 0.0}, "kqi_bound_pct"),
        ({"kqi_bound_pct": "lots"}, "kqi_bound_pct"),
        ({"sleep_everything": True}, "no option 'sleep_everything'"),
        ({"rule": "smart"}, "option 'rule'"),
        ({"layers": "triple"}, "option 'layers'"),
        ({"thp_weight": -1}, "option 'thp_weight'"),
        ({"thp_weight": "high"}, "option 'thp_weight'"),
        ({"change_window": "maybe"}, "change_window"),
    ],
)
def test_bad_options_are_rejected(options: dict, match: str) -> None:
    with pytest.raises(ScenarioError, match=match):
        EnergySaving().check(ScenarioParams(sites=5, days=1, options=options))


def _result(policy: str, saved: float, kqi: float) -> PolicyResult:
    return PolicyResult(
        scenario="energy-saving", policy=policy, params=ScenarioParams(sites=1, days=1),
        metrics={"energy_saved_pct": saved, "kqi_loss_pct": kqi},
        timeline=pd.DataFrame({"time": []}), incidents=[], wall_s=0.0,
    )  # fmt: skip


def test_targets_by_hand() -> None:
    sc = EnergySaving()
    met = sc.targets(
        {"agentic": _result("agentic", 30.0, 0.5), "rules": _result("rules", 20.0, 0.8)}
    )
    assert [t.met for t in met] == [True, True]  # 30 >= 25 at 0.5 <= 1; 30 >= 1.3 x 20 = 26
    missed = sc.targets(
        {"agentic": _result("agentic", 24.0, 0.5), "rules": _result("rules", 20.0, 0.4)}
    )
    assert [t.met for t in missed] == [False, False]  # 24 < 25; 24 < 26 and 0.5 > 0.4
    assert "1.20x" in missed[1].measured
    assert sc.targets({"none": _result("none", 0.0, 0.0)}) == []


def test_small_run_agentic_saves_energy_within_the_kqi_bound(tmp_path) -> None:
    params = ScenarioParams(sites=12, days=2, seed=7)
    none = run_scenario("energy-saving", params, "none", workdir=tmp_path)
    agentic = run_scenario("energy-saving", params, "agentic", workdir=tmp_path)
    # always-on is its own reference: nothing saved, nothing lost
    assert none.metrics["energy_saved_pct"] == 0.0
    assert none.metrics["kqi_loss_pct"] == 0.0
    assert none.metrics["cell_hours_asleep"] == 0.0
    # same twin, same demand: the loop sleeps cells and spends less energy than always-on
    assert agentic.metrics["energy_kwh_always_on"] == pytest.approx(none.metrics["energy_kwh"])
    assert agentic.metrics["energy_kwh"] < none.metrics["energy_kwh"]
    assert agentic.metrics["cell_hours_asleep"] > 0
    assert agentic.metrics["kqi_loss_pct"] <= 1.0
    tl = agentic.timeline
    assert len(tl) == params.steps and {"time", "power_kw", "cells_asleep"} <= set(tl.columns)
    # a sleeping cell draws 75 W instead of at least 130 W: power falls when cells sleep
    asleep = tl["cells_asleep"] > 0
    assert (tl.loc[asleep, "power_kw"] < tl.loc[asleep, "power_kw_always_on"]).all()
    assert agentic.incidents and agentic.run_ids


def test_rules_baseline_runs_the_oran_threshold_rule(tmp_path) -> None:
    params = ScenarioParams(sites=6, days=0.25, seed=3)  # Wednesday 00:00-06:00: all below 20 %
    rules = run_scenario("energy-saving", params, "rules", workdir=tmp_path)
    assert rules.metrics["cell_hours_asleep"] > 0
    assert rules.metrics["energy_saved_pct"] > 0
    # the rule checks no coverage: sleeping cells' users are lost
    assert rules.metrics["lost_users_pct"] > 0
    assert any("120 s hold" in n for n in rules.notes)


def test_rule_read_with_active_neighbours_keeps_an_awake_neighbour(tmp_path) -> None:
    params = ScenarioParams(
        sites=6, days=0.25, seed=3, options={"rule": "active-neighbours", "layers": "single"}
    )
    rules = run_scenario("energy-saving", params, "rules", workdir=tmp_path)
    assert rules.metrics["energy_saved_pct"] > 0
    # not every cell sleeps: each sleeper keeps an awake neighbour
    assert rules.timeline["cells_asleep"].max() < 18
    assert any("active-neighbours" in n for n in rules.notes)
