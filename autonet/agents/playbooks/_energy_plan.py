"""The energy planner: which cells may sleep and which must wake, from forecast load and coverage.

Pure numpy over the compiled topology. It mirrors how the twin moves a sleeping cell's users
(``autonet.twin.physics._move_users``): they go to awake neighbours in proportion to overlap,
and the share ``1 - min(1, sum of awake neighbours' overlap)`` is lost. A cell may sleep when
its forecast load is low, its users are covered (the lost share stays under a bound), its
neighbours can absorb its load, and the KQI budget left covers the users it would lose. A
sleeping cell must wake, one wake delay ahead, when those conditions stop holding.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from autonet.twin.state import CompiledTopology

__all__ = ["EnergyPlan", "PlanInputs", "PlanSettings", "awake_cover", "make_plan"]

F64 = NDArray[np.float64]
_WAKE_HYSTERESIS = 1.5  # wake on lost users only well above the sleep threshold (no flapping)
_SHARE_HYSTERESIS = 0.05


@dataclass(frozen=True)
class PlanSettings:
    """Thresholds of the planner.

    Attributes:
        sleep_prb: A cell is a sleep candidate when its forecast DL PRB (p90, worst step of the
            horizon) is below this (%).
        absorb_prb: A neighbour may take a sleeping cell's load up to this forecast PRB (%).
        wake_prb: A sleeping cell wakes when an awake neighbour is forecast above this (%).
        max_lost_share: Never sleep a cell whose awake neighbours leave more than this share of
            its users uncovered (the coverage-risk bound).
        max_cells: At most this many sleeps per plan (None: no limit).
        max_lost_users: Never sleep a cell that would lose more users than this per step
            (the price of a lost user against the energy a sleep saves).
    """

    sleep_prb: float = 20.0
    absorb_prb: float = 45.0
    wake_prb: float = 55.0
    max_lost_share: float = 0.3
    max_cells: int | None = None
    max_lost_users: float = float("inf")

    def __post_init__(self) -> None:
        for name in ("sleep_prb", "absorb_prb", "wake_prb"):
            v = getattr(self, name)
            if not 0.0 <= v <= 100.0:
                raise ValueError(f"PlanSettings.{name} must be a PRB share in [0, 100] %, got {v}")
        if not 0.0 <= self.max_lost_share <= 1.0:
            raise ValueError(
                f"PlanSettings.max_lost_share must be in [0, 1], got {self.max_lost_share}"
            )
        if self.max_cells is not None and self.max_cells < 0:
            raise ValueError(f"PlanSettings.max_cells must be >= 0, got {self.max_cells}")


@dataclass(frozen=True)
class PlanInputs:
    """What the planner knows now, per cell (arrays of length ``n_cells``).

    Attributes:
        users: Forecast connected users of each cell's own demand (worst step of the horizon).
        prb: Forecast DL PRB use (%) of each cell's own demand, p90, worst step of the horizon.
        asleep: The cell sleeps now.
        serving: The cell is in service (not faulty, site powered), asleep or not.
        may_sleep: Guards and state allow a sleep action on the cell now.
        may_wake: Guards allow a wake action on the cell now (None: every cell).
        slack: KQI budget left for this plan, in lost user-steps.
        steps: Steps the plan holds for (the horizon the budget is spent over).
        harm: User-steps of KQI harm per step, besides lost users, if the cell sleeps (the
            throughput its covered users lose); None: none.
        saving_kwh: Energy a sleep of the cell saves per step; with ``price_kwh`` it orders
            the candidates by net value (a capacity cell over its coverage partner); None:
            by users lost only.
        price_kwh: Price of one lost (or harmed) user-step, kWh.
    """

    users: F64
    prb: F64
    asleep: NDArray[np.bool_]
    serving: NDArray[np.bool_]
    may_sleep: NDArray[np.bool_]
    slack: float
    steps: int
    may_wake: NDArray[np.bool_] | None = None
    harm: F64 | None = None
    saving_kwh: F64 | None = None
    price_kwh: float = 0.0


@dataclass
class EnergyPlan:
    """The planner's answer (cell indices) and its predictions."""

    sleep: list[int] = field(default_factory=list)
    wake: list[int] = field(default_factory=list)
    reasons: dict[int, str] = field(default_factory=dict)
    lost_per_step: float = 0.0  # forecast users lost per step with the plan applied
    users_asleep: float = 0.0  # forecast users of the cells asleep after the plan
    neighbour_prb_max: float = 0.0  # worst forecast PRB of an awake neighbour of a sleeper
    harm_per_step: float = 0.0  # forecast throughput harm (user-steps per step) of the sleepers


