"""Energy and KQI measures over recorded steps: what-if scoring and verification arithmetic."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from autonet.twin import Twin
    from autonet.twin.state import CompiledTopology

__all__ = [
    "Spent",
    "Window",
    "budget_slack",
    "pct",
    "sleep_saving_kwh",
    "slice_cells",
    "tail",
    "throughput_harm",
    "window",
]


@dataclass(frozen=True)
class Window:
    """Network totals over some recorded steps (user-steps are users summed over steps)."""

    steps: int
    energy_kwh: float
    demand_users: float  # users served + users lost (the users that wanted service)
    lost_users: float  # KQI.LostUsers: users no awake cell covered
    blocked_users: float  # KQI.BlockedUsers: users whose demand was not carried
    served_dl: float  # KQI.ServedDlMbps summed over cells and steps
    thp_weighted: float  # sum over cells and steps of users x DRB.UEThpDl (serving cells)

    @property
    def user_thp_mbps(self) -> float:
        """Users-weighted mean DL user throughput (Mbit/s)."""
        served = self.demand_users - self.lost_users
        return self.thp_weighted / served if served > 0 else 0.0


def tail(twin: Twin, counter: str, steps: int) -> np.ndarray:
    """``(k, n_cells)`` values of a cell counter over the last ``k = min(steps, recorded)``
    steps (the twin's public tail read: cheap at any history length)."""
    if steps <= 0:
        return np.zeros((0, twin.compiled.n_cells), dtype=np.float32)
    return twin.kpi_array(counter, "cell", last=steps)


def window(twin: Twin, steps: int, *, cells: np.ndarray | None = None) -> Window:
    """Totals over the last ``steps`` recorded steps (all cells, or the ``cells`` indices)."""

    def last(counter: str) -> np.ndarray:
        a = tail(twin, counter, steps)
        return a if cells is None else a[:, cells]

    users = last("RRC.ConnMean")
    lost = last("KQI.LostUsers")
    thp = np.nan_to_num(last("DRB.UEThpDl"), nan=0.0)
    return Window(
        steps=int(users.shape[0]),
        energy_kwh=float(np.nansum(last("PEE.Energy"), dtype=np.float64)) / 1000.0,
        demand_users=float(np.nansum(users, dtype=np.float64) + np.nansum(lost, dtype=np.float64)),
        lost_users=float(np.nansum(lost, dtype=np.float64)),
        blocked_users=float(np.nansum(last("KQI.BlockedUsers"), dtype=np.float64)),
        served_dl=float(np.nansum(last("KQI.ServedDlMbps"), dtype=np.float64)),
        thp_weighted=float(np.sum(users.astype(np.float64) * thp)),
    )


def budget_slack(
    spent: Window | Spent, *, bound_pct: float, margin: float, horizon_users: float
) -> float:
    """Lost user-steps the next plan may cost: ``bound x margin`` of all demand so far and over
    the horizon, less what was already lost (never negative)."""
    allowed = bound_pct / 100.0 * margin * (spent.demand_users + horizon_users)
    return max(0.0, allowed - spent.lost_users)


def throughput_harm(after: Twin, baseline: Twin, steps: int) -> float:
    """User-steps of throughput lost in ``after`` against ``baseline`` over the last ``steps``:
    the users of each cell serving in both times the relative change of its DL user
    throughput (signed: a gain counts against the harm)."""
    if steps <= 0:
        return 0.0
    users = np.nan_to_num(tail(after, "RRC.ConnMean", steps).astype(np.float64))
    ta = tail(after, "DRB.UEThpDl", steps).astype(np.float64)
    tb = tail(baseline, "DRB.UEThpDl", steps).astype(np.float64)
    ok = np.isfinite(ta) & np.isfinite(tb) & (tb > 0)
    drop = np.zeros_like(ta)
    drop[ok] = np.clip((tb[ok] - ta[ok]) / tb[ok], -1.0, 1.0)
    return float((users * drop).sum())


class Spent:
    """Running totals of the live twin since planning began (updated with new steps only)."""

    def __init__(self, start_step: int) -> None:
        self.cursor = start_step
        self.demand_users = 0.0
        self.lost_users = 0.0
        #: Throughput harm (user-steps per step) of the cells asleep, set by the last plan;
        #: counted with the lost users (the twin records no always-on throughput to compare).
        self.harm_rate = 0.0

    def update(self, twin: Twin) -> Spent:
        """Add the steps simulated since the last update; returns self."""
        new = twin.step_index - self.cursor
        if new > 0:
            w = window(twin, new)
            self.demand_users += w.demand_users
            self.lost_users += w.lost_users + self.harm_rate * w.steps
            self.cursor = twin.step_index
        return self


def throughput_drop(topo: CompiledTopology, prb: np.ndarray, awake: np.ndarray) -> np.ndarray:
    """Per cell: the relative DL user throughput its users would lose if it slept.

    The twin's user throughput is ``capacity x (1 - utilisation)``; a sleeping cell's users get
    their awake neighbours' (overlap-weighted) instead of its own. 0 where the neighbours
    offer as much (a same-band neighbour), about 0.8 for an n78 cell over its n28 partner.
    """
    n = topo.n_cells
    rows = np.repeat(np.arange(n), np.diff(topo.nbr_ptr))
    rate = topo.cell_capacity_dl_mbps.astype(np.float64) * (1.0 - np.clip(prb / 100.0, 0, 0.98))
    w = topo.nbr_overlap.astype(np.float64) * awake[topo.nbr_idx]
    num = np.bincount(rows, weights=w * rate[topo.nbr_idx], minlength=n)
    den = np.bincount(rows, weights=w, minlength=n)
    got = np.divide(num, den, out=np.zeros(n), where=den > 0)
    ratio = np.divide(got, rate, out=np.ones(n), where=rate > 0)
    return np.clip(1.0 - ratio, 0.0, 1.0)


def pct(num: float, den: float) -> float:
    return 100.0 * num / den if den > 0 else 0.0


def slice_cells(twin: Twin) -> np.ndarray:
    """Cells carrying an admitted slice (the twin refuses to sleep them)."""
    mask = np.zeros(twin.compiled.n_cells, dtype=np.bool_)
    for sl in twin.state.slices.values():
        mask[np.asarray(sl.cells, dtype=np.intp)] = True
    return mask


def sleep_saving_kwh(twin: Twin, cells: np.ndarray, steps: int) -> float:
    """Energy the sleeping ``cells`` saved over the last ``steps``: what they draw idle and
    awake (the twin's power model, per cell) less what they drew, per step."""
    if cells.size == 0:
        return 0.0
    drawn = np.nansum(tail(twin, "PEE.Energy", steps)[:, cells], dtype=np.float64)
    k = tail(twin, "PEE.Energy", steps).shape[0]
    idle = float(np.sum(twin.power.idle_w(cells), dtype=np.float64))
    awake = idle * k * twin.step_minutes / 60.0
    return float((awake - drawn) / 1000.0)
