"""Agent cards, the registry's checks, argument validation and the route output schema."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from autonet.platform.gate import (
    ROUTE_OUTPUT_SCHEMA,
    AgentCard,
    AgentRegistry,
    PlanStep,
    RegistryError,
    RouteAction,
    RouteDecision,
    validate_arguments,
)


def _card(name: str = "kpi_reader", **overrides: Any) -> dict[str, Any]:
    card: dict[str, Any] = {
        "name": name,
        "description": "Read KPIs of a cell.",
        "parameters": {
            "type": "object",
            "properties": {"target": {"type": "string", "pattern": r"^S\d{4}$"}},
            "required": ["target"],
        },
        "domain": "ran",
        "risk": "read",
        "roles": ["viewer", "operator"],
    }
    card.update(overrides)
    return card


def test_registry_lookup_and_subset() -> None:
    registry = AgentRegistry([_card("kpi_reader"), _card("alarm_reader")])
    assert len(registry) == 2
    assert "alarm_reader" in registry
    assert registry.names() == ["kpi_reader", "alarm_reader"]
    assert registry.get("kpi_reader").risk.value == "read"
    assert registry.subset(["alarm_reader"]).names() == ["alarm_reader"]
    with pytest.raises(RegistryError, match="unknown agents \\['nope'\\]"):
        registry.subset(["nope"])
    with pytest.raises(RegistryError, match="unknown agent 'nope'"):
        registry.get("nope")


@pytest.mark.parametrize(
    ("cards", "message"),
    [
        ([], "registry is empty"),
        ([_card(), _card()], "duplicate agent name 'kpi_reader'"),
        (
            [_card(parameters={"type": "object", "properties": {"a": {"type": "nope"}}})],
            "'kpi_reader' is invalid.*not a valid JSON Schema",
        ),
        ([_card(parameters={"type": "array"})], "type 'object'"),
        (
            [_card(parameters={"type": "object", "properties": {}, "required": ["x"]})],
            "undefined properties",
        ),
        ([_card(name="Bad-Name")], "'Bad-Name' is invalid"),
        ([_card(roles=["pilot"])], "unknown roles \\['pilot'\\]"),
        ([_card(description="   ")], "blank"),
        ([_card(domain="space")], "domain"),
    ],
)
def test_registry_rejects_bad_cards(cards: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(RegistryError, match=message):
        AgentRegistry(cards)


def test_validate_arguments_reports_readable_errors() -> None:
    card = AgentCard.model_validate(_card())
    assert validate_arguments(card, {"target": "S0012"}) == []
    errors = validate_arguments(card, {})
    assert errors == ["kpi_reader.(arguments): 'target' is a required property"]
    (bad,) = validate_arguments(card, {"target": "cell 12"})
    assert bad.startswith("kpi_reader.target:")


def test_decision_output_validates_against_schema() -> None:
    decision = RouteDecision(
        action=RouteAction.MULTI_AGENT_PLAN,
        plan=[PlanStep(agent="a", arguments={"x": 1}), PlanStep(agent="b")],
        rationale="two steps",
        confidence=0.8,
        stage1_confidence=0.9,
        stage2_confidence=0.8,
    )
    jsonschema.validate(decision.output(), ROUTE_OUTPUT_SCHEMA)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**decision.output(), "action": "RUN"}, ROUTE_OUTPUT_SCHEMA)
