"""The fault playbook: alarms -> root cause -> remedy scored on the twin -> TS 28.312 verdict.

- **perceive**: active alarms grouped by the root-cause locator into incidents with a stable key
  (see :mod:`._fault_perceive`); over when all the group's alarms have cleared.
- **analyse**: ranked hypotheses from the fitted :class:`RootCauseLocator` (refitted when
  reroutes change the paths); impacted users (:mod:`._fault_impact`) in the area hit.
- **candidates**: per-fault-type remedies, the operational policies' operations, what worked on
  similar past cases (see :mod:`._fault_remedies`).
- **score**: impacted user-minutes avoided in the area, minus collateral, minus action costs.
- **verify**: FULFILLED when the area's impact is within SLA, or at the best achievable while
  the root cause awaits field repair (compensation in place); NOT_FULFILLED/DEGRADED otherwise
  (the loop rolls back, tries the next remedy, then escalates). A fulfilled situation whose
  alarms stay active is watched; if its impact rises later, a follow-up incident reopens it
  (see :mod:`._fault_followup`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from autonet.agents.messages import (
    FULFILLED,
    Analysis,
    Candidate,
    Decision,
    Execution,
    Hypothesis,
    Incident,
    Request,
    Verdict,
)
from autonet.agents.playbooks import _fault_followup as followup
from autonet.agents.playbooks import _fault_perceive as perceive_
from autonet.agents.playbooks._fault_impact import SLA_THP_MBPS, area_cells
from autonet.agents.playbooks._fault_remedies import (
    FIELD_REPAIR,
    FIELD_REPAIR_ID,
    hand_to_field,
    memory_candidates,
    rule_candidates,
    type_candidates,
)
from autonet.agents.playbooks._fault_verdict import (
    area_impact,
    complete_fix,
    fault_verdict,
    whatif_score,
)
from autonet.knowledge.memory.signature import SymptomSignature

if TYPE_CHECKING:
    from autonet.agents.playbook import LoopContext
    from autonet.twin import Twin

__all__ = ["FaultPlaybook"]


class FaultPlaybook:
    """Playbook of kind ``"fault"`` (see :class:`autonet.agents.playbook.Playbook`).

    Args:
        sla_mbps: SLA floor of the DL user throughput (Mbit/s) in the impact measure.
        settle_steps: Twin steps between execution and verification.
        whatif_steps: Twin steps a what-if clone runs.
        action_cost: Score cost per action (impacted user-minutes).
        tolerance_share: Impact within SLA: at most this share of the area's users impacted.
        approval_cells: A candidate acting on more cells than this needs a human.
        approval_instances: A UPF scale-out by more instances than this needs a human.

    Raises:
        ValueError: A parameter out of range.
    """

    kind = "fault"

    def __init__(
        self,
        *,
        sla_mbps: float = SLA_THP_MBPS,
        settle_steps: int = 1,
        whatif_steps: int = 2,
        action_cost: float = 5.0,
        tolerance_share: float = 0.01,
        approval_cells: int = 8,
        approval_instances: int = 2,
    ) -> None:
        checks = [
            ("sla_mbps", sla_mbps, sla_mbps >= 0),
            ("settle_steps", settle_steps, isinstance(settle_steps, int) and settle_steps >= 1),
            ("whatif_steps", whatif_steps, isinstance(whatif_steps, int) and whatif_steps >= 1),
            ("action_cost", action_cost, action_cost >= 0),
            ("tolerance_share", tolerance_share, 0 <= tolerance_share < 1),
            ("approval_cells", approval_cells, approval_cells >= 1),
            ("approval_instances", approval_instances, approval_instances >= 1),
        ]
        for name, value, ok in checks:
            if not ok:
                raise ValueError(f"FaultPlaybook: {name}={value!r} is out of range")
        self.sla_mbps = float(sla_mbps)
        self.settle_steps = settle_steps
        self.whatif_steps = whatif_steps
        self.action_cost = float(action_cost)
        self.tolerance_share = float(tolerance_share)
        self.approval_cells = approval_cells
        self.approval_instances = approval_instances

    # -- perception ----------------------------------------------------------------------------
    def perceive(self, ctx: LoopContext, requests: Sequence[Request]) -> list[Incident]:
        """New fault incidents: groups of active alarms with a key not open in ``ctx.book``."""
        now = ctx.twin.now.isoformat()
        out = []

        def impact(cells: list[str]) -> tuple[float, float]:
            return followup.unusual_impact(ctx.twin, cells, self.sla_mbps)

        found = perceive_.new_groups(ctx)
        found += followup.risen_groups(ctx, impact)
        for g in found:
            types = sorted({a.alarm_type for a in g.alarms})
            nodes = sorted({a.node for a in g.alarms})
            objects = list(dict.fromkeys([g.node, *nodes]))
            out.append(
                Incident(
                    id=ctx.book.next_id(),
                    kind=self.kind,
                    key=g.key,
                    opened_at=now,
                    objects=objects,
                    summary=("impact rose again: " if "#" in g.key else "")
                    + f"{len(g.alarms)} alarm(s) {', '.join(types)} on {len(nodes)} node(s)",
                    severity=g.severity,
                    evidence={
                        "alarms": sorted(a.alarm_id for a in g.alarms),
                        "alarm_types": types,
                        "nodes": nodes,
                        "first_alarm_at": min(a.raised_at for a in g.alarms).isoformat(),
                    },
                    producer="perception",
                )
            )
        return out

    def is_over(self, ctx: LoopContext, key: str) -> bool:
        """True when every alarm of the situation has cleared."""
        return perceive_.is_over(ctx, key)

    # -- analysis ------------------------------------------------------------------------------
    def _alarms(self, ctx: LoopContext, incident: Incident) -> list[Any]:
        wanted = set(incident["evidence"].get("alarms", ()))
        return [a for a in ctx.twin.alarms if a.alarm_id in wanted]

    def analyse(self, ctx: LoopContext, incident: Incident) -> Analysis:
        """Ranked root causes of the incident's alarms and the user impact in the area hit."""
        alarms = self._alarms(ctx, incident)
        if ctx.settings.use_rca:
            found = perceive_.locate(ctx, alarms)
            hyps = [
                Hypothesis(
                    node=h.node,
                    fault_type=h.fault_type,
                    score=round(float(h.score), 6),
                    evidence=list(h.evidence),
                )
                for h in found
            ]
            confidence = perceive_.confidence(found)
            domain = found[0].domain if found else "unknown"
        else:
            hyps = perceive_.naive_hypotheses(alarms)
            confidence = 0.5 if hyps else 0.0
            domain = perceive_.DOMAIN.get(hyps[0]["fault_type"], "unknown") if hyps else "unknown"
        node = hyps[0]["node"] if hyps else (incident["objects"] or [""])[0]
        hyps, cells = followup.remember(
            ctx,
            incident["key"],
            hyps,
            area_cells(ctx.twin, node),
            area_cells(ctx.twin, node, neighbours=False),
        )
        fault_type = hyps[0]["fault_type"] if hyps else ""
        impact = area_impact(ctx.twin, cells, 1, self.sla_mbps)
        impact["cells"] = cells
        return Analysis(
            incident_id=incident["id"],
            hypotheses=hyps,
            impact=impact,
            risk={
                "confidence": round(confidence, 4),
                "domain": domain,
                "field_repair": fault_type in FIELD_REPAIR,
            },
            similar_cases=[],
            producer="analysis",
        )

    # -- decision ------------------------------------------------------------------------------
    def candidates(
        self, ctx: LoopContext, incident: Incident, analysis: Analysis
    ) -> list[Candidate]:
        """Remedies for the top hypotheses (two when the ranking is unsure), the rules' and
        past cases'; duplicates removed, ids ``c1..cN``."""
        hyps = analysis["hypotheses"]
        sure = float(analysis["risk"].get("confidence", 0.0)) >= 0.8
        out: list[Candidate] = []
        for h in hyps[: 1 if sure else 2]:
            out += memory_candidates(analysis.get("similar_cases", []), h["node"], h["fault_type"])
            out += type_candidates(ctx.twin, h["node"], h["fault_type"])
        root = hyps[0]["node"] if hyps else ""
        out += rule_candidates(ctx, incident["evidence"].get("nodes", incident["objects"]), root)
        seen: set[str] = set()
        unique: list[Candidate] = []
        for cand in out:
            key = repr(
                [(a["kind"], a["target"], sorted(a["params"].items())) for a in cand["actions"]]
            )
            if key in seen:
                continue
            seen.add(key)
            if cand["id"] != FIELD_REPAIR_ID:
                cand["id"] = f"c{len(unique) + 1}"
            unique.append(cand)
        return unique

    def whatif_basis(
        self, ctx: LoopContext, incident: Incident, analysis: Analysis
    ) -> tuple[list[Hypothesis], list[Any]]:
        """What the what-if clone assumes: the hypotheses the candidates were built for (the
        top one, two when the ranking is unsure); no traffic event."""
        sure = float(analysis["risk"].get("confidence", 0.0)) >= 0.8
        return list(analysis["hypotheses"][: 1 if sure else 2]), []

    def score(
        self,
        ctx: LoopContext,
        incident: Incident,
        analysis: Analysis,
        candidate: Candidate,
        after: Twin,
        baseline: Twin,
    ) -> tuple[float, dict[str, float]]:
        """Impacted user-minutes avoided in the area minus collateral and action cost."""
        return whatif_score(
            ctx.twin,
            analysis,
            candidate,
            after,
            baseline,
            steps=self.whatif_steps,
            settle=min(self.settle_steps, self.whatif_steps),
            sla_mbps=self.sla_mbps,
            action_cost=self.action_cost,
        )

    def needs_approval(
        self, ctx: LoopContext, incident: Incident, candidate: Candidate
    ) -> str | None:
        """A human approves broad changes: many cells at once, or a big core scale-out."""
        cells = {
            a["target"] for a in candidate["actions"] if a["target"] in ctx.twin.compiled.cell_index
        }
        if len(cells) > self.approval_cells:
            return f"changes {len(cells)} cells at once (> {self.approval_cells})"
        for a in candidate["actions"]:
            n = int(a["params"].get("instances", 0)) if a["kind"] == "upf_scale_out" else 0
            if n > self.approval_instances:
                return (
                    f"scales core UPF {a['target']} out by {n} instances "
                    f"(> {self.approval_instances})"
                )
        return None

    # -- verification --------------------------------------------------------------------------
    def verify(
        self,
        ctx: LoopContext,
        incident: Incident,
        analysis: Analysis,
        decision: Decision,
        execution: Execution,
    ) -> Verdict:
        """TS 28.312 fulfilment of "user impact in the area back within SLA"."""
        hand_to_field(ctx, incident, analysis, decision.get("chosen"))  # a work order, with memory
        cells = analysis["impact"].get("cells", [])
        verdict = fault_verdict(
            analysis,
            decision.get("chosen"),
            area_impact(
                ctx.twin,
                followup.own_cells(ctx, incident["key"], cells),
                self.settle_steps,
                self.sla_mbps,
            ),
            incident_id=incident["id"],
            attempt=int(decision.get("attempt", 0)),
            failed=len(execution.get("failed") or []),
            tolerance_share=self.tolerance_share,
        )
        level = None
        if verdict["status"] == FULFILLED and not complete_fix(analysis, decision.get("chosen")):
            core = followup.own_cells(ctx, incident["key"], followup.core_of(ctx, incident["key"]))
            level = followup.unusual_impact(ctx.twin, core, self.sla_mbps)[0]
        followup.settle(ctx, incident["key"], level)
        return verdict

    def signature(
        self, ctx: LoopContext, incident: Incident, analysis: Analysis
    ) -> SymptomSignature:
        """Alarm types, domain, kinds of the alarmed nodes, and which impact KPIs rose."""
        return perceive_.signature_of(ctx.twin, incident, analysis)
