"""The slice playbook: an operator's slice request -> spec -> feasibility -> admit or reject -> SLA.

Requests arrive from AgentGate (``slice_provisioner``; also ``slice_modifier`` and
``slice_releaser``) through ``ClosedLoop.submit``. Perception opens one incident per request;
analysis maps the arguments to a twin slice spec (:mod:`._slice_spec`) and runs the feasibility
(:mod:`._slice_checks`: the twin's PRB / transport / latency / UPF checks plus backhaul
availability against the reliability target). The decision gets one candidate, the request as
asked: a ``slice_admit`` (``slice_modify``, ``slice_release``) step, or, when the request is
malformed or infeasible, the same candidate *denied* with every reason, so the decision chooses
nothing and the incident ends rejected with the reasons in its decision and trace. When only
the throughput is too high, the analysis names the largest guarantee that fits (a counter-offer
in the reasons); it becomes a second candidate only when the request says
``accept_alternative: true`` (the intent's targets are hard otherwise). Verification reads the
slice's KPIs from the twin (``kpis(level="slice")``): FULFILLED when the slice is in place and
every active step since activation met its SLA (vacuously before its window first opens).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from autonet.agents.messages import (
    FULFILLED,
    NOT_FULFILLED,
    ActionStep,
    Analysis,
    Candidate,
    Decision,
    Execution,
    Incident,
    Request,
    Verdict,
)
from autonet.agents.playbook import LoopContext
from autonet.agents.playbooks._slice_analysis import analyse_request
from autonet.agents.playbooks._slice_checks import slice_sla
from autonet.agents.playbooks._slice_spec import slice_name
from autonet.knowledge.memory.signature import SymptomSignature

if TYPE_CHECKING:
    from autonet.twin import Twin

__all__ = ["SLICE_AGENTS", "SlicePlaybook"]

logger = logging.getLogger(__name__)

#: AgentGate capability -> what the playbook does with its request.
SLICE_AGENTS = {
    "slice_provisioner": "admit",
    "slice_modifier": "modify",
    "slice_releaser": "release",
}


def _free_name(twin: Twin, incident_id: str) -> str:
    name = slice_name(incident_id)
    n = int(name[3:])
    while name in twin.state.slices:
        n = (n + 1) % 1000
        name = f"SL-{n:03d}"
    return name


class SlicePlaybook:
    """Intent-driven slice provisioning (see the module docstring).

    Args:
        settle_steps: Twin steps between admission and verification.
        whatif_steps: Steps the what-if clone runs with the slice admitted.
    """

    kind = "slice"

    def __init__(self, *, settle_steps: int = 1, whatif_steps: int = 1) -> None:
        for label, v in (("settle_steps", settle_steps), ("whatif_steps", whatif_steps)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{label} must be an integer >= 1, got {v!r}")
        self.settle_steps = settle_steps
        self.whatif_steps = whatif_steps

    # -- perception ----------------------------------------------------------------------------
    def perceive(self, ctx: LoopContext, requests: Sequence[Request]) -> list[Incident]:
        """One incident per slice request not yet known (key ``slice-request:<request id>``)."""
        out: list[Incident] = []
        for req in requests:
            if req.get("kind") != self.kind:
                continue
            key = f"slice-request:{req['id']}"
            if key in ctx.book.open:
                continue
            iid = ctx.book.next_id()
            action = SLICE_AGENTS.get(req.get("agent", ""), "admit")
            args = req.get("arguments")
            args = args if isinstance(args, Mapping) else {}
            target = args.get("slice_id") if action != "admit" else _free_name(ctx.twin, iid)
            what = req.get("text") or ", ".join(f"{k}={v}" for k, v in sorted(args.items()))
            out.append(
                Incident(
                    id=iid,
                    kind=self.kind,
                    key=key,
                    opened_at=ctx.twin.now.isoformat(),
                    objects=[str(target)] if target else [],
                    summary=f"{action} slice {target or '?'}: {what}"[:300],
                    severity="minor",
                    evidence={"request": dict(req), "action": action, "slice": target},
                    producer="perception",
                )
            )
        return out

    def is_over(self, ctx: LoopContext, key: str) -> bool:
        """A request is handled once: its key is never perceived again."""
        return True

    # -- analysis ------------------------------------------------------------------------------
    def analyse(self, ctx: LoopContext, incident: Incident) -> Analysis:
        """The slice spec, its feasibility, and the reasons to reject (empty: admit)."""
        impact, risk = analyse_request(ctx, incident)
        logger.debug("%s: %s slice %s, rejected: %s", incident["id"], risk["action"],
                     risk["slice"], risk["rejected"])  # fmt: skip
        return Analysis(
            incident_id=incident["id"],
            hypotheses=[],
            impact=impact,
            risk=risk,
            similar_cases=[],
            producer="analysis",
        )

    # -- decision ------------------------------------------------------------------------------
    def candidates(
        self, ctx: LoopContext, incident: Incident, analysis: Analysis
    ) -> list[Candidate]:
        """The request as asked; denied with the rejection reasons when it cannot be done."""
        risk = analysis["risk"]
        action, name = risk.get("action", "admit"), str(risk.get("slice"))
        actions: list[ActionStep] = []
        if action == "release" or risk.get("params") is not None:
            params = {} if action == "release" else dict(risk["params"])
            actions = [ActionStep(kind=f"slice_{action}", target=name, params=params)]
        cand = Candidate(
            id="c1",
            actions=actions,
            source="request",
            rationale=f"{action} slice {name} as the operator asked",
        )
        if not risk.get("rejected"):
            return [cand]
        cand["denials"] = [f"slice-feasibility: {r}" for r in risk["rejected"]]
        args = incident["evidence"].get("request", {}).get("arguments")
        alt = risk.get("alternative")
        if (
            alt is None
            or not isinstance(args, Mapping)
            or args.get("accept_alternative") is not True
        ):
            return [cand]
        lower = dict(actions[0]["params"], **alt)
        return [
            cand,
            Candidate(
                id="c2",
                actions=[ActionStep(kind=actions[0]["kind"], target=name, params=lower)],
                source="optimiser",
                rationale=(
                    f"{action} slice {name} at {alt['guaranteed_dl_mbps']:g} Mbit/s per cell, "
                    "the most the area can guarantee (the request accepts alternatives)"
                ),
            ),
        ]

    def score(
        self,
        ctx: LoopContext,
        incident: Incident,
        analysis: Analysis,
        candidate: Candidate,
        after: Twin,
        baseline: Twin,
    ) -> tuple[float, dict[str, float]]:
        """1 when the slice is in place (gone, for a release) and met its SLA in the what-if."""
        name = str(analysis["risk"].get("slice"))
        if analysis["risk"].get("action") == "release":
            return (0.0 if name in after.state.slices else 1.0), {}
        if name not in after.state.slices:
            return 0.0, {"admitted": 0.0}
        since = after.now - after.step_delta * self.whatif_steps
        sla = slice_sla(after, name, since)
        predicted = {"admitted": 1.0, **sla}
        ok = sla["active_steps"] == 0 or sla["met_steps"] == sla["active_steps"]
        return (1.0 if ok else 0.0), predicted

    def needs_approval(
        self, ctx: LoopContext, incident: Incident, candidate: Candidate
    ) -> str | None:
        """Never: admission within the feasibility study is the operator's own request."""
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
        """FULFILLED when the slice is in place and compliant since its activation."""
        risk = analysis["risk"]
        name, action = str(risk.get("slice")), risk.get("action", "admit")
        twin = ctx.twin
        base = Verdict(
            incident_id=incident["id"],
            attempt=decision["attempt"],
            status=FULFILLED,
            measured={},
            targets={},
            reasons=[],
            producer="verification",
        )
        if action == "release":
            gone = name not in twin.state.slices
            base["measured"] = {"released": float(gone)}
            base["reasons"] = [f"slice {name} " + ("released" if gone else "still admitted")]
            if not gone:
                base["status"], base["not_fulfilled_state"] = NOT_FULFILLED, "DEGRADED"
            return base
        if name not in twin.state.slices:
            base["status"], base["not_fulfilled_state"] = NOT_FULFILLED, "TERMINATED"
            base["reasons"] = [f"slice {name} is not admitted on the network"]
            return base
        spec = twin.state.slices[name].spec
        applied = execution["applied"]
        since = datetime.fromisoformat(applied[-1]["at"]) if applied else None
        sla = slice_sla(twin, name, since)
        base["measured"] = {k: float(v) for k, v in sla.items() if math.isfinite(v)}
        base["targets"] = {
            "guaranteed_dl_mbps": spec.guaranteed_dl_mbps,
            "max_latency_ms": spec.max_latency_ms,
            "reliability_pct": spec.reliability_pct,
        }
        if sla["active_steps"] == 0:
            base["reasons"] = [f"slice {name} admitted; its window has not opened yet"]
        elif sla["met_steps"] == sla["active_steps"]:
            base["reasons"] = [
                f"slice {name} active and compliant in {sla['active_steps']:.0f} step(s): "
                f"worst latency {sla['worst_latency_ms']:.2f} ms <= {spec.max_latency_ms:g} ms, "
                f"delivered >= guaranteed {spec.guaranteed_dl_mbps:g} Mbit/s per cell"
            ]
        else:
            base["status"], base["not_fulfilled_state"] = NOT_FULFILLED, "DEGRADED"
            base["reasons"] = [
                f"slice {name} missed its SLA in {sla['active_steps'] - sla['met_steps']:.0f} of "
                f"{sla['active_steps']:.0f} active step(s) (worst latency "
                f"{sla['worst_latency_ms']:.2f} ms, min delivered/guaranteed "
                f"{sla['min_delivered_ratio']:.3f})"
            ]
        return base

    def signature(
        self, ctx: LoopContext, incident: Incident, analysis: Analysis
    ) -> SymptomSignature:
        """Slice requests are told apart by action and slice type (no alarms, no KPI drift)."""
        params = analysis["risk"].get("params") or {}
        kinds = {"slice", f"slice:{analysis['risk'].get('action', 'admit')}"}
        if params.get("slice_type"):
            kinds.add(f"slice_type:{params['slice_type']}")
        return SymptomSignature(node_kinds=frozenset(kinds))
