"""The graph's typed state: JSON-ready messages per incident, merged by reducers; a growing trace.

Only plain data lives here (the messages of :mod:`autonet.agents.messages`), so a run
checkpoints to SQLite or PostgreSQL and replays; the twin and the models travel in the context.

Per-incident maps (``incidents``, ``analyses``, ``decisions``, ...) merge key by key: a node
returns only the incidents it changed, with the full new value for each (e.g. the whole list of
decisions of an incident). The trace accumulates.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, NotRequired

from typing_extensions import TypedDict

from autonet.agents.messages import (
    Analysis,
    Decision,
    Execution,
    Incident,
    Request,
    TraceEntry,
    Verdict,
)

__all__ = [
    "FINAL_STATUSES",
    "STATUSES",
    "LoopInput",
    "LoopState",
    "merge",
]

#: Where an incident stands inside a run.
STATUSES: Final = (
    "open",  # perceived, not yet decided
    "decided",  # a candidate chosen, to execute
    "awaiting_approval",  # a human must approve the chosen candidate
    "approved",  # approved, to execute
    "waiting_verification",  # executed, waiting for the twin to move on
    "rollback",  # verification failed, retries left: undo then decide again
    "rollback_escalate",  # verification failed, no retries left: undo then escalate
    "retry",  # rolled back, to decide again
    "escalate",  # to escalate (nothing helps, approval denied, retries exhausted)
    "fulfilled",  # final: verified
    "escalated",  # final: handed to a human
    "rejected",  # final: a request refused with its reasons (infeasible; no human needed)
)
FINAL_STATUSES: Final = frozenset({"fulfilled", "escalated", "rejected"})


def merge(left: dict[str, Any] | None, right: dict[str, Any] | None) -> dict[str, Any]:
    """Reducer of the per-incident maps: ``right``'s keys replace ``left``'s."""
    if not left:
        return dict(right or {})
    if not right:
        return left
    return {**left, **right}


def _extend(left: list[Any] | None, right: list[Any] | None) -> list[Any]:
    return [*(left or ()), *(right or ())]


class LoopInput(TypedDict):
    """What a caller passes to start a run.

    Attributes:
        run_id: The run's id (also its thread id).
        requests: External requests to perceive (e.g. a slice intent).
        incidents: Incidents already perceived by the driver (the cheap per-tick check);
            perception then only records them.
        provenance: How to rebuild the twin as it was at the run's start (for replay).
    """

    run_id: str
    requests: NotRequired[list[Request]]
    incidents: NotRequired[dict[str, Incident]]
    provenance: NotRequired[dict[str, Any]]


class LoopState(TypedDict):
    """The state of one run (one thread of the checkpointer)."""

    run_id: str
    requests: list[Request]
    provenance: dict[str, Any]
    incidents: Annotated[dict[str, Incident], merge]
    analyses: Annotated[dict[str, Analysis], merge]
    decisions: Annotated[dict[str, list[Decision]], merge]
    executions: Annotated[dict[str, list[Execution]], merge]
    verdicts: Annotated[dict[str, list[Verdict]], merge]
    status: Annotated[dict[str, str], merge]
    human: Annotated[dict[str, bool], merge]  # a human approved/denied, or it was escalated
    closed_at: Annotated[dict[str, str], merge]
    verify_at: Annotated[dict[str, int], merge]  # twin step index when verification is due
    twin_log: Annotated[dict[str, dict[str, Any]], merge]  # twin provenance at each verification
    learned: Annotated[dict[str, str], merge]  # incident -> case verdict stored ("" = none)
    trace: Annotated[list[TraceEntry], _extend]
