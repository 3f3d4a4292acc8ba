"""Analysis: root cause, impact and risk of each new incident, plus similar past cases."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from autonet.agents.messages import Analysis, Incident
from autonet.agents.playbook import LoopContext
from autonet.agents.state import LoopState
from autonet.agents.trace import Tracer, plain

__all__ = ["analyse_incident", "analysis"]


def analyse_incident(ctx: LoopContext, incident: Incident) -> Analysis:
    """The playbook's analysis of ``incident`` with similar verified cases from memory."""
    playbook = ctx.playbooks[incident["kind"]]
    result: Analysis = plain(playbook.analyse(ctx, incident))
    result.setdefault("similar_cases", [])
    if ctx.memory is not None and ctx.settings.use_memory:
        signature = playbook.signature(ctx, incident, result)
        result["similar_cases"] = [
            {
                "case_id": s.case.id,
                "similarity": round(float(s.similarity), 6),
                "fault_type": s.case.fault_type,
                "root_cause_node": s.case.root_cause_node,
                "actions": [
                    {"kind": a.name, "target": a.target or "", "params": plain(dict(a.params))}
                    for a in s.what_worked
                ],
            }
            for s in ctx.memory.cases.similar(signature, k=3)
        ]
    return result


def analysis(state: LoopState, runtime: Runtime[LoopContext]) -> dict[str, Any]:
    """Graph node: analyse every incident of the run that has no analysis yet."""
    ctx = runtime.context
    tracer = Tracer(state, ctx, "analysis")
    done = state.get("analyses") or {}
    out: dict[str, Analysis] = {}
    for iid, incident in state["incidents"].items():
        if iid in done:
            continue
        result = analyse_incident(ctx, incident)
        out[iid] = result
        top = result["hypotheses"][0] if result["hypotheses"] else None
        what = (
            f"{iid}: root cause {top['node']} ({top['fault_type']}, score {top['score']:.2f})"
            if top
            else f"{iid}: {incident['kind']} analysed"
        )
        why = "; ".join(top["evidence"][:3]) if top else "no root-cause ranking for this kind"
        tracer.add(
            "analyse",
            what,
            why,
            {
                "incident": iid,
                "hypotheses": result["hypotheses"][:3],
                "impact": result["impact"],
                "similar_cases": [c["case_id"] for c in result["similar_cases"]],
            },
            target=top["node"] if top else None,
        )
    return tracer.update(analyses=out)
