"""The twin: a vectorised time-stepped simulator of the network with faults, actions, clones."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

import networkx as nx
import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.sparse import csr_matrix

from autonet.twin.compile import compile_topology
from autonet.twin.energy import PowerModel
from autonet.twin.events import Alarm, FaultRecord
from autonet.twin.physics import CELL_ROW, neighbour_matrix, step_physics
from autonet.twin.radio import RadioModel
from autonet.twin.state import CompiledTopology, TwinState
from autonet.twin.store import KpiStore, Level
from autonet.twin.traffic import TrafficEvent, TrafficModel

if TYPE_CHECKING:
    from autonet.twin.actions import ActionRecord

__all__ = ["SimResult", "StepResult", "Twin"]


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


class Twin:
    """A digital twin of the network described by ``topology``.

    Args:
        topology: Graph in the schema of :mod:`autonet.twin.schema` (never mutated).
        seed: Seed of every random draw (traffic scale and noise, fault delays).
        start: Time of step 0.
        step_minutes: Step length.
        traffic: Traffic model (copied; default ``TrafficModel()``).
        radio: Radio constants (default ``RadioModel()``).
        power: Power model (default EARTH macro ``PowerModel()``).
        record: Keep every step's KPIs for ``kpis()`` (turn off for long what-if runs).

    Raises:
        TopologyError: The topology breaks the schema.
        ValueError: ``step_minutes`` is not in 1..1440.
    """

    def __init__(
        self,
        topology: nx.Graph,
        *,
        seed: int = 7,
        start: datetime = datetime(2026, 1, 5),
        step_minutes: int = 15,
        traffic: TrafficModel | None = None,
        radio: RadioModel | None = None,
        power: PowerModel | None = None,
        record: bool = True,
    ) -> None:
        if isinstance(step_minutes, bool) or not isinstance(step_minutes, int):
            raise ValueError(f"step_minutes must be an integer in 1..1440, got {step_minutes!r}")
        if not 1 <= step_minutes <= 1440:
            raise ValueError(f"step_minutes must be in 1..1440, got {step_minutes}")
        self.radio = radio or RadioModel()
        self.compiled: CompiledTopology = compile_topology(topology, radio=self.radio)
        self.state = TwinState.initial(self.compiled)
        self.seed = int(seed)
        self.start = start
        self.step_minutes = step_minutes
        self.power = power or PowerModel()
        self.traffic = (traffic or TrafficModel()).copy()
        self.traffic.bind(self.compiled, self.seed)
        self.record = record
        self.step_index = 0
        self.alarms: list[Alarm] = []
        self.faults: list[FaultRecord] = []
        self.actions: list[ActionRecord] = []
        #: Bookkeeping of the faults and actions modules (restore data); deep-copied by clone.
        self.ledger: dict[str, Any] = {}
        self._O: csr_matrix = neighbour_matrix(self.compiled)
        self._prev_util = np.zeros(self.compiled.n_cells)
        self._clear_at: dict[str, int] = {}
        self._store = KpiStore(
            self.compiled.cell_ids, self.compiled.link_ids, self.compiled.upf_ids
        )

    # -- time ----------------------------------------------------------------------------------
    @property
    def now(self) -> datetime:
        """Start time of the next step."""
        return self.start + self.step_index * self.step_delta

    @property
    def step_delta(self) -> timedelta:
        """Length of one step."""
        return timedelta(minutes=self.step_minutes)

    def rng(self, *keys: int) -> np.random.Generator:
        """A generator determined by the seed and ``keys`` (e.g. fault number, purpose)."""
        return np.random.default_rng((self.seed, *(int(k) for k in keys)))

    # -- stepping ------------------------------------------------------------------------------
    def step(self) -> StepResult:
        """Simulate one step from ``now`` and advance the clock."""
        for fault_id, at in sorted(self._clear_at.items(), key=lambda kv: kv[1]):
            if at <= self.step_index:
                self.clear_fault(fault_id)
        st, topo = self.state, self.compiled
        when = self.now
        woke = st.cell_prev_asleep & ~st.cell_asleep
        st.cell_wake_left[woke] = self.power.wake_steps
        st.cell_wake_left[st.cell_asleep] = 0
        sample = self.traffic.sample(self.step_index, when)
        demand = np.stack([sample.users, sample.dl_mbps, sample.ul_mbps])
        reserved = None
        if st.slices:
            from autonet.twin.slices import slice_reservations

            reserved = slice_reservations(topo, st, when)
        out = step_physics(
            topo, self._O, st, demand, self._prev_util,
            radio=self.radio, power=self.power, step_minutes=self.step_minutes,
            reserved=reserved,
        )  # fmt: skip
        out.cell.setflags(write=False)
        self._prev_util = out.util_dl
        np.copyto(st.cell_prev_asleep, st.cell_asleep)
        np.subtract(st.cell_wake_left, 1, out=st.cell_wake_left, where=st.cell_wake_left > 0)
        if self.record:
            self._store.append(when, out.cell, out.link_util, out.upf_load)
        result = StepResult(
            step=self.step_index,
            time=when,
            cell={name: out.cell[row] for name, row in CELL_ROW.items()},
            link_util=out.link_util,
            upf_load=out.upf_load,
        )
        self.step_index += 1
        return result

    def iter_steps(self, steps: int) -> Iterator[StepResult]:
        """Yield the results of the next ``steps`` steps as they are simulated."""
        _check_steps(steps)
        for _ in range(steps):
            yield self.step()

    def run(self, steps: int, *, progress: Callable[[int], None] | None = None) -> SimResult:
        """Simulate ``steps`` steps and summarise them.

        Args:
            steps: Number of steps (>= 0).
            progress: Called with 1 after every step (e.g. a progress bar's advance).

        Raises:
            ValueError: ``steps`` is negative or not an integer.
        """
        _check_steps(steps)
        start = self.now
        users_tot: list[float] = []
        offered: list[float] = []
        util_mean: list[float] = []
        thp_sum, thp_n, energy_wh, lost = 0.0, 0, 0.0, 0.0
        for res in self.iter_steps(steps):
            avail = res.cell["KQI.Available"] > 0
            users_tot.append(float(res.cell["RRC.ConnMean"].sum(dtype=np.float64)))
            offered.append(float(res.cell["KQI.OfferedDlMbps"].sum(dtype=np.float64)))
            util_mean.append(float(res.cell["RRU.PrbUsedDl"][avail].mean()) if avail.any() else 0.0)
            thp = res.cell["DRB.UEThpDl"][avail]
            thp_sum += float(thp.sum(dtype=np.float64))
            thp_n += int(thp.size)
            energy_wh += float(res.cell["PEE.Energy"].sum(dtype=np.float64))
            lost += float(res.cell["KQI.LostUsers"].sum(dtype=np.float64))
            if progress is not None:
                progress(1)
        busy = int(np.argmax(offered)) if offered else None
        end = self.now
        return SimResult(
            start=start,
            end=end,
            steps=steps,
            users_peak=max(users_tot, default=0.0),
            users_mean=float(np.mean(users_tot)) if users_tot else 0.0,
            busy_hour=None if busy is None else start + busy * self.step_delta,
            busy_hour_prb_util_pct=0.0 if busy is None else util_mean[busy],
            mean_throughput_dl_mbps=thp_sum / thp_n if thp_n else 0.0,
            energy_kwh=energy_wh / 1000.0,
            lost_user_steps=lost,
            alarms_raised=sum(1 for a in self.alarms if start <= a.raised_at < end),
        )

    # -- outputs -------------------------------------------------------------------------------
    def kpis(
        self,
        view: Literal["long", "wide"] = "long",
        *,
        level: Level = "cell",
        counters: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Recorded KPIs (see :meth:`autonet.twin.store.KpiStore.frame`)."""
        return self._store.frame(view, level=level, counters=counters)

    def kpi_array(self, counter: str, level: Level = "cell") -> NDArray[np.float32]:
        """``(n_steps, n_objects)`` float32 values of one recorded counter."""
        return self._store.array(counter, level)

    def active_alarms(self) -> list[Alarm]:
        """Alarms raised at or before ``now`` and not cleared by then."""
        now = self.now
        return [
            a for a in self.alarms
            if a.raised_at <= now and (a.cleared_at is None or a.cleared_at > now)
        ]  # fmt: skip

    # -- what-if -------------------------------------------------------------------------------
    def clone(self) -> Twin:
        """An independent twin at the same time and state (the compiled topology is shared)."""
        other = object.__new__(Twin)
        other.__dict__.update(self.__dict__)
        other.state = self.state.copy()
        other.traffic = self.traffic.copy()
        other.alarms = list(self.alarms)
        other.faults = [copy.copy(f) for f in self.faults]
        other.actions = copy.deepcopy(self.actions)
        other.ledger = copy.deepcopy(self.ledger)
        other._prev_util = self._prev_util.copy()
        other._clear_at = dict(self._clear_at)
        other._store = self._store.copy()
        return other

    # -- change: events, faults, actions -------------------------------------------------------
    def add_event(
        self,
        cells: Sequence[str],
        start: datetime,
        end: datetime,
        multiplier: float,
        name: str,
        *,
        ramp: timedelta = timedelta(hours=1),
    ) -> TrafficEvent:
        """Surge the users of ``cells`` (ids) by ``multiplier`` from ``start`` to ``end``.

        Raises:
            ValueError: An unknown cell id, or a bad window/multiplier (see TrafficModel).
        """
        if isinstance(cells, str):
            cells = [cells]
        unknown = [c for c in cells if c not in self.compiled.cell_index]
        if unknown:
            raise ValueError(f"event {name!r}: unknown cell ids {unknown[:5]}")
        idx = [self.compiled.cell_index[c] for c in cells]
        return self.traffic.add_event(idx, start, end, multiplier, name, ramp=ramp)

    def inject_fault(
        self,
        fault_type: str,
        target: str,
        *,
        duration_steps: int | None = None,
        **params: Any,
    ) -> FaultRecord:
        """Inject a fault now (see :func:`autonet.twin.faults.inject`); cleared after
        ``duration_steps`` steps when given, else by :meth:`clear_fault`."""
        from autonet.twin import faults

        if duration_steps is not None:
            _check_steps(duration_steps, name="duration_steps", minimum=1)
        record = faults.inject(self, fault_type, target, duration_steps=duration_steps, **params)
        if duration_steps is not None:
            self._clear_at[record.fault_id] = self.step_index + duration_steps
        return record

    def clear_fault(self, fault_id: str) -> None:
        """Clear an injected fault now (see :func:`autonet.twin.faults.clear`)."""
        from autonet.twin import faults

        faults.clear(self, fault_id)
        self._clear_at.pop(fault_id, None)

    def apply(self, kind: str, target: str, **params: Any) -> ActionRecord:
        """Apply an action (see :func:`autonet.twin.actions.apply_action`)."""
        from autonet.twin import actions

        return actions.apply_action(self, kind, target, **params)

    def undo(self, action_id: str) -> ActionRecord:
        """Undo an applied action (see :func:`autonet.twin.actions.undo_action`)."""
        from autonet.twin import actions

        return actions.undo_action(self, action_id)


def _check_steps(steps: Any, *, name: str = "steps", minimum: int = 0) -> None:
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {steps!r}")
