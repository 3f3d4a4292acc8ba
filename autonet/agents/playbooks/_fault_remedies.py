"""Candidate remedies for a fault: per fault type, from the operational rules, from past cases.

Per fault type (on the hypothesised root):

- ``fibre_cut`` (link): reroute around it; field repair of the fibre.
- ``link_congestion`` (link): reroute around it; add capacity (up to 2x planned).
- ``upf_overload`` (UPF): scale out by 1 or 2 instances.
- ``misconfiguration`` (cell): restore the planned tilt.
- ``interference`` (cell): offload 30 % / 50 % to neighbours; add PRBs; lower the neighbours'
  power (the rules' remedy).
- ``cell_outage`` (cell): remote restart (clears a software fault); compensation: more PRBs on
  the neighbours that take its users; field repair.
- ``site_power_failure`` (site): compensation at the neighbour cells outside the site; field
  repair.

The field-repair candidate has no twin action: it stands for handing the root cause to field
maintenance with compensation as it is (the what-if gives it no gain; the playbook scores it
just above zero only for causes that need a repair crew, so it is chosen when nothing remote helps).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from autonet.agents.messages import ActionStep, Analysis, Candidate, Incident
from autonet.agents.playbooks._fault_impact import kpi_tail
from autonet.agents.situation import operation_step, situation_from_twin
from autonet.knowledge.rules import PolicyMatcher, PolicySet, load_default_policies
from autonet.twin.action_catalogue import ACTIONS

if TYPE_CHECKING:
    from autonet.agents.playbook import LoopContext
    from autonet.knowledge.rules import MatchedOperation
    from autonet.twin import Twin

__all__ = [
    "FIELD_REPAIR",
    "FIELD_REPAIR_ID",
    "fault_policies",
    "hand_to_field",
    "memory_candidates",
    "rule_candidates",
    "type_candidates",
]

#: Causes a crew must repair on site (compensation is the best the loop can do meanwhile).
FIELD_REPAIR: Final[frozenset[str]] = frozenset(
    {"cell_outage", "site_power_failure", "fibre_cut", "interference"}
)
FIELD_REPAIR_ID: Final[str] = "field-repair"
_MAX_COMPENSATED: Final[int] = 6  # neighbour cells boosted at most per candidate
_BUSY_PRB_PCT: Final[float] = 70.0  # a neighbour above this PRB use (or blocking) gets PRBs
_RULES_KEY: Final[str] = "fault.matcher"
_ABSOLUTE: Final[frozenset[str]] = frozenset({"tilt_deg", "tx_w"})  # per-cell settings
_MAX_RULES: Final[int] = 3  # policy runs offered as candidates per incident (each is a what-if)


def _step(kind: str, target: str, **params: Any) -> ActionStep:
    return ActionStep(kind=kind, target=target, params=params)


def _cand(actions: list[ActionStep], rationale: str, source: str = "optimiser") -> Candidate:
    return Candidate(id="", actions=actions, source=source, rationale=rationale)


def _prb_room(twin: Twin, c: int) -> int:
    topo = twin.compiled
    left = 2 * int(topo.cell_prbs[c]) - int(twin.state.cell_prbs[c])
    return min(left, int(topo.cell_prbs[c]), 273)


def _busy_takers(twin: Twin, cells: Sequence[int]) -> list[int]:
    """Available neighbours of ``cells`` (outside them) that run hot or block users, busiest
    first."""
    topo, st = twin.compiled, twin.state
    tail = kpi_tail(twin, 1, ("RRU.PrbUsedDl", "KQI.BlockedUsers", "KQI.Available"))
    if tail["KQI.Available"].shape[0] == 0:
        return []
    prb, blocked = tail["RRU.PrbUsedDl"][-1], tail["KQI.BlockedUsers"][-1]
    avail = tail["KQI.Available"][-1] > 0
    inside = set(cells)
    found: dict[int, float] = {}
    for c in cells:
        for j in topo.neighbours_of(c)[0].tolist():
            if j in inside or not avail[j] or not st.cell_on[j]:
                continue
            if prb[j] >= _BUSY_PRB_PCT or blocked[j] > 0:
                found[j] = float(prb[j]) + float(blocked[j])
    ranked = sorted(found, key=lambda j: (-found[j], j))
    return [j for j in ranked if _prb_room(twin, j) > 0][:_MAX_COMPENSATED]


def _compensation(twin: Twin, cells: Sequence[int], what: str) -> list[Candidate]:
    takers = _busy_takers(twin, cells)
    if not takers:
        return []
    ids = twin.compiled.cell_ids
    steps = [_step("capacity_boost", ids[j], extra_prbs=_prb_room(twin, j)) for j in takers]
    return [_cand(steps, f"compensation for {what}: more PRBs on {len(steps)} busy neighbour(s)")]


def _field_repair(node: str, fault_type: str) -> Candidate:
    cand = _cand([], f"hand the {fault_type} on {node} to field repair (compensation as is)")
    cand["id"] = FIELD_REPAIR_ID
    return cand


def hand_to_field(
    ctx: LoopContext, incident: Incident, analysis: Analysis, chosen: Candidate | None
) -> str | None:
    """Raise a work order for the field crew when the root needs one and the loop has a
    memory; once per incident. Returns the order's id, or None.

    A root needs a crew when its type is one field repair fixes (a cut fibre, a dark site, a
    dead cell, an interference source) and the chosen remedy does not fix it remotely (a
    restart of that cell): a hand-over, and also a compensation (a reroute around a cut fibre,
    neighbours boosted around a dead cell) that leaves the broken element broken. The order is
    for the first hypothesised root (of the top two) that needs a crew.
    """
    if ctx.memory is None or chosen is None:
        return None
    from autonet.knowledge.memory.work_orders import WorkOrderStore

    root = next((h for h in analysis["hypotheses"][:2] if h["fault_type"] in FIELD_REPAIR), None)
    fixed_remotely = root is not None and any(
        a["kind"] == "restart" and a["target"] == root["node"] for a in chosen.get("actions", [])
    )
    if fixed_remotely and chosen.get("id") != FIELD_REPAIR_ID:
        return None
    topo = ctx.twin.compiled
    kinds = (("cell", topo.cell_index), ("site", topo.site_index), ("link", topo.link_index))
    kind = next((k for k, index in kinds if root is not None and root["node"] in index), None)
    if root is None or kind is None:
        return None
    store = WorkOrderStore(ctx.memory.engine)
    source = f"incident:{incident['id']}"
    known = store.list(source=source, limit=1) or store.active_for(root["node"])
    if known:
        return known[0].work_order_id
    now = ctx.twin.now if ctx.twin.now.tzinfo else ctx.twin.now.replace(tzinfo=UTC)
    urgent = root["fault_type"] in ("site_power_failure", "fibre_cut")  # many users behind it
    order = store.create(
        root["node"], kind, priority="P1" if urgent else "P2", by=ctx.actor, opened_at=now,
        reason=f"{root['fault_type']} on {root['node']} needs field repair (incident "
               f"{incident['id']}; compensation in place)", source=source,
    )  # fmt: skip
    return order.work_order_id


def type_candidates(twin: Twin, node: str, fault_type: str) -> list[Candidate]:
    """The per-fault-type remedies for a fault of ``fault_type`` on ``node``."""
    topo, st = twin.compiled, twin.state
    out: list[Candidate] = []
    if fault_type in ("fibre_cut", "link_congestion") and node in topo.link_index:
        out.append(_cand([_step("reroute", node)], f"move the paths using {node} around it"))
        if fault_type == "link_congestion":
            i = topo.link_index[node]
            room = 2.0 * float(topo.link_capacity_mbps[i]) - float(st.link_capacity_mbps[i])
            extra = min(room, float(topo.link_capacity_mbps[i]))
            if extra > 0:
                out.append(
                    _cand(
                        [_step("capacity_boost", node, extra_mbps=round(extra, 3))],
                        f"add {extra:g} Mbit/s to {node}",
                    )
                )
    elif fault_type == "upf_overload" and node in topo.upf_index:
        for n in (1, 2):
            out.append(_cand([_step("upf_scale_out", node, instances=n)], f"add {n} instance(s)"))
    elif fault_type in ("misconfiguration", "interference", "cell_outage") and (
        node in topo.cell_index
    ):
        c = topo.cell_index[node]
        if fault_type == "misconfiguration":
            planned = round(float(topo.cell_tilt_deg[c]), 3)
            if not np.isclose(float(st.cell_tilt_deg[c]), planned):
                out.append(
                    _cand(
                        [_step("tilt", node, tilt_deg=planned)], f"restore planned tilt {planned}"
                    )
                )
        elif fault_type == "interference":
            for share in (0.3, 0.5):
                out.append(
                    _cand([_step("offload", node, share=share)], f"offload {share:.0%} of {node}")
                )
            if _prb_room(twin, c) > 0:
                out.append(
                    _cand(
                        [_step("capacity_boost", node, extra_prbs=_prb_room(twin, c))],
                        f"second carrier on {node}",
                    )
                )
        else:
            out.append(_cand([_step("restart", node)], f"remote restart of {node}"))
            out += _compensation(twin, [c], f"the outage of {node}")
    elif fault_type == "site_power_failure" and node in topo.site_index:
        cells = topo.cells_of_site(topo.site_index[node]).tolist()
        out += _compensation(twin, cells, f"the power failure at {node}")
    if fault_type in FIELD_REPAIR:
        out.append(_field_repair(node, fault_type))
    return out


def fault_policies() -> PolicySet:
    """The default policies of the fault-healing scenario (and every guard)."""
    full = load_default_policies()
    return PolicySet(
        operational=[p for p in full.operational if p.scenario == "fault_healing"],
        guards=list(full.guards),
    )


def _success_path(ops: list[MatchedOperation]) -> list[MatchedOperation]:
    """The operations a policy runs when every step succeeds, in order."""
    by_id: dict[str, list[MatchedOperation]] = {}
    for m in ops:
        by_id.setdefault(m.operation.id, []).append(m)
    first = min(ops, key=lambda m: m.step)
    out, op_id, seen = [], first.operation.id, set()
    while op_id in by_id and op_id not in seen:
        seen.add(op_id)
        out += by_id[op_id]
        op_id = str(by_id[op_id][0].operation.success)
    return out


def rule_candidates(
    ctx: LoopContext, objects: Iterable[str], root: str = "", limit: int = _MAX_RULES
) -> list[Candidate]:
    """What the operational fault policies would do about alarms on ``objects``: at most
    ``limit`` policy runs, those triggered on ``root`` (or its cells) first."""
    matcher = ctx.models.get(_RULES_KEY)
    if not isinstance(matcher, PolicyMatcher):
        matcher = ctx.models[_RULES_KEY] = PolicyMatcher(fault_policies())
    wanted = set(objects)
    # the fault policies trigger on alarms only: no KPI frame to build
    situation = situation_from_twin(ctx.twin, kpi_steps=1, counters=())
    per_policy: dict[tuple[str, str], list[MatchedOperation]] = {}
    for m in matcher.match(situation):
        if m.trigger_object in wanted:
            per_policy.setdefault((m.policy_id, m.trigger_object), []).append(m)
    near = {root, *(c for c in ctx.twin.compiled.cell_ids if c.startswith(f"{root}-"))}
    ranked = sorted(per_policy.items(), key=lambda kv: (kv[0][1] not in near, kv[0]))
    out = []
    for (policy_id, obj), ops in ranked[:limit]:
        steps = [s for s in (operation_step(m) for m in _success_path(ops)) if s is not None]
        if steps:
            out.append(_cand(steps, f"policy {policy_id} triggered on {obj}", source="rules"))
    return out


def memory_candidates(
    similar: Sequence[dict[str, Any]], node: str, fault_type: str
) -> list[Candidate]:
    """What worked on similar verified cases of the same fault type, re-targeted to ``node``
    (actions on the past root move to this root; actions elsewhere, and absolute per-cell
    settings such as a tilt angle, are not transferable)."""
    out = []
    for case in similar:
        if case.get("fault_type") != fault_type or not case.get("actions"):
            continue
        past_root = case.get("root_cause_node")
        steps = [
            _step(a["kind"], node, **dict(a.get("params") or {}))
            for a in case["actions"]
            if a.get("target") == past_root
            and a.get("kind") in ACTIONS
            and not _ABSOLUTE & set(a.get("params") or {})
        ]
        if steps:
            out.append(
                _cand(
                    steps,
                    f"worked on case {case.get('case_id')} (similarity "
                    f"{float(case.get('similarity', 0.0)):.2f})",
                    source="memory",
                )
            )
    return out
