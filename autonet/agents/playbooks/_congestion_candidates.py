"""Analysis, candidates, what-if scoring and verification of the congestion playbook."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from autonet.agents.messages import ActionStep, Analysis, Candidate, Incident
from autonet.agents.playbook import LoopContext
from autonet.agents.playbooks._congestion_actions import (
    boost_steps,
    offload_steps,
    tilt_steps,
    transport_steps,
)
from autonet.agents.playbooks._congestion_forecast import (
    DemandForecast,
    cell_capacity,
)
from autonet.agents.playbooks._congestion_perceive import window_until

if TYPE_CHECKING:
    from autonet.twin import Twin

__all__ = ["EVENT_POLICIES", "analyse", "remedies"]

#: The default policies' event-capacity rules (one source of candidates).
EVENT_POLICIES: Final = ("event-capacity-forecast", "event-capacity-now")


def _cells(twin: Twin, ids: list[str]) -> list[int]:
    index = twin.compiled.cell_index
    return [index[o] for o in ids if o in index]


def analyse(ctx: LoopContext, inc: Incident, fc: DemandForecast, threshold: float) -> Analysis:
    """Peak utilisation, predicted congested cells/links/UPFs and users at risk."""
    twin, ev = ctx.twin, inc["evidence"]
    cells = _cells(twin, list(ev.get("area", inc["objects"])))
    users_now = twin.kpi_array("RRC.ConnMean")
    users = 0.0
    risk: dict[str, Any] = {}
    if "until" in ev and cells:
        rows = window_until(fc, twin.now, datetime.fromisoformat(ev["until"]))
        util = fc.utilisation(cell_capacity(twin, fc.derate), rows)[:, cells]
        peak = util.max(axis=0)
        base = np.maximum(fc.demand[rows.start : rows.start + 1, cells], 1e-9)
        growth = fc.demand[rows][:, cells].max(axis=0) / base[0]
        if len(users_now):
            users = float(np.nansum(users_now[-1, cells] * growth))
        risk = {
            "peak_util": round(float(peak.max()), 3),
            "predicted_congested_cells": int((peak >= threshold).sum()),
            "onset": ev.get("onset"),
            "peak_at": ev.get("peak_at"),
            "link_peak_util": max(ev.get("links", {}).values(), default=0.0),
            "upf_peak_util": max(ev.get("upfs", {}).values(), default=0.0),
            "domains": ["ran"]
            + (["transport"] if ev.get("links") else [])
            + (["core"] if ev.get("upfs") else []),
        }
    elif len(users_now) and cells:
        users = float(np.nansum(users_now[-1, cells]))
        risk = {"release_of": ev.get("release_of")}
    return {
        "incident_id": inc["id"],
        "hypotheses": [],
        "impact": {
            "cells": [twin.compiled.cell_ids[c] for c in cells],
            "users": round(users, 1),
            "links": sorted(ev.get("links", {})),
            "upfs": sorted(ev.get("upfs", {})),
        },
        "risk": risk,
        "similar_cases": [],
        "producer": "analysis",
    }


def _rules(
    ctx: LoopContext, cells: list[int], util: NDArray, times: list[datetime]
) -> list[ActionStep]:
    """First operations of the event-capacity policies triggered on ``cells`` (the matcher is
    built once per loop and cached in ``ctx.models``)."""
    from autonet.agents.situation import operation_step, situation_from_twin
    from autonet.knowledge.rules import PolicyMatcher, PolicySet, load_default_policies

    twin = ctx.twin
    matcher = ctx.models.get("congestion.matcher")
    if matcher is None:
        policies = load_default_policies()
        event_only = PolicySet(
            operational=[p for p in policies.operational if p.id in EVENT_POLICIES],
            guards=policies.guards,
        )
        matcher = ctx.models["congestion.matcher"] = PolicyMatcher(event_only)
    ids = [twin.compiled.cell_ids[c] for c in cells]
    pct = (util[:, cells] * 100.0).ravel()
    forecasts = pd.DataFrame({
        "time": np.repeat(np.array(times, dtype="datetime64[ns]"), len(cells)),
        "object": np.tile(ids, len(times)), "kpi": "RRU.PrbUsedDl",
        "p10": pct, "p50": pct, "p90": pct,
    })  # fmt: skip
    situation = situation_from_twin(
        twin, kpi_steps=2, forecasts=forecasts, counters=["RRU.PrbUsedDl"]
    )
    kpis = situation.kpis
    if kpis is not None:  # only the incident's cells: the matcher's cost grows with objects
        situation = replace(situation, kpis=kpis[kpis["object"].isin(ids)].reset_index(drop=True))
    out: list[ActionStep] = []
    seen: set[str] = set()
    for op in matcher.match(situation):
        if op.policy_id not in EVENT_POLICIES or op.step != 0 or op.target not in ids:
            continue
        if not op.allowed or op.target in seen:
            continue
        step = operation_step(op)
        if step is not None:
            seen.add(op.target)
            out.append(step)
    return [c for c in (_clip(twin, s) for s in out) if c is not None]


def _clip(twin: Twin, step: ActionStep) -> ActionStep | None:
    """A rule's PRB boost clipped to what the cell can still take (2x planned; None: none)."""
    if step["kind"] != "capacity_boost" or "extra_prbs" not in step["params"]:
        return step
    c = twin.compiled.cell_index.get(step["target"])
    if c is None:
        return step
    room = 2 * int(twin.compiled.cell_prbs[c]) - int(twin.state.cell_prbs[c])
    if room < 1:
        return None
    extra = min(int(step["params"]["extra_prbs"]), room)
    return {**step, "params": {**step["params"], "extra_prbs": extra}}


