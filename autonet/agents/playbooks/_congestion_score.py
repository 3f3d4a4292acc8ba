"""What-if scoring, verification and the symptom signature of the congestion playbook."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import numpy as np

from autonet.agents.messages import (
    FULFILLED,
    NOT_FULFILLED,
    Analysis,
    Candidate,
    Decision,
    Execution,
    Incident,
    Verdict,
)
from autonet.agents.playbooks._congestion_forecast import congested_mask

if TYPE_CHECKING:
    from autonet.knowledge.memory.signature import SymptomSignature
    from autonet.twin import Twin

__all__ = ["ACTION_COST", "BLOCKED_PER_CELL_STEP", "CAPACITY_COST", "signature", "verdict",
           "whatif_score"]  # fmt: skip

#: Cost, in congested cell-steps, of one action and of one planned carrier's worth of capacity.
ACTION_COST: Final = 0.1
CAPACITY_COST: Final = 0.5
BLOCKED_PER_CELL_STEP: Final = 100.0  # blocked user-steps worth one congested cell-step


def _cells(twin: Twin, ids: list[str]) -> list[int]:
    index = twin.compiled.cell_index
    return [index[o] for o in ids if o in index]


def _counts(tw: Twin, steps: int, cells: list[int]) -> dict[str, Any]:
    prb = tw.kpi_array("RRU.PrbUsedDl")[-steps:]
    blocked = tw.kpi_array("KQI.BlockedUsers")[-steps:]
    cong = congested_mask(prb, blocked)
    thp = tw.kpi_array("DRB.UEThpDl")[-steps:][:, cells] if cells else np.zeros((1, 1))
    return {"cong": cong, "blocked": float(np.nansum(blocked)),
            "thp": float(np.nanmean(thp)) if np.isfinite(thp).any() else 0.0}  # fmt: skip


def _capacity(tw: Twin) -> float:
    topo, st = tw.compiled, tw.state
    carriers = float((st.cell_prbs / np.maximum(topo.cell_prbs, 1)).sum())
    links = float((st.link_capacity_mbps / np.maximum(topo.link_capacity_mbps, 1e-9)).sum())
    upfs = float((st.upf_instances / np.maximum(topo.upf_instances, 1)).sum())
    return carriers + links + upfs


def whatif_score(
    live: Twin, inc: Incident, cand: Candidate, after: Twin, baseline: Twin, settle: int
) -> tuple[float, dict[str, float]]:
    """Score = congested cell-steps avoided + blocked user-steps avoided / 100 - cost."""
    steps = max(after.step_index - live.step_index, 1)
    cells = _cells(live, list(inc["evidence"].get("area", [])) or inc["objects"])
    a, b = _counts(after, steps, cells), _counts(baseline, steps, cells)
    extra = _capacity(after) - _capacity(baseline)
    n_undo = sum(1 for s in cand["actions"] if s["kind"] == "undo")
    # an undo hands a setting back to plan: it earns what an action costs
    cost = ACTION_COST * (len(cand["actions"]) - 2 * n_undo) + CAPACITY_COST * extra
    gain = float(b["cong"].sum() - a["cong"].sum())
    gain += (b["blocked"] - a["blocked"]) / BLOCKED_PER_CELL_STEP
    rows = a["cong"][max(settle - 2, 0) : max(settle, 1)]
    at_verify = float(rows[:, cells].sum(axis=1).mean()) if cells and len(rows) else 0.0
    touched = _cells(live, [s["target"] for s in cand["actions"]])
    users = live.kpi_array("RRC.ConnMean")
    return gain - cost, {
        "congested_cell_steps": float(a["cong"].sum()),
        "baseline_congested_cell_steps": float(b["cong"].sum()),
        "blocked_user_steps": a["blocked"],
        "baseline_blocked_user_steps": b["blocked"],
        "area_thp_mbps": a["thp"],
        "baseline_area_thp_mbps": b["thp"],
        "extra_capacity": round(extra, 3),
        "verify_congested_cells": at_verify,
        "users": float(np.nansum(users[-1, touched])) if len(users) and touched else 0.0,
    }


def verdict(twin: Twin, inc: Incident, decision: Decision, execution: Execution) -> Verdict:
    """FULFILLED when congested area cells (mean of the last 2 steps) stay within the what-if's
    prediction (+10 %, at least 1) and no incident link/UPF runs over 100 %."""
    ev = inc["evidence"]
    cells = _cells(twin, list(ev.get("area", [])) or inc["objects"])
    prb = twin.kpi_array("RRU.PrbUsedDl")[-2:]
    cong = congested_mask(prb, twin.kpi_array("KQI.BlockedUsers")[-2:])
    measured = float(cong[:, cells].sum(axis=1).mean()) if cells and len(cong) else 0.0
    chosen: dict[str, Any] = dict(decision.get("chosen") or {})
    predicted = float(chosen.get("predicted", {}).get("verify_congested_cells", 0.0))
    allowed = predicted + max(1.0, 0.1 * predicted)
    topo = twin.compiled
    links = [topo.link_index[o] for o in inc["objects"] if o in topo.link_index]
    upfs = [topo.upf_index[o] for o in inc["objects"] if o in topo.upf_index]
    lu = twin.kpi_array("TN.LinkUtil", "link")[-1:]
    uu = twin.kpi_array("UPF.Load", "upf")[-1:]
    link_max = float(np.nanmax(lu[:, links])) if links and len(lu) else 0.0
    upf_max = float(np.nanmax(uu[:, upfs])) if upfs and len(uu) else 0.0
    reasons = []
    if measured > allowed:
        reasons.append(f"{measured:.1f} congested cells > {allowed:.1f} expected")
    if link_max > 100.0:
        reasons.append(f"link utilisation {link_max:.0f}% > 100%")
    if upf_max > 100.0:
        reasons.append(f"UPF load {upf_max:.0f}% > 100%")
    failed = [f["error"] for f in execution.get("failed", [])]
    reasons += [f"action failed: {e}" for e in failed]
    out: Verdict = {
        "incident_id": inc["id"], "attempt": decision["attempt"],
        "status": NOT_FULFILLED if reasons else FULFILLED,
        "measured": {"congested_cells": measured, "link_util_max_pct": link_max,
                     "upf_load_max_pct": upf_max},
        "targets": {"congested_cells": allowed, "link_util_max_pct": 100.0,
                    "upf_load_max_pct": 100.0},
        "reasons": reasons or ["congestion within what the what-if predicted"],
        "producer": "verification",
    }  # fmt: skip
    if reasons:
        out["not_fulfilled_state"] = "DEGRADED"
    return out


def signature(inc: Incident, analysis: Analysis) -> SymptomSignature:
    """Node kinds, the domain at risk and the peak utilisation as a deviation."""
    from autonet.knowledge.memory.signature import SymptomSignature

    ev, risk = inc["evidence"], analysis.get("risk", {})
    kinds = {"cell"} | ({"link"} if ev.get("links") else set())
    kinds |= {"upf"} if ev.get("upfs") else set()
    peak = float(risk.get("peak_util", 0.0) or 0.0)
    dev = {"RRU.PrbUsedDl": float(np.clip((peak - 0.6) / 0.1, -10, 10))} if peak else {}
    return SymptomSignature(
        alarm_types=frozenset({"EVENT_SURGE"} if ev.get("event") else set()),
        fault_domain="ran" if not ev.get("links") else "transport",
        node_kinds=frozenset(kinds),
        kpi_deviations=dev,
    )
