"""The fault-healing scenario's fault schedule: Poisson arrivals, targets, parameters, repairs.

Drawn once from the scenario seed and the twin's topology before any policy runs, so every
policy meets the same faults at the same steps with the same field-repair times:

- arrivals: a Poisson number of faults (``rate`` per 100 sites per day) at uniform steps;
- type: uniform over the fault types; target: uniform over the objects of the type's kind
  (links carrying at least one site's backhaul for the two link faults);
- parameters: interference 6-15 dB, link congestion 0.9-1.4 x capacity of background load,
  UPF overload 0.6-1.3 x capacity, misconfiguration tilt 14-15 deg, battery 30-120 min;
- repair: ``FieldRepair`` (lognormal, median 4 h by default), fault i's draw depends on i only.

A fault whose (type, target) would still be active (by its scheduled repair) when it arrives
is dropped from the schedule (the twin refuses a second fault of the same kind on an object).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from autonet.platform.scenarios.common import FieldRepair

if TYPE_CHECKING:
    from autonet.twin import Twin

__all__ = ["ScheduledFault", "fault_schedule"]

_STREAM: Final = 0xFA17  # keeps the schedule's draws apart from the twin's and the repairs'


@dataclass(frozen=True)
class ScheduledFault:
    """One fault of the schedule."""

    index: int
    step: int  # injected before this step is simulated
    fault_type: str
    target: str
    repair_steps: int
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def end_step(self) -> int:
        """The step before which field repair clears it."""
        return self.step + self.repair_steps


def _targets(twin: Twin, kind: str) -> list[str]:
    topo = twin.compiled
    if kind == "cell":
        return list(topo.cell_ids)
    if kind == "site":
        return list(topo.site_ids)
    if kind == "upf":
        return list(topo.upf_ids)
    return [
        link
        for i, link in enumerate(topo.link_ids)
        if topo.sites_using_link(i).size  # a cut of an unused link harms nobody
    ]


def _params(fault_type: str, rng: np.random.Generator) -> dict[str, Any]:
    u = float(rng.random())
    if fault_type == "interference":
        return {"extra_db": round(6.0 + 9.0 * u, 2)}
    if fault_type == "link_congestion":
        return {"load_share": round(0.9 + 0.5 * u, 3)}
    if fault_type == "upf_overload":
        return {"load_share": round(0.6 + 0.7 * u, 3)}
    if fault_type == "misconfiguration":
        return {"tilt_deg": round(14.0 + u, 2)}
    if fault_type == "site_power_failure":
        return {"battery_minutes": round(30.0 + 90.0 * u, 1)}
    return {}


def fault_schedule(
    twin: Twin,
    *,
    seed: int,
    steps: int,
    rate: float,
    types: Sequence[str],
    repair: FieldRepair,
) -> list[ScheduledFault]:
    """The faults of one scenario run (see the module docstring), in arrival order.

    Args:
        twin: A fresh twin of the scenario (its topology picks the targets).
        seed: Scenario seed.
        steps: Steps of the run.
        rate: Faults per 100 sites per day.
        types: Fault types to draw from (each of ``FAULT_TYPES``).
        repair: Field-repair durations.
    """
    from autonet.twin.fault_catalogue import FAULT_TARGETS

    rng = np.random.default_rng((int(seed), _STREAM))
    n_sites = twin.compiled.n_sites
    days = steps * twin.step_minutes / 1440.0
    count = int(rng.poisson(rate * n_sites / 100.0 * days))
    at = np.sort(rng.integers(0, max(steps, 1), size=count))
    kinds = rng.integers(0, len(types), size=count)
    pools = {t: _targets(twin, FAULT_TARGETS[t]) for t in types}
    out: list[ScheduledFault] = []
    busy: dict[tuple[str, str], int] = {}  # (type, target) -> scheduled end step
    for i, (step, k) in enumerate(zip(at.tolist(), kinds.tolist(), strict=True)):
        fault_type = types[k]
        pool = pools[fault_type]
        if not pool:
            continue
        target = pool[int(rng.integers(0, len(pool)))]
        params = _params(fault_type, rng)
        repair_steps = repair.steps(i, twin.step_minutes)
        if busy.get((fault_type, target), -1) > step:
            continue
        busy[(fault_type, target)] = step + repair_steps
        out.append(ScheduledFault(i, int(step), fault_type, target, repair_steps, params))
    return out
