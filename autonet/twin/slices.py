"""Network slices: spec, admitted state, reservations and per-step slice KPIs.

A slice guarantees ``guaranteed_dl_mbps`` of DL throughput *in each of its cells* within a
one-way end-to-end latency bound (UE to UPF) during a weekly time window. Admission
(:mod:`autonet.twin.admission`, applied by the ``slice_admit`` action) checks, on the twin's
current state and a best-effort demand forecast:

* **PRB**: the cell's share of usable PRBs the guarantee needs, ``share = guaranteed /
  capacity`` (the capacity the cell keeps with every neighbour at full load, at its usable
  PRBs), must fit next to the best-effort load share ``demand / capacity`` and the shares
  other slices reserve: ``share + load + reserved <= 1``. Cells asleep or out of service fail.
* **Transport**: every link on a slice site's backhaul path must carry the site's reservation
  (guarantee x slice cells at the site) next to its background, best-effort load (the DL demand
  of the sites routed over it) and other slices' reservations, within its current capacity.
* **Latency**: ``RAN_LATENCY_MS[type] + path latency <= max_latency_ms`` for every slice site.
  A URLLC slice with ``max_latency_ms <= EDGE_UPF_BOUND_MS`` is anchored on an edge UPF: of the
  edge UPFs reachable over links that are up, the one with the lowest worst-site latency that
  passes every check is chosen; other slices use each site's own UPF and current path.
* **UPF**: the anchoring UPF's capacity (per instance x instances) must carry the reservation
  next to its background load, best-effort load and other slices' reservations.

While a slice is active (inside its window) its PRB share is withheld from best-effort traffic
and its transport and UPF reservations are carried with priority (``slice_reservations``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from autonet.errors import BadInputError
from autonet.twin.state import CompiledTopology, TwinState

__all__ = [
    "EDGE_UPF_BOUND_MS",
    "RAN_LATENCY_MS",
    "SLICE_KPIS",
    "SLICE_TYPES",
    "SliceError",
    "SliceSpec",
    "SliceState",
    "slice_reservations",
    "slice_step",
]

SLICE_TYPES: Final[tuple[str, ...]] = ("eMBB", "URLLC", "mMTC")
#: One-way user-plane latency budget of the radio interface per slice type (3GPP TR 38.913
#: section 7.5 targets: URLLC 0.5 ms, eMBB 4 ms; mMTC is delay tolerant).
RAN_LATENCY_MS: Final[dict[str, float]] = {"eMBB": 4.0, "URLLC": 0.5, "mMTC": 10.0}
#: A URLLC slice asking for at most this one-way latency needs an edge UPF.
EDGE_UPF_BOUND_MS: Final[float] = 10.0
#: KPI names ``slice_step`` reports per slice.
SLICE_KPIS: Final[tuple[str, ...]] = (
    "SLICE.Active",
    "SLICE.GuaranteedDlMbps",
    "SLICE.DeliveredDlMbps",
    "SLICE.CellsBelow",
    "SLICE.LatencyMs",
    "SLICE.SlaMet",
)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_TOL: Final[float] = 1e-6  # ms of slack for float32 link latencies


class SliceError(BadInputError):
    """A slice spec or request is invalid; the message names the slice and the field."""


def _number(name: str, field_: str, value: Any, lo: float, hi: float, *, lo_open: bool) -> float:
    bad = isinstance(value, bool) or not isinstance(value, int | float)
    if bad or not math.isfinite(value) or value > hi or (value <= lo if lo_open else value < lo):
        bracket = "(" if lo_open else "["
        raise SliceError(
            f"slice {name!r}: {field_} = {value!r} is invalid (expected a number in "
            f"{bracket}{lo:g}, {hi:g}])"
        )
    return float(value)


@dataclass(frozen=True)
class SliceSpec:
    """What a slice asks for; validated on construction.

    Attributes:
        name: Identifier (letters, digits, ``_.-``; up to 64 characters).
        slice_type: One of ``SLICE_TYPES``.
        guaranteed_dl_mbps: Guaranteed DL throughput in each slice cell, in (0, 100000].
        max_latency_ms: Maximum one-way latency UE -> UPF, in (0, 1000].
        reliability_pct: Share of active steps in which the SLA must hold, in [50, 100].
        cells: Cell ids the slice covers (exactly one of ``cells`` and ``region``).
        region: Site region (``SiteAttrs.region``) whose cells the slice covers.
        start_hour: Start of the daily window, 0..23.
        end_hour: End of the daily window, 1..24; a window with ``end <= start`` wraps midnight.
        weekdays: Days the window opens (0 = Monday .. 6 = Sunday).

    Raises:
        SliceError: A field is missing or outside its range; the message names it.
    """

    name: str
    slice_type: str
    guaranteed_dl_mbps: float
    max_latency_ms: float
    reliability_pct: float = 99.9
    cells: tuple[str, ...] = ()
    region: str | None = None
    start_hour: int = 0
    end_hour: int = 24
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)

    def __post_init__(self) -> None:
        name = self.name
        if not isinstance(name, str) or not _NAME.match(name):
            raise SliceError(
                f"slice name {name!r} is invalid (expected 1-64 letters, digits, '_', '.', '-', "
                "starting with a letter or digit)"
            )
        if self.slice_type not in SLICE_TYPES:
            raise SliceError(
                f"slice {name!r}: slice_type = {self.slice_type!r} is invalid "
                f"(expected one of {list(SLICE_TYPES)})"
            )
        g = _number(name, "guaranteed_dl_mbps", self.guaranteed_dl_mbps, 0, 1e5, lo_open=True)
        lat = _number(name, "max_latency_ms", self.max_latency_ms, 0, 1000, lo_open=True)
        rel = _number(name, "reliability_pct", self.reliability_pct, 50, 100, lo_open=False)
        object.__setattr__(self, "guaranteed_dl_mbps", g)
        object.__setattr__(self, "max_latency_ms", lat)
        object.__setattr__(self, "reliability_pct", rel)
        cells = self.cells
        if isinstance(cells, str) or not isinstance(cells, Sequence):
            raise SliceError(
                f"slice {name!r}: cells = {cells!r} is invalid (expected a list of cell ids)"
            )
        if any(not isinstance(c, str) or not c for c in cells) or len(set(cells)) != len(cells):
            raise SliceError(
                f"slice {name!r}: cells = {list(cells)!r} is invalid "
                "(expected distinct, non-empty cell ids)"
            )
        object.__setattr__(self, "cells", tuple(cells))
        region = self.region
        if region is not None and (not isinstance(region, str) or not region):
            raise SliceError(f"slice {name!r}: region = {region!r} is invalid (expected a name)")
        if (not cells) == (region is None):
            raise SliceError(
                f"slice {name!r}: give exactly one of cells (a list of cell ids) and region "
                f"(a site region name); got cells={list(cells)!r}, region={region!r}"
            )
        for field_, value, lo, hi in (
            ("start_hour", self.start_hour, 0, 23),
            ("end_hour", self.end_hour, 1, 24),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
                raise SliceError(
                    f"slice {name!r}: {field_} = {value!r} is invalid "
                    f"(expected an integer hour in {lo}..{hi})"
                )
        days = self.weekdays
        if (
            isinstance(days, str)
            or not isinstance(days, Sequence)
            or not days
            or any(isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= 6 for d in days)
        ):
            raise SliceError(
                f"slice {name!r}: weekdays = {days!r} is invalid "
                "(expected a non-empty list of integers 0 (Monday) .. 6 (Sunday))"
            )
        object.__setattr__(self, "weekdays", tuple(sorted(set(days))))

    def active_at(self, when: datetime) -> bool:
        """True when ``when`` falls inside the slice's weekly window."""
        hour = when.hour
        if self.start_hour < self.end_hour:
            return when.weekday() in self.weekdays and self.start_hour <= hour < self.end_hour
        # wraps midnight: the part after midnight belongs to the previous day's window
        if hour >= self.start_hour:
            return when.weekday() in self.weekdays
        return hour < self.end_hour and (when.weekday() - 1) % 7 in self.weekdays

    def as_params(self) -> dict[str, Any]:
        """The spec as keyword parameters (lists for sequences), without the name."""
        return {
            "slice_type": self.slice_type,
            "guaranteed_dl_mbps": self.guaranteed_dl_mbps,
            "max_latency_ms": self.max_latency_ms,
            "reliability_pct": self.reliability_pct,
            "cells": list(self.cells),
            "region": self.region,
            "start_hour": self.start_hour,
            "end_hour": self.end_hour,
            "weekdays": list(self.weekdays),
        }


