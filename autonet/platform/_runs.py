"""A run as the loop sees it: its phase, its state values, its outcomes and what changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from autonet.errors import ConflictError
from autonet.platform.checkpoint import CheckpointError

if TYPE_CHECKING:
    from langgraph.types import StateSnapshot

__all__ = ["OUTCOME_STATUS", "LoopError", "RunView", "run_view", "snapshot"]

#: Internal incident status -> the contract's outcome status.
OUTCOME_STATUS = {
    "awaiting_approval": "awaiting_approval",
    "waiting_verification": "waiting_verification",
    "fulfilled": "fulfilled",
    "escalated": "escalated",
    "rejected": "rejected",
}


class LoopError(ConflictError, RuntimeError):
    """A request the loop cannot honour (unknown run, no pending approval, bad request)."""


def snapshot(graph: Any, run_id: str) -> StateSnapshot:
    """The run's latest checkpoint.

    Raises:
        CheckpointError: The stored checkpoint cannot be read (corrupt rows).
    """
    import sqlite3

    try:
        return graph.get_state({"configurable": {"thread_id": run_id}})
    except (sqlite3.DatabaseError, ValueError, TypeError, KeyError, EOFError) as exc:
        raise CheckpointError(f"checkpoint of run {run_id!r} is unreadable: {exc}") from None


@dataclass
class RunView:
    """One run's latest state and phase."""

    run_id: str
    values: dict[str, Any]
    phase: str  # "waiting_verification" | "awaiting_approval" | "done"
    due: int = 0  # twin step index when verification is due
    payload: dict[str, Any] | None = None  # the pending approval request
    status: dict[str, str] = field(default_factory=dict)

    def outcome(self, iid: str) -> dict[str, Any]:
        """The contract's outcome dict of incident ``iid``."""
        v = self.values
        executions = v.get("executions", {}).get(iid, [])
        times = [a["at"] for ex in executions for a in ex["applied"]]
        return {
            "incident": v["incidents"][iid],
            "run_id": self.run_id,
            "analysis": v.get("analyses", {}).get(iid),
            "decisions": list(v.get("decisions", {}).get(iid, [])),
            "executions": list(executions),
            "verdicts": list(v.get("verdicts", {}).get(iid, [])),
            "status": OUTCOME_STATUS.get(self.status.get(iid, "open"), "open"),
            "human": bool(v.get("human", {}).get(iid, False)),
            "closed_at": v.get("closed_at", {}).get(iid),
            "first_action_at": min(times) if times else None,
        }

    def report_into(self, before: RunView | None, report: Any) -> None:
        """Add what changed since ``before`` to a TickReport."""
        old = before.values if before is not None else {}
        new = self.values
        for iid, exs in new.get("executions", {}).items():
            for ex in exs[len(old.get("executions", {}).get(iid, [])) :]:
                report.applied.extend(ex["applied"])
        for iid, vs in new.get("verdicts", {}).items():
            report.verdicts.extend(vs[len(old.get("verdicts", {}).get(iid, [])) :])
        was = old.get("status", {})
        for iid, st in new.get("status", {}).items():
            if st in ("escalated", "rejected") and was.get(iid) != st:
                getattr(report, st).append(iid)


def run_view(snap: StateSnapshot) -> RunView:
    """The loop's view of a run from its snapshot."""
    values = dict(snap.values or {})
    run_id = str(snap.config["configurable"]["thread_id"])
    payload = None
    if snap.interrupts:
        phase = "awaiting_approval"
        payload = dict(snap.interrupts[0].value)
    elif "verification" in (snap.next or ()):
        phase = "waiting_verification"
    elif snap.next:
        phase = "interrupted"  # a crash mid-run: resumed by invoking again
    else:
        phase = "done"
    due = max(values.get("verify_at", {}).values(), default=0)
    return RunView(run_id, values, phase, int(due), payload, dict(values.get("status", {})))
