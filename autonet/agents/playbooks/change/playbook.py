"""The change playbook: one operator change, through guards, what-if, approval and verification."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

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
from autonet.agents.playbook import LoopContext
from autonet.agents.playbooks.change.effect import group_kpis, took_effect
from autonet.agents.playbooks.change.frequency import same_step_denials
from autonet.agents.playbooks.change.plan import CHANGE_AGENTS, plan_request
from autonet.knowledge.memory.signature import SymptomSignature

if TYPE_CHECKING:
    from autonet.twin import Twin

__all__ = ["ChangePlaybook"]

logger = logging.getLogger(__name__)

_SHARES = ("served_dl_pct", "users_served_pct")  # the watched KPIs (shares, in %)


class ChangePlaybook:
    """One-off operator changes (AgentGate's ``change_executor``, ``change_rollback``,
    ``cell_locker``, ``config_pusher``) carried out by the closed loop.

    Perception opens one incident per request; analysis maps it to twin actions
    (:func:`~autonet.agents.playbooks.change.plan.plan_request`) and records the touched cells'
    KPIs; the decision gets exactly the operator's change as one candidate (denied with the
    reasons when it cannot be done, so the request is rejected, never substituted), judged by
    the default policies' guards and scored by the what-if; verification checks that the change
    took effect and that the touched cells' served shares did not drop beyond the bound.

    Args:
        approval_users: A change touching more connected users than this asks a human.
        max_drop_pct: Allowed drop (percentage points) of the touched cells' served DL share or
            served-users share beyond what the what-if predicted; a predicted drop above it asks
            a human first.
        settle_steps: Twin steps between the change and its verification.
        whatif_steps: Steps the what-if clones run.
    """

    kind = "change"

    def __init__(
        self,
        *,
        approval_users: float = 500.0,
        max_drop_pct: float = 5.0,
        settle_steps: int = 1,
        whatif_steps: int = 1,
    ) -> None:
        for label, v in (("settle_steps", settle_steps), ("whatif_steps", whatif_steps)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{label} must be an integer >= 1, got {v!r}")
        for label, x in (("approval_users", approval_users), ("max_drop_pct", max_drop_pct)):
            if isinstance(x, bool) or not isinstance(x, int | float) or not x >= 0:
                raise ValueError(f"{label} must be a number >= 0, got {x!r}")
        self.approval_users = float(approval_users)
        self.max_drop_pct = float(max_drop_pct)
        self.settle_steps = settle_steps
        self.whatif_steps = whatif_steps

    # -- perception ----------------------------------------------------------------------------
    def perceive(self, ctx: LoopContext, requests: Sequence[Request]) -> list[Incident]:
        """One incident per change request not yet known (key ``change-request:<id>``)."""
        out: list[Incident] = []
        for req in requests:
            if req.get("kind") != self.kind:
                continue
            key = f"change-request:{req['id']}"
            if key in ctx.book.open:
                continue
            args = req.get("arguments")
            args = dict(args) if isinstance(args, Mapping) else {}
            target = args.get("target") or args.get("region") or args.get("change_id")
            what = req.get("text") or ", ".join(f"{k}={v}" for k, v in sorted(args.items()))
            out.append(
                Incident(
                    id=ctx.book.next_id(),
                    kind=self.kind,
                    key=key,
                    opened_at=ctx.twin.now.isoformat(),
                    objects=[str(target)] if target else [],
                    summary=f"{req.get('agent', '?')}: {what}"[:300],
                    severity="minor",
                    evidence={"request": dict(req), "agent": req.get("agent")},
                    producer="perception",
                )
            )
        return out

    def is_over(self, ctx: LoopContext, key: str) -> bool:
        """A request is handled once: its key is never perceived again."""
        return True

    # -- analysis ------------------------------------------------------------------------------
    def analyse(self, ctx: LoopContext, incident: Incident) -> Analysis:
        """The twin actions of the request (or why not) and the touched cells' baseline."""
        request = incident["evidence"].get("request", {})
        agent = str(request.get("agent", ""))
        plan = plan_request(ctx.twin, agent, request.get("arguments"))
        if agent not in CHANGE_AGENTS:
            plan["rejected"] = [
                f"agent {agent!r} is not a change capability: expected one of {list(CHANGE_AGENTS)}"
            ]
        baseline = group_kpis(ctx.twin, plan["group"])
        impact = {
            "cells": plan["cells"][:50],
            "n_cells": len(plan["cells"]),
            "watched": len(plan["group"]),
            "users_touched": group_kpis(ctx.twin, _touched(plan))["users"],
            **baseline,
        }
        logger.debug("%s: %s, rejected: %s", incident["id"], plan["what"], plan["rejected"])
        return Analysis(
            incident_id=incident["id"],
            hypotheses=[],
            impact=impact,
            risk=plan,
            similar_cases=[],
            producer="analysis",
        )

    def whatif_basis(
        self, ctx: LoopContext, incident: Incident, analysis: Analysis
    ) -> tuple[list[dict[str, Any]], list[Any]]:
        """A restart's cells are observed out of service: the what-if takes them as outages."""
        hyps = [
            {"node": a["target"], "fault_type": "cell_outage", "score": 1.0, "evidence": []}
            for a in analysis["risk"]["actions"]
            if a["kind"] == "restart"
        ]
        return hyps, []

    # -- decision ------------------------------------------------------------------------------
    def candidates(
        self, ctx: LoopContext, incident: Incident, analysis: Analysis
    ) -> list[Candidate]:
        """The operator's change, the only candidate; denied with the reasons it cannot be
        done, including a frequency guard counting the changes decided earlier in this step."""
        plan = analysis["risk"]
        cand = Candidate(
            id="c1",
            actions=[dict(a) for a in plan["actions"]],  # type: ignore[misc]
            source="request",
            rationale=f"{plan['what']} as {_actor(incident)} asked",
        )
        denials = [f"request: {r}" for r in plan["rejected"]]
        if not denials:
            denials = same_step_denials(ctx, incident["id"], cand)
        if denials:
            cand["denials"] = denials
        return [cand]

    def score(
        self,
        ctx: LoopContext,
        incident: Incident,
        analysis: Analysis,
        candidate: Candidate,
        after: Twin,
        baseline: Twin,
    ) -> tuple[float, dict[str, float]]:
        """Predicted KPIs of the touched cells with and without the change. The score stays
        positive (the operator's change is never replaced): 1 + the served-share change / 100."""
        cells = analysis["risk"]["group"]
        a, b = group_kpis(after, cells), group_kpis(baseline, cells)
        touched = group_kpis(baseline, _touched(analysis["risk"]))["users"]
        predicted = {"users_affected": touched}
        predicted |= {k: a[k] for k in a} | {f"{k}_without": b[k] for k in b}
        predicted |= {f"{k}_drop": round(b[k] - a[k], 6) for k in _SHARES}
        return max(1e-6, 1.0 + (a["served_dl_pct"] - b["served_dl_pct"]) / 100.0), predicted

    def needs_approval(
        self, ctx: LoopContext, incident: Incident, candidate: Candidate
    ) -> str | None:
        """A config push, a lock, a sleep of a cell serving users, more users touched than
        ``approval_users``, or a predicted served-share drop beyond ``max_drop_pct``."""
        agent = incident["evidence"].get("agent")
        cells = [
            a["target"] for a in candidate["actions"] if a["target"] in ctx.twin.compiled.cell_index
        ]
        users = group_kpis(ctx.twin, cells)["users"]  # on the changed cells, now
        predicted = candidate.get("predicted") or {}
        touched = predicted.get("users_affected", users)  # behind a link / UPF too
        reasons = []
        if agent == "config_pusher":
            reasons.append(
                f"a config push to {len(candidate['actions'])} cell(s) always needs approval"
            )
        kinds = {a["kind"] for a in candidate["actions"]}
        if agent == "cell_locker" and "sleep" in kinds:
            reasons.append(f"a lock takes {len(cells)} cell(s) off air ({users:.0f} users)")
        elif "sleep" in kinds and users > 0:
            reasons.append(f"sleeping {len(cells)} cell(s) serving {users:.0f} users")
        if touched > self.approval_users:
            reasons.append(f"touches {touched:.0f} users > {self.approval_users:g}")
        for k in _SHARES:
            drop = predicted.get(f"{k}_drop", 0.0)
            if drop > self.max_drop_pct:
                reasons.append(
                    f"the what-if predicts {k} -{drop:.2f} points on the touched cells "
                    f"(> {self.max_drop_pct:g})"
                )
        return "; ".join(reasons) or None

    # -- verification --------------------------------------------------------------------------
    def verify(
        self,
        ctx: LoopContext,
        incident: Incident,
        analysis: Analysis,
        decision: Decision,
        execution: Execution,
    ) -> Verdict:
        """FULFILLED when every action took effect and no watched share dropped more than
        ``max_drop_pct`` beyond the what-if's prediction."""
        verdict = Verdict(
            incident_id=incident["id"],
            attempt=decision["attempt"],
            status=FULFILLED,
            measured={},
            targets={},
            reasons=[],
            producer="verification",
        )
        effects = [took_effect(ctx.twin, a["action_id"]) for a in execution["applied"]]
        failed = [why for ok, why in effects if not ok]
        verdict["measured"]["took_effect"] = float(not failed and bool(effects))
        verdict["reasons"] = [why for _ok, why in effects][:10] or ["nothing was applied"]
        now = group_kpis(ctx.twin, analysis["risk"]["group"])
        chosen = decision.get("chosen")
        predicted = (chosen.get("predicted") if chosen else None) or {}
        for k in _SHARES:
            allowed = self.max_drop_pct + max(0.0, predicted.get(f"{k}_drop", 0.0))
            drop = float(analysis["impact"][k]) - now[k]
            verdict["measured"][k] = now[k]
            verdict["measured"][f"{k}_before"] = float(analysis["impact"][k])
            verdict["targets"][f"{k}_max_drop"] = allowed
            if drop > allowed:
                failed.append(
                    f"{k} of the {len(analysis['risk']['group'])} touched cell(s) fell "
                    f"{drop:.2f} points to {now[k]:.2f}% (allowed {allowed:.2f})"
                )
        if failed or not effects:
            verdict["status"], verdict["not_fulfilled_state"] = NOT_FULFILLED, "DEGRADED"
            verdict["reasons"] = failed or ["nothing was applied"]
        return verdict

    def signature(
        self, ctx: LoopContext, incident: Incident, analysis: Analysis
    ) -> SymptomSignature:
        """Changes are told apart by capability and action kinds (no alarms, no KPI drift)."""
        kinds = {f"change:{a['kind']}" for a in analysis["risk"]["actions"]}
        return SymptomSignature(
            node_kinds=frozenset({"change", f"agent:{incident['evidence'].get('agent')}", *kinds})
        )


def _touched(plan: Mapping[str, Any]) -> list[str]:
    """The cells whose users a change touches: those it changes, else (a link, a UPF) the
    cells behind it."""
    return list(plan["cells"] or plan["group"])


def _actor(incident: Incident) -> str:
    return str(incident["evidence"].get("request", {}).get("actor") or "the operator")
