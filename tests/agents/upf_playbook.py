"""A small real playbook for the loop's tests: a UPF overload is healed by scaling the UPF out.

A legitimate plug-in of the Playbook protocol (not a mock): it reads the twin's alarms and
UPF.Load counter and acts through the twin's action API.
"""

from __future__ import annotations

from collections.abc import Sequence

from autonet.agents.messages import (
    Analysis,
    Candidate,
    Decision,
    Execution,
    Incident,
    Request,
    Verdict,
)
from autonet.agents.playbook import LoopContext
from autonet.knowledge.memory import SymptomSignature
from autonet.twin import Twin, build_topology

__all__ = ["UpfPlaybook", "small_twin", "upf_load", "upf_overloaded"]


def small_twin(n_sites: int = 12, seed: int = 3) -> Twin:
    """A small real twin, warmed up for two steps."""
    twin = Twin(build_topology(n_sites=n_sites, seed=seed), seed=seed)
    twin.run(2)
    return twin


def upf_load(twin: Twin, upf: str) -> float:
    """The UPF's load (%) in the last simulated step."""
    return float(twin.kpi_array("UPF.Load", "upf")[-1, twin.compiled.upf_index[upf]])


def upf_overloaded(twin: Twin) -> str:
    """Inject a UPF overload on the first UPF; returns its id."""
    upf = twin.compiled.upf_ids[0]
    twin.inject_fault("upf_overload", upf, load_share=1.5)
    return upf


class UpfPlaybook:
    """UPF overload -> scale out: one instance, two (one at a time), 99 (denied by the guards),
    or a wake of an awake cell (rejected by the twin in the what-if).

    Args:
        target_load: Verification target: UPF.Load below this (%) is FULFILLED.
        approve: Ask a human before every remedy.
        two_step_first: Put the two-action remedy first (ties broken by order).
    """

    kind = "upf"
    settle_steps = 2
    whatif_steps = 2

    def __init__(
        self, *, target_load: float = 100.0, approve: bool = False, two_step_first: bool = False
    ) -> None:
        self.target_load = target_load
        self.approve = approve
        self.two_step_first = two_step_first

    def perceive(self, ctx: LoopContext, requests: Sequence[Request]) -> list[Incident]:
        first = ctx.twin.compiled.upf_ids[0]
        out = [
            Incident(
                id=ctx.book.next_id(),
                kind=self.kind,
                key=f"request:{r['id']}",
                opened_at=ctx.twin.now.isoformat(),
                objects=[r["arguments"].get("upf", first)],
                summary=f"operator asks to relieve {r['arguments'].get('upf', first)}",
                severity="minor",
                evidence={"request": dict(r)},
                producer="perception",
            )
            for r in requests
        ]
        for alarm in ctx.twin.active_alarms():
            key = f"upf:{alarm.node}"
            if alarm.alarm_type != "UPF_OVERLOAD" or key in ctx.book.open:
                continue
            if any(i["key"] == key for i in out):
                continue
            out.append(
                Incident(
                    id=ctx.book.next_id(),
                    kind=self.kind,
                    key=key,
                    opened_at=ctx.twin.now.isoformat(),
                    objects=[alarm.node],
                    summary=f"UPF overload on {alarm.node}",
                    severity="major",
                    evidence={"alarms": [alarm.alarm_id], "types": [alarm.alarm_type]},
                    producer="perception",
                )
            )
        return out

    def is_over(self, ctx: LoopContext, key: str) -> bool:
        if key.startswith("request:"):
            return True
        node = key.split(":", 1)[1]
        return not any(
            a.alarm_type == "UPF_OVERLOAD" and a.node == node for a in ctx.twin.active_alarms()
        )

    def analyse(self, ctx: LoopContext, incident: Incident) -> Analysis:
        upf = incident["objects"][0]
        return Analysis(
            incident_id=incident["id"],
            hypotheses=[
                {
                    "node": upf,
                    "fault_type": "upf_overload",
                    "score": 0.9,
                    "evidence": ["UPF_OVERLOAD alarm"],
                }
            ],
            impact={"load": upf_load(ctx.twin, upf)},
            risk={},
            similar_cases=[],
            producer="analysis",
        )

    def candidates(
        self, ctx: LoopContext, incident: Incident, analysis: Analysis
    ) -> list[Candidate]:
        upf = incident["objects"][0]
        one = {"kind": "upf_scale_out", "target": upf, "params": {"instances": 1}}
        out = [
            Candidate(id="c1", actions=[one], source="rules", rationale="add one instance"),
            Candidate(id="c2", actions=[one, one], source="optimiser", rationale="add two"),
            Candidate(
                id="c3",
                actions=[{"kind": "upf_scale_out", "target": upf, "params": {"instances": 99}}],
                source="optimiser",
                rationale="beyond the guard's bounds on purpose",
            ),
            Candidate(
                id="c4",
                actions=[{"kind": "wake", "target": ctx.twin.compiled.cell_ids[0], "params": {}}],
                source="optimiser",
                rationale="wakes an awake cell: the twin rejects it on purpose",
            ),
        ]
        if self.two_step_first:
            out = [out[1], out[0], *out[2:]]
        return out

    def score(
        self,
        ctx: LoopContext,
        incident: Incident,
        analysis: Analysis,
        candidate: Candidate,
        after: Twin,
        baseline: Twin,
    ) -> tuple[float, dict[str, float]]:
        upf = incident["objects"][0]
        load = upf_load(after, upf)
        gain = upf_load(baseline, upf) - load
        # fewer actions are preferred: a two-instance scale-out must gain more than 5 points more
        return gain - 5.0 * (len(candidate["actions"]) - 1), {"upf_load": load}

    def needs_approval(
        self, ctx: LoopContext, incident: Incident, candidate: Candidate
    ) -> str | None:
        return "test policy: every remedy is approved by a human" if self.approve else None

    def verify(
        self,
        ctx: LoopContext,
        incident: Incident,
        analysis: Analysis,
        decision: Decision,
        execution: Execution,
    ) -> Verdict:
        load = upf_load(ctx.twin, incident["objects"][0])
        ok = load < self.target_load
        verdict = Verdict(
            incident_id=incident["id"],
            attempt=decision["attempt"],
            status="FULFILLED" if ok else "NOT_FULFILLED",
            measured={"upf_load": load},
            targets={"upf_load": self.target_load},
            reasons=[f"UPF.Load {load:.1f} % vs target < {self.target_load:.1f} %"],
            producer="verification",
        )
        if not ok:
            verdict["not_fulfilled_state"] = "DEGRADED"
        return verdict

    def signature(
        self, ctx: LoopContext, incident: Incident, analysis: Analysis
    ) -> SymptomSignature:
        return SymptomSignature(
            alarm_types=frozenset({"UPF_OVERLOAD"}), fault_domain="core", node_kinds={"upf"}
        )
