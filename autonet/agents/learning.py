"""Learning: store the case, update the priors the decision uses, retrain when due."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from langgraph.runtime import Runtime

from autonet.agents._whatif import prior_key
from autonet.agents.playbook import LoopContext
from autonet.agents.state import LoopState
from autonet.agents.trace import Tracer

__all__ = ["learn_incident", "learning"]


def _when(iso: str | None) -> datetime | None:
    return datetime.fromisoformat(iso) if iso else None


def learn_incident(ctx: LoopContext, state: LoopState, iid: str) -> str:
    """Update priors and store the case of a closed incident; returns the case verdict stored
    (``"verified"`` / ``"failed"``), or ``""`` when nothing was executed (nothing to learn)."""
    executions = (state.get("executions") or {}).get(iid, [])
    if not executions:
        return ""
    incident, analysis = state["incidents"][iid], state["analyses"][iid]
    verified = state["status"][iid] == "fulfilled"
    priors: dict[str, list[int]] = ctx.models.setdefault("priors", {})
    verdicts = (state.get("verdicts") or {}).get(iid, [])
    for ex, verdict in zip(executions, verdicts, strict=False):
        for kind in sorted({a["kind"] for a in ex["applied"]}):
            ok_n = priors.setdefault(prior_key(analysis, incident, kind), [0, 0])
            ok_n[0] += int(verdict["status"] == "FULFILLED")
            ok_n[1] += 1
    verdict_name = "verified" if verified else "failed"
    memory = ctx.memory
    if memory is not None and memory.learned is not None:
        memory.learned.put("priors", priors)  # learned state outlives the run and the process
    if memory is None or not ctx.settings.use_memory:
        return verdict_name
    from autonet.knowledge.memory import ActionSpec, NewCase

    last = executions[-1]
    hyps = analysis.get("hypotheses") or []
    memory.cases.add(
        NewCase(
            signature=ctx.playbooks[incident["kind"]].signature(ctx, incident, analysis),
            root_cause_node=hyps[0]["node"] if hyps else None,
            fault_type=hyps[0]["fault_type"] if hyps else incident["kind"],
            actions=[
                ActionSpec(a["kind"], a["target"], a["params"], succeeded=verified)
                for a in last["applied"]
            ],
            verdict=verdict_name,
            summary=incident["summary"][:500],
            run_id=state["run_id"],
            root_cause=dict(hyps[0]) if hyps else {},
            detected_at=_when(incident["opened_at"]),
            resolved_at=_when((state.get("closed_at") or {}).get(iid)) if verified else None,
        )
    )
    return verdict_name


def _retrain(ctx: LoopContext, tracer: Tracer) -> None:
    """Run each configured ``(Retrainer, data)`` in ``ctx.models["retrainers"]`` when due."""
    if ctx.memory is None or ctx.memory.registry is None:
        return
    for retrainer, data in ctx.models.get("retrainers", ()):
        result = retrainer.maybe_retrain(data)
        if result is not None:
            tracer.add(
                "retrain",
                f"retrained {result.name} v{result.new_version}",
                result.reason,
                {"model": result.name, "promoted": result.promoted},
            )


def learning(state: LoopState, runtime: Runtime[LoopContext]) -> dict[str, Any]:
    """Graph node: learn from every closed incident not learned yet."""
    ctx = runtime.context
    tracer = Tracer(state, ctx, "learning")
    learned = {}
    seen = state.get("learned") or {}
    for iid, st in state["status"].items():
        if iid in seen or st not in ("fulfilled", "escalated"):  # a rejection teaches no remedy
            continue
        verdict = learn_incident(ctx, state, iid)
        learned[iid] = verdict
        tracer.add(
            "learn",
            f"{iid}: " + (f"stored a {verdict} case" if verdict else "nothing executed to learn"),
            "verified remedy reinforces its priors" if verdict == "verified" else st,
            {"incident": iid, "case_verdict": verdict},
        )
    if any(learned.values()):
        _retrain(ctx, tracer)
    return tracer.update(learned=learned)
