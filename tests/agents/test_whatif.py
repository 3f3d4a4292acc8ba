"""The decision agent's what-if runs on observed clones: it cannot see the injected ground truth."""

from __future__ import annotations

from datetime import timedelta

import pytest

from autonet.agents._whatif import score_candidates, whatif_basis
from autonet.agents.messages import Candidate, Decision
from autonet.agents.playbook import LoopContext
from autonet.agents.playbooks.congestion import CongestionPlaybook, PlannedEvent
from autonet.agents.playbooks.fault import FaultPlaybook
from autonet.twin import Twin, build_topology
from autonet.twin.faults import outage_cause

CELL = "S0005-C1"


@pytest.fixture(scope="module")
def base() -> Twin:
    twin = Twin(build_topology(n_sites=20, seed=7), seed=7)
    twin.run(40)  # 10:00, daytime load
    return twin


def _outage_with_cause(base: Twin, cause: str) -> Twin:
    """``CELL`` in outage with the given true cause. The cause is drawn per fault number, so
    faults injected and cleared at once (no step between: state and KPIs untouched) move the
    outage to a number with that cause."""
    twin = base.clone()
    for _ in range(30):
        rec = twin.inject_fault("cell_outage", CELL, missing_prob=0.0)
        if outage_cause(twin, rec.fault_id) == cause:
            twin.step()
            return twin
        twin.clear_fault(rec.fault_id)
    raise AssertionError(f"no {cause} outage in 30 draws")


def _scores(twin: Twin) -> dict[str, tuple[float | None, str | None]]:
    pb = FaultPlaybook()
    ctx = LoopContext(twin=twin, playbooks={"fault": pb})
    (incident,) = pb.perceive(ctx, [])
    analysis = pb.analyse(ctx, incident)
    assert analysis["hypotheses"][0] == {**analysis["hypotheses"][0], "node": CELL}
    cands = pb.candidates(ctx, incident, analysis)
    score_candidates(ctx, incident, analysis, cands)
    return {
        repr(c["actions"]): (round(c["score"], 6) if "score" in c else None, c.get("error"))
        for c in cands
    }


def test_scores_are_the_same_whether_the_outage_is_software_or_hardware(base: Twin) -> None:
    soft, hard = _outage_with_cause(base, "software"), _outage_with_cause(base, "hardware")
    assert soft.state.equals(hard.state)
    a, b = _scores(soft), _scores(hard)
    assert a == b
    restart = repr([{"kind": "restart", "target": CELL, "params": {}}])
    score, error = b[restart]
    assert error is None and score is not None and score > 0  # hypothesised software


def _decision(actions: list[dict[str, object]]) -> Decision:
    chosen = Candidate(id="c1", actions=actions, source="optimiser", rationale="")  # type: ignore[typeddict-item]
    return Decision(
        incident_id="I1", attempt=0, candidates=[chosen], chosen=chosen, reason="",
        needs_approval=False, producer="decision",
    )  # fmt: skip


def test_a_restart_that_already_failed_makes_the_outage_hardware(base: Twin) -> None:
    ctx = LoopContext(twin=base, playbooks={"fault": FaultPlaybook()})
    incident = {"id": "I1", "kind": "fault"}
    analysis = {
        "hypotheses": [{"node": CELL, "fault_type": "cell_outage", "score": 0.9, "evidence": []}],
        "risk": {"confidence": 0.9},
    }
    hyps, events = whatif_basis(ctx, incident, analysis)  # type: ignore[arg-type]
    assert hyps == [{"node": CELL, "fault_type": "cell_outage"}] and events == []
    tried = [_decision([{"kind": "restart", "target": CELL, "params": {}}])]
    hyps, _ = whatif_basis(ctx, incident, analysis, tried)  # type: ignore[arg-type]
    assert hyps == [{"node": CELL, "fault_type": "cell_outage", "cause": "hardware"}]


def test_an_unsure_ranking_puts_both_hypotheses_in_the_clone(base: Twin) -> None:
    ctx = LoopContext(twin=base, playbooks={"fault": FaultPlaybook()})
    two = [
        {"node": CELL, "fault_type": "cell_outage", "score": 0.5, "evidence": []},
        {"node": "S0005", "fault_type": "site_power_failure", "score": 0.4, "evidence": []},
    ]
    analysis = {"hypotheses": two, "risk": {"confidence": 0.5}}
    hyps, _ = whatif_basis(ctx, {"id": "I1", "kind": "fault"}, analysis)  # type: ignore[arg-type]
    assert [h["node"] for h in hyps] == [CELL, "S0005"]


def test_the_congestion_what_if_knows_the_calendar_not_the_real_surge(base: Twin) -> None:
    twin = base.clone()
    start = twin.now + timedelta(hours=1)
    planned = PlannedEvent("match", (CELL,), start, start + timedelta(hours=2), 2.0)
    twin.add_event([CELL], planned.start, planned.end, 6.0, "match")  # the truth: x6
    pb = CongestionPlaybook([planned])
    ctx = LoopContext(twin=twin, playbooks={"congestion": pb})
    hyps, events = whatif_basis(ctx, {"id": "I1", "kind": "congestion"}, {"hypotheses": []})  # type: ignore[arg-type]
    assert hyps == [] and events == [planned]
    clone = twin.whatif_clone(hyps, events)
    (event,) = clone.traffic.events
    assert event.multiplier == 2.0 and event.name == "match"


def test_a_hypothesis_the_twin_cannot_hold_is_left_out(base: Twin) -> None:
    ctx = LoopContext(twin=base, playbooks={"fault": FaultPlaybook()})
    analysis = {
        "hypotheses": [
            {"node": "S0005", "fault_type": "cell_outage", "score": 0.5, "evidence": []},
            {"node": CELL, "fault_type": "cell_outage", "score": 0.4, "evidence": []},
        ],
        "risk": {"confidence": 0.5},
    }
    hyps, _ = whatif_basis(ctx, {"id": "I1", "kind": "fault"}, analysis)  # type: ignore[arg-type]
    assert hyps == [{"node": CELL, "fault_type": "cell_outage"}]  # a site is not a cell
