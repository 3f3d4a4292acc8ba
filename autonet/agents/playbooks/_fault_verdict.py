"""Fault impact in an area, what-if scores and the TS 28.312 verdict of the fault playbook."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from autonet.agents.messages import FULFILLED, NOT_FULFILLED, Analysis, Candidate, Verdict
from autonet.agents.playbooks._fault_impact import cell_indices, impacted_users, kpi_tail
from autonet.agents.playbooks._fault_remedies import FIELD_REPAIR

if TYPE_CHECKING:
    from autonet.twin import Twin

__all__ = [
    "COMPLETE_FIXES",
    "FIELD_REPAIR_SCORE",
    "REMOTE_FIXES",
    "ROOT_FIX_BONUS",
    "area_impact",
    "complete_fix",
    "fault_verdict",
    "whatif_score",
]

#: Score of handing a field-repair cause to the crew when no remote remedy helps (just above
#: the loop's "score > 0" bar, below any remedy with a real gain).
FIELD_REPAIR_SCORE: Final = 0.01
#: Remedies that remove a fault's effect at its root (not a compensation around it).
REMOTE_FIXES: Final[dict[str, frozenset[str]]] = {
    "upf_overload": frozenset({"upf_scale_out"}),
    "link_congestion": frozenset({"capacity_boost", "reroute"}),
    "fibre_cut": frozenset({"reroute"}),
    "misconfiguration": frozenset({"tilt"}),
    "cell_outage": frozenset({"restart"}),
}
#: Worth of removing the root cause's effect when it harms nobody yet (e.g. a UPF overload at
#: night, which bites at the next busy hour): more than one action's cost.
ROOT_FIX_BONUS: Final = 10.0


#: Remedies that remove the fault's effect entirely (a later rise nearby is not this fault's);
#: capacity remedies (scale-out, capacity boost) may fall short at the next busy hour.
COMPLETE_FIXES: Final[dict[str, frozenset[str]]] = {
    "misconfiguration": frozenset({"tilt"}),
    "cell_outage": frozenset({"restart"}),
    "fibre_cut": frozenset({"reroute"}),
}


def complete_fix(analysis: Analysis, chosen: Candidate | None) -> bool:
    """True when ``chosen`` removes the top hypothesis's fault entirely at its root."""
    hyps = analysis["hypotheses"]
    if not hyps or not chosen:
        return False
    kinds = COMPLETE_FIXES.get(hyps[0]["fault_type"], frozenset())
    return any(a["kind"] in kinds and a["target"] == hyps[0]["node"] for a in chosen["actions"])


def area_impact(twin: Twin, cells: Sequence[str], steps: int, sla_mbps: float) -> dict[str, Any]:
    """Mean per step over the last ``steps`` steps in ``cells``: impacted users (``users``),
    users there (``users_in_area``, lost ones included), ``lost`` and ``blocked`` users."""
    tail = kpi_tail(twin, steps)
    idx = cell_indices(twin, cells)
    if tail["RRC.ConnMean"].shape[0] == 0 or idx.size == 0:
        return {"users": 0.0, "users_in_area": 0.0, "lost": 0.0, "blocked": 0.0}
    hit = impacted_users(tail, sla_mbps)[:, idx].sum(axis=1).mean()
    lost = tail["KQI.LostUsers"][:, idx].sum(axis=1).mean()
    blocked = tail["KQI.BlockedUsers"][:, idx].sum(axis=1).mean()
    users = tail["RRC.ConnMean"][:, idx].sum(axis=1).mean() + lost
    return {
        "users": round(float(hit), 3),
        "users_in_area": round(float(users), 3),
        "lost": round(float(lost), 3),
        "blocked": round(float(blocked), 3),
    }


