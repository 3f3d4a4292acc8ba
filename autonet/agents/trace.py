"""The run's trace (who/what/why/when) and its copy in the audit trail; JSON-ready values."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from autonet.agents.messages import TraceEntry

if TYPE_CHECKING:
    from autonet.agents.playbook import LoopContext

__all__ = ["Tracer", "plain"]

logger = logging.getLogger(__name__)


def plain(value: Any) -> Any:
    """``value`` as plain JSON-ready data: numpy scalars/arrays as numbers/lists, times as ISO,
    sets and tuples as lists, non-finite floats as None."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return [plain(v) for v in items]
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


class Tracer:
    """Collects one node's trace entries (numbered after the state's) and audits them.

    Args:
        state: The run's state (its ``trace`` gives the next sequence number).
        ctx: The loop context (twin time; memory's audit log when set).
        actor: The agent's name.
    """

    def __init__(self, state: Mapping[str, Any], ctx: LoopContext, actor: str) -> None:
        self.run_id = str(state.get("run_id", ""))
        self.seq = len(state.get("trace") or ())
        self.ctx = ctx
        self.actor = actor
        self.entries: list[TraceEntry] = []

    def add(
        self,
        step: str,
        what: str,
        why: str = "",
        data: Mapping[str, Any] | None = None,
        *,
        actor: str | None = None,
        target: str | None = None,
    ) -> TraceEntry:
        """Append an entry (and an audit record when the loop has memory)."""
        entry = TraceEntry(
            seq=self.seq + len(self.entries) + 1,
            at=self.ctx.twin.now.isoformat(),
            wall=datetime.now(UTC).isoformat(),
            actor=actor or self.actor,
            step=step,
            what=what,
            why=why,
            data=plain(dict(data or {})),
        )
        self.entries.append(entry)
        memory = self.ctx.memory
        if memory is not None:
            memory.audit.record(
                entry["actor"][:120],
                step,
                reason=f"{what}; {why}" if why else what,
                target=target,
                run_id=self.run_id or None,
                details={"seq": entry["seq"], "at": entry["at"], **entry["data"]},
            )
        logger.debug("%s %s %s: %s (%s)", self.run_id, entry["actor"], step, what, why)
        return entry

    def update(self, **changes: Any) -> dict[str, Any]:
        """The node's state update: ``changes`` plus the collected trace entries."""
        return {**changes, "trace": list(self.entries)}
