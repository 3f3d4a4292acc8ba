"""Decision: candidates from the playbook (rules, memory, optimiser), what-if scores, guards, the
choice, and whether a human must approve it."""

from __future__ import annotations

import copy
from typing import Any

from langgraph.runtime import Runtime

from autonet.agents._whatif import (
    actions_key,
    guard_denials,
    guard_history,
    prior_rate,
    score_candidates,
)
from autonet.agents.messages import Analysis, Candidate, Decision, Incident
from autonet.agents.playbook import LoopContext
from autonet.agents.state import LoopState
from autonet.agents.trace import Tracer, plain

__all__ = ["approval_reasons", "decide", "decision"]


def approval_reasons(
    ctx: LoopContext, incident: Incident, analysis: Analysis, chosen: Candidate
) -> list[str]:
    """Why a human must approve ``chosen``: the playbook's policy and the loop's settings."""
    settings = ctx.settings
    reasons = []
    why = ctx.playbooks[incident["kind"]].needs_approval(ctx, incident, chosen)
    if why:
        reasons.append(why)
    kinds = sorted({a["kind"] for a in chosen["actions"]} & set(settings.require_approval_kinds))
    if kinds:
        reasons.append(f"action kind(s) {kinds} always need approval")
    hyps = analysis.get("hypotheses") or []
    if hyps and hyps[0]["score"] < settings.approval_confidence:
        reasons.append(
            f"root-cause confidence {hyps[0]['score']:.2f} < {settings.approval_confidence:.2f}"
        )
    predicted = chosen.get("predicted") or {}
    users = predicted.get("users_affected", predicted.get("users", 0.0))
    if users > settings.approval_users:
        reasons.append(f"touches {users:.0f} users > {settings.approval_users:.0f}")
    return reasons


def _why_not(cand: Candidate) -> str:
    if cand.get("denials"):
        return f"{cand['id']} denied: " + "; ".join(cand["denials"])
    if cand.get("error"):
        return f"{cand['id']} rejected by the twin: {cand['error']}"
    return f"{cand['id']} score {cand.get('score', 0.0):.4g} <= 0"


def decide(
    ctx: LoopContext,
    incident: Incident,
    analysis: Analysis,
    previous: list[Decision],
) -> Decision:
    """One decision for ``incident`` (attempt = ``len(previous)``), candidates that already
    failed in ``previous`` attempts excluded."""
    playbook = ctx.playbooks[incident["kind"]]
    failed = {actions_key(c["actions"]) for d in previous if (c := d.get("chosen")) is not None}
    candidates: list[Candidate] = [
        plain(copy.deepcopy(c)) for c in playbook.candidates(ctx, incident, analysis)
    ]
    history = guard_history(ctx)
    for cand in candidates:
        denials = list(cand.get("denials") or [])
        if actions_key(cand["actions"]) in failed:
            denials.append("retry: this remedy failed verification in an earlier attempt")
        else:
            denials += guard_denials(ctx, cand, history)
        if denials:
            cand["denials"] = denials
    if ctx.settings.use_whatif:
        score_candidates(ctx, incident, analysis, candidates, previous)
    allowed = [
        (i, c)
        for i, c in enumerate(candidates)
        if not c.get("denials")
        and not c.get("error")
        and (not ctx.settings.use_whatif or c.get("score", 0.0) > 0.0)
    ]
    allowed.sort(
        key=lambda ic: (
            -ic[1].get("score", 0.0) if ctx.settings.use_whatif else 0.0,
            -prior_rate(ctx, analysis, incident, ic[1]),
            ic[0],
        )
    )
    chosen = allowed[0][1] if allowed else None
    if chosen is None:
        reason = (
            "no candidate"
            if not candidates
            else f"none of {len(candidates)} candidate(s) helps: "
            + "; ".join(_why_not(c) for c in candidates)
        )
        reasons: list[str] = []
    else:
        how = f"score {chosen['score']:.4g}" if "score" in chosen else "first allowed"
        reason = f"{chosen['id']} ({chosen['source']}): {how}; {chosen['rationale']}"
        reasons = approval_reasons(ctx, incident, analysis, chosen)
        if reasons:
            reason += "; approval: " + "; ".join(reasons)
    return Decision(
        incident_id=incident["id"],
        attempt=len(previous),
        candidates=candidates,
        chosen=chosen,
        reason=reason,
        needs_approval=bool(reasons),
        producer="decision",
    )


def decision(state: LoopState, runtime: Runtime[LoopContext]) -> dict[str, Any]:
    """Graph node: decide for every incident that is open or to retry."""
    ctx = runtime.context
    tracer = Tracer(state, ctx, "decision")
    decisions, status = {}, {}
    for iid, st in state["status"].items():
        if st not in ("open", "retry"):
            continue
        previous = list((state.get("decisions") or {}).get(iid, []))
        made = decide(ctx, state["incidents"][iid], state["analyses"][iid], previous)
        decisions[iid] = [*previous, made]
        chosen = made["chosen"]
        if chosen is None:
            status[iid] = "escalate"
        else:
            status[iid] = "awaiting_approval" if made["needs_approval"] else "decided"
        tracer.add(
            "decide",
            f"{iid} attempt {made['attempt']}: "
            + (f"chose {actions_key(chosen['actions'])}" if chosen else "nothing to apply"),
            made["reason"],
            {
                "incident": iid,
                "attempt": made["attempt"],
                "chosen": chosen["id"] if chosen else None,
                "actions": chosen["actions"] if chosen else [],
                "candidates": [
                    {k: c.get(k) for k in ("id", "source", "score", "denials", "error") if k in c}
                    for c in made["candidates"]
                ],
                "needs_approval": made["needs_approval"],
            },
            target=chosen["actions"][0]["target"] if chosen and chosen["actions"] else None,
        )
    return tracer.update(decisions=decisions, status=status)


def _check_answer(answer: Any) -> dict[str, Any]:
    if not isinstance(answer, dict) or not isinstance(answer.get("approved"), bool):
        raise ValueError(
            f"an approval must be a dict with 'approved' (bool), 'by' and 'at', got {answer!r}"
        )
    return answer


def approval(state: LoopState, runtime: Runtime[LoopContext]) -> dict[str, Any]:
    """Graph node: pause the run for a human (``interrupt``); resumed with an Approval."""
    from langgraph.types import interrupt

    ctx = runtime.context
    pending = [iid for iid, st in state["status"].items() if st == "awaiting_approval"]
    last = {iid: state["decisions"][iid][-1] for iid in pending}
    payload = {
        "run_id": state["run_id"],
        "incident_ids": pending,
        "reasons": {iid: last[iid]["reason"] for iid in pending},
        "candidates": {iid: last[iid]["chosen"] for iid in pending},
    }
    answer = _check_answer(interrupt(payload))  # everything above re-runs on resume
    tracer = Tracer(state, ctx, "decision")
    by = str(answer.get("by") or "unknown")
    decisions, status = {}, {}
    for iid in pending:
        made = dict(last[iid])
        made["approval"] = plain(answer)
        if not answer["approved"]:
            made["chosen"] = None
        decisions[iid] = [*state["decisions"][iid][:-1], made]
        status[iid] = "approved" if answer["approved"] else "escalate"
        tracer.add(
            "approve",
            f"{iid}: {'approved' if answer['approved'] else 'denied'} by {by}",
            str(answer.get("comment") or ""),
            {"incident": iid, "approved": answer["approved"], "by": by},
            actor=f"human:{by}",
        )
    return tracer.update(decisions=decisions, status=status, human={iid: True for iid in pending})
