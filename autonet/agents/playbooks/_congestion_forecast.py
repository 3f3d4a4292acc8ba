"""Demand forecasts for the congestion playbook: history x season, scaled by the event calendar.

The forecast is of each cell's offered DL load (``KQI.OfferedDlMbps``). Recorded history is first
divided by the calendar's surge factor at each past time (so yesterday's concert does not
repeat today), a :class:`~autonet.knowledge.SeasonalNaiveForecaster` (season: one day) is fitted
on it, and its forecast is multiplied by the factor of the events planned in the horizon. With
less than a day and a step of history the forecast is the last de-evented value (persistence).
Link and UPF loads are the cell demands routed along the current backhaul paths.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from autonet.twin import best_effort_loads

if TYPE_CHECKING:
    from autonet.twin import Twin

__all__ = [
    "DEFAULT_DERATE",
    "DemandForecast",
    "PlannedEvent",
    "calendar_factors",
    "cell_capacity",
    "congested_mask",
    "forecast_demand",
]

#: Share of the nominal (interference-free) capacity a loaded cell reaches, when history
#: cannot tell (neighbours at full load cost a few dB of SINR).
DEFAULT_DERATE: Final[float] = 0.75
#: A cell is congested in a step when its DL PRB use reaches this (%), or it blocks users.
CONGESTED_PRB_PCT: Final[float] = 95.0

F64 = NDArray[np.float64]


@dataclass(frozen=True)
class PlannedEvent:
    """An event in the operator's calendar: where, when and how big the crowd is expected.

    Attributes:
        name: Unique name (the incident key uses it).
        cells: Cell ids of the event area.
        start: Start of the plateau.
        end: End of the plateau.
        multiplier: Expected users on the area's cells, times normal (the expected crowd).
        ramp: Linear build-up before ``start`` and wind-down after ``end``.

    Raises:
        ValueError: No cells, ``end <= start``, a multiplier outside (0, 50] or a negative ramp.
    """

    name: str
    cells: tuple[str, ...]
    start: datetime
    end: datetime
    multiplier: float
    ramp: timedelta = field(default=timedelta(hours=1))

    def __post_init__(self) -> None:
        object.__setattr__(self, "cells", tuple(self.cells))
        if not self.name:
            raise ValueError("planned event: name must be a non-empty string")
        if not self.cells:
            raise ValueError(f"planned event {self.name!r}: cells must name at least one cell")
        if self.end <= self.start:
            raise ValueError(f"planned event {self.name!r}: end {self.end} must be after start")
        if not np.isfinite(self.multiplier) or not 0.0 < self.multiplier <= 50.0:
            raise ValueError(
                f"planned event {self.name!r}: multiplier must be in (0, 50], got "
                f"{self.multiplier!r}"
            )
        if self.ramp < timedelta(0):
            raise ValueError(f"planned event {self.name!r}: ramp must be >= 0, got {self.ramp}")

    @property
    def first(self) -> datetime:
        """When the surge begins (start of the ramp)."""
        return self.start - self.ramp

    @property
    def last(self) -> datetime:
        """When the surge is over (end of the wind-down)."""
        return self.end + self.ramp

    def factor(self, when: datetime) -> float:
        """Users multiplier at ``when``: 1 outside, linear ramps to the plateau."""
        if when < self.first or when > self.last:
            return 1.0
        ramp_s = max(self.ramp.total_seconds(), 1e-9)
        up = min(1.0, max(0.0, (when - self.first).total_seconds() / ramp_s))
        down = min(1.0, max(0.0, (self.last - when).total_seconds() / ramp_s))
        return 1.0 + (self.multiplier - 1.0) * min(up, down)


def calendar_factors(
    events: Sequence[PlannedEvent], cell_index: dict[str, int], n_cells: int, times: Sequence
) -> F64:
    """``(len(times), n_cells)`` planned surge factors (1 where no event); unknown cells skipped."""
    out = np.ones((len(times), n_cells))
    for ev in events:
        idx = [cell_index[c] for c in ev.cells if c in cell_index]
        if not idx:
            continue
        f = np.array([ev.factor(t) for t in times])
        if (f != 1.0).any():
            out[:, idx] *= f[:, None]
    return out


def congested_mask(prb_pct: NDArray, blocked: NDArray) -> NDArray[np.bool_]:
    """Congested cells per step: DL PRB use >= 95 % or blocked users > 0 (NaN = not)."""
    prb = np.nan_to_num(np.asarray(prb_pct, dtype=np.float64), nan=0.0)
    blk = np.nan_to_num(np.asarray(blocked, dtype=np.float64), nan=0.0)
    return (prb >= CONGESTED_PRB_PCT) | (blk > 0.0)


def cell_capacity(twin: Twin, derate: F64 | float = DEFAULT_DERATE) -> F64:
    """DL capacity (Mbit/s) each cell can carry now: nominal x usable/planned PRBs x derate."""
    topo, st = twin.compiled, twin.state
    planned = np.maximum(topo.cell_prbs.astype(np.float64), 1.0)
    ratio = st.cell_prbs.astype(np.float64) / planned
    serving = st.cell_on & ~st.cell_asleep
    out: F64 = topo.cell_capacity_dl_mbps.astype(np.float64) * ratio * derate * serving
    return out


@dataclass
class DemandForecast:
    """Predicted offered DL load per cell over the next steps, and what it implies.

    Attributes:
        made_at: Twin time the forecast was made.
        times: Step start times of the horizon (the first is ``made_at``).
        demand: ``(steps, n_cells)`` predicted offered DL (Mbit/s), planned events included.
        derate: Per-cell share of nominal capacity reached under load (from history).
    """

    made_at: datetime
    times: list[datetime]
    demand: F64
    derate: F64
    model: Any = None
    fitted_at: datetime | None = None

    def window(self, now: datetime, steps: int) -> slice:
        """Rows of the forecast covering ``steps`` steps from ``now`` (may be shorter)."""
        lo = 0
        while lo < len(self.times) and self.times[lo] < now:
            lo += 1
        return slice(lo, min(lo + steps, len(self.times)))

    def utilisation(self, capacity: F64, rows: slice) -> F64:
        """``(rows, n_cells)`` predicted demand / capacity (inf where a cell carries nothing)."""
        d = self.demand[rows]
        with np.errstate(divide="ignore", invalid="ignore"):
            u = np.where(capacity > 0, d / np.maximum(capacity, 1e-9), np.inf)
        return np.where(d > 0, u, 0.0)

    def transport(self, twin: Twin, rows: slice) -> tuple[F64, F64]:
        """Peak predicted utilisation (0..) of every link and UPF over ``rows``."""
        topo, st = twin.compiled, twin.state
        ul = 1.0 + float(twin.traffic.ul_dl_ratio)
        link_peak = np.zeros(topo.n_links)
        upf_peak = np.zeros(topo.n_upfs)
        link_cap = np.maximum(st.link_capacity_mbps.astype(np.float64), 1e-9)
        upf_cap = np.maximum(st.upf_capacity_mbps.astype(np.float64) * st.upf_instances, 1e-9)
        for d in self.demand[rows]:
            links, upfs = best_effort_loads(topo, st, d * ul)
            np.maximum(link_peak, (links + st.link_background_mbps) / link_cap, out=link_peak)
            np.maximum(upf_peak, (upfs + st.upf_background_mbps) / upf_cap, out=upf_peak)
        return link_peak, upf_peak


def _derate(twin: Twin, prb: NDArray, served: NDArray) -> F64:
    """Per-cell capacity share under load: served / (PRB share x nominal), low quartile."""
    nominal = twin.compiled.cell_capacity_dl_mbps.astype(np.float64)
    util = np.asarray(prb, dtype=np.float64) / 100.0
    ok = (util > 0.3) & (util < 0.95) & np.isfinite(util)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(ok, np.asarray(served, np.float64) / (util * nominal), np.nan)
    out = np.full(nominal.shape, DEFAULT_DERATE)
    count = np.isfinite(ratio).sum(axis=0)
    has = count >= 4
    if has.any():  # lower quartile per cell, NaN sorted last (nanquantile loops per column)
        ordered = np.sort(np.where(np.isfinite(ratio), ratio, np.inf), axis=0)
        q = ordered[np.floor(0.25 * (count - 1)).astype(int), np.arange(ratio.shape[1])]
        out[has] = np.clip(q[has], 0.3, 1.0)
    return out


def forecast_demand(
    twin: Twin,
    calendar: Sequence[PlannedEvent],
    *,
    horizon_steps: int,
    history_days: float = 2.0,
    previous: DemandForecast | None = None,
) -> DemandForecast:
    """Forecast every cell's offered DL load for ``horizon_steps`` steps from ``twin.now``.

    Args:
        twin: The live twin (recorded KPIs are read, nothing is changed).
        calendar: Planned events (past and future).
        horizon_steps: Steps to forecast (>= 1).
        history_days: Most history used (the seasonal-naive needs more than one day).
        previous: The last forecast: its fitted model (refitted once a day) and capacity
            derating (learnt before any boost skews it) are reused.
    """
    from autonet.knowledge.baselines import SeasonalNaiveForecaster

    topo = twin.compiled
    delta = twin.step_delta
    day_steps = round(timedelta(days=1) / delta)
    offered = twin.kpi_array("KQI.OfferedDlMbps")
    keep = min(len(offered), max(day_steps + 1, round(history_days * day_steps)))
    hist = np.nan_to_num(offered[len(offered) - keep :].astype(np.float64), nan=0.0)
    t0 = twin.now - len(hist) * delta
    past = [t0 + k * delta for k in range(len(hist))]
    future = [twin.now + k * delta for k in range(horizon_steps)]
    n = topo.n_cells
    if len(hist):
        hist = hist / calendar_factors(calendar, topo.cell_index, n, past)
    if len(hist) > day_steps:
        frame = pd.DataFrame(
            {
                "time": np.repeat(np.array(past, dtype="datetime64[ns]"), n),
                "object": np.tile(np.arange(n), len(hist)),
                "value": hist.ravel(),
            }
        )
        model = fitted_at = None
        if previous is not None:
            model, fitted_at = previous.model, previous.fitted_at
        if model is None or fitted_at is None or twin.now - fitted_at >= timedelta(days=1):
            model, fitted_at = SeasonalNaiveForecaster(season="day").fit(frame), twin.now
        pred = model.predict(frame, horizon_steps)
        base = pred["p50"].to_numpy(dtype=np.float64).reshape(n, horizon_steps).T
        # the model's times run from the last history time + 1 step, i.e. from twin.now
    else:
        model, fitted_at = None, None
        base = np.repeat(hist[-1:], horizon_steps, axis=0) if len(hist) else np.zeros((1, n))
    base = np.maximum(np.broadcast_to(base, (horizon_steps, n)), 0.0)
    demand = base * calendar_factors(calendar, topo.cell_index, n, future)
    if previous is not None and previous.fitted_at is not None:
        derate = previous.derate  # learnt before our boosts skewed capacity per PRB
    elif len(hist):
        prb, served = twin.kpi_array("RRU.PrbUsedDl"), twin.kpi_array("KQI.ServedDlMbps")
        derate = _derate(twin, prb[-keep:], served[-keep:])
    else:
        derate = np.full(n, DEFAULT_DERATE)
    return DemandForecast(twin.now, future, demand, derate, model, fitted_at)
