"""The fault-healing scenario on small twins: schedule, policies, metrics, targets, bad input."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from autonet.platform.scenarios import ScenarioError, ScenarioParams, get_scenario, run_scenario
from autonet.platform.scenarios._fault_drivers import handed_over
from autonet.platform.scenarios._fault_eval import harmful_left, judge_tick
from autonet.platform.scenarios._fault_schedule import fault_schedule
from autonet.platform.scenarios.common import FieldRepair, RepairModel, build_scenario_twin
from autonet.platform.scenarios.fault_healing import FaultHealing
from autonet.twin import Twin, build_topology
from autonet.twin.events import FAULT_TYPES

SMALL = ScenarioParams(sites=30, days=1.0, seed=7, options={"rate": 30.0})


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict:
    sc = FaultHealing()
    work = tmp_path_factory.mktemp("fault")
    return {p: sc.run(SMALL, p, workdir=work / p) for p in ("none", "rules", "agentic")}


def test_registry_and_specs() -> None:
    sc = get_scenario("fault-healing")
    assert isinstance(sc, FaultHealing)
    names = {m.name for m in sc.metrics}
    assert names == {
        "impact_user_min", "detection_min", "localisation_top1", "mitigation_min",
        "resolved_pct", "field_repair_pct", "field_repair_user_min", "wrong_actions",
        "harmful_left",
    }  # fmt: skip
    assert {p[0] for p in sc.plots} <= {"users_impacted", "active_faults", "open_incidents"}


def test_schedule_is_poisson_with_the_documented_rate() -> None:
    twin = Twin(build_topology(n_sites=200, seed=7), seed=7)
    repair = FieldRepair(RepairModel(), seed=0)
    counts = [
        len(fault_schedule(twin, seed=s, steps=288, rate=4.0, types=FAULT_TYPES, repair=repair))
        for s in range(20)
    ]
    # 4 faults per 100 sites per day: 4 x 2 x 3 = 24 expected on 200 sites in 3 days
    assert 21.0 <= float(np.mean(counts)) <= 27.0
    one = fault_schedule(twin, seed=3, steps=288, rate=4.0, types=FAULT_TYPES, repair=repair)
    assert [f.repair_steps for f in one] == [repair.steps(f.index) for f in one]
    assert all(0 <= f.step < 288 for f in one)
    assert [f.step for f in one] == sorted(f.step for f in one)


def test_every_policy_meets_the_same_faults(results: dict) -> None:
    seen = {
        p: [(r["fault"], r["type"], r["root"], r["start"], r["repair_h"]) for r in res.incidents]
        for p, res in results.items()
    }
    assert len(seen["none"]) >= 4
    assert seen["none"] == seen["rules"] == seen["agentic"]
    sc = FaultHealing()
    planned = sc.schedule(SMALL, build_scenario_twin(SMALL))
    assert [(f.fault_type, f.target) for f in planned] == [(t, r) for _, t, r, _, _ in seen["none"]]


def test_agentic_cuts_user_impact_and_localises(results: dict) -> None:
    none, rules, agentic = (results[p].metrics for p in ("none", "rules", "agentic"))
    assert none["impact_user_min"] > 0
    assert agentic["impact_user_min"] < 0.5 * none["impact_user_min"]
    assert agentic["impact_user_min"] <= rules["impact_user_min"]
    assert agentic["localisation_top1"] >= 0.8
    assert agentic["detection_min"] == 15.0  # alarms are seen at the first tick after the fault
    assert math.isnan(none["detection_min"]) and none["resolved_pct"] == 0.0
    assert agentic["harmful_left"] == 0
    timeline = results["agentic"].timeline
    assert list(timeline.columns) == ["time", "users_impacted", "active_faults", "open_incidents"]
    assert len(timeline) == SMALL.steps


def _due_rows(res: object) -> list[dict]:
    """The report rows of the faults that started >= 2 steps before the end (the counted ones)."""
    end = datetime.fromisoformat(res.timeline["time"].iloc[-1].isoformat())  # type: ignore[attr-defined]
    latest = end - timedelta(minutes=30)
    return [r for r in res.incidents if datetime.fromisoformat(r["start"]) <= latest]  # type: ignore[attr-defined]


def test_a_fault_is_fixed_or_handed_to_field_repair_never_both(results: dict) -> None:
    for policy, res in results.items():
        rows = _due_rows(res)
        handed = [r for r in rows if r["outcome"] == "field repair"]
        assert res.metrics["field_repair_pct"] == pytest.approx(100.0 * len(handed) / len(rows))
        # each cell-step counted once: at most the faults' own impacts summed (their areas can
        # overlap; the rows round each to the user-minute) and at most the run's whole impact
        field = res.metrics["field_repair_user_min"]
        assert field <= sum(r["impact_user_min"] for r in handed) + len(handed)
        assert field <= res.metrics["impact_user_min"] + 1e-6
        assert (field > 0) == any(r["impact_user_min"] > 0 for r in handed)
        if policy == "none":  # nothing is fixed: every fault waits for the crew
            assert len(handed) == len(rows) and res.metrics["resolved_pct"] == 0.0
        if policy == "rules":  # resolved = the faults the rules fixed, the rest to the crew
            fixed = sum(r["outcome"] == "fixed" for r in rows)
            assert fixed + len(handed) == len(rows)
            assert res.metrics["resolved_pct"] == pytest.approx(100.0 * fixed / len(rows))


def _outcome(chosen_id: str, status: str, reason: str) -> dict:
    chosen = {"id": chosen_id, "actions": [] if chosen_id == "field-repair" else [{}]}
    return {
        "decisions": [{"chosen": chosen}],
        "verdicts": [{"status": status, "reasons": [reason]}],
    }


def test_a_hand_over_to_field_repair_is_its_own_outcome() -> None:
    assert handed_over(_outcome("field-repair", "FULFILLED", "best achievable until field ..."))
    compensated = "best achievable until field repair of S1 (site_power_failure): 3.0 impacted"
    assert handed_over(_outcome("c2", "FULFILLED", compensated))
    assert not handed_over(_outcome("c1", "FULFILLED", "within SLA: 0.0 impacted users <= 1.0"))
    assert not handed_over(_outcome("c1", "NOT_FULFILLED", compensated))  # failed, not handed
    assert not handed_over({"decisions": [], "verdicts": []})


def test_agentic_counts_no_hand_over_as_resolved(results: dict) -> None:
    res = results["agentic"]
    # the note's numbers: "<handed> of <counted> counted incident(s) handed to field repair"
    note = next(n for n in res.notes if n.endswith("handed to field repair"))
    handed, _, counted = (int(w) if w.isdigit() else w for w in note.split()[:3])
    assert isinstance(handed, int) and isinstance(counted, int) and counted > 0
    assert res.metrics["resolved_pct"] <= 100.0 * (counted - handed) / counted + 1e-9


def test_targets_are_the_five_of_the_issue(results: dict) -> None:
    checks = FaultHealing().targets(results)
    assert len(checks) == 5
    assert [c.met for c in checks][-1] == (results["agentic"].metrics["harmful_left"] == 0)


def test_no_faults_no_impact(tmp_path: Path) -> None:
    params = ScenarioParams(sites=10, days=0.25, seed=1, options={"rate": 0.001})
    res = run_scenario("fault-healing", params, "none", workdir=tmp_path)
    assert res.metrics["faults"] == 0
    assert res.metrics["impact_user_min"] == 0.0  # identical to the fault-free reference


def test_action_gain_counterfactual() -> None:
    twin = Twin(build_topology(n_sites=20, seed=7), seed=7)
    twin.run(40)
    twin.inject_fault("misconfiguration", "S0003-C2", tilt_deg=15.0)
    twin.step()
    before = twin.clone()
    n = len(twin.actions)
    planned = float(twin.compiled.cell_tilt_deg[twin.compiled.cell_index["S0003-C2"]])
    twin.apply("tilt", "S0003-C2", tilt_deg=planned)
    twin.apply("offload", "S0017-C1", share=0.0001)  # far away, changes nothing that matters
    fix, noise = judge_tick(before, twin, twin.actions[n:], steps=2, sla_mbps=5.0)
    assert fix.gain_user_min > 15.0  # about 15 users regain coverage for 30 min
    assert noise.gain_user_min <= 1.0


def test_harmful_action_left_in_place_is_found() -> None:
    twin = Twin(build_topology(n_sites=20, seed=7), seed=7)
    twin.run(76)  # 19:00, busy
    users = twin.kpi_array("RRC.ConnMean")[-1]
    busiest = twin.compiled.cell_ids[int(np.argmax(users))]
    twin.apply("tx_power", busiest, tx_w=1.0)
    twin.apply("capacity_boost", busiest, extra_prbs=10)
    found = harmful_left(twin, steps=2, sla_mbps=5.0, threshold_user_min=1.0)
    assert [(h["kind"], h["target"]) for h in found] == [("tx_power", busiest)]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"bogus": 1}, "no option 'bogus'"),
        ({"rate": 0.0}, "rate"),
        ({"types": "fibre_cut,meteor"}, "types"),
        ({"probe_steps": 0}, "probe_steps"),
        ({"repair_median_h": -1.0}, "median_h"),
    ],
)
def test_bad_options_are_rejected(options: dict, message: str, tmp_path: Path) -> None:
    params = ScenarioParams(sites=10, days=0.25, seed=1, options=options)
    with pytest.raises(ScenarioError, match=message):
        run_scenario("fault-healing", params, "none", workdir=tmp_path)


def test_types_option_limits_the_faults(tmp_path: Path) -> None:
    params = ScenarioParams(
        sites=30, days=0.5, seed=2, options={"rate": 40.0, "types": "fibre_cut"}
    )
    res = run_scenario("fault-healing", params, "none", workdir=tmp_path)
    assert res.incidents and {r["type"] for r in res.incidents} == {"fibre_cut"}
