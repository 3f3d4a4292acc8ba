"""The slice-provisioning scenario on small real twins (AgentGate, ClosedLoop, SlicePlaybook).

Ground truth is the request set's labels, fixed by construction (see ``_slice_book``): a
latency below the slice type's radio budget, 5 Gbit/s per cell, six nines of reliability over
unprotected backhaul, and a request without an area are infeasible whatever the network.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from autonet.platform.scenarios import ScenarioError, ScenarioParams, get_scenario, run_scenario
from autonet.platform.scenarios._slice_book import TEMPLATES, make_requests
from autonet.platform.scenarios.slice_provisioning import SliceProvisioning

N = len(TEMPLATES)  # one request of each template


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict:
    scenario = SliceProvisioning()
    params = ScenarioParams(sites=20, days=1.0, seed=3, options={"requests": N})
    out = {}
    for policy in ("agentic", "rules"):
        work = tmp_path_factory.mktemp(policy)
        out[policy] = scenario.run(params, policy, workdir=work)
    return out


def test_registry_and_plots() -> None:
    scenario = get_scenario("slice-provisioning")
    assert isinstance(scenario, SliceProvisioning)
    assert {m.name for m in scenario.metrics} >= {"activation_s", "sla_compliance_pct"}


def test_requests_are_reproducible_and_labelled() -> None:
    places = ["port", "stadium"]
    a = make_requests(2 * N, 7, 96, places)
    assert a == make_requests(2 * N, 7, 96, places)
    assert a != make_requests(2 * N, 8, 96, places)
    assert [r.label for r in a[:N]] == [t[1] for t in TEMPLATES]
    assert all(0 <= r.step < 48 for r in a)  # the first half of the run
    assert [r.step for r in a] == sorted(r.step for r in a)
    assert sum(r.label == "infeasible" for r in a[:N]) == 5
    assert sum(r.label == "feasible" for r in a[:N]) == 4


def test_agentic_rejects_every_infeasible_request_naming_the_constraint(results: dict) -> None:
    agentic = results["agentic"]
    for row in agentic.incidents:
        _, label, expect = TEMPLATES[int(row["request"][1:]) - 1]  # request k: template k
        assert row["label"] == label
        if label == "infeasible":
            assert row["outcome"] == "rejected", row
            assert any(r.startswith(expect) for r in row["reason"].split("; ")), row
        elif label == "feasible":
            assert row["outcome"] == "admitted", row
            assert row["activation_s"] > 0
    m = agentic.metrics
    assert m["infeasible_rejected_pct"] == 100.0 and m["reason_correct_pct"] == 100.0
    assert m["wrong_admissions"] == 0.0 and m["feasible_admitted_pct"] == 100.0
    assert m["sla_compliance_pct"] >= 99.0
    assert agentic.run_ids


def test_agentic_compliance_is_at_least_that_of_rules(results: dict) -> None:
    agentic, rules = results["agentic"].metrics, results["rules"].metrics
    assert agentic["sla_compliance_pct"] >= rules["sla_compliance_pct"]
    # rules admit without a latency study: the radio-budget latency requests get through
    assert rules["wrong_admissions"] >= 1.0
    checks = {t.name: t for t in SliceProvisioning().targets(results)}
    assert checks["SLA compliance: agentic >= rules"].met
    assert checks["infeasible_rejected_pct == 100"].met


def test_timeline_has_one_row_per_step(results: dict) -> None:
    for result in results.values():
        frame = result.timeline
        assert len(frame) == 96
        for column, _, _ in SliceProvisioning.plots:
            assert column in frame.columns
        assert frame["admitted"].max() >= 1


def test_manual_provisioning_activates_after_the_lead_time(tmp_path: Path) -> None:
    params = ScenarioParams(
        sites=10, days=1.0, seed=3, options={"requests": 3, "manual_lead_days": 0.25}
    )
    result = SliceProvisioning().run(params, "none", workdir=tmp_path)
    rows = {r["request"]: r for r in result.incidents}
    # requests 1..3 are submitted at steps 8, 24, 40; + 24 steps of lead: all within 96 steps
    assert all(r["outcome"] == "admitted" for r in rows.values()), rows
    assert result.metrics["activation_s"] == 0.25 * 86400.0
    late = SliceProvisioning().run(
        ScenarioParams(sites=10, days=1.0, seed=3, options={"requests": 3}),
        "none",
        workdir=tmp_path,
    )
    assert all(r["outcome"] == "pending" for r in late.incidents)
    assert math.isnan(late.metrics["sla_compliance_pct"])
    assert "not yet active" in late.notes[0]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"request": 3}, "has no option 'request'"),
        ({"requests": 0}, "requests must be in 1..500"),
        ({"manual_lead_days": -1.0}, "manual_lead_days must be in"),
        ({"rules_prb_threshold": 2.0}, "rules_prb_threshold must be in"),
        ({"requests": "many"}, "requests"),
    ],
)
def test_bad_options_are_refused(options: dict, message: str, tmp_path: Path) -> None:
    params = ScenarioParams(sites=10, days=1.0, seed=3, options=options)
    with pytest.raises(ScenarioError, match=message):
        SliceProvisioning().run(params, "rules", workdir=tmp_path)


def test_unknown_policy_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="unknown policy"):
        run_scenario("slice-provisioning", ScenarioParams(sites=10, days=1.0), "magic")
