"""Verification: TS 28.312 fulfilment of each executed incident; escalation to a human."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from autonet.agents._provenance import ProvenanceLog, provenance_delta, twin_provenance
from autonet.agents.messages import FULFILLED, NOT_FULFILLED, Verdict
from autonet.agents.playbook import LoopContext
from autonet.agents.state import LoopState
from autonet.agents.trace import Tracer, plain

__all__ = ["escalation", "verification", "verify_incident"]


def verify_incident(ctx: LoopContext, state: LoopState, iid: str) -> Verdict:
    """The playbook's verdict, or NOT_FULFILLED (DEGRADED) when an action was rejected."""
    incident = state["incidents"][iid]
    execution = state["executions"][iid][-1]
    decision = state["decisions"][iid][-1]
    if execution["failed"]:
        return Verdict(
            incident_id=iid,
            attempt=execution["attempt"],
            status=NOT_FULFILLED,
            not_fulfilled_state="DEGRADED",
            measured={},
            targets={},
            reasons=[f"action rejected: {f['error']}" for f in execution["failed"]],
            producer="verification",
        )
    playbook = ctx.playbooks[incident["kind"]]
    verdict: Verdict = plain(
        playbook.verify(ctx, incident, state["analyses"][iid], decision, execution)
    )
    if verdict["status"] not in (FULFILLED, NOT_FULFILLED):
        raise ValueError(
            f"playbook {incident['kind']!r} returned status {verdict['status']!r}; "
            f"expected {FULFILLED} or {NOT_FULFILLED}"
        )
    return verdict


def verification(state: LoopState, runtime: Runtime[LoopContext]) -> dict[str, Any]:
    """Graph node: verify every incident waiting for it; failures go to rollback."""
    ctx = runtime.context
    tracer = Tracer(state, ctx, "verification")
    verdicts, status, closed = {}, {}, {}
    # what the twin went through while the run waited: replay steps its copy to this point
    n = len(state.get("twin_log") or {})
    start = state.get("provenance") or {}
    cache = ctx.models.setdefault("provenance_log", ProvenanceLog())
    full = twin_provenance(ctx.twin, start.get("topology"), cache)
    log = {f"verify-{n}": provenance_delta(full, start)}  # only what changed since the start
    for iid, st in state["status"].items():
        if st != "waiting_verification":
            continue
        verdict = verify_incident(ctx, state, iid)
        verdicts[iid] = [*(state.get("verdicts") or {}).get(iid, []), verdict]
        if verdict["status"] == FULFILLED:
            status[iid] = "fulfilled"
            closed[iid] = ctx.twin.now.isoformat()
        elif verdict["attempt"] < ctx.settings.max_retries:
            status[iid] = "rollback"
        else:
            status[iid] = "rollback_escalate"
        state_txt = verdict["status"] + (
            f" ({verdict['not_fulfilled_state']})" if verdict.get("not_fulfilled_state") else ""
        )
        tracer.add(
            "verify",
            f"{iid} attempt {verdict['attempt']}: {state_txt}",
            "; ".join(verdict["reasons"]),
            {"incident": iid, "measured": verdict["measured"], "targets": verdict["targets"]},
        )
    return tracer.update(verdicts=verdicts, status=status, closed_at=closed, twin_log=log)


def escalation(state: LoopState, runtime: Runtime[LoopContext]) -> dict[str, Any]:
    """Graph node: hand every incident marked for escalation to a human."""
    ctx = runtime.context
    tracer = Tracer(state, ctx, "verification")
    now = ctx.twin.now.isoformat()
    todo = [iid for iid, st in state["status"].items() if st == "escalate"]
    rejected = [iid for iid in todo if _refused_request(state, iid)]
    for iid in rejected:
        why = state["decisions"][iid][-1]["reason"]
        tracer.add("reject", f"{iid}: request rejected", why, {"incident": iid})
    for iid in (i for i in todo if i not in rejected):
        made = (state.get("decisions") or {}).get(iid, [])
        last = made[-1] if made else None
        if last is not None and last.get("approval") and not last["approval"]["approved"]:
            why = "approval denied"
        elif last is not None and last["chosen"] is None:
            why = last["reason"]
        else:
            why = f"not fulfilled after {len(made)} attempt(s)"
        tracer.add("escalate", f"{iid}: escalated to a human", why, {"incident": iid})
    return tracer.update(
        status={iid: "rejected" if iid in rejected else "escalated" for iid in todo},
        human={iid: iid not in rejected for iid in todo},
        closed_at={iid: now for iid in todo},
    )


def _refused_request(state: LoopState, iid: str) -> bool:
    """An operator's request whose every candidate the checks denied: refuse it with the
    reasons (an infeasible intent is answered, not handed to a human)."""
    incident = state["incidents"][iid]
    made = (state.get("decisions") or {}).get(iid, [])
    if "request" not in incident["evidence"] or not made or made[-1]["chosen"] is not None:
        return False
    last = made[-1]
    if last.get("approval") is not None or last["attempt"] > 0:
        return False
    cands = last["candidates"]
    return bool(cands) and all(c.get("denials") for c in cands)
