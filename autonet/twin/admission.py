"""Slice admission: can the twin carry a slice's guarantee (PRBs, transport, latency, UPF)?

See :mod:`autonet.twin.slices` for the checks; this module evaluates them on a compiled topology,
a twin state and a best-effort demand forecast, and picks the edge UPF of a low-latency URLLC
slice. It never changes the state: admission itself is the ``slice_admit`` action.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from autonet.twin.admission_inputs import link_graph, link_routes, routes_to, sizing_capacity_dl
from autonet.twin.slices import (
    EDGE_UPF_BOUND_MS,
    RAN_LATENCY_MS,
    SliceError,
    SliceSpec,
    SliceState,
    slice_reservations,
)
from autonet.twin.state import UPF_TIERS, CompiledTopology, TwinState

__all__ = [
    "Feasibility",
    "assess_slice",
    "best_effort_loads",
    "link_graph",
    "resolve_cells",
    "routes_to",
    "sizing_capacity_dl",
]

#: Reasons listed per kind (PRB, transport, ...) before the rest are counted.
MAX_REASONS = 5
_TOL = 1e-6  # slack for float32 inputs: PRB share, ms, and Mbit/s relative to capacity


def _frozen(a: ArrayLike, dtype: type) -> NDArray[Any]:
    out: NDArray[Any] = np.array(a, dtype=dtype)
    out.setflags(write=False)
    return out


@dataclass(frozen=True)
class Feasibility:
    """Outcome of an admission check.

    Attributes:
        ok: True when every check passes.
        reasons: Why not, one line each, prefixed ``"PRB:"``, ``"transport:"``, ``"latency:"``,
            ``"UPF:"`` or ``"coverage:"``.
        prb_share: Cell id -> share of its usable PRBs the guarantee needs.
        path_latency_ms: Site id -> transport latency to the anchoring UPF (inf: unreachable).
        upf: The edge UPF chosen for a low-latency URLLC slice, else None.
        slice_state: What admission stores in ``TwinState.slices`` (None when not ok).
    """

    ok: bool
    reasons: tuple[str, ...]
    prb_share: dict[str, float] = field(default_factory=dict)
    path_latency_ms: dict[str, float] = field(default_factory=dict)
    upf: str | None = None
    slice_state: SliceState | None = None


def resolve_cells(topo: CompiledTopology, spec: SliceSpec) -> NDArray[np.int32]:
    """Cell indices a spec covers (sorted).

    Raises:
        SliceError: An unknown cell id, or a region no site belongs to.
    """
    if spec.cells:
        unknown = [c for c in spec.cells if c not in topo.cell_index]
        if unknown:
            raise SliceError(f"slice {spec.name!r}: unknown cell ids {unknown!r}")
        return np.sort(np.fromiter((topo.cell_index[c] for c in spec.cells), np.int32))
    G = topo.graph
    regions = sorted({str(G.nodes[s]["region"]) for s in topo.site_ids})
    in_region = np.fromiter((G.nodes[s]["region"] == spec.region for s in topo.site_ids), bool)
    if not in_region.any():
        raise SliceError(
            f"slice {spec.name!r}: no site in region {spec.region!r} (regions: {regions})"
        )
    return np.flatnonzero(in_region[topo.cell_site]).astype(np.int32)


@dataclass
class _Candidate:
    site_upf: NDArray[np.int32]
    paths: list[list[int] | None]
    upf: str | None

    def latency(self, topo: CompiledTopology) -> NDArray[np.float64]:
        lat = topo.link_latency_ms.astype(np.float64)
        return np.array([math.inf if p is None else float(lat[p].sum()) for p in self.paths])


def _candidates(
    topo: CompiledTopology, state: TwinState, spec: SliceSpec, sites: NDArray[np.int32]
) -> list[_Candidate]:
    if spec.slice_type == "URLLC" and spec.max_latency_ms <= EDGE_UPF_BOUND_MS:
        routers = topo.site_router[sites].tolist()
        out = []
        for u in np.flatnonzero(topo.upf_tier == UPF_TIERS["edge"]).tolist():
            paths = link_routes(topo, state.link_up, int(topo.upf_dc[u]), routers)
            out.append(_Candidate(np.full(len(sites), u, np.int32), paths, topo.upf_ids[u]))
        return out
    paths = [
        state.path_idx[state.path_ptr[s] : state.path_ptr[s + 1]].tolist() for s in sites.tolist()
    ]
    return [_Candidate(state.site_upf[sites].astype(np.int32), list(paths), None)]


def _check_candidate(
    topo: CompiledTopology,
    state: TwinState,
    spec: SliceSpec,
    cand: _Candidate,
    sites: NDArray[np.int32],
    site_mbps: NDArray[np.float64],
    be: tuple[NDArray[np.float64], NDArray[np.float64]],
    other: tuple[NDArray[np.float64], NDArray[np.float64]],
) -> list[str]:
    reasons: list[str] = []
    ran = RAN_LATENCY_MS[spec.slice_type]
    lat = cand.latency(topo)
    for k, s in enumerate(sites.tolist()):
        sid, path = topo.site_ids[s], cand.paths[k]
        if path is None:
            reasons.append(f"latency: site {sid!r} has no working transport path to {cand.upf}")
            continue
        down = [topo.link_ids[i] for i in path if not state.link_up[i]]
        if down:
            reasons.append(f"transport: site {sid!r} backhaul path crosses link(s) {down} (down)")
        elif ran + lat[k] > spec.max_latency_ms + _TOL:
            upf = topo.upf_ids[int(cand.site_upf[k])]
            reasons.append(
                f"latency: site {sid!r} reaches UPF {upf!r} in {lat[k]:.3f} ms; with the "
                f"{ran:g} ms {spec.slice_type} radio budget that is {ran + lat[k]:.3f} ms > "
                f"max_latency_ms {spec.max_latency_ms:g}"
            )
    if reasons:
        return reasons
    ptr = np.zeros(len(sites) + 1, np.int64)
    np.cumsum([len(p or ()) for p in cand.paths], out=ptr[1:])
    idx = np.fromiter((h for p in cand.paths for h in (p or ())), np.int32, int(ptr[-1]))
    need = np.bincount(idx, weights=np.repeat(site_mbps, np.diff(ptr)), minlength=topo.n_links)
    cap = state.link_capacity_mbps.astype(np.float64)
    bg = state.link_background_mbps.astype(np.float64)
    free = cap - bg - be[0] - other[0]
    for i in np.flatnonzero(need > free + _TOL * np.maximum(cap, 1.0)).tolist():
        reasons.append(
            f"transport: link {topo.link_ids[i]!r} needs {need[i]:.1f} Mbit/s for the slice but "
            f"only {max(free[i], 0.0):.1f} is free (capacity {cap[i]:.1f}, background "
            f"{bg[i]:.1f}, best-effort load {be[0][i]:.1f}, reserved by other slices "
            f"{other[0][i]:.1f})"
        )
    upf_need = np.bincount(cand.site_upf, weights=site_mbps, minlength=topo.n_upfs)
    ucap = state.upf_capacity_mbps.astype(np.float64) * state.upf_instances
    ufree = ucap - state.upf_background_mbps - be[1] - other[1]
    for u in np.flatnonzero(upf_need > ufree + _TOL * np.maximum(ucap, 1.0)).tolist():
        reasons.append(
            f"UPF: {topo.upf_ids[u]!r} needs {upf_need[u]:.1f} Mbit/s for the slice but only "
            f"{max(ufree[u], 0.0):.1f} is free (capacity {ucap[u]:.1f}, background "
            f"{float(state.upf_background_mbps[u]):.1f}, best-effort load {be[1][u]:.1f}, "
            f"reserved by other slices {other[1][u]:.1f})"
        )
    return reasons


def _array(spec: SliceSpec, name: str, value: ArrayLike, n: int) -> NDArray[np.float64]:
    out = np.asarray(value, dtype=np.float64)
    if out.shape != (n,) or not np.all(np.isfinite(out)) or (n and out.min() < 0):
        raise SliceError(
            f"slice {spec.name!r}: {name} must hold {n} finite values >= 0, got shape {out.shape}"
        )
    return out


def best_effort_loads(
    topo: CompiledTopology, state: TwinState, cell_demand_dl_mbps: NDArray[np.floating[Any]]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """DL demand carried per link and per UPF when every site's demand follows its path."""
    site = np.bincount(topo.cell_site, weights=cell_demand_dl_mbps, minlength=topo.n_sites)
    hops = np.repeat(site, np.diff(state.path_ptr))
    link = np.bincount(state.path_idx, weights=hops, minlength=topo.n_links)
    upf = np.bincount(state.site_upf, weights=site, minlength=topo.n_upfs)
    return link.astype(np.float64), upf.astype(np.float64)