def awake_cover(topo: CompiledTopology, awake: NDArray[np.bool_]) -> F64:
    """Per cell: the share of its users its awake neighbours cover, ``min(1, sum overlap)``."""
    w = topo.nbr_overlap.astype(np.float64) * awake[topo.nbr_idx]
    rows = np.repeat(np.arange(topo.n_cells), np.diff(topo.nbr_ptr))
    return np.minimum(np.bincount(rows, weights=w, minlength=topo.n_cells), 1.0)


class _State:
    """Awake set, covers and absorbed load while the greedy plan is built."""

    def __init__(self, topo: CompiledTopology, inp: PlanInputs) -> None:
        self.topo = topo
        self.inp = inp
        self.awake = inp.serving & ~inp.asleep
        cap = topo.cell_capacity_dl_mbps.astype(np.float64)
        self.cap = np.maximum(cap, 1e-9)
        self.load = inp.prb / 100.0 * self.cap  # own forecast load, Mbit/s
        self.extra = np.zeros(topo.n_cells)  # load absorbed from sleepers, Mbit/s
        self.harm = np.zeros(topo.n_cells) if inp.harm is None else inp.harm
        for i in np.flatnonzero(inp.serving & inp.asleep):
            self._spread(int(i), +1.0)

    def row(self, i: int) -> tuple[NDArray[np.int32], F64]:
        t = self.topo
        a, b = t.nbr_ptr[i], t.nbr_ptr[i + 1]
        return t.nbr_idx[a:b], t.nbr_overlap[a:b].astype(np.float64)

    def _spread(self, i: int, sign: float) -> None:
        idx, ov = self.row(i)
        w = ov * self.awake[idx]
        total = w.sum()
        if total > 0:
            moved = (self.load[i] + self.extra[i]) * min(total, 1.0)
            self.extra[idx] += sign * moved * w / total

    def prb_after(self, i: int) -> F64:
        """Forecast PRB (%) of ``i``'s awake neighbours if ``i`` slept too."""
        idx, ov = self.row(i)
        w = ov * self.awake[idx]
        total = w.sum()
        add = (self.load[i] + self.extra[i]) * min(total, 1.0) * w / max(total, 1e-12)
        prb = self.inp.prb[idx] + 100.0 * (self.extra[idx] + add) / self.cap[idx]
        return np.asarray(prb[self.awake[idx]], dtype=np.float64)

    def overlap(self, k: int, i: int) -> float:
        """Share of ``k``'s users that ``i`` covers (``k``'s row: overlaps may be asymmetric)."""
        idx, ov = self.row(k)
        hit = np.flatnonzero(idx == i)
        return float(ov[hit[0]]) if hit.size else 0.0

    def raw_cover(self, i: int) -> float:
        idx, ov = self.row(i)
        return float((ov * self.awake[idx]).sum())

    def cover(self, i: int) -> float:
        return min(1.0, self.raw_cover(i))

    def lost_if_sleeps(self, i: int) -> float:
        """Extra users lost per step if ``i`` sleeps (its own, and sleepers it covers)."""
        u = self.inp.users
        lost = u[i] * (1.0 - self.cover(i)) + float(self.harm[i])
        idx, _ = self.row(i)
        for k in idx.tolist():
            if self.inp.serving[k] and not self.awake[k]:
                raw, o = self.raw_cover(k), self.overlap(k, i)
                lost += u[k] * (min(1.0, raw) - min(1.0, max(0.0, raw - o)))
        return float(lost)

    def sleepers_stay_covered(self, i: int, max_share: float) -> bool:
        """True when every sleeping neighbour of ``i`` keeps its uncovered share under
        ``max_share`` if ``i`` sleeps too."""
        idx, _ = self.row(i)
        for k in idx.tolist():
            asleep = self.inp.serving[k] and not self.awake[k]
            uncovered = 1.0 - min(1.0, self.raw_cover(k) - self.overlap(k, i))
            if asleep and uncovered > max_share + 1e-9:
                return False
        return True

    def set_asleep(self, i: int) -> None:
        self._spread(i, +1.0)
        self.awake[i] = False

    def set_awake(self, i: int) -> None:
        self.awake[i] = True
        self._spread(i, -1.0)


def _sleeping(s: _State) -> NDArray[np.intp]:
    return np.flatnonzero(s.inp.serving & ~s.awake)


def _lost_now(s: _State) -> float:
    """Forecast lost users plus throughput harm per step of the cells asleep."""
    return float(sum(s.inp.users[k] * (1.0 - s.cover(int(k))) + s.harm[k] for k in _sleeping(s)))