def whatif_score(
    twin: Twin,
    analysis: Analysis,
    candidate: Candidate,
    after: Twin,
    baseline: Twin,
    *,
    steps: int,
    settle: int,
    sla_mbps: float,
    action_cost: float,
) -> tuple[float, dict[str, float]]:
    """Impacted user-minutes avoided in the area over ``steps``, minus those added elsewhere
    (collateral), minus ``action_cost`` per action, plus ``ROOT_FIX_BONUS`` for a remedy at the
    root that harms nothing; the field-repair handover scores ``FIELD_REPAIR_SCORE``. The
    predicted impacted users are per-step means over the first ``settle`` steps (what the
    verification will measure)."""
    ia = impacted_users(kpi_tail(after, steps), sla_mbps)
    ib = impacted_users(kpi_tail(baseline, steps), sla_mbps)
    area = np.zeros(ia.shape[1], dtype=bool)
    area[cell_indices(twin, analysis["impact"].get("cells", []))] = True
    minutes = float(twin.step_minutes)
    avoided = float((ib[:, area] - ia[:, area]).sum()) * minutes
    collateral = float(np.maximum(ia[:, ~area] - ib[:, ~area], 0.0).sum()) * minutes
    actions = candidate["actions"]
    score = avoided - collateral - action_cost * len(actions)
    hyps = analysis["hypotheses"]
    if hyps and avoided >= 0 and collateral <= 0:
        fixes = REMOTE_FIXES.get(hyps[0]["fault_type"], frozenset())
        if any(a["kind"] in fixes and a["target"] == hyps[0]["node"] for a in actions):
            score += ROOT_FIX_BONUS
    if not actions and hyps and hyps[0]["fault_type"] in FIELD_REPAIR:
        score = FIELD_REPAIR_SCORE  # nothing remote helps: field repair is the best achievable
    users = kpi_tail(twin, 1, ("RRC.ConnMean",))["RRC.ConnMean"]
    idx = cell_indices(twin, {a["target"] for a in actions})
    return score, {
        "impacted": float(ia[:settle, area].sum(axis=1).mean()),
        "baseline_impacted": float(ib[:settle, area].sum(axis=1).mean()),
        "avoided_user_min": avoided,
        "collateral_user_min": collateral,
        "users_affected": float(users[-1, idx].sum()) if users.shape[0] and idx.size else 0.0,
    }


def fault_verdict(
    analysis: Analysis,
    chosen: Candidate | None,
    now: dict[str, Any],
    *,
    incident_id: str,
    attempt: int,
    failed: int,
    tolerance_share: float,
) -> Verdict:
    """FULFILLED when the area's impacted users are within SLA (``tolerance_share`` of its
    users, at least one), or at the best achievable (as the what-if predicted) while a
    field-repair cause awaits the crew, or cut by >= 80 %; NOT_FULFILLED/DEGRADED when an action
    failed, the impact is worse than predicted without action (harmful), or it remains."""
    measured, area_users = float(now["users"]), float(now["users_in_area"])
    tol = max(1.0, tolerance_share * area_users)
    predicted: dict[str, float] = (chosen.get("predicted") if chosen else None) or {}
    before = float(analysis["impact"].get("users", 0.0))
    without = float(predicted.get("baseline_impacted", before))
    expected = float(predicted.get("impacted", measured))
    hyps = analysis["hypotheses"]
    field = bool(hyps) and hyps[0]["fault_type"] in FIELD_REPAIR
    ok, reason = True, ""
    if failed:
        ok, reason = False, f"{failed} action(s) failed to apply"
    elif measured <= tol:
        reason = f"within SLA: {measured:.1f} impacted users <= {tol:.1f} in the area"
    elif field and chosen is not None and not chosen["actions"]:
        reason = (
            f"best achievable until field repair of {hyps[0]['node']} ({hyps[0]['fault_type']}): "
            f"no remote remedy helped in the what-if; {measured:.1f} impacted users remain"
        )
    elif chosen and chosen["actions"] and measured > without * 1.05 + tol:
        ok = False
        reason = f"harmful: {measured:.1f} impacted users > {without:.1f} predicted without action"
    elif field and measured <= expected * 1.1 + tol:
        reason = (
            f"best achievable until field repair of {hyps[0]['node']} ({hyps[0]['fault_type']}): "
            f"{measured:.1f} impacted users (predicted {expected:.1f}, {without:.1f} without "
            "action); compensation in place"
        )
    elif measured <= 0.2 * before:
        reason = f"impact cut by {1 - measured / before:.0%} (from {before:.1f})"
    else:
        ok = False
        reason = f"impact remains: {measured:.1f} impacted users > {tol:.1f} (before {before:.1f})"
    verdict = Verdict(
        incident_id=incident_id,
        attempt=attempt,
        status=FULFILLED if ok else NOT_FULFILLED,
        measured={"impacted_users": measured, "users_in_area": area_users},
        targets={"impacted_users_max": tol},
        reasons=[reason],
        producer="verification",
    )
    if not ok:
        verdict["not_fulfilled_state"] = "DEGRADED"
    return verdict
