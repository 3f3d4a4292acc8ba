"""Pre-emptive actions against predicted congestion: sized boosts, offload, tilt, transport, core.

Pure functions of the twin's compiled topology and state plus a demand forecast; they return
:class:`~autonet.agents.messages.ActionStep` lists and never change the twin. Every bound is the
action catalogue's (PRBs and link capacity up to 2x planned, UPF instances up to the guard's 4
per action).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Final

import numpy as np
from numpy.typing import NDArray

from autonet.agents.messages import ActionStep

if TYPE_CHECKING:
    from autonet.twin import Twin

__all__ = [
    "RESOURCE_ACTIONS",
    "boost_steps",
    "live_actions",
    "offload_steps",
    "release_steps",
    "tilt_steps",
    "transport_steps",
]

#: Action kinds that add capacity (released after the situation ends).
RESOURCE_ACTIONS: Final = frozenset({"capacity_boost", "offload", "tilt", "upf_scale_out"})
_UPF_GUARD_MAX: Final = 4  # the upf-scale-out-bounds guard of the default policies
_PRB_GUARD_MAX: Final = 273  # the capacity-boost-bounds guard

F64 = NDArray[np.float64]


def _step(kind: str, target: str, **params: float | int) -> ActionStep:
    return {"kind": kind, "target": target, "params": dict(params)}


def boost_steps(
    twin: Twin,
    cells: Iterable[int],
    peak_demand: F64,
    derate: F64,
    *,
    target_util: float | None,
) -> list[ActionStep]:
    """PRB boosts bringing each cell's predicted peak utilisation to ``target_util``.

    Args:
        twin: The twin (state read only).
        cells: Cell indices.
        peak_demand: Predicted peak offered DL per cell (Mbit/s), all cells.
        derate: Share of nominal capacity reached under load, all cells.
        target_util: Wanted peak utilisation (0..1); None: the most PRBs allowed (2x planned).
    """
    topo, st = twin.compiled, twin.state
    out: list[ActionStep] = []
    for c in sorted(set(int(i) for i in cells)):
        planned = int(topo.cell_prbs[c])
        current = int(st.cell_prbs[c])
        room = min(2 * planned - current, _PRB_GUARD_MAX)
        if room < 1 or not (st.cell_on[c] and not st.cell_asleep[c]):
            continue
        if target_util is None:
            extra = room
        else:
            per_prb = float(topo.cell_capacity_dl_mbps[c]) / planned * float(derate[c])
            need = float(peak_demand[c]) / max(per_prb * target_util, 1e-9)
            extra = min(room, math.ceil(need) - current)
        if extra >= 1:
            out.append(_step("capacity_boost", topo.cell_ids[c], extra_prbs=int(extra)))
    return out


def offload_steps(
    twin: Twin,
    cells: Iterable[int],
    peak_util: F64,
    hot: Sequence[int] | set[int],
    *,
    max_share: float = 0.5,
) -> list[ActionStep]:
    """Offload from cells still over capacity to neighbours outside the hotspot ``hot``.

    Only cells whose neighbour overlap lies mostly outside the hotspot offload, with the share
    of their demand above capacity (at most ``max_share``).
    """
    topo = twin.compiled
    hot_set = set(int(h) for h in hot)
    out: list[ActionStep] = []
    for c in sorted(set(int(i) for i in cells)):
        u = float(peak_util[c])
        if u <= 1.0:
            continue
        nbr, overlap = topo.neighbours_of(c)
        total = float(overlap.sum())
        outside = float(sum(o for j, o in zip(nbr, overlap, strict=True) if int(j) not in hot_set))
        if total <= 0 or outside / total < 0.5:
            continue
        share = min(max_share, (1.0 - 1.0 / u) / min(total, 1.0))
        if share >= 0.05:
            out.append(_step("offload", topo.cell_ids[c], share=round(share, 2)))
    return out


def tilt_steps(twin: Twin, cells: Iterable[int], *, delta_deg: float = 2.0) -> list[ActionStep]:
    """Downtilt by ``delta_deg`` (SINR up, footprint down) where the range allows."""
    topo, st = twin.compiled, twin.state
    return [
        _step("tilt", topo.cell_ids[c], delta_deg=float(delta_deg))
        for c in sorted(set(int(i) for i in cells))
        if float(st.cell_tilt_deg[c]) + delta_deg <= 15.0
    ]


def transport_steps(
    twin: Twin,
    link_peak: F64,
    upf_peak: F64,
    *,
    threshold: float,
    target_util: float,
    reroute: bool = False,
) -> list[ActionStep]:
    """Link capacity boosts (or reroutes) and UPF scale-outs where the predicted peak
    utilisation exceeds ``threshold``, sized to ``target_util``."""
    topo, st = twin.compiled, twin.state
    out: list[ActionStep] = []
    for k in np.flatnonzero(link_peak > threshold).tolist():
        if reroute:
            out.append(_step("reroute", topo.link_ids[k]))
            continue
        cap = float(st.link_capacity_mbps[k])
        room = 2.0 * float(topo.link_capacity_mbps[k]) - cap
        extra = min(room, cap * (float(link_peak[k]) / target_util - 1.0))
        if extra > 1.0:
            out.append(_step("capacity_boost", topo.link_ids[k], extra_mbps=round(extra, 1)))
    for u in np.flatnonzero(upf_peak > threshold).tolist():
        inst = int(st.upf_instances[u])
        room = max(16, 2 * int(topo.upf_instances[u])) - inst
        want = math.ceil(inst * float(upf_peak[u]) / target_util) - inst
        extra = min(room, _UPF_GUARD_MAX, want)
        if extra >= 1:
            out.append(_step("upf_scale_out", topo.upf_ids[u], instances=int(extra)))
    return out


def _undone(twin: Twin) -> set[str]:
    return {r.undoes for r in twin.actions if r.undoes}


def live_actions(twin: Twin, incident_ids: Iterable[str]) -> list[str]:
    """Twin action ids applied for ``incident_ids`` (by idempotency key) and not undone.

    The loop's execution agent keys every action ``"<run>/<incident>/<attempt>/<index>"``.
    """
    wanted = set(incident_ids)
    undone = _undone(twin)
    out = []
    for r in twin.actions:
        key = getattr(r, "key", None)
        if not key or r.kind not in RESOURCE_ACTIONS or r.action_id in undone:
            continue
        parts = str(key).split("/")
        if len(parts) >= 3 and parts[-3] in wanted:
            out.append(r.action_id)
    return out


def release_steps(twin: Twin, action_ids: Sequence[str]) -> list[ActionStep] | None:
    """Undo steps (latest first) for ``action_ids``; None when a later action not in the list
    changed the same settings since (undo would fail: release that one first)."""
    ids = set(action_ids)
    records = [r for r in twin.actions if r.action_id in ids]
    undone = _undone(twin)
    for r in records:
        touched = {(f, k) for f, k, _b, _a in r.changes}
        later = [
            o
            for o in twin.actions
            if o.action_id > r.action_id
            and o.action_id not in ids
            and o.kind != "undo"
            and o.action_id not in undone
            and any((f, k) in touched for f, k, _b, _a in o.changes)
        ]
        if later:
            return None
    return [_step("undo", r.action_id) for r in reversed(records)]
