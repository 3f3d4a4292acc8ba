"""The loop's graph: wiring, the router, a full run, retries with rollback, escalation."""

from __future__ import annotations

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from loop_helpers import UpfPlaybook, instances, small_twin, upf_load, upf_overloaded

from autonet.agents.playbook import LoopSettings
from autonet.platform.graph import NODES, build_graph, check_settings, next_node
from autonet.platform.loop import ClosedLoop


def test_graph_has_the_six_agents_and_their_control_nodes() -> None:
    graph = build_graph(checkpointer=InMemorySaver())
    assert set(NODES) <= set(graph.get_graph().nodes)
    assert set(NODES) == {
        "perception", "analysis", "decision", "approval", "execution",
        "verification", "rollback", "escalation", "learning",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ({"a": "awaiting_approval", "b": "decided"}, "approval"),
        ({"a": "decided", "b": "rollback"}, "execution"),
        ({"a": "approved"}, "execution"),
        ({"a": "rollback_escalate", "b": "retry"}, "rollback"),
        ({"a": "retry", "b": "escalate"}, "decision"),
        ({"a": "escalate", "b": "waiting_verification"}, "escalation"),
        ({"a": "waiting_verification", "b": "fulfilled"}, "verification"),
        ({"a": "fulfilled", "b": "escalated"}, "learning"),
        ({}, "learning"),
    ],
)
def test_router_order(statuses: dict[str, str], expected: str) -> None:
    assert next_node({"status": statuses}) == expected


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (LoopSettings(max_retries=-1), "max_retries must be >= 0"),
        (LoopSettings(max_retries=1.5), "max_retries must be an integer"),  # type: ignore[arg-type]
        (LoopSettings(approval_confidence=2.0), "approval_confidence must be within"),
        (LoopSettings(approval_users=-1), "approval_users must be >= 0"),
    ],
)
def test_bad_settings_are_rejected(settings: LoopSettings, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_settings(settings)


def _drive(loop: ClosedLoop, steps: int) -> list:
    reports = []
    for _ in range(steps):
        loop.twin.step()
        reports.append(loop.tick())
    return reports


def test_a_run_heals_the_overload_and_is_verified_after_settling() -> None:
    twin = small_twin()
    upf = upf_overloaded(twin)
    before = instances(twin, upf)
    loop = ClosedLoop(twin, [UpfPlaybook()], checkpointer=InMemorySaver())
    reports = _drive(loop, 4)
    opened_at = reports[0].time
    assert [i["kind"] for i in reports[0].opened] == ["upf"]
    assert len(reports[0].applied) >= 1 and reports[0].verdicts == []
    # settle_steps = 2: verified at the tick two steps later
    assert reports[1].verdicts == []
    assert [v["status"] for v in reports[2].verdicts] == ["FULFILLED"]
    assert upf_load(twin, upf) < 100.0  # ground truth: the twin's UPF counter
    assert instances(twin, upf) == before + len(reports[0].applied)
    (out,) = loop.outcomes()
    assert out["status"] == "fulfilled" and out["human"] is False
    assert out["first_action_at"] == opened_at.isoformat()
    assert out["closed_at"] == (opened_at + 2 * twin.step_delta).isoformat()
    steps = [e["step"] for e in loop.trace(out["run_id"])]
    assert steps[:3] == ["perceive", "analyse", "decide"] and steps[-2:] == ["verify", "learn"]
    assert [e["seq"] for e in loop.trace(out["run_id"])] == list(range(1, len(steps) + 1))


def test_failed_verification_rolls_back_retries_then_escalates() -> None:
    twin = small_twin()
    upf = upf_overloaded(twin)
    before = instances(twin, upf)
    # an unreachable target: every attempt fails verification
    loop = ClosedLoop(
        twin, [UpfPlaybook(target_load=1.0)], checkpointer=InMemorySaver(),
        settings=LoopSettings(max_retries=1),
    )  # fmt: skip
    reports = _drive(loop, 7)
    (out,) = loop.outcomes()
    assert out["status"] == "escalated" and out["human"] is True
    assert [d["attempt"] for d in out["decisions"]] == [0, 1]
    first, second = (d["chosen"]["id"] for d in out["decisions"])
    assert first != second  # the failed remedy is not tried again
    assert [v["status"] for v in out["verdicts"]] == ["NOT_FULFILLED", "NOT_FULFILLED"]
    assert sum(len(r.escalated) for r in reports) == 1
    # every applied action was undone: nothing harmful left in place
    applied = [a.action_id for a in twin.actions if a.kind != "undo"]
    undone = [a.undoes for a in twin.actions if a.kind == "undo"]
    assert sorted(applied) == sorted(undone)
    assert instances(twin, upf) == before


def test_no_incident_no_run() -> None:
    twin = small_twin()
    saver = InMemorySaver()
    loop = ClosedLoop(twin, [UpfPlaybook()], checkpointer=saver)
    reports = _drive(loop, 3)
    assert all(not r.opened and not r.applied for r in reports)
    assert loop.outcomes() == [] and loop.runs() == {}
    assert list(saver.list(None)) == []
