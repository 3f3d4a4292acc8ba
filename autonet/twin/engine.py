"""The twin: a vectorised time-stepped simulator of the network with faults, actions, clones."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

import networkx as nx
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from autonet.twin.compile import compile_topology
from autonet.twin.energy import CellPowerModel, PowerModel, power_model_for
from autonet.twin.events import Alarm, FaultRecord
from autonet.twin.physics import CELL_ROW, step_physics
from autonet.twin.radio import RadioModel
from autonet.twin.results import SimResult, StepResult
from autonet.twin.slices import slice_reservations, slice_step
from autonet.twin.state import CompiledTopology, TwinState
from autonet.twin.stepcache import StepCache
from autonet.twin.store import KpiStore, Level
from autonet.twin.traffic import TrafficEvent, TrafficModel

if TYPE_CHECKING:
    from autonet.twin.actions import ActionRecord
    from autonet.twin.observed import ExpectedEvent

__all__ = ["Twin"]


class Twin:
    """A digital twin of the network described by ``topology``.

    Args:
        topology: Graph in the schema of :mod:`autonet.twin.schema` (never mutated).
        seed: Seed of every random draw (traffic scale and noise, fault delays).
        start: Time of step 0.
        step_minutes: Step length.
        traffic: Traffic model (copied; default ``TrafficModel()``).
        radio: Radio constants (default ``RadioModel()``).
        power: Power model (default :func:`power_model_for`: EARTH macro ``PowerModel()``,
            per-band models for a dual-layer topology).
        record: Keep every step's KPIs for ``kpis()``: True (every counter), False (none: long
            what-if runs that read ``step()`` results), or the cell counters to keep (the
            store costs ``4 x counters x cells`` bytes per step; the step writes the cell
            counters straight into it when every counter is kept).
        validate: Validate the topology first; skip only for a graph just validated (e.g. by
            ``build_topology``), it takes most of the set-up time of a big twin.

    Raises:
        TopologyError: The topology breaks the schema.
        ValueError: ``step_minutes`` is not in 1..1440, or ``record`` names an unknown counter.
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
        power: PowerModel | CellPowerModel | None = None,
        record: bool | Sequence[str] = True,
        validate: bool = True,
    ) -> None:
        if isinstance(step_minutes, bool) or not isinstance(step_minutes, int):
            raise ValueError(f"step_minutes must be an integer in 1..1440, got {step_minutes!r}")
        if not 1 <= step_minutes <= 1440:
            raise ValueError(f"step_minutes must be in 1..1440, got {step_minutes}")
        self.radio = radio or RadioModel()
        self.compiled: CompiledTopology = compile_topology(
            topology, radio=self.radio, validate=validate
        )
        self.state = TwinState.initial(self.compiled)
        self.seed = int(seed)
        self.start = start
        self.step_minutes = step_minutes
        self.power = power or power_model_for(self.compiled)
        self.traffic = (traffic or TrafficModel()).copy()
        self.traffic.bind(self.compiled, self.seed)
        self.record = bool(record)
        self.step_index = 0
        self.alarms: list[Alarm] = []
        self.faults: list[FaultRecord] = []
        self.actions: list[ActionRecord] = []
        #: Bookkeeping of the faults and actions modules (restore data); deep-copied by clone.
        self.ledger: dict[str, Any] = {}
        self._cache = StepCache(self.compiled, self.radio)
        self._prev_util = np.zeros(self.compiled.n_cells, dtype=np.float32)
        self._clear_at: dict[str, int] = {}
        kept = None if isinstance(record, bool) else list(record)
        self._store = KpiStore(
            self.compiled.cell_ids, self.compiled.link_ids, self.compiled.upf_ids, kept
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
        due = sorted((at, fid) for fid, at in self._clear_at.items() if at <= self.step_index)
        if due:
            self._run_scheduled(fid for _, fid in due)
        st, topo = self.state, self.compiled
        when = self.now
        sleepers = st.cell_asleep.any() or st.cell_prev_asleep.any() or st.cell_wake_left.any()
        if sleepers:  # skipped in the common case: nobody asleep or waking
            woke = st.cell_prev_asleep & ~st.cell_asleep
            st.cell_wake_left[woke] = self.power.wake_steps
            st.cell_wake_left[st.cell_asleep] = 0
        sample = self.traffic.sample(self.step_index, when)
        demand = (sample.users, sample.dl_mbps, sample.ul_mbps)
        reserved = slice_reservations(topo, st, when) if st.slices else None
        out = step_physics(
            self._cache, st, demand, self._prev_util,
            power=self.power, step_minutes=self.step_minutes, reserved=reserved,
            out=self._store.cell_slot() if self.record else None,
        )  # fmt: skip
        out.cell.setflags(write=False)
        self._prev_util = out.util_dl
        if sleepers:
            np.copyto(st.cell_prev_asleep, st.cell_asleep)
            np.subtract(st.cell_wake_left, 1, out=st.cell_wake_left, where=st.cell_wake_left > 0)
        slice_kpis: dict[str, dict[str, float]] = {}
        if st.slices:
            slice_kpis = slice_step(
                topo, st, when=when, cell_capacity_dl_mbps=out.cap_dl,
                link_delay_ms=out.link_queue_ms,
            )  # fmt: skip
        if self.record:
            self._store.append(when, out.cell, out.link_util, out.upf_load, slice_kpis)
        result = StepResult(
            step=self.step_index,
            time=when,
            cell={name: out.cell[row] for name, row in CELL_ROW.items()},
            link_util=out.link_util,
            upf_load=out.upf_load,
            slices=slice_kpis,
        )
        self.step_index += 1
        return result

    def iter_steps(self, steps: int) -> Iterator[StepResult]:
        """Yield the results of the next ``steps`` steps as they are simulated."""
        _check_steps(steps)
        for _ in range(steps):
            yield self.step()

    def run(
        self,
        steps: int,
        *,
        progress: Callable[[int], None] | None = None,
        before_step: Callable[[int], None] | None = None,
    ) -> SimResult:
        """Simulate ``steps`` steps and summarise them.

        Args:
            steps: Number of steps (>= 0).
            progress: Called with 1 after every step (e.g. a progress bar's advance).
            before_step: Called with ``k`` (0-based within this run) before step ``k`` is
                simulated, e.g. to inject faults or apply actions on a schedule.

        Raises:
            ValueError: ``steps`` is negative or not an integer.
        """
        _check_steps(steps)
        start = self.now
        users_tot: list[float] = []
        offered: list[float] = []
        util_mean: list[float] = []
        thp_sum, thp_n, energy_wh, lost = 0.0, 0, 0.0, 0.0
        for k in range(steps):
            if before_step is not None:
                before_step(k)
            res = self.step()
            avail = res.cell["KQI.Available"] > 0
            every = bool(avail.all())  # the common case: no mask needed
            users_tot.append(float(res.cell["RRC.ConnMean"].sum(dtype=np.float64)))
            offered.append(float(res.cell["KQI.OfferedDlMbps"].sum(dtype=np.float64)))
            util = res.cell["RRU.PrbUsedDl"] if every else res.cell["RRU.PrbUsedDl"][avail]
            util_mean.append(float(util.mean(dtype=np.float64)) if util.size else 0.0)
            thp = res.cell["DRB.UEThpDl"] if every else res.cell["DRB.UEThpDl"][avail]
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

    def kpi_array(
        self, counter: str, level: Level = "cell", *, last: int | None = None
    ) -> NDArray[np.float32]:
        """``(n_steps, n_objects)`` float32 values of one recorded counter.

        Args:
            counter: Counter name at ``level``.
            level: ``cell``, ``link`` or ``upf``.
            last: Only the newest ``last`` steps (cheap at any history length); all when None.
        """
        return self._store.array(counter, level, last=last)

    def recent_kpis(self, level: Level = "cell", *, last: int = 1) -> NDArray[np.float32]:
        """The newest ``last`` recorded steps of every counter of ``level``, as one
        ``(steps, counter, object)`` float32 array (counters in :meth:`kpi_counters` order,
        objects in the compiled topology's order). Cheap at any history length.
        """
        return self._store.tail(level, last)

    def kpi_counters(self, level: Level = "cell") -> list[str]:
        """Names of the counters recorded at ``level``, in storage order."""
        return self._store.counters(level)

    def kpi_times(self, *, last: int | None = None) -> list[datetime]:
        """Times of the recorded steps (only the newest ``last`` when given)."""
        times = self._store.times
        if last is None:
            return list(times)
        return list(times[len(times) - last :]) if last > 0 else []

    def observe_kpis(self, updates: Mapping[tuple[str, str], float]) -> None:
        """Overwrite the newest recorded step with observed values ``(object, counter) ->
        value`` (cells, links or UPFs, by the object's id): how replayed operator data enters
        what the loop perceives.

        Raises:
            ValueError: Nothing recorded yet.
            KeyError: An unknown object or counter.
        """
        topo = self.compiled
        by_level: dict[str, dict[tuple[str, str], float]] = {}
        for (obj, counter), value in updates.items():
            level = ("cell" if obj in topo.cell_index else "link" if obj in topo.link_index
                     else "upf" if obj in topo.upf_index else None)  # fmt: skip
            if level is None:
                raise KeyError(f"no cell, link or UPF {obj!r} in this network")
            by_level.setdefault(level, {})[(obj, counter)] = float(value)
        for level, values in by_level.items():
            self._store.replace_last(level, values)  # type: ignore[arg-type]
        self._cache = self._cache.fresh()

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
        # records are never mutated once appended (an undo appends a new one): share them
        other.actions = list(self.actions)
        other.ledger = _copy_containers(self.ledger)
        other._prev_util = self._prev_util.copy()
        other._cache = self._cache.fresh()
        other._clear_at = dict(self._clear_at)
        other._store = self._store.copy()
        return other

    def whatif_clone(
        self,
        hypotheses: Iterable[Mapping[str, Any]] = (),
        events: Iterable[ExpectedEvent] = (),
    ) -> Twin:
        """A what-if clone of what the loop observed plus ``hypotheses`` and known ``events``,
        never the ground truth (see :func:`autonet.twin.observed.observed_clone`)."""
        from autonet.twin.observed import observed_clone

        return observed_clone(self, hypotheses, events)

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
        from autonet.twin.faults import inject

        if duration_steps is not None:
            _check_steps(duration_steps, name="duration_steps", minimum=1)
        record = inject(self, fault_type, target, duration_steps=duration_steps, **params)
        if duration_steps is not None:
            self._clear_at[record.fault_id] = self.step_index + duration_steps
        return record

    def _run_scheduled(self, fault_ids: Iterator[str]) -> None:
        """Clear faults whose duration ran out (or run a fault's scheduled later phase)."""
        from autonet.twin.faults import active_faults, clear

        known = {f.fault_id for f in self.faults}
        for fid in fault_ids:
            if self._clear_at.pop(fid, None) is None:
                continue  # dropped by an earlier clear in this batch
            if fid not in known or fid in active_faults(self):  # not known: a later phase
                clear(self, fid)

    def clear_fault(self, fault_id: str) -> None:
        """Clear an injected fault now (see :func:`autonet.twin.faults.clear`)."""
        from autonet.twin.faults import clear

        clear(self, fault_id)
        self._clear_at.pop(fault_id, None)

    def apply(
        self, kind: str, target: str, *, key: str | None = None, **params: Any
    ) -> ActionRecord:
        """Apply an action (see :func:`autonet.twin.actions.apply_action`); ``key`` is an
        idempotency key stored on the record (an action with that key must not exist yet)."""
        from autonet.twin.actions import apply_action

        return apply_action(self, kind, target, key=key, **params)

    def action_by_key(self, key: str) -> ActionRecord | None:
        """The action applied with idempotency ``key``, or None (a resumed run looks here first)."""
        from autonet.twin.actions import find_by_key

        return find_by_key(self, key)

    def undo(self, action_id: str) -> ActionRecord:
        """Undo an applied action (see :func:`autonet.twin.actions.undo_action`)."""
        from autonet.twin.actions import undo_action

        return undo_action(self, action_id)


def _copy_containers(value: Any) -> Any:
    """Copy nested dicts and lists; share their leaves (the fault ledger mutates only containers).

    Much cheaper than ``copy.deepcopy`` on a long ledger: clone() runs for every what-if.
    """
    if isinstance(value, dict):
        return {k: _copy_containers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy_containers(v) for v in value]
    return value


def _check_steps(steps: Any, *, name: str = "steps", minimum: int = 0) -> None:
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {steps!r}")
