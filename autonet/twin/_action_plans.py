"""Planners of the action catalogue: check one action against the state, return its changes.

A planner never writes: it reads ``twin.state`` and returns ``(field, key, before, after)``
tuples (see :data:`autonet.twin.actions.Change`), or raises :class:`PlanError` saying why the
action cannot be done now. The one exception is ``restart``: it changes no state array but,
once it has checked that the restart works, schedules the outage's clear through the fault
module (the cell comes back at the next step, its alarms clear, the fault record closes).
``autonet.twin.actions`` validates targets and parameters before and writes the changes after.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final

import numpy as np
from numpy.typing import NDArray

from autonet.errors import BadInputError
from autonet.twin.admission import (
    Feasibility,
    assess_slice,
    best_effort_loads,
    sizing_capacity_dl,
)
from autonet.twin.admission_inputs import link_routes
from autonet.twin.faults import active_fault_on, outage_cause, schedule_clear
from autonet.twin.slices import SliceError, SliceSpec, SliceState

if TYPE_CHECKING:
    from autonet.twin.engine import Twin

__all__ = [
    "CELL_PRB_BOOST_MAX",
    "LINK_BOOST_MAX",
    "MAX_UPF_INSTANCES",
    "PLANNERS",
    "PlanError",
    "demand_forecast",
    "modified_spec",
    "slice_spec",
    "twin_feasibility",
]

CELL_PRB_BOOST_MAX: Final[float] = 2.0  # usable PRBs up to 2x planned (a second carrier)
LINK_BOOST_MAX: Final[float] = 2.0  # link capacity up to 2x planned (more wavelengths / LAG)
MAX_UPF_INSTANCES: Final[int] = 16  # scale-out bound: max(16, 2x planned instances)
_FORECAST_DAYS: Final[int] = 7

Changes = list[tuple[str, Any, Any, Any]]
Planner = Callable[["Twin", str, Any, dict[str, Any]], Changes]


class PlanError(BadInputError):
    """The action is valid in form but cannot be done in the current state."""

    def __init__(self, message: str, reasons: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.reasons = reasons


def _set(field: str, key: int, before: Any, after: Any, what: str) -> Changes:
    if before == after:
        raise PlanError(f"{what} is already {before:g} (nothing to change)")
    return [(field, key, before, after)]


def _offload(twin: Twin, _t: str, c: int, p: dict[str, Any]) -> Changes:
    topo = twin.compiled
    if p["share"] > 0 and topo.nbr_ptr[c + 1] == topo.nbr_ptr[c]:
        raise PlanError("the cell has no neighbour relations to offload to")
    cur = twin.state.cell_offload[c]
    return _set("cell_offload", c, cur, np.float32(p["share"]), "the offload share")


def _tilt(twin: Twin, _t: str, c: int, p: dict[str, Any]) -> Changes:
    cur = twin.state.cell_tilt_deg[c]
    new = p["tilt_deg"] if "tilt_deg" in p else float(cur) + p["delta_deg"]
    if not 0.0 <= new <= 15.0:
        raise PlanError(
            f"tilt {float(cur):g} + delta_deg {p['delta_deg']:g} = {new:g} degrees is outside "
            "[0, 15]"
        )
    return _set("cell_tilt_deg", c, cur, np.float32(new), "the tilt (degrees)")


def _tx_power(twin: Twin, _t: str, c: int, p: dict[str, Any]) -> Changes:
    cur = twin.state.cell_tx_w[c]
    hi = float(twin.compiled.cell_max_tx_w[c])
    new = p["tx_w"] if "tx_w" in p else float(cur) * 10.0 ** (p["delta_db"] / 10.0)
    if not 1.0 - 1e-9 <= new <= hi + 1e-9:
        raise PlanError(
            f"TX power {float(cur):g} W {p['delta_db']:+g} dB = {new:.3f} W is outside "
            f"[1, {hi:g}] W (the cell's maximum)"
        )
    return _set("cell_tx_w", c, cur, np.float32(min(new, hi)), "the TX power (W)")


def _slices_on_cell(twin: Twin, c: int) -> list[str]:
    return sorted(n for n, sl in twin.state.slices.items() if c in sl.cells)


def _sleep(twin: Twin, _t: str, c: int, _p: dict[str, Any]) -> Changes:
    st = twin.state
    if st.cell_asleep[c]:
        raise PlanError("the cell is already asleep")
    on = _slices_on_cell(twin, c)
    if on:
        raise PlanError(f"the cell carries slice(s) {on}; release or modify them first")
    return [("cell_asleep", c, st.cell_asleep[c], np.True_)]


def _wake(twin: Twin, _t: str, c: int, _p: dict[str, Any]) -> Changes:
    st = twin.state
    if not st.cell_asleep[c]:
        raise PlanError("the cell is not asleep")
    return [("cell_asleep", c, st.cell_asleep[c], np.False_)]


def _restart(twin: Twin, _t: str, c: int, _p: dict[str, Any]) -> Changes:
    """Remote restart of a cell in outage: a software fault clears, a hardware one does not."""
    topo, st = twin.compiled, twin.state
    site = int(topo.cell_site[c])
    fid = active_fault_on(twin, "cell_outage", c)
    if fid is None:
        if not st.site_powered[site]:
            raise PlanError(
                f"site {topo.site_ids[site]!r} has no power: a restart cannot help (field repair)"
            )
        if st.cell_asleep[c]:
            raise PlanError("the cell is asleep (energy saving); wake it instead")
        raise PlanError("the cell is not in outage; nothing to restart")
    if outage_cause(twin, fid) != "software":
        raise PlanError(
            "the cell did not come back after the restart (hardware fault): field repair needed"
        )
    schedule_clear(twin, fid)
    return []


def _segment(ptr: NDArray[np.int64], idx: NDArray[np.int32], k: int) -> tuple[int, ...]:
    return tuple(int(x) for x in idx[ptr[k] : ptr[k + 1]])


def _reroute(twin: Twin, _t: str, link: int, _p: dict[str, Any]) -> Changes:
    topo, st = twin.compiled, twin.state
    sites = topo.sites_using_link(link, st.path_ptr, st.path_idx).tolist()
    on_slices = {n: sl for n, sl in st.slices.items() if link in sl.path_idx}
    if not sites and not on_slices:
        raise PlanError("no site backhaul path or slice path uses this link; nothing to reroute")
    # every (router, data centre) pair to route, then one Dijkstra per data centre
    wanted: dict[int, set[int]] = {}
    for s in sites:
        wanted.setdefault(int(topo.upf_dc[st.site_upf[s]]), set()).add(int(topo.site_router[s]))
    for sl in on_slices.values():
        for k, s in enumerate(sl.sites.tolist()):
            if link in _segment(sl.path_ptr, sl.path_idx, k):
                dc = int(topo.upf_dc[sl.site_upf[k]])
                wanted.setdefault(dc, set()).add(int(topo.site_router[s]))
    found: dict[tuple[int, int], tuple[int, ...]] = {}
    for dc, routers in sorted(wanted.items()):
        order = sorted(routers)
        routes = link_routes(topo, st.link_up, dc, order, avoid=(link,))
        for router, path in zip(order, routes, strict=True):
            if path is None:
                raise PlanError(
                    f"no path from router {topo.tnode_ids[router]!r} to data centre "
                    f"{topo.tnode_ids[dc]!r} avoids this link over links that are up"
                )
            found[(router, dc)] = tuple(path)

    def route(router: int, upf: int) -> tuple[int, ...]:
        return found[(router, int(topo.upf_dc[upf]))]

    changes: Changes = []
    for s in sites:
        new = route(int(topo.site_router[s]), int(st.site_upf[s]))
        changes.append(("site_path", s, _segment(st.path_ptr, st.path_idx, s), new))
    lat = topo.link_latency_ms.astype(np.float64)
    for name, sl in sorted(on_slices.items()):
        paths = [
            route(int(topo.site_router[s]), int(sl.site_upf[k]))
            if link in _segment(sl.path_ptr, sl.path_idx, k)
            else _segment(sl.path_ptr, sl.path_idx, k)
            for k, s in enumerate(sl.sites.tolist())
        ]
        ptr = np.zeros(len(paths) + 1, np.int64)
        np.cumsum([len(p) for p in paths], out=ptr[1:])
        new_state = dataclasses.replace(
            sl,
            path_ptr=_ro(ptr),
            path_idx=_ro(np.fromiter((h for p in paths for h in p), np.int32, int(ptr[-1]))),
            path_latency_ms=_ro(np.array([lat[list(p)].sum() for p in paths], np.float64)),
        )
        changes.append(("slices", name, sl, new_state))
    return changes


def _ro(a: NDArray[Any]) -> NDArray[Any]:
    a.setflags(write=False)
    return a


def _boost(twin: Twin, tkind: str, i: int, p: dict[str, Any]) -> Changes:
    st = twin.state
    if tkind == "cell":
        cur = st.cell_prbs[i]
        return [("cell_prbs", i, cur, np.int32(int(cur) + p["extra_prbs"]))]
    cur_mbps = st.link_capacity_mbps[i]
    return [("link_capacity_mbps", i, cur_mbps, np.float32(float(cur_mbps) + p["extra_mbps"]))]


def _scale_out(twin: Twin, _t: str, u: int, p: dict[str, Any]) -> Changes:
    cur = twin.state.upf_instances[u]
    return [("upf_instances", u, cur, np.int32(int(cur) + p["instances"]))]


def demand_forecast(
    twin: Twin, spec: SliceSpec
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Peak expected best-effort DL load over the slice's hours in the next 7 days.

    Samples the twin's traffic model hourly from ``twin.now`` without its random noise (the
    forecast is the expected demand: daily/weekly profile, per-cell scale and scheduled
    events), keeping only times inside the slice's window. Peaks are taken per cell, and per
    link and UPF over the load they carry at the same time (not the sum of per-cell peaks).

    Returns:
        ``(cell_dl_mbps[n_cells], link_mbps[n_links], upf_mbps[n_upfs])``.
    """
    topo, st = twin.compiled, twin.state
    model = twin.traffic.copy()
    model.noise_sigma = 0.0
    cell = np.zeros(topo.n_cells)
    link = np.zeros(topo.n_links)
    upf = np.zeros(topo.n_upfs)
    step_s = twin.step_delta.total_seconds()
    for h in range(24 * _FORECAST_DAYS):
        when = twin.now + timedelta(hours=h)
        if spec.active_at(when):
            dl = model.sample(twin.step_index + round(h * 3600.0 / step_s), when).dl_mbps
            on_links, on_upfs = best_effort_loads(topo, st, dl)
            np.maximum(cell, dl, out=cell)
            np.maximum(link, on_links, out=link)
            np.maximum(upf, on_upfs, out=upf)
    return cell, link, upf


