"""The rules' view of the twin: a ``Situation`` for the policy matcher, and its operations as steps.

Playbooks use the operational policies as one source of candidate remedies and the ``rules``
baseline uses them alone; both look at the network the same way, through
:func:`situation_from_twin`. KPI samples are stamped at the END of their step (when a 3GPP
counter of the granularity period is reported), so the latest sample is at ``twin.now`` and a
``for:`` hold shorter than a step (the policies' 120 s or 300 s) is satisfied by the latest
sample alone; a longer hold needs more steps of history (``kpi_steps``).

Ground truth never reaches the rules: alarms are handed over without their ``fault_id`` and
``root`` fields (the twin keeps those for evaluation only).
"""

from __future__ import annotations

import dataclasses
import weakref
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from autonet.agents.messages import ActionStep
from autonet.knowledge.rules import (
    ActionRecord,
    Event,
    MatchedOperation,
    PolicyMatcher,
    Situation,
)
from autonet.knowledge.rules.matcher import _OPS, _evaluate  # the base's own evaluation
from autonet.knowledge.rules.model import KpiCondition, Trigger
from autonet.twin.action_catalogue import ACTIONS

if TYPE_CHECKING:
    from autonet.twin import Twin
    from autonet.twin.state import CompiledTopology
    from autonet.twin.store import Level

__all__ = [
    "CELL_STATES",
    "NON_TWIN_ACTIONS",
    "FastPolicyMatcher",
    "cell_states",
    "neighbour_map",
    "operation_step",
    "operation_steps",
    "situation_from_twin",
]

#: Operational states a cell can be in, as the ``state:`` conditions of the policies see them.
CELL_STATES: Final[tuple[str, ...]] = ("active", "asleep", "waking", "down")
#: Policy operations that are not twin actions (the rollback is an undo; a feasibility
#: check is a dry run): ``operation_step`` returns None for them.
NON_TWIN_ACTIONS: Final[frozenset[str]] = frozenset({"rollback"})

# Neighbour maps per compiled topology (shared by clones; built once, never mutated).
_NEIGHBOURS: weakref.WeakKeyDictionary[CompiledTopology, dict[str, tuple[str, ...]]] = (
    weakref.WeakKeyDictionary()
)


def neighbour_map(twin: Twin) -> dict[str, tuple[str, ...]]:
    """Cell id -> its neighbour cell ids (the topology's neighbour relation), cached per topology.

    The returned mapping is shared: do not mutate it.
    """
    topo = twin.compiled
    cached = _NEIGHBOURS.get(topo)
    if cached is None:
        ids = topo.cell_ids
        ptr, idx = topo.nbr_ptr, topo.nbr_idx
        cached = {cid: tuple(ids[j] for j in idx[ptr[i] : ptr[i + 1]]) for i, cid in enumerate(ids)}
        _NEIGHBOURS[topo] = cached
    return cached


def cell_states(twin: Twin) -> dict[str, str]:
    """Each cell's operational state now: ``down`` (out of service: a fault, its site
    unpowered), ``asleep`` (energy saving), ``waking`` (woken, not serving yet) or ``active``."""
    st, topo = twin.state, twin.compiled
    down = ~st.cell_on | ~st.site_powered[topo.cell_site]
    code = np.zeros(topo.n_cells, dtype=np.int8)  # 0 active
    code[(st.cell_wake_left > 0) | (st.cell_prev_asleep & ~st.cell_asleep)] = 2
    code[st.cell_asleep] = 1
    code[down] = 3
    return {cid: CELL_STATES[c] for cid, c in zip(topo.cell_ids, code.tolist(), strict=True)}


def _recent_kpis(twin: Twin, steps: int, counters: Sequence[str] | None) -> pd.DataFrame | None:
    """The last ``steps`` recorded steps as rows (time = end of step, object, one column per
    counter); links carry ``TN.LinkUtil`` and UPFs ``UPF.Load`` (NaN in the other columns).
    Rows go time by time: cells, then links, then UPFs; ``object`` is categorical."""
    # a tail read: whole-history reads (twin.kpis) would cost O(history) per tick
    times = twin.kpi_times(last=steps)
    n = len(times)
    if n == 0:
        return None
    topo = twin.compiled
    ids_of = {"cell": topo.cell_ids, "link": topo.link_ids, "upf": topo.upf_ids}
    parts: list[tuple[Level, list[int], list[str], list[str]]] = []  # rows, names, ids
    levels: tuple[Level, ...] = ("cell", "link", "upf")
    for level in levels:
        names = twin.kpi_counters(level)
        rows = [i for i, c in enumerate(names) if counters is None or c in counters]
        if rows and len(ids_of[level]):
            parts.append((level, rows, [names[i] for i in rows], list(ids_of[level])))
    if not parts:
        return None
    columns = [c for _, _, names, _ in parts for c in names]
    ids = [o for *_, level_ids in parts for o in level_ids]
    data = np.full((n, len(ids), len(columns)), np.nan, dtype=np.float32)
    r0 = c0 = 0
    for level, rows, names, level_ids in parts:
        cube = twin.recent_kpis(level, last=n)[:, rows, :]  # (time, counter, object)
        data[:, r0 : r0 + len(level_ids), c0 : c0 + len(names)] = cube.transpose(0, 2, 1)
        r0, c0 = r0 + len(level_ids), c0 + len(names)
    frame = pd.DataFrame(data.reshape(n * len(ids), len(columns)), columns=columns)
    codes = np.tile(np.arange(len(ids), dtype=np.int32), n)
    objects = pd.Series(pd.Categorical.from_codes(codes, categories=pd.Index(ids)))
    frame.insert(0, "object", objects)
    ends = pd.DatetimeIndex(times) + twin.step_delta
    frame.insert(0, "time", np.repeat(ends.values, len(ids)))
    return frame


