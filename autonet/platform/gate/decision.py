"""The structured output of AgentGate: route actions, plan steps and the route decision."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ROUTE_OUTPUT_SCHEMA", "PlanStep", "RouteAction", "RouteDecision"]


class RouteAction(StrEnum):
    """What AgentGate decides to do with a request (paper: the action space A)."""

    CALL_AGENT = "CALL_AGENT"
    MULTI_AGENT_PLAN = "MULTI_AGENT_PLAN"
    DIRECT_ANSWER = "DIRECT_ANSWER"
    ESCALATE = "ESCALATE"


class PlanStep(BaseModel):
    """One step of an ordered multi-agent plan."""

    model_config = ConfigDict(extra="forbid")

    agent: str
    arguments: dict[str, Any] = Field(default_factory=dict)


class RouteDecision(BaseModel):
    """The route o = <action, agent, arguments, plan, rationale, confidence> plus diagnostics."""

    model_config = ConfigDict(extra="forbid")

    action: RouteAction
    agent: str | None = None
    arguments: dict[str, Any] = Field(default_factory=dict)
    plan: list[PlanStep] = Field(default_factory=list)
    rationale: str = ""
    confidence: float = Field(ge=0.0, le=1.0)
    stage1_confidence: float = Field(ge=0.0, le=1.0)
    stage2_confidence: float | None = Field(default=None, ge=0.0, le=1.0)
    backend: str = ""
    safeguards: list[str] = Field(default_factory=list)
    latency_ms: float = Field(default=0.0, ge=0.0)
    answer: str | None = None
    stage_latency_ms: dict[str, float] = Field(
        default_factory=dict, description="Milliseconds per stage (retrieval, stage1, ...)."
    )

    def output(self) -> dict[str, Any]:
        """The paper's output tuple as a JSON-ready dict (validates against ROUTE_OUTPUT_SCHEMA)."""
        return {
            "action": self.action.value,
            "agent": self.agent,
            "arguments": dict(self.arguments),
            "plan": [step.model_dump() for step in self.plan],
            "rationale": self.rationale,
            "confidence": self.confidence,
        }


ROUTE_OUTPUT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "AgentGate route",
    "type": "object",
    "properties": {
        "action": {"enum": [a.value for a in RouteAction]},
        "agent": {"type": ["string", "null"]},
        "arguments": {"type": "object"},
        "plan": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "agent": {"type": "string"},
                    "arguments": {"type": "object"},
                },
                "required": ["agent", "arguments"],
                "additionalProperties": False,
            },
        },
        "rationale": {"type": "string"},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
    },
    "required": ["action", "agent", "arguments", "plan", "rationale", "confidence"],
    "additionalProperties": False,
}
