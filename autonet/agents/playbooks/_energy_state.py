"""What the energy playbook keeps between ticks, and the inputs it builds for the planner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from autonet.agents.playbooks._energy_forecast import DemandProfile, fit_profile, observed_demand
from autonet.knowledge.rules import ActionRecord as RuleRecord
from autonet.knowledge.rules import PolicySet, evaluate_guards

if TYPE_CHECKING:
    from autonet.twin import Twin

__all__ = ["EnergyMemo", "guard_history", "may_act", "ratio_now"]

_SWITCHES = ("sleep", "wake")
_OPPOSITE = {"sleep": "wake", "wake": "sleep"}


@dataclass
class EnergyMemo:
    """Fitted profile and bookkeeping of one loop (cached in ``ctx.models["energy"]``)."""

    profile: DemandProfile
    start_step: int  # the step the playbook started planning (its KQI budget counts from here)
    policies: PolicySet


def make_memo(twin: Twin, policies: PolicySet, history_steps: int) -> EnergyMemo:
    """Fit the demand profile now (raises ValueError when there is too little history)."""
    return EnergyMemo(fit_profile(twin, history_steps=history_steps), twin.step_index, policies)


def guard_history(twin: Twin, within: timedelta) -> list[RuleRecord]:
    """The twin's actions of the last ``within`` as records for the rules' frequency limiter.

    An undo counts as the opposite switch on the same cell (undoing a sleep wakes the cell).
    """
    since = twin.now - within
    recent: list[Any] = []
    for rec in reversed(twin.actions):
        if rec.at <= since:
            break
        recent.append(rec)
    by_id = {r.action_id: r for r in twin.actions[-4 * len(recent) - 1 :]} if recent else {}
    out: list[RuleRecord] = []
    for rec in reversed(recent):
        if rec.kind != "undo":
            out.append(RuleRecord(rec.at, rec.kind, rec.target))
            continue
        orig = by_id.get(rec.target)
        if orig is None:
            orig = next((r for r in twin.actions if r.action_id == rec.target), None)
        if orig is not None:
            kind = _OPPOSITE.get(orig.kind, orig.kind)
            out.append(RuleRecord(rec.at, kind, orig.target))
    return out


def may_act(twin: Twin, policies: PolicySet, action: str, hold: timedelta) -> NDArray[np.bool_]:
    """Per cell: the policies' guards allow ``action`` now and no sleep/wake touched the cell
    within ``hold`` (anti ping-pong hysteresis)."""
    history = guard_history(twin, max(hold, timedelta(hours=1)))
    n = twin.compiled.n_cells
    ok = np.ones(n, dtype=np.bool_)
    recent = {r.target for r in history if r.action in _SWITCHES and r.time > twin.now - hold}
    index = twin.compiled.cell_index
    for cid in recent:
        if cid in index:
            ok[index[cid]] = False
    # guards that do not depend on the target (change windows) decide for every cell at once
    probe = evaluate_guards(policies.guards, action=action, target="", parameters={},
                            now=twin.now, history=())  # fmt: skip
    if not all(v.allowed for v in probe if v.kind != "frequency_limiter"):
        ok[:] = False
        return ok
    touched = {r.target for r in history}
    for cid in touched:
        if cid in index and ok[index[cid]]:
            verdicts = evaluate_guards(policies.guards, action=action, target=cid,
                                       parameters={}, now=twin.now, history=history)  # fmt: skip
            ok[index[cid]] = all(v.allowed for v in verdicts)
    return ok


def ratio_now(twin: Twin, profile: DemandProfile) -> float:
    """Observed network demand over the profile's at the last step (clipped to 0.5..2)."""
    expected = profile.expected_users(twin.step_index - 1)
    if expected <= 0:
        return 1.0
    return float(np.clip(observed_demand(twin) / expected, 0.5, 2.0))