def assess_slice(
    topo: CompiledTopology,
    state: TwinState,
    spec: SliceSpec,
    *,
    cell_demand_dl_mbps: ArrayLike,
    at: datetime,
    cell_capacity_dl_mbps: ArrayLike | None = None,
    link_load_mbps: ArrayLike | None = None,
    upf_load_mbps: ArrayLike | None = None,
    exclude: str | None = None,
) -> Feasibility:
    """Check whether ``spec`` can be admitted now (see the module docstring for the checks).

    Args:
        topo: The compiled topology.
        state: The current twin state (not modified).
        spec: The slice asked for.
        cell_demand_dl_mbps: Best-effort DL demand forecast per cell (e.g. its peak over the
            slice's window), ``float[n_cells]``.
        at: Twin time, stored as ``admitted_at``.
        cell_capacity_dl_mbps: DL capacity per cell to size PRB shares on (e.g.
            ``sizing_capacity_dl``); default the nominal capacity scaled by usable PRBs.
        link_load_mbps: Best-effort load forecast per link (e.g. the peak over time of
            ``best_effort_loads``); default ``best_effort_loads(cell_demand_dl_mbps)``.
        upf_load_mbps: The same per UPF.
        exclude: A slice whose reservations to ignore (the slice being modified).

    Raises:
        SliceError: The spec names unknown cells or an empty region, or an array does not
            have one finite value >= 0 per cell (link, UPF).
    """
    cells = resolve_cells(topo, spec)
    demand = _array(spec, "cell_demand_dl_mbps", cell_demand_dl_mbps, topo.n_cells)
    be_link, be_upf = best_effort_loads(topo, state, demand)
    if link_load_mbps is not None:
        be_link = _array(spec, "link_load_mbps", link_load_mbps, topo.n_links)
    if upf_load_mbps is not None:
        be_upf = _array(spec, "upf_load_mbps", upf_load_mbps, topo.n_upfs)
    other_cell, other_link, other_upf = slice_reservations(topo, state, exclude=exclude)
    g = spec.guaranteed_dl_mbps
    reasons: list[str] = []
    if cell_capacity_dl_mbps is None:
        full = topo.cell_capacity_dl_mbps * (state.cell_prbs / topo.cell_prbs)
    else:
        full = _array(spec, "cell_capacity_dl_mbps", cell_capacity_dl_mbps, topo.n_cells)
    cap = full[cells].astype(np.float64)
    serving = (
        state.cell_on[cells] & ~state.cell_asleep[cells] & state.site_powered[topo.cell_site[cells]]
    )
    share = np.where(cap > 0, g / np.maximum(cap, 1e-12), math.inf)
    load = demand[cells] / np.maximum(cap, 1e-12)
    for k, c in enumerate(cells.tolist()):
        cid = topo.cell_ids[c]
        if not serving[k]:
            status = "asleep" if state.cell_asleep[c] else "out of service"
            reasons.append(f"coverage: cell {cid!r} is {status}")
            continue
        free = 1.0 - load[k] - other_cell[c]
        if share[k] > free + _TOL:
            reasons.append(
                f"PRB: cell {cid!r} needs {share[k]:.3f} of its PRBs ({g:g} of {cap[k]:.1f} "
                f"Mbit/s) but only {max(free, 0.0):.3f} is free (best-effort load "
                f"{load[k]:.3f}, reserved by other slices {other_cell[c]:.3f})"
            )
    sites, per_site = np.unique(topo.cell_site[cells], return_counts=True)
    sites = sites.astype(np.int32)
    site_mbps = g * per_site.astype(np.float64)
    be = (be_link, be_upf)
    cands = _candidates(topo, state, spec, sites)
    if not cands:
        reasons.append(
            f"latency: a URLLC slice with max_latency_ms <= {EDGE_UPF_BOUND_MS:g} needs an "
            "edge UPF and the topology has none"
        )
        return Feasibility(False, _summarise(reasons), dict(_zip_ids(topo.cell_ids, cells, share)))
    cands.sort(key=lambda c: float(c.latency(topo).max(initial=0.0)))
    checked = [
        (c, _check_candidate(topo, state, spec, c, sites, site_mbps, be, (other_link, other_upf)))
        for c in cands
    ]
    best = next((c for c, r in checked if not r), checked[0][0])
    if best is checked[0][0] and checked[0][1]:  # nothing passes: say why for every candidate
        for cand, why in checked:
            suffix = "" if cand.upf is None else f" [edge UPF {cand.upf!r}]"
            reasons += [r + suffix for r in why]
    lat = best.latency(topo)
    prb = dict(_zip_ids(topo.cell_ids, cells, share))
    path_lat = dict(_zip_ids(topo.site_ids, sites, lat))
    if reasons:
        return Feasibility(False, _summarise(reasons), prb, path_lat, best.upf)
    ptr = np.zeros(len(sites) + 1, np.int64)
    np.cumsum([len(p or ()) for p in best.paths], out=ptr[1:])
    sstate = SliceState(
        spec=spec,
        cells=_frozen(cells, np.int32),
        prb_share=_frozen(share, np.float64),
        sites=_frozen(sites, np.int32),
        site_mbps=_frozen(site_mbps, np.float64),
        site_upf=_frozen(best.site_upf, np.int32),
        path_ptr=_frozen(ptr, np.int64),
        path_idx=_frozen([h for p in best.paths for h in (p or ())], np.int32),
        path_latency_ms=_frozen(lat, np.float64),
        upf=best.upf,
        admitted_at=at,
    )
    return Feasibility(True, (), prb, path_lat, best.upf, sstate)


def _summarise(reasons: list[str], limit: int = MAX_REASONS) -> tuple[str, ...]:
    """At most ``limit`` reasons per kind (the text before ':'), then a count of the rest."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for r in reasons:
        kind = r.split(":", 1)[0]
        seen[kind] = seen.get(kind, 0) + 1
        if seen[kind] <= limit:
            out.append(r)
    out += [f"{k}: ... and {n - limit} more" for k, n in seen.items() if n > limit]
    return tuple(out)


def _zip_ids(
    ids: Sequence[str], idx: NDArray[np.integer], values: ArrayLike
) -> list[tuple[str, float]]:
    """``(id, value)`` pairs for indices ``idx`` into ``ids``."""
    vals = np.asarray(values, dtype=np.float64).tolist()
    return [(ids[i], float(v)) for i, v in zip(idx.tolist(), vals, strict=True)]