def situation_from_twin(
    twin: Twin,
    *,
    kpi_steps: int = 4,
    forecasts: pd.DataFrame | None = None,
    events: Sequence[Event] = (),
    history: Sequence[ActionRecord] = (),
    counters: Sequence[str] | None = None,
) -> Situation:
    """What the policy matcher sees of ``twin`` now (``twin.now``).

    Args:
        twin: The network.
        kpi_steps: Recorded steps of KPI history to include (>= 1; a ``for:`` hold longer
            than one step needs ``hold / step + 1`` of them). A twin that records nothing
            gives no KPIs (KPI conditions then never match).
        forecasts: Passed through (columns time, object, kpi, p10, p50, p90).
        events: Pending requests (e.g. ``Event("slice_request", name, params)``), passed through.
        history: Actions applied so far by whoever asks (for the frequency limiter).
        counters: Only these counters in the KPI frame (default: every recorded one; an empty
            list: no KPIs, e.g. for alarm-only policies).

    Returns:
        A ``Situation`` with the KPIs, the active alarms (without ground truth), the cells'
        states and neighbour relations, and what was passed through.

    Raises:
        ValueError: ``kpi_steps`` is not an integer >= 1.
    """
    if isinstance(kpi_steps, bool) or not isinstance(kpi_steps, int) or kpi_steps < 1:
        raise ValueError(f"kpi_steps must be an integer >= 1, got {kpi_steps!r}")
    alarms = [dataclasses.replace(a, fault_id=None, root=False) for a in twin.active_alarms()]
    return Situation(
        now=twin.now,
        kpis=_recent_kpis(twin, kpi_steps, counters),
        alarms=alarms,
        forecasts=forecasts,
        events=tuple(events),
        states=cell_states(twin),
        neighbours=neighbour_map(twin),
        history=tuple(history),
    )


def _accepted(kind: str) -> set[str]:
    spec = ACTIONS[kind]
    return {name for params in spec.targets.values() for name in params}


def operation_step(op: MatchedOperation) -> ActionStep | None:
    """The twin action of a matched policy operation, or None when it is not a twin action.

    None for operations of the ``whatif`` actor (``feasibility_check``), the ``operator``
    actor (``notify``, ``approve``) and ``rollback`` (an undo of the step before, not an
    action). The parameters are the operation's merged with those of the request that
    triggered it (e.g. a slice request's SLA), keeping only the ones the action accepts.
    """
    operation = op.operation
    if operation.actor != "twin" or operation.action in NON_TWIN_ACTIONS:
        return None
    if operation.action not in ACTIONS:  # a policy action the twin does not know
        return None
    accepted = _accepted(operation.action)
    params: dict[str, Any] = {k: v for k, v in op.parameters.items() if k in accepted}
    return ActionStep(kind=operation.action, target=op.target, params=params)


def operation_steps(ops: Sequence[MatchedOperation]) -> list[ActionStep]:
    """The twin actions of ``ops`` in order (non-twin operations skipped)."""
    return [s for s in (operation_step(o) for o in ops) if s is not None]