def twin_feasibility(twin: Twin, spec: SliceSpec, exclude: str | None = None) -> Feasibility:
    """Admission check of ``spec`` on ``twin`` now: forecast, sizing capacity, all checks.

    Raises:
        PlanError: The spec names unknown cells or an empty region.
    """
    topo, st = twin.compiled, twin.state
    cell, link, upf = demand_forecast(twin, spec)
    try:
        return assess_slice(
            topo,
            st,
            spec,
            cell_demand_dl_mbps=cell,
            link_load_mbps=link,
            upf_load_mbps=upf,
            at=twin.now,
            cell_capacity_dl_mbps=sizing_capacity_dl(topo, st, twin.radio),
            exclude=exclude,
        )
    except SliceError as err:
        raise PlanError(str(err)) from None


def _admit(twin: Twin, spec: SliceSpec, exclude: str | None) -> SliceState:
    feas = twin_feasibility(twin, spec, exclude)
    if not feas.ok or feas.slice_state is None:
        raise PlanError("rejected: " + "; ".join(feas.reasons), feas.reasons)
    return feas.slice_state


def slice_spec(name: str, fields: dict[str, Any]) -> SliceSpec:
    """A ``SliceSpec`` from action parameters (``PlanError`` naming the bad field)."""
    try:
        return SliceSpec(name=name, **fields)
    except SliceError as err:
        raise PlanError(str(err)) from None


