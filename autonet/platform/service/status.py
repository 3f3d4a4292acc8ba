"""What an operator sees of a session: alarms (never the ground truth), incidents, approvals."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from autonet.agents.trace import plain

if TYPE_CHECKING:
    from autonet.knowledge.memory.requests import StoredRequest
    from autonet.platform.loop import ClosedLoop
    from autonet.platform.service.session import NetworkSession

__all__ = ["alarm_id", "approval_view", "incident_view", "request_view", "session_status"]

_ALARMS_SHOWN: Final = 200


def alarm_id(a: Any) -> str:
    """A stable public id of an alarm that does not carry the twin's fault id (ground truth)."""
    return "ALM-" + hashlib.sha1(a.alarm_id.encode()).hexdigest()[:10].upper()


def _alarm(a: Any) -> dict[str, Any]:
    # only what an operator's alarm list shows: the fault id and root flag are ground truth
    return plain({"id": alarm_id(a), "type": a.alarm_type, "node": a.node,
                  "severity": a.severity, "raised_at": a.raised_at})  # fmt: skip


def incident_view(outcome: Mapping[str, Any]) -> dict[str, Any]:
    """One incident: id, kind, status, root cause (the loop's hypothesis), actions, verdict."""
    inc = outcome["incident"]
    hyps = (outcome.get("analysis") or {}).get("hypotheses") or []
    root = None
    if hyps:
        h = hyps[0]
        root = {"node": h.get("node"), "fault_type": h.get("fault_type"), "score": h.get("score")}
    verdicts = outcome.get("verdicts") or []
    last = verdicts[-1] if verdicts else None
    actions = [
        {"id": a.get("action_id"), "kind": a["kind"], "target": a["target"],
         "params": a.get("params", {}), "at": a.get("at")}
        for ex in outcome.get("executions") or [] for a in ex["applied"]
    ]  # fmt: skip
    request = (inc.get("evidence") or {}).get("request") or {}
    return plain({
        "id": inc["id"], "kind": inc["kind"], "status": outcome["status"],
        "summary": inc.get("summary", ""), "severity": inc.get("severity"),
        "opened_at": inc.get("opened_at"), "closed_at": outcome.get("closed_at"),
        "run_id": outcome["run_id"], "request": request.get("id"), "root_cause": root,
        "actions": actions, "human": outcome.get("human", False),
        "verdict": None if last is None else {
            "status": last["status"], "state": last.get("not_fulfilled_state"),
            "reasons": list(last.get("reasons") or []),
        },
    })  # fmt: skip


def approval_view(loop: ClosedLoop, payload: Mapping[str, Any]) -> dict[str, Any]:
    """One pending approval: its id (the run), what would be done and why a person must decide."""
    run_id = str(payload.get("run_id"))
    incidents = list(payload.get("incident_ids") or [])
    requests = sorted({
        str(((o["incident"].get("evidence") or {}).get("request") or {}).get("id"))
        for o in loop.outcomes()
        if o["run_id"] == run_id and (o["incident"].get("evidence") or {}).get("request")
    })  # fmt: skip
    reasons = payload.get("reasons") or {}
    proposed = []
    for iid, chosen in (payload.get("candidates") or {}).items():
        chosen = chosen or {}
        proposed.append({
            "incident": iid, "rationale": chosen.get("rationale", ""),
            "predicted": chosen.get("predicted", {}),
            "actions": [{"kind": a.get("kind"), "target": a.get("target"),
                         "params": a.get("params", {})} for a in chosen.get("actions") or []],
        })  # fmt: skip
    return plain({"id": run_id, "incidents": incidents, "requests": requests,
                  "reasons": [f"{iid}: {str(why).rsplit('approval: ', 1)[-1]}"
                              for iid, why in reasons.items()],
                  "decisions": [f"{iid}: {why}" for iid, why in reasons.items()],
                  "proposed": proposed})  # fmt: skip


def request_view(r: StoredRequest) -> dict[str, Any]:
    """The documented JSON of one request (see docs/service.md)."""
    d = r.decision
    return plain({
        "id": r.id, "status": r.status, "text": r.text, "caller": r.caller, "role": r.role,
        "decision": {
            "action": d.get("action"), "agent": d.get("agent"),
            "arguments": d.get("arguments", {}), "plan": d.get("plan", []),
            "confidence": d.get("confidence"),
        },
        "actions": r.actions, "verdict": r.verdict, "reason": r.reason, "result": r.result,
        "run_id": r.run_id, "expression": r.expression, "network_time": r.network_time,
        "created_at": r.created_at, "updated_at": r.updated_at,
    })  # fmt: skip


def session_status(session: NetworkSession, *, incidents: int = 20,
                   requests: int = 10) -> dict[str, Any]:  # fmt: skip
    """The session's status as the documented JSON object."""
    twin, loop = session.twin, session.loop
    active = sorted(twin.active_alarms(), key=lambda a: (a.raised_at, a.alarm_id))
    outcomes = loop.outcomes()
    open_ = [o for o in outcomes if o["status"] not in ("fulfilled", "rejected", "escalated")]
    recent = [o for o in outcomes if o not in open_][-max(0, incidents - len(open_)) :]
    shown = (open_ + recent) if incidents else []
    return plain({
        "session": session.id, "clock": twin.now, "step": twin.step_index,
        "network": {"sites": session.spec.sites, "seed": session.spec.seed,
                    "backbone": session.spec.backbone, "layers": session.spec.layers,
                    "cells": len(twin.compiled.cell_ids), **session.adapter.describe()},
        "alarm_count": len(active),
        "alarms": [_alarm(a) for a in active[:_ALARMS_SHOWN]],
        "incidents": [incident_view(o) for o in shown],
        "approvals": session.approvals(),
        "requests": [request_view(r) for r in session.service.list(limit=requests)],
    })  # fmt: skip