@dataclass(frozen=True, eq=False)
class SliceState:
    """An admitted slice: what it reserves and how it is routed (arrays are read-only).

    Attributes:
        spec: The admitted spec.
        cells: ``int32`` cell indices covered.
        prb_share: ``float64`` share of each covered cell's usable PRBs reserved.
        sites: ``int32`` site indices of the covered cells (sorted, distinct).
        site_mbps: ``float64`` transport reservation per slice site.
        site_upf: ``int32`` UPF anchoring each slice site.
        path_ptr: ``int64`` CSR pointers of each slice site's path (over ``sites``).
        path_idx: ``int32`` link indices, access router first.
        path_latency_ms: ``float64`` transport latency of each slice site's path at admission.
        upf: The edge UPF anchoring the whole slice, or None when each site's own UPF serves it.
        admitted_at: Twin time of the admission (or of the last modification).
    """

    spec: SliceSpec
    cells: NDArray[np.int32]
    prb_share: NDArray[np.float64]
    sites: NDArray[np.int32]
    site_mbps: NDArray[np.float64]
    site_upf: NDArray[np.int32]
    path_ptr: NDArray[np.int64]
    path_idx: NDArray[np.int32]
    path_latency_ms: NDArray[np.float64]
    upf: str | None
    admitted_at: datetime

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SliceState):
            return NotImplemented
        for name in self.__dataclass_fields__:
            mine, theirs = getattr(self, name), getattr(other, name)
            if isinstance(mine, np.ndarray):
                if mine.dtype != theirs.dtype or not np.array_equal(mine, theirs):
                    return False
            elif mine != theirs:
                return False
        return True

    __hash__ = None  # type: ignore[assignment]

    def link_mbps(self, n_links: int) -> NDArray[np.float64]:
        """Reservation this slice puts on every link (``float64[n_links]``)."""
        per_hop = np.repeat(self.site_mbps.astype(np.float64), np.diff(self.path_ptr))
        return np.bincount(self.path_idx, weights=per_hop, minlength=n_links).astype(np.float64)

    def upf_mbps(self, n_upfs: int) -> NDArray[np.float64]:
        """Reservation this slice puts on every UPF (``float64[n_upfs]``)."""
        w = self.site_mbps.astype(np.float64)
        return np.bincount(self.site_upf, weights=w, minlength=n_upfs).astype(np.float64)


