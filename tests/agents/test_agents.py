"""The generic agents on a real twin with a real playbook (no graph): perceive, decide, execute."""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np
import pytest
from upf_playbook import UpfPlaybook, small_twin, upf_load, upf_overloaded

from autonet.agents._whatif import guard_denials
from autonet.agents.analysis import analyse_incident
from autonet.agents.decision import approval_reasons, decide
from autonet.agents.execution import action_key, execute
from autonet.agents.learning import learn_incident
from autonet.agents.perception import perceive_incidents
from autonet.agents.playbook import LoopContext, LoopSettings
from autonet.agents.trace import plain


@pytest.fixture
def ctx() -> LoopContext:
    twin = small_twin()
    upf_overloaded(twin)
    twin.step()  # the alarm is raised within 2 s of the injection: active after one step
    return LoopContext(twin=twin, playbooks={"upf": UpfPlaybook()})


def test_perception_opens_one_incident_per_situation(ctx: LoopContext) -> None:
    first = perceive_incidents(ctx)
    upf = ctx.twin.compiled.upf_ids[0]
    assert [(i["kind"], i["key"], i["objects"]) for i in first] == [("upf", f"upf:{upf}", [upf])]
    assert ctx.book.open == {f"upf:{upf}": first[0]["id"]}
    assert perceive_incidents(ctx) == []  # the key is open: not perceived twice


def test_nothing_perceived_on_a_healthy_twin() -> None:
    ctx = LoopContext(twin=small_twin(), playbooks={"upf": UpfPlaybook()})
    assert perceive_incidents(ctx) == []
    assert ctx.book.open == {}


def test_decision_scores_on_clones_and_leaves_the_twin_alone(ctx: LoopContext) -> None:
    incident = perceive_incidents(ctx)[0]
    upf = incident["objects"][0]
    instances = int(ctx.twin.state.upf_instances[ctx.twin.compiled.upf_index[upf]])
    made = decide(ctx, incident, analyse_incident(ctx, incident), [])
    by_id = {c["id"]: c for c in made["candidates"]}
    # 99 instances is outside the default policies' bounds [1, 4]
    assert any(d.startswith("upf-scale-out-bounds") for d in by_id["c3"]["denials"])
    assert "score" not in by_id["c3"]
    # waking an awake cell is rejected by the twin in the what-if
    assert "wake" in by_id["c4"]["error"]
    scored = {cid: c["score"] for cid, c in by_id.items() if "score" in c}
    assert set(scored) == {"c1", "c2"}
    assert made["chosen"]["id"] == max(scored, key=scored.__getitem__)
    assert made["chosen"]["predicted"]["upf_load"] < upf_load(ctx.twin, upf)
    assert made["attempt"] == 0 and not made["needs_approval"]
    assert ctx.twin.actions == []  # only clones were changed
    assert int(ctx.twin.state.upf_instances[ctx.twin.compiled.upf_index[upf]]) == instances


def test_decision_excludes_a_remedy_that_failed_before(ctx: LoopContext) -> None:
    incident = perceive_incidents(ctx)[0]
    analysis = analyse_incident(ctx, incident)
    first = decide(ctx, incident, analysis, [])
    second = decide(ctx, incident, analysis, [first])
    assert second["attempt"] == 1
    failed = next(c for c in second["candidates"] if c["id"] == first["chosen"]["id"])
    assert failed["denials"][0].startswith("retry:")
    assert second["chosen"] is not None and second["chosen"]["id"] != first["chosen"]["id"]


def test_no_candidate_without_whatif_takes_the_first_allowed(ctx: LoopContext) -> None:
    ctx.settings = LoopSettings(use_whatif=False)
    incident = perceive_incidents(ctx)[0]
    made = decide(ctx, incident, analyse_incident(ctx, incident), [])
    assert made["chosen"]["id"] == "c1"
    assert all("score" not in c for c in made["candidates"])


