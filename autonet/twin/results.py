"""What the twin hands back: one step's KPIs and a run's summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["SimResult", "StepResult"]


@dataclass(frozen=True)
class StepResult:
    """KPIs of one step: ``cell[counter]`` is a float32 array over cells (read-only views)."""

    step: int
    time: datetime
    cell: dict[str, NDArray[np.float32]]
    link_util: NDArray[np.float32]  # TN.LinkUtil (%) per link
    upf_load: NDArray[np.float32]  # UPF.Load (%) per UPF
    slices: dict[str, dict[str, float]] = field(default_factory=dict)

    def __getitem__(self, counter: str) -> NDArray[np.float32]:
        return self.cell[counter]


@dataclass(frozen=True)
class SimResult:
    """Summary of a ``Twin.run``: aggregates over all cells and the steps run."""

    start: datetime
    end: datetime
    steps: int
    users_peak: float  # max over steps of total connected users
    users_mean: float
    busy_hour: datetime | None  # the step with the most offered DL load
    busy_hour_prb_util_pct: float  # mean DL PRB utilisation over serving cells then
    mean_throughput_dl_mbps: float  # mean DRB.UEThpDl over serving cells and steps
    energy_kwh: float
    lost_user_steps: float  # sum of KQI.LostUsers over cells and steps
    alarms_raised: int  # alarms whose raised_at falls in [start, end)

    def as_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in vars(self).items()}