def slice_reservations(
    topo: CompiledTopology,
    state: TwinState,
    when: datetime | None = None,
    *,
    exclude: str | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """What admitted slices hold back: PRB share per cell, Mbit/s per link and per UPF.

    Args:
        topo: The compiled topology.
        state: The twin state holding ``slices``.
        when: Count only slices active at this time (all slices when None).
        exclude: A slice name to leave out (the one being modified).

    Returns:
        ``(cell_share[n_cells], link_mbps[n_links], upf_mbps[n_upfs])``, float64.
    """
    cell = np.zeros(topo.n_cells)
    link = np.zeros(topo.n_links)
    upf = np.zeros(topo.n_upfs)
    for name, sl in state.slices.items():
        if name == exclude or (when is not None and not sl.spec.active_at(when)):
            continue
        np.add.at(cell, sl.cells, sl.prb_share)
        link += sl.link_mbps(topo.n_links)
        upf += sl.upf_mbps(topo.n_upfs)
    return cell, link, upf


def slice_step(
    topo: CompiledTopology,
    state: TwinState,
    *,
    when: datetime,
    cell_capacity_dl_mbps: ArrayLike,
    link_delay_ms: ArrayLike | None = None,
) -> dict[str, dict[str, float]]:
    """Per-slice KPIs for one step.

    A slice cell delivers ``min(guarantee, prb_share x capacity this step)``, scaled down when
    its site's path crosses a link whose capacity left after background traffic cannot carry
    the active slices' reservations (0 when a link is down), and likewise for its UPF. Latency
    is the radio budget plus the path's link latencies (plus ``link_delay_ms`` queueing), the
    worst over the slice's sites. The SLA is met when every cell delivers its guarantee and the
    latency is within ``max_latency_ms``. Outside its window a slice reports ``SLICE.Active`` 0,
    nothing owed and the SLA met.

    Args:
        topo: The compiled topology.
        state: The twin state holding ``slices``.
        when: Time of the step.
        cell_capacity_dl_mbps: DL capacity each cell has this step at its usable PRBs and
            current SINR; 0 where it cannot serve (out of service, asleep, waking, no power).
        link_delay_ms: Extra (queueing) delay per link this step, default none.

    Returns:
        Slice name -> ``{kpi: value}`` with the keys of ``SLICE_KPIS``.
    """
    out: dict[str, dict[str, float]] = {}
    if not state.slices:
        return out
    cap_now = np.asarray(cell_capacity_dl_mbps, dtype=np.float64)
    delay = topo.link_latency_ms.astype(np.float64)
    if link_delay_ms is not None:
        delay = delay + np.asarray(link_delay_ms, dtype=np.float64)
    _, link_res, upf_res = slice_reservations(topo, state, when)
    link_avail = np.where(
        state.link_up,
        np.maximum(state.link_capacity_mbps.astype(np.float64) - state.link_background_mbps, 0.0),
        0.0,
    )
    link_f = np.where(link_res > link_avail, link_avail / np.maximum(link_res, 1e-12), 1.0)
    upf_avail = np.maximum(
        state.upf_capacity_mbps.astype(np.float64) * state.upf_instances
        - state.upf_background_mbps,
        0.0,
    )
    upf_f = np.where(upf_res > upf_avail, upf_avail / np.maximum(upf_res, 1e-12), 1.0)
    for name, sl in state.slices.items():
        spec = sl.spec
        if not spec.active_at(when):
            out[name] = dict(zip(SLICE_KPIS, (0.0, 0.0, 0.0, 0.0, math.nan, 1.0), strict=True))
            continue
        g = spec.guaranteed_dl_mbps
        n_sites = len(sl.sites)
        hop_site = np.repeat(np.arange(n_sites), np.diff(sl.path_ptr))
        site_f = np.ones(n_sites)
        np.minimum.at(site_f, hop_site, link_f[sl.path_idx])
        site_f *= upf_f[sl.site_upf]
        broken = np.zeros(n_sites, dtype=bool)
        np.logical_or.at(broken, hop_site, ~state.link_up[sl.path_idx])
        site_lat = np.bincount(hop_site, weights=delay[sl.path_idx], minlength=n_sites)
        site_lat = np.where(broken, math.inf, site_lat + RAN_LATENCY_MS[spec.slice_type])
        pos = np.searchsorted(sl.sites, topo.cell_site[sl.cells])
        radio = np.minimum(g, sl.prb_share * cap_now[sl.cells])
        delivered = radio * site_f[pos]
        below = int(np.count_nonzero(delivered < g * (1.0 - 1e-6)))
        latency = float(site_lat.max(initial=0.0))
        met = below == 0 and latency <= spec.max_latency_ms + _TOL
        out[name] = dict(
            zip(
                SLICE_KPIS,
                (1.0, g * len(sl.cells), float(delivered.sum()), float(below), latency, float(met)),
                strict=True,
            )
        )
    return out
