"""The frequency limiters across one decision step: changes decided together count each other.

The decision agent judges every incident of a run before any is executed, so the guards'
history holds none of them: four tilts of one cell submitted together would each look like the
first. The change playbook keeps the changes it let through at this twin step in
``ctx.models`` and judges the next one with them added to the history (an approximation: a
change later denied by its what-if or by a human still counts until the step ends).
"""

from __future__ import annotations

from autonet.agents._whatif import guard_denials, guard_history
from autonet.agents.messages import Candidate
from autonet.agents.playbook import LoopContext
from autonet.knowledge.rules.situation import ActionRecord

__all__ = ["same_step_denials"]

_PLANNED = "change:planned"  # ctx.models key: changes decided at this step


def same_step_denials(ctx: LoopContext, incident_id: str, cand: Candidate) -> list[str]:
    """Frequency-limiter denials counting the changes decided at this twin step for other
    requests (not applied yet, so the decision's own guard check does not see them): four tilts
    of one cell submitted together are judged as four changes, not four first ones."""
    book = ctx.models.get(_PLANNED)
    if book is None or book.get("step") != ctx.twin.step_index:
        book = ctx.models[_PLANNED] = {"step": ctx.twin.step_index, "actions": {}}
    history = guard_history(ctx)
    # a decided change that was applied at this step since (e.g. after its approval) is in
    # the history already: count each (kind, target) once
    applied = [(r.action, r.target) for r in history if r.time == ctx.twin.now]
    earlier = []
    for iid, actions in book["actions"].items():
        for a in actions if iid != incident_id else ():
            if (a["kind"], a["target"]) in applied:
                applied.remove((a["kind"], a["target"]))
            else:
                earlier.append(
                    ActionRecord(time=ctx.twin.now, action=a["kind"], target=a["target"])
                )
    plain = guard_denials(ctx, cand, history)
    if plain:  # the decision denies it anyway, with these reasons
        return []
    extra = guard_denials(ctx, cand, [*history, *earlier])
    if not extra:
        book["actions"][incident_id] = [dict(a) for a in cand["actions"]]
        return []
    return [f"{d} (counting {len(earlier)} change(s) decided earlier at this step)" for d in extra]