def test_guard_bounds_and_frequency() -> None:
    twin = small_twin()
    ctx = LoopContext(twin=twin, playbooks={})
    cell = twin.compiled.cell_ids[0]

    def tilt(delta: float) -> dict:
        step = {"kind": "tilt", "target": cell, "params": {"delta_deg": delta}}
        return {"id": "t", "source": "rules", "rationale": "", "actions": [step]}

    assert guard_denials(ctx, tilt(2.0)) == []
    assert guard_denials(ctx, tilt(10.0)) == ["tilt-bounds: delta_deg=10.0 outside [-6.0, 6.0]"]
    for _ in range(3):  # the radio-tuning limiter allows 3 tilt/power changes per cell per hour
        twin.apply("tilt", cell, delta_deg=0.5)
    denials = guard_denials(ctx, tilt(0.5))
    assert len(denials) == 1 and denials[0].startswith("radio-tuning-frequency: 3 ")


def test_approval_reasons_from_settings(ctx: LoopContext) -> None:
    incident = perceive_incidents(ctx)[0]
    analysis = analyse_incident(ctx, incident)
    chosen = decide(ctx, incident, analysis, [])["chosen"]
    assert approval_reasons(ctx, incident, analysis, chosen) == []
    ctx.settings = LoopSettings(
        require_approval_kinds=frozenset({"upf_scale_out"}), approval_confidence=0.95
    )
    reasons = approval_reasons(ctx, incident, analysis, chosen)
    assert reasons == [
        "action kind(s) ['upf_scale_out'] always need approval",
        "root-cause confidence 0.90 < 0.95",  # the playbook's top hypothesis scores 0.9
    ]


def test_execution_is_idempotent_by_key(ctx: LoopContext) -> None:
    incident = perceive_incidents(ctx)[0]
    made = decide(ctx, incident, analyse_incident(ctx, incident), [])
    made["chosen"] = next(c for c in made["candidates"] if c["id"] == "c2")  # two actions
    first = execute(ctx, "run-1", incident["id"], made)
    assert [a["reused"] for a in first["applied"]] == [False, False]
    assert [a["key"] for a in first["applied"]] == [
        action_key("run-1", incident["id"], 0, 0),
        action_key("run-1", incident["id"], 0, 1),
    ]
    again = execute(ctx, "run-1", incident["id"], made)
    assert [a["reused"] for a in again["applied"]] == [True, True]
    assert [a["action_id"] for a in again["applied"]] == ["A00001", "A00002"]
    assert len(ctx.twin.actions) == 2  # nothing applied twice


def test_execution_stops_at_a_rejected_action(ctx: LoopContext) -> None:
    incident = perceive_incidents(ctx)[0]
    made = decide(ctx, incident, analyse_incident(ctx, incident), [])
    made["chosen"] = next(c for c in made["candidates"] if c["id"] == "c4")
    done = execute(ctx, "run-1", incident["id"], made)
    assert done["applied"] == [] and len(done["failed"]) == 1
    assert ctx.twin.actions == []


def test_learning_updates_priors_without_memory(ctx: LoopContext) -> None:
    incident = perceive_incidents(ctx)[0]
    iid = incident["id"]
    analysis = analyse_incident(ctx, incident)
    made = decide(ctx, incident, analysis, [])
    done = execute(ctx, "r", iid, made)
    state = {
        "run_id": "r",
        "incidents": {iid: incident},
        "analyses": {iid: analysis},
        "executions": {iid: [done]},
        "verdicts": {iid: [{"status": "FULFILLED", "attempt": 0}]},
        "status": {iid: "fulfilled"},
    }
    assert learn_incident(ctx, state, iid) == "verified"
    assert ctx.models["priors"] == {"upf_overload|upf_scale_out": [1, 1]}


def test_plain_makes_json_ready_values() -> None:
    got = plain({"a": np.float32(1.5), "b": [np.int64(2)], "c": math.nan,
                 "d": datetime(2026, 1, 5, 1), "e": {"y", "x"}, 3: (1, 2)})  # fmt: skip
    assert got == {"a": 1.5, "b": [2], "c": None, "d": "2026-01-05T01:00:00", "e": ["x", "y"],
                   "3": [1, 2]}  # fmt: skip


def test_nothing_allowed_says_why(ctx: LoopContext) -> None:
    incident = perceive_incidents(ctx)[0]
    analysis = analyse_incident(ctx, incident)
    first = decide(ctx, incident, analysis, [])
    second = decide(ctx, incident, analysis, [first])
    third = decide(ctx, incident, analysis, [first, second])
    assert third["chosen"] is None
    assert third["reason"].startswith("none of 4 candidate(s) helps: c1 denied: retry:")
    assert "c3 denied: upf-scale-out-bounds: instances=99 outside [1.0, 4.0]" in third["reason"]
    assert "c4 rejected by the twin: wake" in third["reason"]


