"""Match operational policies against a Situation and apply the guard policies' verdicts."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from autonet.knowledge.rules.guards import GuardVerdict, evaluate_guards
from autonet.knowledge.rules.model import (
    AlarmCondition,
    Condition,
    EventCondition,
    ForecastCondition,
    KpiCondition,
    Operation,
    OperationalPolicy,
    PolicySet,
    StateCondition,
    Trigger,
)
from autonet.knowledge.rules.situation import Situation

__all__ = ["MatchedOperation", "PolicyMatcher"]

_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
_SEVERITY = {"warning": 0, "minor": 1, "major": 2, "critical": 3}


@dataclass(frozen=True)
class MatchedOperation:
    """One operation of a triggered policy on one target, with the guards' verdicts.

    ``step`` is the operation's position in the policy; the executor starts at step 0 and
    follows ``operation.success`` / ``operation.failure`` (see ``OperationalPolicy.next_step``).
    """

    policy_id: str
    scenario: str
    priority: int
    trigger_object: str
    step: int
    operation: Operation
    target: str
    parameters: dict[str, Any]
    evidence: tuple[str, ...]
    verdicts: tuple[GuardVerdict, ...] = field(default_factory=tuple)

    @property
    def allowed(self) -> bool:
        """True when every applicable guard allows the action."""
        return all(v.allowed for v in self.verdicts)

    @property
    def denials(self) -> list[str]:
        """The reasons of the guards that deny the action."""
        return [f"{v.guard_id}: {v.reason}" for v in self.verdicts if not v.allowed]


class PolicyMatcher:
    """Evaluates every operational policy's trigger per object and expands its operations.

    Args:
        policies: the validated policy set (``load_policies`` / ``load_default_policies``).
    """

    def __init__(self, policies: PolicySet) -> None:
        if not isinstance(policies, PolicySet):
            raise TypeError(f"policies: expected a PolicySet, got {type(policies).__name__}")
        self.policies = policies

    def match(self, situation: Situation) -> list[MatchedOperation]:
        """Operations applicable now, highest priority first, each with its guards' verdicts."""
        out: list[MatchedOperation] = []
        for policy in self.policies.operational:
            for obj, evidence in sorted(self._triggered(policy.trigger, situation).items()):
                out.extend(self._expand(policy, obj, evidence, situation))
        out.sort(key=lambda m: (-m.priority, m.policy_id, m.trigger_object, m.step, m.target))
        return out

    # -- triggers ----------------------------------------------------------------------------
    def _triggered(self, trigger: Trigger, situation: Situation) -> dict[str, list[str]]:
        found: dict[str, list[str]] | None = None
        for cond in trigger.all:
            hits = _evaluate(cond, situation)
            found = (
                hits if found is None else {o: [*found[o], *hits[o]] for o in found if o in hits}
            )
        if trigger.any:
            union: dict[str, list[str]] = {}
            for cond in trigger.any:
                for obj, ev in _evaluate(cond, situation).items():
                    union.setdefault(obj, []).extend(ev)
            found = (
                union if found is None else {o: [*found[o], *union[o]] for o in found if o in union}
            )
        return found or {}

    def _expand(
        self, policy: OperationalPolicy, obj: str, evidence: list[str], situation: Situation
    ) -> list[MatchedOperation]:
        out = []
        context = _event_params(policy, obj, situation)
        for step, op in enumerate(policy.operations):
            if op.target.selector == "trigger":
                targets = [obj]
            elif op.target.selector == "neighbours":
                targets = sorted(situation.neighbours.get(obj, ()))
            else:
                targets = list(op.target.nodes)
            parameters = {**context, **op.parameters}
            for target in targets:
                verdicts: list[GuardVerdict] = []
                if op.actor == "twin":
                    verdicts = evaluate_guards(
                        self.policies.guards,
                        action=op.action,
                        target=target,
                        parameters=parameters,
                        now=situation.now,
                        history=situation.history,
                    )
                out.append(
                    MatchedOperation(
                        policy_id=policy.id,
                        scenario=policy.scenario,
                        priority=policy.priority,
                        trigger_object=obj,
                        step=step,
                        operation=op,
                        target=target,
                        parameters=parameters,
                        evidence=tuple(evidence),
                        verdicts=tuple(verdicts),
                    )
                )
        return out


