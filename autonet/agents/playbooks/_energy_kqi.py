"""Energy and KQI measures over recorded steps: what-if scoring and verification arithmetic."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from autonet.twin import Twin

__all__ = ["Window", "budget_slack", "throughput_harm", "window"]


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


def window(twin: Twin, steps: int, *, cells: np.ndarray | None = None) -> Window:
    """Totals over the last ``steps`` recorded steps (all cells, or the ``cells`` indices)."""

    def last(counter: str) -> np.ndarray:
        a = twin.kpi_array(counter)[-steps:] if steps > 0 else np.zeros((0, 0), np.float32)
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


def budget_slack(spent: Window, *, bound_pct: float, margin: float, horizon_users: float) -> float:
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
    users = np.nan_to_num(after.kpi_array("RRC.ConnMean")[-steps:].astype(np.float64))
    ta = after.kpi_array("DRB.UEThpDl")[-steps:].astype(np.float64)
    tb = baseline.kpi_array("DRB.UEThpDl")[-steps:].astype(np.float64)
    ok = np.isfinite(ta) & np.isfinite(tb) & (tb > 0)
    drop = np.zeros_like(ta)
    drop[ok] = np.clip((tb[ok] - ta[ok]) / tb[ok], -1.0, 1.0)
    return float((users * drop).sum())
