"""RAN power: the EARTH base-station power model with sleep and wake-up states.

EARTH (Auer et al., "How much energy is needed to run a wireless network?", IEEE Wireless
Communications 18(5), 2011) models a transceiver's input power as linear in its RF output:
``P_in = P0 + slope * P_out`` while it transmits, and a lower ``P_sleep`` while asleep. For a
macro cell: ``P0 = 130 W``, ``slope = 4.7``, ``P_max = 20 W`` and ``P_sleep = 75 W``. The RF output
is the cell's load (PRB utilisation, 0..1) times its TX power setting.

States, per cell and step:

* serving: ``P0 + slope * load * tx_w``;
* waking (woken from sleep, not yet serving) or out of service but powered: ``P0``;
* asleep: ``P_sleep``;
* site without power: ``0``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["PowerModel"]


@dataclass(frozen=True)
class PowerModel:
    """EARTH power model constants (defaults: macro cell).

    Attributes:
        p0_w: Static power of an active transceiver at zero load (W).
        slope: Load-dependent slope (W in per W of RF out).
        p_max_w: Maximum RF output power (W); informative, the cell's own TX setting is used.
        p_sleep_w: Power drawn asleep (W).
        wake_steps: Steps a woken cell needs before it serves again (it draws ``p0_w`` meanwhile).
    """

    p0_w: float = 130.0
    slope: float = 4.7
    p_max_w: float = 20.0
    p_sleep_w: float = 75.0
    wake_steps: int = 1

    def __post_init__(self) -> None:
        for name in ("p0_w", "slope", "p_max_w", "p_sleep_w"):
            value = getattr(self, name)
            if not np.isfinite(value) or value < 0:
                raise ValueError(f"PowerModel.{name} must be a finite number >= 0, got {value!r}")
        if not isinstance(self.wake_steps, int) or self.wake_steps < 0:
            raise ValueError(f"PowerModel.wake_steps must be an integer >= 0, "
                             f"got {self.wake_steps!r}")  # fmt: skip

    def power_w(
        self,
        load: NDArray[np.floating],
        tx_w: NDArray[np.floating],
        *,
        serving: NDArray[np.bool_],
        asleep: NDArray[np.bool_],
        powered: NDArray[np.bool_],
    ) -> NDArray[np.float32]:
        """Input power of each cell (W), float32.

        Args:
            load: PRB utilisation as a share (0..1).
            tx_w: TX power setting (W).
            serving: The cell carries traffic this step.
            asleep: The cell is in sleep mode.
            powered: The cell's site has power.
        """
        p = np.clip(np.asarray(load, dtype=np.float32), 0.0, 1.0)
        p *= np.asarray(tx_w, dtype=np.float32)
        p *= np.float32(self.slope)
        p += np.float32(self.p0_w)
        idle = np.flatnonzero(~np.asarray(serving, dtype=np.bool_))
        if idle.size:  # few cells in a normal step: fix them up by index
            still = np.where(np.asarray(asleep)[idle], self.p_sleep_w, self.p0_w)
            p[idle] = np.where(np.asarray(powered)[idle], still, 0.0)
        return p

    @staticmethod
    def energy_wh(power_w: NDArray[np.floating], step_minutes: float) -> NDArray[np.float32]:
        """Energy (Wh) drawn over one step at constant ``power_w``."""
        return np.asarray(power_w, dtype=np.float32) * np.float32(step_minutes / 60.0)