def _event_params(policy: OperationalPolicy, obj: str, situation: Situation) -> dict[str, Any]:
    """Parameters of the request that triggered the policy (e.g. the slice's SLA)."""
    kinds = {
        c.event for c in [*policy.trigger.all, *policy.trigger.any] if isinstance(c, EventCondition)
    }
    for event in situation.events:
        if event.kind in kinds and event.target == obj:
            return dict(event.params)
    return {}


def _evaluate(cond: Condition, situation: Situation) -> dict[str, list[str]]:
    if isinstance(cond, KpiCondition):
        return _kpi(cond, situation)
    if isinstance(cond, AlarmCondition):
        return _alarm(cond, situation)
    if isinstance(cond, ForecastCondition):
        return _forecast(cond, situation)
    if isinstance(cond, EventCondition):
        return {
            e.target: [f"{e.kind} on {e.target}"]
            for e in situation.events
            if e.kind == cond.event and all(e.params.get(k) == v for k, v in cond.match.items())
        }
    assert isinstance(cond, StateCondition)
    return {o: [f"{o} is {s}"] for o, s in situation.states.items() if s == cond.state}


def _kpi(cond: KpiCondition, situation: Situation) -> dict[str, list[str]]:
    kpis = situation.kpis
    if kpis is None or cond.kpi not in kpis.columns:
        return {}
    now = pd.Timestamp(situation.now)
    frame = kpis[pd.to_datetime(kpis["time"]) <= now]
    if frame.empty:
        return {}
    wide = frame.pivot_table(index="time", columns="object", values=cond.kpi, aggfunc="last")
    wide.index = pd.to_datetime(wide.index)
    if cond.scope == "neighbours":
        cols = {}
        for obj, neigh in situation.neighbours.items():
            present = [n for n in neigh if n in wide.columns]
            if present:
                cols[obj] = getattr(wide[present], cond.agg)(axis=1, skipna=False)
        if not cols:
            return {}
        wide = pd.DataFrame(cols)
    hits: dict[str, list[str]] = {}
    compare = _OPS[cond.op]
    where = "neighbours' " + cond.agg + " " if cond.scope == "neighbours" else ""
    for obj in wide.columns:
        series = wide[obj].dropna()
        if series.empty:
            continue
        if cond.hold <= timedelta(0):
            window = series.iloc[-1:]
        else:
            if series.index[0] > now - cond.hold:
                continue  # history shorter than the hold: cannot tell it held
            window = series[series.index >= now - cond.hold]
            if window.empty:
                continue
        values = window.to_numpy(dtype=float)
        if np.all(compare(values, cond.value)):
            held = f" for {cond.hold}" if cond.hold > timedelta(0) else ""
            hits[str(obj)] = [
                f"{where}{cond.kpi} {cond.op} {cond.value:g}{held} (latest {values[-1]:.4g})"
            ]
    return hits


def _alarm(cond: AlarmCondition, situation: Situation) -> dict[str, list[str]]:
    hits: dict[str, list[str]] = {}
    floor = _SEVERITY[cond.min_severity]
    for alarm in situation.alarms:
        active = alarm.raised_at <= situation.now - cond.hold and (
            alarm.cleared_at is None or alarm.cleared_at > situation.now
        )
        if alarm.alarm_type == cond.alarm and active and _SEVERITY[alarm.severity] >= floor:
            hits.setdefault(alarm.node, []).append(
                f"{alarm.alarm_type} ({alarm.severity}) on {alarm.node} since {alarm.raised_at}"
            )
    return hits


def _forecast(cond: ForecastCondition, situation: Situation) -> dict[str, list[str]]:
    fc = situation.forecasts
    if fc is None or fc.empty:
        return {}
    now = pd.Timestamp(situation.now)
    times = pd.to_datetime(fc["time"])
    rows = fc[(fc["kpi"] == cond.forecast) & (times > now) & (times <= now + cond.within)]
    rows = rows[_OPS[cond.op](rows[cond.quantile].to_numpy(dtype=float), cond.value)]
    hits: dict[str, list[str]] = {}
    for obj, group in rows.groupby("object", sort=True):
        first = group.sort_values("time").iloc[0]
        hits[str(obj)] = [
            f"forecast {cond.forecast} {cond.quantile} {cond.op} {cond.value:g} at "
            f"{first['time']} ({first[cond.quantile]:.4g})"
        ]
    return hits
