"""AgentGate: the structured router in front of every agent capability."""

from __future__ import annotations

from autonet.platform.gate.cards import (
    DOMAINS,
    ROLES,
    AgentCard,
    AgentRegistry,
    Domain,
    RegistryError,
    Risk,
    validate_arguments,
)
from autonet.platform.gate.decision import (
    ROUTE_OUTPUT_SCHEMA,
    PlanStep,
    RouteAction,
    RouteDecision,
)

__all__ = [
    "DOMAINS",
    "ROLES",
    "ROUTE_OUTPUT_SCHEMA",
    "AgentCard",
    "AgentRegistry",
    "Domain",
    "PlanStep",
    "RegistryError",
    "Risk",
    "RouteAction",
    "RouteDecision",
    "validate_arguments",
]
