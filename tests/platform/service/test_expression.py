"""Structured TS 28.312 intents -> capability and arguments; malformed ones refused clearly."""

from __future__ import annotations

from typing import Any

import pytest

from autonet.errors import BadInputError
from autonet.platform.service import parse_expression


def _slice(**over: Any) -> dict[str, Any]:
    exp: dict[str, Any] = {
        "expectationId": "1",
        "expectationVerb": "DELIVER",
        "expectationObject": {"objectType": "NetworkSlice"},
        "expectationTargets": [
            {"targetName": "dLLatency", "targetCondition": "IS_LESS_THAN",
             "targetValueRange": 5},
            {"targetName": "dLThptPerSlice", "targetCondition": "IS_GREATER_THAN",
             "targetValueRange": 200},
        ],
        "expectationContexts": [
            {"contextAttribute": "coverageArea", "contextCondition": "IS_EQUAL_TO",
             "contextValueRange": ["north"]},
            {"contextAttribute": "sliceType", "contextCondition": "IS_EQUAL_TO",
             "contextValueRange": "URLLC"},
            {"contextAttribute": "timeWindow", "contextCondition": "IS_EQUAL_TO",
             "contextValueRange": "8:00-18:00"},
        ],
    }  # fmt: skip
    exp.update(over)
    return {"intentExpectations": [exp]}


def test_a_slice_expectation_becomes_slice_provisioner_arguments() -> None:
    parsed = parse_expression(_slice())
    assert parsed.agent == "slice_provisioner"
    assert parsed.arguments == {
        "slice_type": "URLLC",
        "latency_ms": 5.0,
        "throughput_mbps": 200.0,
        "area": "north",
        "window": {"start": "08:00", "end": "18:00"},
    }


def test_the_tmf921_wrapper_is_accepted() -> None:
    wrapped = {"@type": "JsonExpression", "expressionValue": _slice()}
    assert parse_expression(wrapped).agent == "slice_provisioner"


def test_an_energy_expectation_becomes_energy_planner_arguments() -> None:
    expr = {"intentExpectations": [{
        "expectationObject": {"objectType": "RAN_SubNetwork", "objectInstance": "south"},
        "expectationTargets": [
            {"targetName": "energySaving", "targetCondition": "IS_GREATER_THAN",
             "targetValueRange": 15},
            {"targetName": "kqiLoss", "targetCondition": "IS_LESS_THAN", "targetValueRange": 1},
        ],
    }]}  # fmt: skip
    parsed = parse_expression(expr)
    assert parsed.agent == "energy_planner"
    assert parsed.arguments == {"target_saving_pct": 15.0, "max_kqi_loss_pct": 1.0,
                                "region": "south"}  # fmt: skip


@pytest.mark.parametrize(
    ("expression", "needle"),
    [
        ({}, "no intentExpectations"),
        ([], "JSON object"),
        ({"intentExpectations": [{}, {}]}, "one expectation per intent"),
        (_slice(expectationContexts=[]), "coverageArea"),
        (_slice(expectationTargets=[{"targetName": "jitter", "targetValueRange": 1}]),
         "'jitter'"),
        (_slice(expectationTargets=[{"targetName": "dLLatency", "targetCondition": "ABOUT",
                                     "targetValueRange": 1}]), "targetCondition 'ABOUT'"),
        (_slice(expectationTargets=[{"targetName": "dLLatency", "targetValueRange": "low"}]),
         "must be a number"),
        ({"intentExpectations": [{"expectationObject": {"objectType": "Coffee"},
                                  "expectationTargets": [{"targetName": "taste"}]}]},
         "not understood"),
    ],
)  # fmt: skip
def test_malformed_or_unknown_expressions_are_refused_with_what_is_expected(
    expression: Any, needle: str
) -> None:
    with pytest.raises(BadInputError, match=needle):
        parse_expression(expression)


def test_a_bad_time_window_names_the_expected_form() -> None:
    bad = _slice()
    bad["intentExpectations"][0]["expectationContexts"][2]["contextValueRange"] = "morning"
    with pytest.raises(BadInputError, match="08:00-18:00"):
        parse_expression(bad)
