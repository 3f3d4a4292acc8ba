"""The closed loop as a LangGraph state machine: six agents, approvals, rollback and escalation.

All wiring lives here; the nodes are the agents' functions (``autonet.agents.*``). After
perception and analysis, one router picks the next node from the incidents' statuses, in the
order: approval > execution > rollback > decision > escalation > verification > learning.
The run pauses before verification (``interrupt_before``) until the twin has moved on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from autonet.agents.analysis import analysis
from autonet.agents.decision import approval, decision
from autonet.agents.execution import execution, rollback
from autonet.agents.learning import learning
from autonet.agents.perception import perception
from autonet.agents.playbook import LoopContext, LoopSettings
from autonet.agents.state import LoopInput, LoopState
from autonet.agents.verification import escalation, verification

__all__ = ["NODES", "build_graph", "check_settings", "next_node"]

NODES = (
    "perception",
    "analysis",
    "decision",
    "approval",
    "execution",
    "verification",
    "rollback",
    "escalation",
    "learning",
)

Next = Literal[
    "approval", "execution", "rollback", "decision", "escalation", "verification", "learning"
]
_ORDER: tuple[tuple[frozenset[str], Next], ...] = (
    (frozenset({"awaiting_approval"}), "approval"),
    (frozenset({"decided", "approved"}), "execution"),
    (frozenset({"rollback", "rollback_escalate"}), "rollback"),
    (frozenset({"open", "retry"}), "decision"),
    (frozenset({"escalate"}), "escalation"),
    (frozenset({"waiting_verification"}), "verification"),
)


def next_node(state: Mapping[str, Any]) -> Next:
    """The router: the next node from the incidents' statuses."""
    present = set((state.get("status") or {}).values())
    for statuses, node in _ORDER:
        if present & statuses:
            return node
    return "learning"


def _after_perception(state: LoopState) -> str:
    return "analysis" if state.get("incidents") else END


def check_settings(settings: LoopSettings) -> LoopSettings:
    """Validate the loop's knobs.

    Raises:
        ValueError: A negative ``max_retries``, a confidence outside [0, 1], negative users.
    """
    if isinstance(settings.max_retries, bool) or not isinstance(settings.max_retries, int):
        raise ValueError(f"max_retries must be an integer >= 0, got {settings.max_retries!r}")
    if settings.max_retries < 0:
        raise ValueError(f"max_retries must be >= 0, got {settings.max_retries}")
    if not 0.0 <= settings.approval_confidence <= 1.0:
        raise ValueError(
            f"approval_confidence must be within [0, 1], got {settings.approval_confidence}"
        )
    if not settings.approval_users >= 0:
        raise ValueError(f"approval_users must be >= 0, got {settings.approval_users}")
    return settings


def build_graph(
    *,
    checkpointer: Any = None,
    interrupt_before_verification: bool = True,
    name: str = "autonet-loop",
) -> CompiledStateGraph[LoopState, LoopContext, LoopInput, LoopState]:
    """The closed loop's graph, compiled.

    Args:
        checkpointer: A LangGraph saver (see :func:`autonet.platform.checkpoint.open_checkpointer`);
            None compiles without persistence (approvals and pauses then need one: pass
            ``InMemorySaver()``).
        interrupt_before_verification: Pause every run before verification, to be resumed
            once the twin has moved on the playbooks' ``settle_steps``.
        name: The graph's name.

    Returns:
        A graph to ``invoke(LoopInput, {"configurable": {"thread_id": run_id}},
        context=LoopContext(...))``.
    """
    graph = StateGraph(LoopState, context_schema=LoopContext, input_schema=LoopInput)
    graph.add_node("perception", perception)
    graph.add_node("analysis", analysis)
    graph.add_node("decision", decision)
    graph.add_node("approval", approval)
    graph.add_node("execution", execution)
    graph.add_node("verification", verification)
    graph.add_node("rollback", rollback)
    graph.add_node("escalation", escalation)
    graph.add_node("learning", learning)
    graph.add_edge(START, "perception")
    graph.add_conditional_edges("perception", _after_perception, ["analysis", END])
    graph.add_edge("analysis", "decision")
    targets: list[str] = [str(node) for _, node in _ORDER] + ["learning"]
    for node in ("decision", "approval", "execution", "verification", "rollback", "escalation"):
        graph.add_conditional_edges(node, next_node, targets)
    graph.add_edge("learning", END)
    return graph.compile(
        checkpointer=checkpointer,
        interrupt_before=["verification"] if interrupt_before_verification else None,
        name=name,
    )