def modified_spec(old: SliceSpec, changes: dict[str, Any]) -> SliceSpec:
    """``old`` with ``changes`` applied; giving ``cells`` drops ``region`` and vice versa."""
    fields = old.as_params()
    fields.update(changes)
    if "cells" in changes and "region" not in changes:
        fields["region"] = None
    if "region" in changes and "cells" not in changes:
        fields["cells"] = ()
    return slice_spec(old.name, fields)


def _slice_admit(twin: Twin, _t: str, name: str, p: dict[str, Any]) -> Changes:
    return [("slices", name, None, _admit(twin, slice_spec(name, p), None))]


def _slice_modify(twin: Twin, _t: str, name: str, p: dict[str, Any]) -> Changes:
    old: SliceState = twin.state.slices[name]
    spec = modified_spec(old.spec, p)
    if spec == old.spec:
        raise PlanError("the parameters equal the slice's current spec (nothing to change)")
    return [("slices", name, old, _admit(twin, spec, name))]


def _slice_release(twin: Twin, _t: str, name: str, _p: dict[str, Any]) -> Changes:
    return [("slices", name, twin.state.slices[name], None)]


#: Action kind -> planner (keys equal those of ``autonet.twin.actions.ACTIONS``).
PLANNERS: Final[dict[str, Planner]] = {
    "offload": _offload,
    "tilt": _tilt,
    "tx_power": _tx_power,
    "sleep": _sleep,
    "wake": _wake,
    "reroute": _reroute,
    "capacity_boost": _boost,
    "slice_admit": _slice_admit,
    "slice_modify": _slice_modify,
    "slice_release": _slice_release,
    "upf_scale_out": _scale_out,
    "restart": _restart,
}
