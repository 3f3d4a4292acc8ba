"""AgentGate: the structured router in front of every agent capability."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from autonet.platform.gate.backend import (
    BackendError,
    RouterBackend,
    RouteRequest,
    StageOne,
    StageTwo,
)
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
from autonet.platform.gate.factory import build_gate
from autonet.platform.gate.retrieval import CandidateRetriever
from autonet.platform.gate.router import AgentGate
from autonet.platform.gate.slots import Slot, extract_slots

if TYPE_CHECKING:
    from autonet.platform.gate.embedded import EmbeddedBackend
    from autonet.platform.gate.llm import LLMBackend

__all__ = [
    "DOMAINS",
    "ROLES",
    "ROUTE_OUTPUT_SCHEMA",
    "AgentCard",
    "AgentGate",
    "AgentRegistry",
    "BackendError",
    "CandidateRetriever",
    "Domain",
    "EmbeddedBackend",
    "LLMBackend",
    "PlanStep",
    "RegistryError",
    "Risk",
    "RouteAction",
    "RouteDecision",
    "RouteRequest",
    "RouterBackend",
    "Slot",
    "StageOne",
    "StageTwo",
    "build_gate",
    "extract_slots",
    "validate_arguments",
]


def __getattr__(name: str) -> Any:
    # The backends pull in joblib / langchain: imported on first use, not with the package.
    if name == "EmbeddedBackend":
        from autonet.platform.gate.embedded import EmbeddedBackend

        return EmbeddedBackend
    if name == "LLMBackend":
        from autonet.platform.gate.llm import LLMBackend

        return LLMBackend
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