def make_plan(topo: CompiledTopology, inp: PlanInputs, cfg: PlanSettings) -> EnergyPlan:
    """Greedy plan: wake what must wake, then sleep the cheapest cells the budget allows.

    Wake (wake-up on demand): a sleeping cell whose neighbours are forecast above
    ``wake_prb``, whose uncovered share exceeds ``max_lost_share`` or whose lost users exceed
    ``max_lost_users`` per step (both with hysteresis); then, while the forecast lost users
    over the horizon exceed the slack, the sleeper losing the most users.
    Sleep: candidates below ``sleep_prb`` in order of users lost per step (fewest first; or of
    net value, energy saved less the price of the users lost or harmed, when the inputs give
    ``saving_kwh``), each taken when its lost share, its neighbours' absorbed load and the
    slack allow.
    """
    s = _State(topo, inp)
    plan = EnergyPlan()
    for k in _sleeping(s).tolist():
        if inp.may_wake is not None and not inp.may_wake[k]:
            continue
        idx, _ = s.row(k)
        nb = idx[s.awake[idx]]
        peak = float((inp.prb[nb] + 100.0 * s.extra[nb] / s.cap[nb]).max()) if nb.size else 0.0
        lost_share = 1.0 - s.cover(k)
        why = None
        if peak > cfg.wake_prb:
            why = f"neighbours forecast at {peak:.0f}% PRB > {cfg.wake_prb:g}%"
        elif lost_share > cfg.max_lost_share + _SHARE_HYSTERESIS:
            why = f"{lost_share:.0%} of its users would be uncovered"
        elif inp.users[k] * lost_share > _WAKE_HYSTERESIS * cfg.max_lost_users:
            why = f"{inp.users[k] * lost_share:.1f} users/step would be lost"
        if why is not None:
            s.set_awake(k)
            plan.wake.append(k)
            plan.reasons[k] = "wake: " + why
    while _sleeping(s).size and _lost_now(s) * inp.steps > inp.slack + 1e-9:
        sleepers = _sleeping(s)
        if inp.may_wake is not None:
            sleepers = sleepers[inp.may_wake[sleepers]]
            if not sleepers.size:
                break
        costs = [inp.users[k] * (1.0 - s.cover(int(k))) + s.harm[k] for k in sleepers]
        k = int(sleepers[int(np.argmax(costs))])
        s.set_awake(k)
        plan.wake.append(k)
        plan.reasons[k] = "wake: KQI budget spent"
    lost = _lost_now(s)
    cand = np.flatnonzero(s.awake & inp.may_sleep & (inp.prb < cfg.sleep_prb))
    cost = {i: inp.users[i] * (1.0 - s.cover(i)) + s.harm[i] for i in cand.tolist()}
    saving = inp.saving_kwh
    if saving is None:
        order = sorted(cost, key=lambda i: (cost[i], i))
    else:  # best net value first: energy saved less the price of its users
        order = sorted(cost, key=lambda i: (inp.price_kwh * cost[i] - saving[i], i))
    limit = len(order) if cfg.max_cells is None else cfg.max_cells
    for i in order:
        if len(plan.sleep) >= limit:
            break
        if 1.0 - s.cover(i) > cfg.max_lost_share + 1e-9:
            continue
        extra = s.lost_if_sleeps(i)
        if extra > cfg.max_lost_users or not s.sleepers_stay_covered(i, cfg.max_lost_share):
            continue
        if (lost + extra) * inp.steps > inp.slack + 1e-9:
            continue
        after = s.prb_after(i)
        if after.size and float(after.max()) > cfg.absorb_prb:
            continue
        s.set_asleep(i)
        lost += extra
        plan.sleep.append(i)
        plan.reasons[i] = (
            f"sleep: forecast {inp.prb[i]:.0f}% PRB, {inp.users[i]:.1f} users, "
            f"{1.0 - s.cover(i):.0%} uncovered"
        )
    plan.lost_per_step = _lost_now(s)
    asleep = _sleeping(s)
    plan.users_asleep = float(inp.users[asleep].sum())
    plan.harm_per_step = float(s.harm[asleep].sum())
    peak = 0.0
    for k in asleep.tolist():
        idx, _ = s.row(k)
        nb = idx[s.awake[idx]]
        if nb.size:
            peak = max(peak, float((inp.prb[nb] + 100.0 * s.extra[nb] / s.cap[nb]).max()))
    plan.neighbour_prb_max = peak
    return plan
