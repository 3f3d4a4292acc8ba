"""The interface between AgentGate and its routing backends (Stage I and Stage II)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from autonet.errors import UnavailableError
from autonet.platform.gate.cards import AgentRegistry
from autonet.platform.gate.decision import PlanStep, RouteAction
from autonet.platform.gate.retrieval import CandidateRetriever
from autonet.platform.gate.slots import Slot

__all__ = ["BackendError", "RouteRequest", "RouterBackend", "StageOne", "StageTwo"]


class BackendError(UnavailableError, RuntimeError):
    """A backend could not produce a stage's output (timeout, transport error, garbage)."""


@dataclass
class RouteRequest:
    """Everything a backend may use to route one query.

    Attributes:
        text: The sanitised query.
        role: The caller's role.
        context: Caller context (e.g. ``{"region": "north"}``).
        registry: The registry restricted to the allowed agents.
        candidates: C_sub, the candidate names, most relevant first.
        relevance: Retrieval relevance (cosine) of each candidate.
        slots: Slots extracted from the text.
        sequential: Whether the text carries a sequential composition marker.
        retriever: The gate's retriever over the full registry (to score sub-texts).
    """

    text: str
    role: str
    context: dict[str, Any]
    registry: AgentRegistry
    candidates: list[str]
    relevance: dict[str, float]
    slots: list[Slot]
    sequential: bool
    retriever: CandidateRetriever
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def counts(self) -> Counter[str]:
        """The text's n-gram counts, as the retriever's featurizer analyses it (on demand)."""
        return self.retriever.featurizer.analyze(self.text)


@dataclass
class StageOne:
    """Stage I output: the action and its confidence (``action=None``: the stage failed)."""

    action: RouteAction | None
    confidence: float
    rationale: str = ""
    answer: str | None = None


@dataclass
class StageTwo:
    """Stage II output: agent and arguments (CALL) or an ordered plan (PLAN), with confidence."""

    agent: str | None = None
    arguments: dict[str, Any] = field(default_factory=dict)
    plan: list[PlanStep] = field(default_factory=list)
    confidence: float = 0.0
    rationale: str = ""


class RouterBackend(ABC):
    """A way of computing the two stages: the embedded learned router or an LLM."""

    name: str = "backend"

    @abstractmethod
    def stage1(self, request: RouteRequest) -> StageOne:
        """Decide the action among CALL / PLAN / DIRECT / ESCALATE (may raise BackendError)."""

    @abstractmethod
    def stage2(self, request: RouteRequest, action: RouteAction) -> StageTwo:
        """Ground a CALL (agent + arguments) or a PLAN (ordered steps) (may raise BackendError)."""

    def relevance(self, request: RouteRequest) -> dict[str, float]:
        """Probability that each candidate can serve the request (default: retrieval cosine)."""
        return dict(request.relevance)
