"""Candidate remedies of an energy incident: the plan and its variants, the O-RAN rule, TX
trims and past cases (unscored; the decision agent scores them on twin clones)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from autonet.agents.messages import ActionStep, Analysis, Candidate, Incident
from autonet.agents.playbooks._energy_kqi import tail
from autonet.agents.playbooks._energy_plan import awake_cover
from autonet.agents.playbooks._energy_rule import ThresholdRule
from autonet.knowledge.rules import PolicySet

if TYPE_CHECKING:
    from autonet.twin import Twin

__all__ = ["analysis_of", "build_candidates", "rule_steps"]

_TX_TRIM_DB = -3.0
_TX_TRIM_PRB = 10.0
_TX_TRIM_MAX = 20


def _step(kind: str, target: str, **params: Any) -> ActionStep:
    return {"kind": kind, "target": target, "params": dict(params)}


def analysis_of(incident: Incident) -> Analysis:
    """Impact and risk of an energy incident, from the planner's evidence (no root cause)."""
    ev = incident["evidence"]
    return {
        "incident_id": incident["id"],
        "hypotheses": [],
        "impact": {"cells": list(incident["objects"]), "users": float(ev["users_asleep"])},
        "risk": {
            "lost_users_per_step": float(ev["lost_per_step"]),
            "neighbour_prb_max": float(ev["neighbour_prb_max"]),
            "slack_user_steps": float(ev["slack_user_steps"]),
            "kqi_loss_pct_so_far": float(ev["kqi_loss_pct_so_far"]),
        },
        "similar_cases": [],
        "producer": "analysis",
    }


def rule_steps(twin: Twin, policies: PolicySet) -> list[ActionStep]:
    """The twin actions the O-RAN threshold rule (sleep < 20 % PRB, wake on neighbours > 40 %
    max / 30 % mean) would take now, guards applied."""
    return ThresholdRule.from_policies(policies).steps(twin, policies)


def _tx_trims(twin: Twin, exclude: set[str]) -> list[ActionStep]:
    """TX power -3 dB on lightly loaded awake cells whose awake neighbours cover all their
    users (the shrunk coverage hands users over without losing them)."""
    st, topo = twin.state, twin.compiled
    awake = st.cell_on & ~st.cell_asleep & (st.cell_wake_left <= 0)
    prb = tail(twin, "RRU.PrbUsedDl", 1)
    if prb.shape[0] == 0:
        return []
    load = np.nan_to_num(prb[0], nan=100.0)
    ok = awake & (load < _TX_TRIM_PRB) & (awake_cover(topo, awake) >= 1.0)
    ok &= st.cell_tx_w >= topo.cell_max_tx_w - 1e-6  # not trimmed already
    ids = topo.cell_ids
    picks = [ids[i] for i in np.flatnonzero(ok) if ids[i] not in exclude][:_TX_TRIM_MAX]
    return [_step("tx_power", c, delta_db=_TX_TRIM_DB) for c in picks]


def _valid(twin: Twin, step: ActionStep) -> bool:
    i = twin.compiled.cell_index.get(step["target"])
    if i is None:
        return False
    asleep = bool(twin.state.cell_asleep[i])
    return (step["kind"] == "sleep" and not asleep) or (step["kind"] == "wake" and asleep)


def build_candidates(
    twin: Twin, incident: Incident, analysis: Analysis, policies: PolicySet
) -> list[Candidate]:
    """The incident's candidates, in preference order (ids ``c1``, ``c2``, ...)."""
    ev = incident["evidence"]
    wake = [_step("wake", c) for c in ev["wake"]]
    wake = [s for s in wake if _valid(twin, s)]
    index = twin.compiled.cell_index
    # a cell the rule offloaded before its sleep keeps handing users away once awake: reset it
    wake += [
        _step("offload", s["target"], share=0.0)
        for s in wake
        if twin.state.cell_offload[index[s["target"]]] > 0
    ]
    sleep = [s for s in (_step("sleep", c) for c in ev["sleep"]) if _valid(twin, s)]
    found: list[tuple[list[ActionStep], str, str]] = []
    if sleep:
        found.append((wake + sleep, "optimiser",
                      f"forecast plan: sleep {len(sleep)} covered low-load cell(s), "
                      f"wake {len(wake)}"))  # fmt: skip
        if len(sleep) >= 2:
            half = sleep[: len(sleep) // 2]
            found.append((wake + half, "optimiser",
                          f"cautious plan: the {len(half)} cheapest sleeps only, "
                          f"wake {len(wake)}"))  # fmt: skip
    if wake:
        found.append((wake, "optimiser", f"wake-up on demand: {len(wake)} cell(s)"))
    if ev["trigger"] != "demand":
        trims = _tx_trims(twin, set(ev["sleep"]) | set(ev["wake"]))
        if trims:
            found.append((wake + trims, "optimiser",
                          f"TX power {_TX_TRIM_DB:g} dB on {len(trims)} fully covered "
                          "low-load cell(s)"))  # fmt: skip
        rule = rule_steps(twin, policies)
        if rule:
            found.append((rule, "rules", "O-RAN threshold rule: sleep < 20% PRB, wake when "
                          "neighbours > 40% max / 30% mean"))  # fmt: skip
    for case in analysis.get("similar_cases", [])[:1]:
        steps = [s for s in case.get("actions", []) if s["kind"] in ("sleep", "wake")]
        steps = [s for s in steps if _valid(twin, s)]
        if steps:
            found.append((steps, "memory", f"past case {case.get('case_id')} "
                          f"(similarity {case.get('similarity', 0.0):.2f})"))  # fmt: skip
    return [
        {"id": f"c{k}", "actions": actions, "source": source, "rationale": why}
        for k, (actions, source, why) in enumerate(found, start=1)
    ]