def test_an_undo_step_is_applied_once(ctx: LoopContext) -> None:
    twin = ctx.twin
    cell = twin.compiled.cell_ids[2]
    tilt = twin.apply("tilt", cell, delta_deg=1.0)
    made = {"attempt": 0, "chosen": {"actions": [{"kind": "undo", "target": tilt.action_id,
                                                  "params": {}}]}}  # fmt: skip
    first = execute(ctx, "r", "I1", made)
    assert [(a["kind"], a["target"], a["reused"]) for a in first["applied"]] == [
        ("undo", tilt.action_id, False)
    ]
    again = execute(ctx, "r", "I1", made)
    assert again["applied"][0]["reused"] is True and len(twin.actions) == 2


def test_the_twin_refuses_a_reused_key() -> None:
    from autonet.twin import ActionError

    twin = small_twin()
    cell = twin.compiled.cell_ids[0]
    record = twin.apply("tilt", cell, key="k-1", delta_deg=1.0)
    assert twin.action_by_key("k-1") is record and record.as_dict()["key"] == "k-1"
    assert twin.action_by_key("k-2") is None
    with pytest.raises(ActionError, match="key 'k-1' was already applied"):
        twin.apply("tilt", cell, key="k-1", delta_deg=1.0)
    with pytest.raises(ActionError, match="key must be a non-empty string"):
        twin.apply("tilt", cell, key="", delta_deg=1.0)
    assert len(twin.actions) == 1


def test_provenance_log_matches_a_fresh_conversion() -> None:
    from autonet.agents._provenance import ProvenanceLog, twin_provenance

    twin = small_twin()
    log = ProvenanceLog()
    cell = twin.compiled.cell_ids[1]
    fault = twin.inject_fault("interference", cell)
    first = log.snapshot(twin, {"n_sites": 12, "seed": 3})
    assert first["faults"][0]["end"] is None and first["actions"] == []
    twin.apply("tilt", cell, key="k", delta_deg=1.0)
    twin.step()
    twin.clear_fault(fault.fault_id)  # the only field of a record that changes later
    second = log.snapshot(twin, {"n_sites": 12, "seed": 3})
    assert second == twin_provenance(twin, {"n_sites": 12, "seed": 3})
    assert second["faults"][0]["end"] == twin.now.isoformat()
    assert [(a["kind"], a["key"]) for a in second["actions"]] == [("tilt", "k")]
    assert first["faults"][0]["end"] is None  # earlier snapshots are not changed afterwards
    other = small_twin()
    assert log.snapshot(other, None)["actions"] == []  # another twin: the log starts over


def test_provenance_delta_keeps_only_what_changed() -> None:
    from autonet.agents._provenance import provenance_delta

    f1, f2 = {"fault_id": "F1", "end": None}, {"fault_id": "F2", "end": "t2"}
    base = {"step_index": 3, "events": [{"name": "e1"}], "actions": [{"action_id": "A00001"}],
            "faults": [f1, f2]}  # fmt: skip
    full = {"step_index": 6, "events": [{"name": "e1"}, {"name": "e2"}],
            "actions": [{"action_id": "A00001"}, {"action_id": "A00002"}],
            "faults": [{"fault_id": "F1", "end": "t5"}, {"fault_id": "F2", "end": "t2"},
                       {"fault_id": "F3", "end": None}]}  # fmt: skip
    delta = provenance_delta(full, base)
    assert delta == {
        "step_index": 6,
        "events": [{"name": "e2"}],
        "actions": [{"action_id": "A00002"}],
        "faults": [{"fault_id": "F1", "end": "t5"}, {"fault_id": "F3", "end": None}],
    }
    assert provenance_delta(full, None) == full


def test_action_keys_follow_clones_independently() -> None:
    twin = small_twin()
    cells = twin.compiled.cell_ids
    first = twin.apply("tilt", cells[0], key="k-1", delta_deg=1.0)
    other = twin.clone()
    assert other.action_by_key("k-1") is first  # history before the clone is shared
    mine = other.apply("tilt", cells[1], key="k-2", delta_deg=1.0)
    assert other.action_by_key("k-2") is mine
    assert twin.action_by_key("k-2") is None  # the clone's later actions stay its own
    assert len(twin.actions) == 1 and len(other.actions) == 2
