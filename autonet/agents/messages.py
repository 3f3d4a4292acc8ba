"""Typed messages that pass between the six agents (plain JSON-ready dicts, each with its producer).

Every message is a ``TypedDict``: a plain ``dict`` at run time, so the graph's state checkpoints
as JSON-compatible data in SQLite or PostgreSQL and replays without custom types. Times are ISO
8601 strings of twin time. ``producer`` names the agent (``"perception"``, ``"analysis"``, ...)
so every step of a run is attributable.
"""

from __future__ import annotations

from typing import Any, Final, Literal, NotRequired

from typing_extensions import TypedDict

__all__ = [
    "FULFILLED",
    "FULFILMENT_STATES",
    "NOT_FULFILLED",
    "NOT_FULFILLED_STATES",
    "ActionStep",
    "Analysis",
    "AppliedAction",
    "Approval",
    "Candidate",
    "Decision",
    "Execution",
    "Hypothesis",
    "Incident",
    "Request",
    "TraceEntry",
    "Verdict",
]

#: 3GPP TS 28.312 fulfilmentInfo.fulfilmentStatus values.
FULFILLED: Final = "FULFILLED"
NOT_FULFILLED: Final = "NOT_FULFILLED"
FULFILMENT_STATES: Final = (FULFILLED, NOT_FULFILLED)
#: 3GPP TS 28.312 notFulfilledState values (why an expectation is not fulfilled).
NOT_FULFILLED_STATES: Final = (
    "ACKNOWLEDGED",
    "COMPLIANT",
    "DEGRADED",
    "SUSPENDED",
    "INTENT_CONFLICT",
    "TERMINATED",
)


class Request(TypedDict):
    """A request entering the loop from outside (an operator's intent routed by AgentGate)."""

    id: str
    kind: str  # the playbook that handles it, e.g. "slice"
    agent: str  # the AgentGate capability that produced it, e.g. "slice_provisioner"
    arguments: dict[str, Any]  # schema-valid arguments from AgentGate
    text: NotRequired[str]  # the operator's words
    submitted_at: str
    actor: NotRequired[str]  # who asked (user name / role)


class Incident(TypedDict):
    """Something the loop must act on: a fault, a predicted congestion, a request, a saving."""

    id: str  # unique in the loop, e.g. "I0007"
    kind: str  # playbook name: "fault" | "congestion" | "slice" | "energy" | ...
    key: str  # de-duplication key: the same situation keeps the same key while it lasts
    opened_at: str
    objects: list[str]  # topology ids involved (cells, sites, links, UPFs, slices)
    summary: str
    severity: str  # "critical" | "major" | "minor" | "warning"
    evidence: dict[str, Any]  # alarms (ids, types, nodes), anomalies, forecasts, request
    producer: str


class Hypothesis(TypedDict):
    """One ranked root-cause hypothesis."""

    node: str
    fault_type: str
    score: float
    evidence: list[str]


class Analysis(TypedDict):
    """Root cause, impact and risk of one incident, plus similar past cases."""

    incident_id: str
    hypotheses: list[Hypothesis]  # best first; empty for non-fault incidents
    impact: dict[str, Any]  # e.g. {"users": 812.0, "cells": ["S0007-C1", ...]}
    risk: dict[str, Any]  # e.g. forecast peak utilisation, predicted congested cells
    similar_cases: list[dict[str, Any]]  # {"case_id", "similarity", "actions": [ActionStep]}
    producer: str


class ActionStep(TypedDict):
    """One action on the twin's action API (``Twin.apply(kind, target, **params)``)."""

    kind: str
    target: str
    params: dict[str, Any]


class Candidate(TypedDict):
    """A candidate remedy (an ordered list of actions), scored by a what-if run."""

    id: str  # unique within the decision, e.g. "c3"
    actions: list[ActionStep]
    source: str  # "rules" | "memory" | "optimiser" | "request"
    rationale: str
    score: NotRequired[float]  # higher is better; set by the what-if
    predicted: NotRequired[dict[str, float]]  # predicted KPIs/KQIs, energy, users affected
    denials: NotRequired[list[str]]  # guard denials ("guard-id: reason"); non-empty = rejected
    error: NotRequired[str]  # the twin rejected an action in the what-if


class Approval(TypedDict):
    """A human's answer to an approval request."""

    approved: bool
    by: str
    at: str
    comment: NotRequired[str]


class Decision(TypedDict):
    """What the decision agent chose for an incident, and why."""

    incident_id: str
    attempt: int  # 0 for the first decision, +1 after each failed verification
    candidates: list[Candidate]
    chosen: Candidate | None  # None: nothing helps (-> escalate) or approval denied
    reason: str
    needs_approval: bool
    approval: NotRequired[Approval]
    producer: str


class AppliedAction(TypedDict):
    """One action the execution agent applied (or found already applied on resume)."""

    key: str  # idempotency key: "<run>/<incident>/<attempt>/<index>"
    action_id: str  # the twin's id, needed for undo
    kind: str
    target: str
    params: dict[str, Any]
    at: str
    reused: bool  # True when a resumed run found it already applied and did not re-apply


class Execution(TypedDict):
    """What was applied for one decision."""

    incident_id: str
    attempt: int
    applied: list[AppliedAction]
    failed: list[dict[str, Any]]  # {"action": ActionStep, "error": str}
    producer: str


class Verdict(TypedDict):
    """TS 28.312-style fulfilment of the incident's expectation after the actions."""

    incident_id: str
    attempt: int
    status: str  # FULFILLED | NOT_FULFILLED
    not_fulfilled_state: NotRequired[str]  # one of NOT_FULFILLED_STATES when NOT_FULFILLED
    measured: dict[str, float]
    targets: dict[str, float]
    reasons: list[str]
    producer: str


class TraceEntry(TypedDict):
    """One step of a run, as written to its trace (and the audit trail)."""

    seq: int
    at: str  # twin time
    wall: str  # wall-clock time (UTC ISO)
    actor: str  # agent name, or "human:<name>"
    step: str  # e.g. "perceive", "analyse", "decide", "approve", "execute", "verify", "learn"
    what: str
    why: str
    data: dict[str, Any]


Severity = Literal["critical", "major", "minor", "warning"]
