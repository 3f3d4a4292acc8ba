"""The benchmark's metrics on hand-made decisions."""

from __future__ import annotations

import numpy as np
import pytest

from autonet.platform.gate.decision import PlanStep, RouteAction, RouteDecision
from autonet.platform.gate.evaluate import evaluate, expected_calibration_error, same_arguments

RECORDS = [
    {  # CALL, routed right with 5 == 5.0
        "id": "a",
        "query": "q1",
        "tags": ["call"],
        "candidates": ["x", "y"],
        "gold": {
            "action": "CALL_AGENT",
            "agent": "x",
            "arguments": {"latency_ms": 5.0},
            "plan": [],
        },
    },
    {  # CALL, right agent, wrong argument
        "id": "b",
        "query": "q2",
        "tags": ["call"],
        "candidates": ["x", "y"],
        "gold": {
            "action": "CALL_AGENT",
            "agent": "x",
            "arguments": {"target": "S0001"},
            "plan": [],
        },
    },
    {  # PLAN, steps in the wrong order
        "id": "c",
        "query": "q3",
        "tags": ["plan"],
        "candidates": ["x", "y"],
        "gold": {
            "action": "MULTI_AGENT_PLAN",
            "agent": None,
            "arguments": {},
            "plan": [{"agent": "x", "arguments": {}}, {"agent": "y", "arguments": {}}],
        },
    },
    {  # ESCALATE, predicted ESCALATE
        "id": "d",
        "query": "q4",
        "tags": ["sensitive"],
        "candidates": ["x"],
        "gold": {"action": "ESCALATE", "agent": None, "arguments": {}, "plan": []},
    },
    {  # DIRECT, wrongly escalated
        "id": "e",
        "query": "q5",
        "tags": ["knowledge"],
        "candidates": ["x"],
        "gold": {"action": "DIRECT_ANSWER", "agent": None, "arguments": {}, "plan": []},
    },
]

PREDICTED = {
    "a": dict(action=RouteAction.CALL_AGENT, agent="x", arguments={"latency_ms": 5}),
    "b": dict(action=RouteAction.CALL_AGENT, agent="x", arguments={"target": "S0002"}),
    "c": dict(
        action=RouteAction.MULTI_AGENT_PLAN,
        plan=[PlanStep(agent="y", arguments={}), PlanStep(agent="x", arguments={})],
    ),
    "d": dict(action=RouteAction.ESCALATE),
    "e": dict(action=RouteAction.ESCALATE),
}


def scripted(record) -> RouteDecision:
    return RouteDecision(confidence=0.9, stage1_confidence=0.9, **PREDICTED[record["id"]])


def test_metrics_match_the_hand_count() -> None:
    report = evaluate(scripted, RECORDS)
    m = report.metrics
    assert m["action_accuracy"] == pytest.approx(4 / 5)
    assert m["agent_accuracy"] == pytest.approx(2 / 2)
    assert m["argument_exact_match"] == pytest.approx(1 / 2)
    assert m["plan_agents_match"] == 0.0 and m["plan_exact_match"] == 0.0
    assert m["escalation_precision"] == pytest.approx(1 / 2)
    assert m["escalation_recall"] == pytest.approx(1 / 1)
    assert m["json_validity"] == 1.0
    assert m["overall_exact_match"] == pytest.approx(2 / 5)
    assert [e["id"] for e in report.errors()] == ["b", "c", "e"]
    assert report.by_tag["call"]["exact_match"] == pytest.approx(0.5)


def test_argument_match_is_exact_but_numeric() -> None:
    assert same_arguments({"a": 5, "w": {"start": "08:00"}}, {"w": {"start": "08:00"}, "a": 5.0})
    assert not same_arguments({"a": 5}, {"a": 5, "b": 1})
    assert not same_arguments({"days": ["mon", "tue"]}, {"days": ["tue", "mon"]})


def test_expected_calibration_error_by_hand() -> None:
    # Two answers at 0.9 confidence, one right: |0.5 - 0.9| = 0.4 over the whole mass.
    assert expected_calibration_error(np.array([0.9, 0.9]), np.array([1.0, 0.0])) == pytest.approx(
        0.4
    )
    # Perfectly calibrated: confidence 1.0 and always right.
    assert expected_calibration_error(np.array([1.0, 1.0]), np.array([1.0, 1.0])) == 0.0
