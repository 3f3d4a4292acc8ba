"""Ground-truth evaluation of the fault-healing scenario: what each action did, harm left behind.

Evaluation only (it reads the twin's fault records and compares clones); the policies never see
any of it. An action's **gain** is the network's impacted user-minutes over the next
``steps`` steps without it minus with it: the twin as it is after the tick, against a clone of
the twin before the tick on which every other action of the tick is replayed (a restart's
effect is its scheduled clear, so it cannot be judged by undoing it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from autonet.agents.playbooks._fault_impact import impacted_users

if TYPE_CHECKING:
    from autonet.twin import ActionRecord, Twin
    from autonet.twin.results import StepResult

__all__ = ["ActionJudgement", "harmful_left", "judge_tick", "run_impact", "step_impact"]


def step_impact(res: StepResult, sla_mbps: float) -> np.ndarray:
    """Impacted users per cell of one step's result."""
    tail = {k: np.asarray(v)[None, :] for k, v in res.cell.items()}
    return impacted_users(tail, sla_mbps)[0]


def run_impact(twin: Twin, steps: int, sla_mbps: float) -> float:
    """Impacted user-minutes of the network over the next ``steps`` steps (``twin`` advances)."""
    total = 0.0
    for _ in range(steps):
        total += float(step_impact(twin.step(), sla_mbps).sum(dtype=np.float64))
    return total * twin.step_minutes


@dataclass(frozen=True)
class ActionJudgement:
    """One applied action and what it did."""

    action_id: str
    kind: str
    target: str
    at: str
    gain_user_min: float  # impacted user-minutes avoided over the probe horizon


def _replay(clone: Twin, records: Sequence[ActionRecord], skip: str) -> None:
    """Apply ``records`` (actions and undos, in order) on ``clone``, leaving out ``skip``."""
    from autonet.twin import ActionError

    ids: dict[str, str] = {}
    for r in records:
        try:
            if r.kind == "undo":
                if r.undoes == skip or r.undoes is None:
                    continue
                clone.undo(ids.get(r.undoes, r.undoes))
            elif r.action_id != skip:
                ids[r.action_id] = clone.apply(r.kind, r.target, **r.params).action_id
        except ActionError:
            continue  # depends on the left-out action: without it, it could not be done


def judge_tick(
    before: Twin, after: Twin, records: Sequence[ActionRecord], *, steps: int, sla_mbps: float
) -> list[ActionJudgement]:
    """The gain of each action (not undo) among ``records``, the tick's new action records
    (``before``: a clone taken before the tick; ``after``: the live twin, not advanced)."""
    actions = [r for r in records if r.kind != "undo"]
    if not actions:
        return []
    with_all = run_impact(after.clone(), steps, sla_mbps)
    out = []
    for r in actions:
        without = before.clone()
        _replay(without, records, r.action_id)
        gain = run_impact(without, steps, sla_mbps) - with_all
        out.append(ActionJudgement(r.action_id, r.kind, r.target, r.at.isoformat(), gain))
    return out


def in_effect(twin: Twin) -> list[ActionRecord]:
    """Actions applied and never undone (restarts excluded: nothing to take back)."""
    undone = {r.undoes for r in twin.actions if r.kind == "undo"}
    return [
        r for r in twin.actions if r.kind not in ("undo", "restart") and r.action_id not in undone
    ]


def harmful_left(
    twin: Twin, *, steps: int, sla_mbps: float, threshold_user_min: float
) -> list[dict[str, Any]]:
    """Actions still in effect at the end whose undo would lower the network's impacted
    user-minutes over the next ``steps`` steps by more than ``threshold_user_min``."""
    from autonet.twin import ActionError

    left = in_effect(twin)
    if not left:
        return []
    as_is = run_impact(twin.clone(), steps, sla_mbps)
    out = []
    for r in left:
        clone = twin.clone()
        try:
            clone.undo(r.action_id)
        except ActionError:
            continue  # a later change on the same setting: judged through that one
        saved = as_is - run_impact(clone, steps, sla_mbps)
        if saved > threshold_user_min:
            out.append(
                {"action_id": r.action_id, "kind": r.kind, "target": r.target, "saved": saved}
            )
    return out
