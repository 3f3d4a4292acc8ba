"""Per-cell demand forecast for energy planning: a seasonal profile scaled to today's level.

A :class:`~autonet.knowledge.baselines.SeasonalNaiveForecaster` (season: one day) is fitted on
the twin's recorded always-on history and asked for the next day: that gives, per cell and
slot of the day, p50 users and p90 DL PRB. Once cells sleep, their own counters no longer show
their demand, so the profile is learned once and then scaled by the ratio of the network's
observed demand (users served plus users lost: users are conserved when cells sleep) to the
profile's at the same slot, which also follows weekday/weekend level shifts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from autonet.knowledge.baselines import SeasonalNaiveForecaster

if TYPE_CHECKING:
    from autonet.twin import Twin

__all__ = ["DemandProfile", "fit_profile", "observed_demand"]

F64 = NDArray[np.float64]
_USERS, _PRB = "RRC.ConnMean", "RRU.PrbUsedDl"


@dataclass(frozen=True)
class DemandProfile:
    """Forecast users (p50) and DL PRB % (p90) per slot of the day (rows) and cell (columns).

    Attributes:
        users: ``(slots, n_cells)`` p50 connected users.
        prb: ``(slots, n_cells)`` p90 DL PRB utilisation, %.
        first_step: The twin step index of slot 0.
        fitted_steps: Steps of history the forecaster saw.
    """

    users: F64
    prb: F64
    first_step: int
    fitted_steps: int

    @property
    def slots(self) -> int:
        return int(self.users.shape[0])

    def window(self, step: int, steps: int, ratio: float = 1.0) -> tuple[F64, F64]:
        """Worst (max) forecast users and PRB over steps ``step .. step + steps - 1``."""
        rows = (np.arange(step, step + max(steps, 1)) - self.first_step) % self.slots
        return self.users[rows].max(axis=0) * ratio, self.prb[rows].max(axis=0) * ratio

    def total_users(self, step: int, steps: int, ratio: float = 1.0) -> float:
        """Forecast user-steps of the network over steps ``step .. step + steps - 1``."""
        rows = (np.arange(step, step + max(steps, 0)) - self.first_step) % self.slots
        return float(self.users[rows].sum()) * ratio

    def expected_users(self, step: int) -> float:
        """Network total of the forecast users at ``step``."""
        return float(self.users[(step - self.first_step) % self.slots].sum())


def _long(values: NDArray[np.float32], times: pd.DatetimeIndex, ids: list[str]) -> pd.DataFrame:
    n_t, n_c = values.shape
    return pd.DataFrame(
        {
            "time": np.repeat(times.to_numpy(), n_c),
            "object": np.tile(np.asarray(ids, dtype=object), n_t),
            "value": values.astype(np.float64).ravel(),
        }
    )


def fit_profile(twin: Twin, *, history_steps: int) -> DemandProfile:
    """Fit the daily profile on the last ``history_steps`` recorded steps of ``twin``.

    Raises:
        ValueError: Fewer than one day plus one step recorded (the seasonal forecaster needs a
            whole day before the step it forecasts).
    """
    per_day = round(24 * 60 / twin.step_minutes)
    n = twin.kpi_array(_USERS).shape[0]
    if n <= per_day:
        raise ValueError(
            f"energy planning needs more than one day of recorded KPIs ({per_day} steps); the "
            f"twin has {n}: run it (warm-up) before the loop plans"
        )
    take = min(n, max(history_steps, per_day + 1))
    first = twin.step_index - take
    times = pd.DatetimeIndex([twin.start + (first + k) * twin.step_delta for k in range(take)])
    ids = list(twin.compiled.cell_ids)
    out: list[F64] = []
    for counter, q in ((_USERS, "p50"), (_PRB, "p90")):
        values = np.nan_to_num(twin.kpi_array(counter)[-take:], nan=0.0)
        frame = _long(values, times, ids)
        model = SeasonalNaiveForecaster(season="day").fit(frame)
        pred = model.predict(frame, horizon=per_day)
        pred = pred.set_index(["object", "time"])[q].unstack("object")[ids]
        out.append(np.clip(pred.to_numpy(dtype=np.float64), 0.0, None))
    return DemandProfile(users=out[0], prb=np.minimum(out[1], 100.0), first_step=twin.step_index,
                         fitted_steps=take)  # fmt: skip


def observed_demand(twin: Twin, steps: int = 1) -> float:
    """Mean network demand (users served plus users lost) over the last ``steps`` steps."""
    from autonet.agents.playbooks._energy_kqi import tail

    users = tail(twin, _USERS, steps)
    lost = tail(twin, "KQI.LostUsers", steps)
    if users.shape[0] == 0:
        return 0.0
    total = np.nansum(users, dtype=np.float64) + np.nansum(lost, dtype=np.float64)
    return float(total / users.shape[0])
