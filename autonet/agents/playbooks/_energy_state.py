"""What the energy playbook keeps between ticks, and the inputs it builds for the planner."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from autonet.agents.playbooks._energy_forecast import DemandProfile, fit_profile, observed_demand
from autonet.agents.playbooks._energy_kqi import Spent
from autonet.agents.playbooks._energy_plan import PlanSettings
from autonet.knowledge.rules import ActionRecord as RuleRecord
from autonet.knowledge.rules import PolicySet, evaluate_guards

if TYPE_CHECKING:
    from autonet.twin import Twin

__all__ = ["EnergyMemo", "EnergySettings", "guard_history", "may_act", "ratio_now", "region_cells"]

_SWITCHES = ("sleep", "wake")
_OPPOSITE = {"sleep": "wake", "wake": "sleep"}


@dataclass
class EnergyMemo:
    """Fitted profile and bookkeeping of one loop (cached in ``ctx.models["energy"]``)."""

    profile: DemandProfile
    start_step: int  # the step the playbook started planning (its KQI budget counts from here)
    policies: PolicySet
    spent: Spent = field(init=False)
    #: Per cell: throughput harm (user-steps per step) if it sleeps, from the last plan.
    harm: np.ndarray | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.spent = Spent(self.start_step)


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


def region_cells(twin: Twin, region: str) -> NDArray[np.bool_]:
    """Per cell: its site lies in ``region`` (the sites' ``region`` attribute, any case)."""
    topo, want = twin.compiled, region.strip().lower()
    nodes = topo.graph.nodes
    in_region = np.array(
        [str(nodes[s].get("region", "")).lower() == want for s in topo.site_ids], dtype=np.bool_
    )
    return in_region[topo.cell_site]


def ratio_now(twin: Twin, profile: DemandProfile) -> float:
    """Observed network demand over the profile's at the last step (clipped to 0.5..2)."""
    expected = profile.expected_users(twin.step_index - 1)
    if expected <= 0:
        return 1.0
    return float(np.clip(observed_demand(twin) / expected, 0.5, 2.0))


@dataclass(frozen=True)
class EnergySettings:
    """Knobs of the energy playbook.

    Attributes:
        plan_every: Steps between plans (4 = hourly at 15-minute steps).
        kqi_bound_pct: The intent's bound on KQI loss (lost users over all users), %.
        margin: Share of the bound the planner may spend (the rest absorbs forecast error).
        lookahead_steps: The KQI budget counts the users forecast this far ahead too (a day:
            the night may spend what the coming day's users allow).
        history_steps: Recorded steps the demand profile is fitted on (at least a day + 1).
        hold_steps: Steps after a sleep/wake during which the cell is not switched again.
        user_step_kwh: Price of one lost or blocked user-step in the what-if score (kWh).
        overspend_kwh: Penalty per user-step lost beyond the plan's budget (kWh).
        thp_weight: Weight of a moved user's relative DL throughput drop in the KQI budget
            (1: a user moved to a cell that gives it 20 % less throughput costs 0.2 user-steps;
            0: only lost users count). Matters when a capacity cell's users fall back to a
            narrower coverage carrier (dual-layer twins).
        plan: Planner thresholds.
        policies: Policy set for guards and the rule candidate (default: the shipped one).
    """

    plan_every: int = 4
    kqi_bound_pct: float = 1.0
    margin: float = 0.6
    lookahead_steps: int = 96
    history_steps: int = 192
    hold_steps: int = 4
    user_step_kwh: float = 0.004
    overspend_kwh: float = 0.5
    thp_weight: float = 1.0
    plan: PlanSettings = field(default_factory=PlanSettings)
    policies: PolicySet | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.plan_every, int) or self.plan_every < 1:
            raise ValueError(f"EnergySettings.plan_every must be an integer >= 1, "
                             f"got {self.plan_every!r}")  # fmt: skip
        if not 0.0 < self.kqi_bound_pct <= 100.0:
            raise ValueError(f"EnergySettings.kqi_bound_pct must be in (0, 100] %, "
                             f"got {self.kqi_bound_pct!r}")  # fmt: skip
        if not 0.0 < self.margin <= 1.0:
            raise ValueError(f"EnergySettings.margin must be in (0, 1], got {self.margin!r}")
        if not 0.0 <= self.thp_weight <= 10.0:
            raise ValueError(f"EnergySettings.thp_weight must be in [0, 10], "
                             f"got {self.thp_weight!r}")  # fmt: skip
        for name in ("hold_steps", "history_steps"):
            if getattr(self, name) < 0:
                raise ValueError(f"EnergySettings.{name} must be >= 0")
