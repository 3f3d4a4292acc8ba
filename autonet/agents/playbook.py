"""The seam between the generic closed loop and each kind of situation: the ``Playbook`` protocol.

The six agents are generic LangGraph nodes; what differs between a fault, a predicted congestion,
a slice request and an energy-saving opportunity is supplied by a playbook registered under the
incident's ``kind``. The decision agent scores every candidate by a what-if run on a twin clone
(``Playbook.score``), applies the rules' guards, and asks ``Playbook.needs_approval``; the
verification agent asks ``Playbook.verify`` for a TS 28.312 verdict.

Run-scoped dependencies (the twin, memory, playbooks, settings) travel in :class:`LoopContext`,
the graph's context schema, never in globals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from autonet.agents.messages import (
    Analysis,
    Candidate,
    Decision,
    Execution,
    Incident,
    Request,
    Verdict,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from autonet.knowledge.memory.audit import AuditLog
    from autonet.knowledge.memory.cases import CaseStore
    from autonet.knowledge.memory.learned import LearnedStore
    from autonet.knowledge.memory.registry import ModelRegistry
    from autonet.knowledge.memory.signature import SymptomSignature
    from autonet.twin import Twin

__all__ = ["ActionPort", "IncidentBook", "LoopContext", "LoopSettings", "Memory", "Playbook"]


@dataclass
class Memory:
    """Long-term memory handles for one loop (one database).

    Attributes:
        learned: Where what the learning agent learned (the priors) is kept across runs and
            processes; None keeps it in the run context only.
    """

    engine: Engine
    cases: CaseStore
    audit: AuditLog
    registry: ModelRegistry | None = None
    learned: LearnedStore | None = None


@dataclass(frozen=True)
class LoopSettings:
    """Knobs of the generic loop (validated by the graph factory).

    Attributes:
        max_retries: Failed verifications (each followed by a rollback and a new decision)
            before the incident is escalated to a human.
        approval_confidence: Below this root-cause confidence the decision asks a human.
        approval_users: A candidate predicted to touch more users than this asks a human.
        require_approval_kinds: Action kinds that always need a human's approval.
        use_memory: Retrieve similar past cases and store verified ones.
        use_whatif: Score candidates on twin clones (off: first allowed candidate wins).
        use_rca: Rank root-cause hypotheses (off: the alarmed node is taken as the cause).
    """

    max_retries: int = 2
    approval_confidence: float = 0.0
    approval_users: float = float("inf")
    require_approval_kinds: frozenset[str] = frozenset()
    use_memory: bool = True
    use_whatif: bool = True
    use_rca: bool = True


@dataclass
class IncidentBook:
    """Incidents the loop knows (open or being handled), by key, across runs.

    Perception skips a situation whose key is in ``open``; the loop removes a key when the
    playbook reports the situation over (``Playbook.is_over``).
    """

    open: dict[str, str] = field(default_factory=dict)  # key -> incident id
    counter: int = 0

    def next_id(self) -> str:
        self.counter += 1
        return f"I{self.counter:05d}"


@runtime_checkable
class ActionPort(Protocol):
    """Where the execution agent changes the network: the twin itself, or a network adapter
    (a southbound interface to a real network, mirroring each change onto the twin, the
    loop's model of it). Records carry ``action_id``, ``kind``, ``target``, ``params``, ``at``
    and ``undoes``, as :class:`autonet.twin.ActionRecord` does."""

    @property
    def actions(self) -> Sequence[Any]:
        """Every change applied so far (and every undo), oldest first."""
        ...

    def apply(self, kind: str, target: str, *, key: str | None = None, **params: Any) -> Any:
        """Apply one action; raises the twin's ``ActionError`` when it is refused."""
        ...

    def undo(self, action_id: str) -> Any:
        """Undo an applied action."""
        ...

    def action_by_key(self, key: str) -> Any:
        """The action applied under idempotency ``key``, or None."""
        ...


@dataclass
class LoopContext:
    """The graph's context schema: everything a node needs besides the state.

    Attributes:
        twin: The network (the only way to change it is ``twin.apply``).
        playbooks: Playbook per incident kind.
        settings: Loop knobs.
        book: Incidents known to the loop.
        memory: Long-term memory, or None (no retrieval, nothing stored).
        models: Fitted models shared across runs (e.g. ``"rca"``: a fitted RootCauseLocator,
            ``"forecaster"``), built lazily by the playbooks and cached here.
        actor: Who the loop acts as in the audit trail.
        network: Where the execution agent applies actions (None: the twin itself).
    """

    twin: Twin
    playbooks: Mapping[str, Playbook]
    settings: LoopSettings = field(default_factory=LoopSettings)
    book: IncidentBook = field(default_factory=IncidentBook)
    memory: Memory | None = None
    models: dict[str, Any] = field(default_factory=dict)
    actor: str = "autonet"
    network: ActionPort | None = None

    @property
    def port(self) -> ActionPort:
        """The action port: the network adapter when there is one, else the twin."""
        return self.network if self.network is not None else self.twin


@runtime_checkable
class Playbook(Protocol):
    """What the generic agents need to know about one kind of incident.

    Every method is deterministic for a given twin state (no wall-clock, no global random
    state), so a run replays to the same decisions.

    Attributes:
        kind: The incident kind this playbook handles.
        settle_steps: Twin steps to wait after execution before verifying.
        whatif_steps: Twin steps a what-if clone runs to score a candidate.
    """

    kind: str
    settle_steps: int
    whatif_steps: int

    def perceive(self, ctx: LoopContext, requests: Sequence[Request]) -> list[Incident]:
        """New incidents of this kind now (skip keys in ``ctx.book.open``)."""
        ...

    def is_over(self, ctx: LoopContext, key: str) -> bool:
        """True when the situation behind ``key`` has ended (its key may be reused)."""
        ...

    def analyse(self, ctx: LoopContext, incident: Incident) -> Analysis:
        """Root cause / risk / impact of the incident (similar cases are added by the agent)."""
        ...

    def candidates(
        self, ctx: LoopContext, incident: Incident, analysis: Analysis
    ) -> list[Candidate]:
        """Candidate remedies from rules, past cases (``analysis["similar_cases"]``) and
        optimisation, unscored; an empty list means nothing can be done (-> escalate)."""
        ...

    def score(
        self,
        ctx: LoopContext,
        incident: Incident,
        analysis: Analysis,
        candidate: Candidate,
        after: Twin,
        baseline: Twin,
    ) -> tuple[float, dict[str, float]]:
        """Objective (higher is better) and predicted KPIs of ``candidate``.

        ``after`` is a clone with the candidate applied that ran ``whatif_steps`` steps;
        ``baseline`` is a clone that ran the same steps without it. Both recorded KPIs.
        """
        ...

    def needs_approval(
        self, ctx: LoopContext, incident: Incident, candidate: Candidate
    ) -> str | None:
        """Why a human must approve ``candidate`` (None: policy does not require it)."""
        ...

    def verify(
        self,
        ctx: LoopContext,
        incident: Incident,
        analysis: Analysis,
        decision: Decision,
        execution: Execution,
    ) -> Verdict:
        """Fulfilment after the actions took effect (the twin has moved on ``settle_steps``)."""
        ...

    def signature(
        self, ctx: LoopContext, incident: Incident, analysis: Analysis
    ) -> SymptomSignature:
        """The incident's symptoms, the key of similar-case retrieval."""
        ...