def remedies(
    ctx: LoopContext,
    inc: Incident,
    analysis: Analysis,
    fc: DemandForecast,
    rows: slice,
    threshold: float,
    target: float,
) -> list[Candidate]:
    """Candidates across RAN, transport and core, the rules' and past cases' (deduplicated)."""
    twin, ev = ctx.twin, inc["evidence"]
    topo = twin.compiled
    hot = _cells(twin, inc["objects"])
    area = _cells(twin, ev.get("area", []))
    util = fc.utilisation(cell_capacity(twin, fc.derate), rows)
    peak_u, peak_d = util.max(axis=0), fc.demand[rows].max(axis=0)
    warm = [c for c in area if peak_u[c] >= 0.7]
    link_peak, upf_peak = fc.transport(twin, rows)
    tx = transport_steps(twin, link_peak, upf_peak, threshold=threshold, target_util=target)
    sized = boost_steps(twin, hot, peak_d, fc.derate, target_util=target)
    maxed = boost_steps(twin, set(hot) | set(warm), peak_d, fc.derate, target_util=None)
    cap_max = topo.cell_capacity_dl_mbps.astype(np.float64) * 2.0 * fc.derate
    residual = peak_d / np.maximum(cap_max, 1e-9)
    off = offload_steps(twin, hot, residual, set(area) | set(hot))
    tilt = tilt_steps(twin, [c for c in hot if residual[c] > 1.0])
    options: list[tuple[list[ActionStep], str, str]] = [
        (
            sized + tx,
            "optimiser",
            f"PRBs sized to {target:.0%} peak utilisation"
            + (" + transport/core capacity" if tx else ""),
        ),
        (maxed + tx, "optimiser", "second carrier (2x PRBs) on the hot and warm area cells"),
        (maxed + off + tx, "optimiser", "2x PRBs + offload of the remaining excess outside"),
        (maxed + tilt + tx, "optimiser", "2x PRBs + 2 degree downtilt where still over capacity"),
        (off, "optimiser", "offload the excess to neighbours outside the hotspot"),
    ]
    if tx:
        reroute = transport_steps(twin, link_peak, upf_peak, threshold=threshold,
                                  target_util=target, reroute=True)  # fmt: skip
        options.append((sized + reroute, "optimiser", "sized PRBs + reroute the hot links"))
    if hot:
        rules = _rules(ctx, hot, util, fc.times[rows])
        options.append((rules + tx, "rules", "event-capacity policies (forecast/now thresholds)"))
    for case in analysis.get("similar_cases", []):
        steps = [s for s in case.get("actions", []) if s.get("kind") != "undo"
                 and (s["target"] in topo.cell_index or s["target"] in topo.link_index
                      or s["target"] in topo.upf_index)]  # fmt: skip
        options.append((steps, "memory", f"as in past case {case.get('case_id')} "
                        f"(similarity {case.get('similarity', 0.0):.2f})"))  # fmt: skip
    out: list[Candidate] = []
    seen: set[str] = set()
    for steps, source, why in options:
        sig = repr([(s["kind"], s["target"], sorted(s["params"].items())) for s in steps])
        if not steps or sig in seen:
            continue
        seen.add(sig)
        out.append({"id": f"c{len(out) + 1}", "actions": steps, "source": source,
                    "rationale": why})  # fmt: skip
    return out
