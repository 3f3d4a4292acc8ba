"""The energy playbook: forecast-driven cell sleep and TX power, with wake-up on demand.

Every ``plan_every`` steps perception forecasts each cell's demand (a daily profile fitted on
recorded history, scaled to the observed level) and the planner (:mod:`._energy_plan`) lists
the cells that may sleep (low load, users covered by awake neighbours with headroom, KQI budget
left) and those that must wake (neighbours filling up, users uncovered, budget spent; one wake
delay ahead); between plans it wakes on demand. The KQI budget is ``kqi_bound_pct x margin`` of
the users seen since planning began plus the next day's forecast users. Candidates (the plan,
half of it, its wakes, TX trims, the O-RAN rule, past cases) are scored on twin clones: energy
saved minus a price per lost, blocked or slowed user-step and a heavy penalty beyond the budget.
Verification checks energy saved and the projected KQI loss against the bound (NOT_FULFILLED
DEGRADED makes the loop roll the sleeps back, i.e. wake).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from autonet.agents.messages import (
    FULFILLED,
    NOT_FULFILLED,
    Analysis,
    Candidate,
    Decision,
    Execution,
    Incident,
    Request,
    Verdict,
)
from autonet.agents.playbooks._energy_candidates import analysis_of, build_candidates
from autonet.agents.playbooks._energy_kqi import (
    budget_slack,
    pct,
    sleep_saving_kwh,
    slice_cells,
    throughput_drop,
    throughput_harm,
    window,
)
from autonet.agents.playbooks._energy_plan import EnergyPlan, PlanInputs, awake_cover, make_plan
from autonet.agents.playbooks._energy_state import (
    EnergyMemo,
    EnergySettings,
    make_memo,
    may_act,
    ratio_now,
    region_cells,
)
from autonet.knowledge.memory.signature import SymptomSignature
from autonet.knowledge.rules import load_default_policies

if TYPE_CHECKING:
    from autonet.agents.playbook import LoopContext
    from autonet.twin import Twin

__all__ = ["EnergyPlaybook", "EnergySettings"]

logger = logging.getLogger(__name__)

_KEY = "energy@"


class EnergyPlaybook:
    """Playbook of kind ``"energy"`` (see the module docstring)."""

    kind = "energy"
    settle_steps = 2
    whatif_steps = 4

    def __init__(self, settings: EnergySettings | None = None) -> None:
        self.settings = settings or EnergySettings()
        self._policies = self.settings.policies

    # -- perception --
    def memo(self, ctx: LoopContext) -> EnergyMemo | None:
        """The fitted profile (fitted on first use; None while history is too short)."""
        memo = ctx.models.get("energy")
        if memo is None:
            if self._policies is None:
                self._policies = load_default_policies()
            try:
                memo = make_memo(ctx.twin, self._policies, self.settings.history_steps)
            except ValueError:
                return None
            ctx.models["energy"] = memo
        return memo

    def explain_no_action(self, ctx: LoopContext, request: Request) -> str:
        """Why an energy request opened no incident now (for the requester)."""
        have = len(ctx.twin.kpi_times())
        need = self.settings.history_steps
        if self.memo(ctx) is None:
            hours = need * ctx.twin.step_minutes / 60
            return (f"energy saving plans from at least {need} steps ({hours:g} h) of traffic "
                    f"history and the network has {have}: ask again later")  # fmt: skip
        return ("nothing to sleep or wake now: no cell is quiet enough over the forecast within "
                "the coverage, capacity and KQI budget")  # fmt: skip

    def perceive(self, ctx: LoopContext, requests: Sequence[Request]) -> list[Incident]:
        twin, cfg = ctx.twin, self.settings
        asked = [r for r in requests if r.get("kind") == self.kind]
        if not twin.record:
            return []
        memo = self.memo(ctx)
        if memo is None:
            return []
        due = (twin.step_index - memo.start_step) % cfg.plan_every == 0
        key = f"{_KEY}{twin.now.isoformat()}"
        if key in ctx.book.open:
            return []
        region = next((str(r["arguments"]["region"]) for r in asked
                       if r.get("arguments", {}).get("region")), None)  # fmt: skip
        if due or asked:
            plan, facts = self.plan(ctx, memo, horizon=cfg.plan_every + twin.power.wake_steps,
                                    region=region)  # fmt: skip
            trigger = "request" if asked else "plan"
        else:
            plan, facts = self.plan(ctx, memo, horizon=twin.power.wake_steps + 1, wake_only=True)
            trigger = "demand"
        if not plan.sleep and not plan.wake:
            if asked:
                logger.info("energy request(s) %s: nothing to sleep or wake now",
                            [r["id"] for r in asked])  # fmt: skip
            return []
        ids = twin.compiled.cell_ids
        incident: Incident = {
            "id": ctx.book.next_id(),
            "kind": self.kind,
            "key": key,
            "opened_at": twin.now.isoformat(),
            "objects": [ids[i] for i in [*plan.wake, *plan.sleep]],
            "summary": f"energy {trigger}: sleep {len(plan.sleep)} cell(s), wake {len(plan.wake)}",
            "severity": "minor" if plan.wake and trigger == "demand" else "warning",
            "evidence": {
                "trigger": trigger,
                "sleep": [ids[i] for i in plan.sleep],
                "wake": [ids[i] for i in plan.wake],
                "reasons": {ids[i]: r for i, r in plan.reasons.items()},
                "lost_per_step": plan.lost_per_step,
                "users_asleep": plan.users_asleep,
                "neighbour_prb_max": plan.neighbour_prb_max,
                **facts,
                "request_ids": [r["id"] for r in asked],
            },
            "producer": "perception",
        }
        ctx.book.open[key] = incident["id"]
        return [incident]

    def plan(
        self,
        ctx: LoopContext,
        memo: EnergyMemo,
        *,
        horizon: int,
        wake_only: bool = False,
        region: str | None = None,
    ) -> tuple[EnergyPlan, dict[str, Any]]:
        """The planner's answer now (sleeps only in ``region`` when given), and its facts."""
        twin, cfg = ctx.twin, self.settings
        st, topo = twin.state, twin.compiled
        ratio = ratio_now(twin, memo.profile)
        users, prb = memo.profile.window(twin.step_index, horizon, ratio)
        serving = st.cell_on & st.site_powered[topo.cell_site]
        awake = serving & ~st.cell_asleep
        harm = cfg.thp_weight * users * awake_cover(topo, awake) * throughput_drop(topo, prb, awake)
        now_asleep = serving & st.cell_asleep
        memo.spent.harm_rate = float(harm[now_asleep].sum())  # since the last update, roughly
        memo.harm = harm
        spent = memo.spent.update(twin)
        ahead = max(horizon, cfg.lookahead_steps)
        horizon_users = memo.profile.total_users(twin.step_index, ahead, ratio)
        slack = budget_slack(spent, bound_pct=cfg.kqi_bound_pct, margin=cfg.margin,
                             horizon_users=horizon_users)  # fmt: skip
        if wake_only:
            may_sleep = np.zeros(topo.n_cells, dtype=np.bool_)
        else:
            hold = twin.step_delta * cfg.hold_steps
            may_sleep = may_act(twin, memo.policies, "sleep", hold) & serving
            may_sleep &= ~slice_cells(twin)
            if region is not None:
                may_sleep &= region_cells(twin, region)
        every = np.arange(topo.n_cells)
        gain_w = twin.power.idle_w(every) - twin.power.sleep_w(every)
        step_kwh = float(gain_w.max()) * twin.step_minutes / 60_000.0  # the best sleep's saving
        plan_cfg = replace(
            cfg.plan, max_lost_users=min(cfg.plan.max_lost_users, step_kwh / cfg.user_step_kwh)
        )
        may_wake = may_act(twin, memo.policies, "wake", timedelta(0))
        inputs = PlanInputs(users=users, prb=prb, asleep=st.cell_asleep.copy(), serving=serving,
                            may_sleep=may_sleep, slack=slack, steps=horizon,
                            may_wake=may_wake, harm=harm,
                            saving_kwh=gain_w.astype(np.float64) * twin.step_minutes / 60_000,
                            price_kwh=cfg.user_step_kwh)  # fmt: skip
        plan = make_plan(topo, inputs, plan_cfg)
        facts = {
            "horizon_steps": horizon,
            "demand_ratio": ratio,
            "slack_user_steps": slack,
            "kqi_loss_pct_so_far": pct(spent.lost_users, spent.demand_users),
            "asleep_now": int(st.cell_asleep.sum()),
            "region": region or "",
        }
        return plan, facts

    def is_over(self, ctx: LoopContext, key: str) -> bool:
        if not key.startswith(_KEY):
            return True
        return ctx.twin.now > datetime.fromisoformat(key[len(_KEY) :])

    # -- analysis, candidates, score --
    def analyse(self, ctx: LoopContext, incident: Incident) -> Analysis:
        return analysis_of(incident)

    def candidates(
        self, ctx: LoopContext, incident: Incident, analysis: Analysis
    ) -> list[Candidate]:
        if self._policies is None:
            self._policies = load_default_policies()
        return build_candidates(ctx.twin, incident, analysis, self._policies)

    def score(
        self,
        ctx: LoopContext,
        incident: Incident,
        analysis: Analysis,
        candidate: Candidate,
        after: Twin,
        baseline: Twin,
    ) -> tuple[float, dict[str, float]]:
        n = self.whatif_steps
        a, b = window(after, n), window(baseline, n)
        ev = incident["evidence"]
        allowance = float(ev["slack_user_steps"])
        thp = throughput_harm(after, baseline, n)
        price, over_price = self.settings.user_step_kwh, self.settings.overspend_kwh
        harm = (a.lost_users - b.lost_users) + (a.blocked_users - b.blocked_users) + thp
        # the KQI budget counts the planner's throughput harm of the cells left asleep too
        memo = self.memo(ctx)
        ha = hb = 0.0
        if memo is not None and memo.harm is not None:
            ha = float(memo.harm[after.state.cell_asleep].sum()) * a.steps
            hb = float(memo.harm[baseline.state.cell_asleep].sum()) * b.steps
        over = max(0.0, a.lost_users + ha - allowance) - max(0.0, b.lost_users + hb - allowance)
        saved = b.energy_kwh - a.energy_kwh
        sleeps = [s["target"] for s in candidate["actions"] if s["kind"] == "sleep"]
        predicted = {
            "energy_saved_kwh": saved,
            "energy_saved_pct": pct(saved, b.energy_kwh),
            "lost_users_extra": a.lost_users - b.lost_users,
            "blocked_users_extra": a.blocked_users - b.blocked_users,
            "throughput_harm_user_steps": thp,
            "served_dl_loss_pct": pct(b.served_dl - a.served_dl, b.served_dl),
            "user_thp_loss_pct": pct(b.user_thp_mbps - a.user_thp_mbps, b.user_thp_mbps),
            "cells_to_sleep": float(len(sleeps)),
            "users_affected": float(ev["users_asleep"]) if sleeps else 0.0,
        }
        return saved - price * harm - over_price * over, predicted

    def needs_approval(
        self, ctx: LoopContext, incident: Incident, candidate: Candidate
    ) -> str | None:
        return None  # routine, reversible switching inside the operator's guards

    # -- verification --
    def verify(
        self,
        ctx: LoopContext,
        incident: Incident,
        analysis: Analysis,
        decision: Decision,
        execution: Execution,
    ) -> Verdict:
        twin, cfg = ctx.twin, self.settings
        memo = self.memo(ctx)
        kqi, kqi_so_far = 0.0, 0.0
        if memo is not None:
            so_far = memo.spent.update(twin)
            ratio = ratio_now(twin, memo.profile)
            ahead = memo.profile.total_users(twin.step_index, cfg.lookahead_steps, ratio)
            kqi = pct(so_far.lost_users, so_far.demand_users + ahead)
            kqi_so_far = pct(so_far.lost_users, so_far.demand_users)
        idx = twin.compiled.cell_index
        slept = [idx[a["target"]] for a in execution["applied"] if a["kind"] == "sleep"]
        woken = [idx[a["target"]] for a in execution["applied"] if a["kind"] == "wake"]
        still = [i for i in slept if twin.state.cell_asleep[i]]
        steps = max(1, self.settle_steps)
        saved = sleep_saving_kwh(twin, np.asarray(still, dtype=np.intp), steps)
        lost_here = window(twin, steps, cells=np.asarray(still, dtype=np.intp)).lost_users
        woke_ok = all(not twin.state.cell_asleep[i] for i in woken)
        measured = {"energy_saved_kwh": saved, "kqi_loss_pct": kqi,
                    "kqi_loss_pct_so_far": kqi_so_far, "lost_users": lost_here,
                    "cells_asleep": float(len(still)), "woken_awake": float(woke_ok)}  # fmt: skip
        targets = {"kqi_loss_pct": cfg.kqi_bound_pct, "energy_saved_kwh": 0.0}
        reasons: list[str] = []
        if slept and kqi > cfg.kqi_bound_pct:
            reasons.append(f"projected KQI loss {kqi:.3f}% > bound {cfg.kqi_bound_pct:g}%")
        if slept and still and saved <= 0:
            reasons.append(f"no energy saved ({saved:.3f} kWh)")
        if not woke_ok:
            reasons.append("a woken cell is asleep again")
        verdict: Verdict = {
            "incident_id": incident["id"],
            "attempt": decision["attempt"],
            "status": FULFILLED if not reasons else NOT_FULFILLED,
            "measured": measured,
            "targets": targets,
            "reasons": reasons or [f"saved {saved:.3f} kWh, projected KQI loss {kqi:.3f}%"],
            "producer": "verification",
        }
        if reasons:
            verdict["not_fulfilled_state"] = "DEGRADED"
        return verdict

    def signature(
        self, ctx: LoopContext, incident: Incident, analysis: Analysis
    ) -> SymptomSignature:
        ev = incident["evidence"]
        z = -2.0 if ev["sleep"] else 2.0
        return SymptomSignature(fault_domain="ran", node_kinds=frozenset({"cell"}),
                                kpi_deviations={"RRU.PrbUsedDl": z})  # fmt: skip