class FastPolicyMatcher(PolicyMatcher):
    """``PolicyMatcher`` with its KPI conditions evaluated on arrays: the same matches.

    The base evaluates a KPI condition object by object in pandas (tens of milliseconds per
    condition for a few dozen cells); this evaluates every object at once with numpy, with the
    same semantics (holds, neighbour aggregation with NaN propagation, evidence text). Alarm,
    forecast, event and state conditions use the base's evaluation.
    """

    def match(self, situation: Situation) -> list[MatchedOperation]:
        """As :meth:`PolicyMatcher.match`."""
        self._wide: dict[str, tuple[np.ndarray, list[str], np.ndarray] | None] = {}
        try:
            return super().match(situation)
        finally:
            self._wide = {}

    def _triggered(self, trigger: Trigger, situation: Situation) -> dict[str, list[str]]:
        found: dict[str, list[str]] | None = None
        for cond in trigger.all:
            hits = self._condition(cond, situation)
            found = (
                hits if found is None else {o: [*found[o], *hits[o]] for o in found if o in hits}
            )
        if trigger.any:
            union: dict[str, list[str]] = {}
            for cond in trigger.any:
                for obj, ev in self._condition(cond, situation).items():
                    union.setdefault(obj, []).extend(ev)
            found = (
                union if found is None else {o: [*found[o], *union[o]] for o in found if o in union}
            )
        return found or {}

    def _condition(self, cond: Any, situation: Situation) -> dict[str, list[str]]:
        if isinstance(cond, KpiCondition):
            return self._kpi(cond, situation)
        return _evaluate(cond, situation)

    def _values(
        self, kpi: str, situation: Situation
    ) -> tuple[np.ndarray, list[str], np.ndarray] | None:
        """(times, objects, values[time, object]) of ``kpi`` up to now; last value wins;
        objects with no value at all are left out (as the base's pivot drops them)."""
        if kpi in self._wide:
            return self._wide[kpi]
        out = None
        kpis = situation.kpis
        if kpis is not None and kpi in kpis.columns:
            times = pd.to_datetime(kpis["time"])
            keep = (times <= pd.Timestamp(situation.now)).to_numpy() & kpis[kpi].notna().to_numpy()
            if keep.any():
                t_codes, t_uniq = pd.factorize(times[keep], sort=True)
                o_codes, o_uniq = pd.factorize(kpis["object"][keep])
                values = np.full((len(t_uniq), len(o_uniq)), np.nan)
                values[t_codes, o_codes] = kpis[kpi].to_numpy(dtype=float)[keep]
                out = (np.asarray(t_uniq, dtype="datetime64[ns]"), list(o_uniq), values)
        self._wide[kpi] = out
        return out

    def _neighbour_index(
        self, neighbours: Mapping[str, Sequence[str]], objects: list[str]
    ) -> tuple[list[str], np.ndarray, np.ndarray] | None:
        """Objects having neighbours among ``objects``, their columns (padded with -1) and
        the padding mask; kept while the same neighbour map and objects come back."""
        cache = getattr(self, "_nbr", None)
        if cache is not None and cache[0] is neighbours and cache[1] == objects:
            return cache[2]
        column = {o: i for i, o in enumerate(objects)}
        owners, rows = [], []
        for obj, neigh in neighbours.items():
            present = [column[n] for n in neigh if n in column]
            if present:
                owners.append(obj)
                rows.append(present)
        out = None
        if owners:
            index = np.full((len(rows), max(map(len, rows))), -1)
            for i, r in enumerate(rows):
                index[i, : len(r)] = r
            out = (owners, index, index < 0)
        self._nbr = (neighbours, list(objects), out)
        return out

    def _kpi(self, cond: KpiCondition, situation: Situation) -> dict[str, list[str]]:
        got = self._values(cond.kpi, situation)
        if got is None:
            return {}
        times, objects, values = got
        if cond.scope == "neighbours":
            got_nbr = self._neighbour_index(situation.neighbours, objects)
            if got_nbr is None:
                return {}
            owners, index, pad = got_nbr
            gathered = values[:, np.where(pad, 0, index)]  # (time, owner, neighbour)
            if cond.agg == "mean":
                values = np.where(pad, 0.0, gathered).sum(-1) / (~pad).sum(-1)
            elif cond.agg == "max":
                values = np.where(pad, -np.inf, gathered).max(-1)
            else:
                values = np.where(pad, np.inf, gathered).min(-1)
            objects = owners
        valid = ~np.isnan(values)
        present = valid.any(0)
        last = len(times) - 1 - np.argmax(valid[::-1], axis=0)
        latest = values[last, np.arange(values.shape[1])]
        compare = _OPS[cond.op]
        with np.errstate(invalid="ignore"):
            if cond.hold <= timedelta(0):
                ok = present & compare(latest, cond.value)
            else:
                start = np.datetime64(pd.Timestamp(situation.now) - cond.hold, "ns")
                first = times[np.argmax(valid, axis=0)]
                inside = (times >= start)[:, None] & valid
                fine = np.where(inside, compare(values, cond.value), True).all(0)
                ok = present & (first <= start) & inside.any(0) & fine
        where = "neighbours' " + cond.agg + " " if cond.scope == "neighbours" else ""
        held = f" for {cond.hold}" if cond.hold > timedelta(0) else ""
        prefix = f"{where}{cond.kpi} {cond.op} {cond.value:g}{held} (latest "
        return {str(objects[j]): [f"{prefix}{latest[j]:.4g})"] for j in np.flatnonzero(ok).tolist()}
