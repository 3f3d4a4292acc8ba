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

Dual-layer topologies (``build_topology(..., layers="dual")``) mark each cell with a
``power_model``: the n28 coverage cells keep the EARTH macro model above; the n78 capacity
cells use :data:`MMIMO_AAU`, a 64T64R massive-MIMO active antenna unit whose sleep state is a
carrier shutdown (deep sleep). :func:`power_model_for` returns a :class:`CellPowerModel` with
per-cell constants for such a topology and the plain :class:`PowerModel` otherwise, so a
single-layer twin draws exactly what it drew before.

:data:`MMIMO_AAU` (assumptions, kept conservative):

* ``p0_w = 300 W`` idle (carrier on, no traffic) and ``slope = 25`` (W in per W of the cell's
  TX setting, max 20 W in the twin's schema): 800 W at full load. Published 64T64R n78 AAU
  datasheets give typical power in the 600-1000 W range at high load; the idle share (about
  40 %) follows the EARTH ratio of static to full-load power for remote radio heads.
* ``p_sleep_w = 40 W`` (5 % of full load) in deep sleep. 3GPP TR 38.864 (Rel-18 network
  energy savings) gives relative powers deep sleep 1, light sleep 20, micro sleep 45, active
  DL 280 units: deep sleep at 0.36 % of active DL. 5 % is about 14 times that, leaving room
  for the AAU's always-on control and the shared baseband.
* ``wake_steps = 1``: TR 38.864 puts the deep-sleep transition time at about 50 ms, but a
  carrier shutdown also needs cell setup and UE re-attachment; one twin step (15 min) of
  idle-power wake-up is conservative.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from autonet.twin.state import CompiledTopology

__all__ = [
    "EARTH_MACRO",
    "MMIMO_AAU",
    "POWER_MODELS",
    "CellPowerModel",
    "PowerModel",
    "power_model_for",
]


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

    def idle_w(self, cells: NDArray[np.integer]) -> NDArray[np.float32]:
        """Idle (awake, unloaded) power of ``cells`` (W), as an array."""
        return np.full(np.asarray(cells).shape, self.p0_w, dtype=np.float32)

    def sleep_w(self, cells: NDArray[np.integer]) -> NDArray[np.float32]:
        """Sleep power of ``cells`` (W), as an array."""
        return np.full(np.asarray(cells).shape, self.p_sleep_w, dtype=np.float32)

    @staticmethod
    def energy_wh(power_w: NDArray[np.floating], step_minutes: float) -> NDArray[np.float32]:
        """Energy (Wh) drawn over one step at constant ``power_w``."""
        return np.asarray(power_w, dtype=np.float32) * np.float32(step_minutes / 60.0)


#: EARTH macro cell (the default everywhere; n28 coverage cells of a dual-layer twin).
EARTH_MACRO: Final[PowerModel] = PowerModel()
#: n78 massive-MIMO AAU with carrier shutdown (values and sources in the module docstring).
MMIMO_AAU: Final[PowerModel] = PowerModel(p0_w=300.0, slope=25.0, p_max_w=20.0, p_sleep_w=40.0,
                                          wake_steps=1)  # fmt: skip
#: Cell attribute ``power_model`` -> model.
POWER_MODELS: Final[dict[str, PowerModel]] = {"earth_macro": EARTH_MACRO, "mmimo_aau": MMIMO_AAU}


class CellPowerModel:
    """Per-cell power constants: one :class:`PowerModel` per cell, evaluated vectorised.

    Same interface as :class:`PowerModel` (``power_w``, ``energy_wh``, ``wake_steps``,
    ``idle_w``, ``sleep_w``); ``p0_w``, ``slope`` and ``p_sleep_w`` are float32 arrays over
    cells, ``wake_steps`` the longest of the models.
    """

    def __init__(self, models: list[PowerModel]) -> None:
        if not models:
            raise ValueError("CellPowerModel needs one PowerModel per cell, got none")
        self.p0_w = np.array([m.p0_w for m in models], dtype=np.float32)
        self.slope = np.array([m.slope for m in models], dtype=np.float32)
        self.p_sleep_w = np.array([m.p_sleep_w for m in models], dtype=np.float32)
        self.wake_steps = max(m.wake_steps for m in models)
        for a in (self.p0_w, self.slope, self.p_sleep_w):
            a.setflags(write=False)

    def power_w(
        self,
        load: NDArray[np.floating],
        tx_w: NDArray[np.floating],
        *,
        serving: NDArray[np.bool_],
        asleep: NDArray[np.bool_],
        powered: NDArray[np.bool_],
    ) -> NDArray[np.float32]:
        """Input power of each cell (W), float32; as :meth:`PowerModel.power_w` per cell."""
        p = np.clip(np.asarray(load, dtype=np.float32), 0.0, 1.0)
        p *= np.asarray(tx_w, dtype=np.float32)
        p *= self.slope
        p += self.p0_w
        idle = np.flatnonzero(~np.asarray(serving, dtype=np.bool_))
        if idle.size:
            still = np.where(np.asarray(asleep)[idle], self.p_sleep_w[idle], self.p0_w[idle])
            p[idle] = np.where(np.asarray(powered)[idle], still, 0.0)
        return p

    def idle_w(self, cells: NDArray[np.integer]) -> NDArray[np.float32]:
        """Idle (awake, unloaded) power of ``cells`` (W)."""
        return self.p0_w[np.asarray(cells, dtype=np.intp)]

    def sleep_w(self, cells: NDArray[np.integer]) -> NDArray[np.float32]:
        """Sleep power of ``cells`` (W)."""
        return self.p_sleep_w[np.asarray(cells, dtype=np.intp)]

    energy_wh = staticmethod(PowerModel.energy_wh)


def power_model_for(topo: CompiledTopology) -> PowerModel | CellPowerModel:
    """The power model a twin of ``topo`` uses by default.

    :class:`PowerModel` (EARTH macro) unless some cell names another ``power_model``
    (dual-layer topologies); then a :class:`CellPowerModel` (unmarked cells: EARTH macro).

    Raises:
        ValueError: A cell names an unknown power model.
    """
    nodes = topo.graph.nodes
    names = [nodes[c].get("power_model", "earth_macro") for c in topo.cell_ids]
    if all(n == "earth_macro" for n in names):
        return PowerModel()
    bad = sorted({n for n in names if n not in POWER_MODELS})
    if bad:
        raise ValueError(f"unknown cell power_model {bad}; expected one of {list(POWER_MODELS)}")
    return CellPowerModel([POWER_MODELS[n] for n in names])
