"""The ``rules`` baseline: threshold policies applied as they are, as a rule engine would.

:class:`RuleController` matches the default operational policies (restricted to the ones a
scenario names) against the twin after every step and runs each triggered policy's operations
through ``twin.apply``, following their success/failure chaining (``rollback`` undoes the step
before). No root-cause analysis (it acts on the alarmed or triggering object), no what-if, no
memory, no verification beyond the twin accepting the action.

A triggered policy runs once per onset: while its trigger keeps matching the same object it is
not run again; once the trigger stops matching, the object may trigger it anew. With
``revert_on_clear`` (default) the actions of an alarm-triggered policy are undone when its
alarm clears, as a SON cell-outage compensation deactivates when the cell recovers (3GPP TS
32.541); KPI- and state-triggered policies (energy, capacity) are never reverted.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd

from autonet.agents.situation import FastPolicyMatcher, operation_step, situation_from_twin
from autonet.knowledge.rules import (
    TERMINALS,
    ActionRecord,
    Event,
    MatchedOperation,
    OperationalPolicy,
    PolicySet,
    evaluate_guards,
    load_default_policies,
)
from autonet.knowledge.rules.model import AlarmCondition, EventCondition, KpiCondition, Operation
from autonet.platform.scenarios.base import ScenarioError
from autonet.twin.actions import ActionError

if TYPE_CHECKING:
    from autonet.twin import Twin

__all__ = ["Episode", "RuleController"]

logger = logging.getLogger(__name__)


@dataclass
class Episode:
    """One run of one policy for one triggering object."""

    policy_id: str
    trigger: str
    opened_at: str
    evidence: list[str]
    terminal: str = ""
    steps: list[str] = field(default_factory=list)  # operation ids, in the order run
    actions: list[str] = field(default_factory=list)  # twin action ids applied (incl. undos)
    denials: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    cleared_at: str | None = None
    reverted: list[str] = field(default_factory=list)  # undo action ids applied on clear

    def as_row(self) -> dict[str, Any]:
        """Flat values for a report table."""
        return {
            "policy": self.policy_id,
            "trigger": self.trigger,
            "opened_at": self.opened_at,
            "outcome": self.terminal,
            "actions": len(self.actions),
            "denied": len(self.denials),
            "errors": len(self.errors),
            "cleared_at": self.cleared_at or "",
            "reverted": len(self.reverted),
        }


def _alarm_triggered(policy: OperationalPolicy) -> bool:
    return any(isinstance(c, AlarmCondition) for c in [*policy.trigger.all, *policy.trigger.any])


def _event_kinds(policy: OperationalPolicy) -> set[str]:
    conds = [*policy.trigger.all, *policy.trigger.any]
    return {c.event for c in conds if isinstance(c, EventCondition)}


class RuleController:
    """The ``rules`` baseline on one twin; call :meth:`tick` after every ``twin.step()``.

    Args:
        twin: The network it acts on.
        policy_ids: Operational policies to use (ids in ``policies``), e.g.
            ``["heal-cell-outage", "heal-fibre-cut"]``. Every guard policy applies.
        policies: The policy set (default: ``load_default_policies()``).
        kpi_steps: Steps of KPI history the rules see (at least enough for the longest
            ``for:`` hold of the policies' KPI conditions). Only the counters those conditions
            read are taken from the twin.
        revert_on_clear: Undo an alarm-triggered policy's actions when its alarm clears.
        forecasts: Called with the twin each tick for the ``forecast:`` conditions (None: the
            rules see no forecasts, so forecast-triggered policies never fire).
        actor: Name recorded on the action history.

    Raises:
        ScenarioError: No policy ids, or an id not in ``policies`` (the known ones are listed).
    """

    def __init__(
        self,
        twin: Twin,
        *,
        policy_ids: Iterable[str],
        policies: PolicySet | None = None,
        kpi_steps: int = 4,
        revert_on_clear: bool = True,
        forecasts: Callable[[Twin], pd.DataFrame | None] | None = None,
        actor: str = "rules",
    ) -> None:
        full = policies if policies is not None else load_default_policies()
        known = {p.id: p for p in full.operational}
        ids = [policy_ids] if isinstance(policy_ids, str) else list(policy_ids)
        if not ids:
            raise ScenarioError(f"give at least one policy id; known: {', '.join(known)}")
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise ScenarioError(f"unknown policy id(s) {unknown}; known: {', '.join(known)}")
        self.twin = twin
        self.policies = {i: known[i] for i in dict.fromkeys(ids)}
        self.matcher = FastPolicyMatcher(
            PolicySet(operational=list(self.policies.values()), guards=list(full.guards))
        )
        conds = [c for p in self.policies.values() for c in [*p.trigger.all, *p.trigger.any]]
        kpi_conds = [c for c in conds if isinstance(c, KpiCondition)]
        # only the counters the triggers read, and enough steps for their longest hold
        self._counters = sorted({c.kpi for c in kpi_conds})
        longest = max((c.hold for c in kpi_conds), default=timedelta(0))
        self.kpi_steps = max(kpi_steps, math.ceil(longest / twin.step_delta) + 1)
        self.revert_on_clear = revert_on_clear
        self.forecasts = forecasts
        self.actor = actor
        self.history: list[ActionRecord] = []
        self.episodes: list[Episode] = []
        self.active: dict[tuple[str, str], Episode] = {}
        self.pending_events: list[Event] = []
        self._n = 0

    # -- inputs ------------------------------------------------------------------------------
    def submit(self, event: Event) -> None:
        """Queue a request (e.g. ``Event("slice_request", name, params)``) for the next tick."""
        if not isinstance(event, Event):
            raise ScenarioError(f"submit expects a rules Event, got {type(event).__name__}")
        self.pending_events.append(event)

    # -- the loop ----------------------------------------------------------------------------
    def tick(self) -> list[dict[str, Any]]:
        """Match the policies now and run every newly triggered one; return the actions applied
        this tick (undos included, ``kind == "undo"``), as plain dicts."""
        twin = self.twin
        fc = self.forecasts(twin) if self.forecasts is not None else None
        situation = situation_from_twin(
            twin,
            kpi_steps=self.kpi_steps,
            forecasts=fc,
            events=self.pending_events,
            history=self.history,
            counters=self._counters,
        )
        groups: dict[tuple[str, str], list[MatchedOperation]] = {}
        evidence: dict[tuple[str, str], list[str]] = {}
        for m in self.matcher.match(situation):
            key = (m.policy_id, m.trigger_object)
            groups.setdefault(key, []).append(m)
            evidence.setdefault(key, list(m.evidence))
        applied: list[dict[str, Any]] = []
        for key in [k for k in self.active if k not in groups]:
            applied += self._release(key)
        for key, ops in groups.items():
            if key in self.active:
                continue
            applied += self._run(key, ops, evidence[key])
        return applied

    # -- one policy run --------------------------------------------------------------------------
    def _run(
        self, key: tuple[str, str], ops: list[MatchedOperation], evidence: list[str]
    ) -> list[dict[str, Any]]:
        policy_id, trigger = key
        policy = self.policies[policy_id]
        episode = Episode(policy_id, trigger, self.twin.now.isoformat(), evidence)
        self.episodes.append(episode)
        self.active[key] = episode
        by_step: dict[int, list[MatchedOperation]] = {}
        for m in ops:
            by_step.setdefault(m.step, []).append(m)
        index = {op.id: i for i, op in enumerate(policy.operations)}
        applied: list[dict[str, Any]] = []
        last: list[str] = []  # action ids of the last twin step, for a rollback
        current = policy.operations[0].id
        for _ in range(2 * len(policy.operations) + 1):  # chaining may loop; bound it
            if current in TERMINALS:
                break
            op = policy.operation(current)
            episode.steps.append(op.id)
            ok, done = self._operation(episode, op, by_step.get(index[op.id], []), last)
            applied += done
            if done and op.action != "rollback":
                last = [d["action_id"] for d in done]
            current = policy.next_step(op.id, "success" if ok else "failure")
        episode.terminal = current if current in TERMINALS else "escalate"
        kinds = _event_kinds(policy)
        if kinds:  # the request is answered (admitted or not): consume it
            self.pending_events = [
                e for e in self.pending_events if not (e.kind in kinds and e.target == trigger)
            ]
        logger.debug("rules: %s on %s -> %s", policy_id, trigger, episode.terminal)
        return applied

    def _operation(
        self,
        episode: Episode,
        op: Operation,
        matched: Sequence[MatchedOperation],
        last: Sequence[str],
    ) -> tuple[bool, list[dict[str, Any]]]:
        """Run one operation on its targets; (success, actions applied)."""
        if op.actor == "operator":
            # nobody answers in the rules baseline: a notification goes out, an approval fails
            return op.action == "notify", []
        if op.actor == "whatif":
            return self._feasible(episode, matched), []
        if op.action == "rollback":
            return self._undo(episode, list(reversed(last)))
        if not matched:
            episode.errors.append(f"{op.id}: no target")
            return False, []
        ok, done = True, []
        for m in matched:
            step = operation_step(m)
            if step is None:
                continue
            verdicts = evaluate_guards(
                self.matcher.policies.guards,
                action=step["kind"],
                target=step["target"],
                parameters=step["params"],
                now=self.twin.now,
                history=self.history,
            )
            denied = [f"{v.guard_id}: {v.reason}" for v in verdicts if not v.allowed]
            if denied:
                episode.denials += denied
                ok = False
                continue
            try:
                record = self.twin.apply(step["kind"], step["target"], **step["params"])
            except ActionError as exc:
                episode.errors.append(f"{op.id}: {exc}")
                ok = False
                continue
            self.history.append(
                ActionRecord(record.at, record.kind, record.target, episode.policy_id)
            )
            done.append(self._applied(episode, op.id, record))
        return ok, done

    def _feasible(self, episode: Episode, matched: Sequence[MatchedOperation]) -> bool:
        """The twin's own admission check (a dry run, not a what-if simulation)."""
        from autonet.twin.action_catalogue import ACTIONS
        from autonet.twin.actions import slice_feasibility

        accepted = {n for params in ACTIONS["slice_admit"].targets.values() for n in params}
        ok = bool(matched)
        for m in matched:
            params = {k: v for k, v in m.parameters.items() if k in accepted}
            try:
                feasible = slice_feasibility(self.twin, m.target, **params)
            except ActionError as exc:
                episode.errors.append(f"feasibility of {m.target}: {exc}")
                ok = False
                continue
            if not feasible.ok:
                episode.errors.append(f"infeasible {m.target}: {'; '.join(feasible.reasons)}")
                ok = False
        return ok

    def _undo(self, episode: Episode, ids: Sequence[str]) -> tuple[bool, list[dict[str, Any]]]:
        ok, done = True, []
        for action_id in ids:
            try:
                record = self.twin.undo(action_id)
            except ActionError as exc:
                episode.errors.append(f"undo {action_id}: {exc}")
                ok = False
                continue
            done.append(self._applied(episode, "rollback", record))
        return ok, done

    def _release(self, key: tuple[str, str]) -> list[dict[str, Any]]:
        """The trigger stopped matching: close the episode (undo it for a cleared alarm)."""
        episode = self.active.pop(key)
        episode.cleared_at = self.twin.now.isoformat()
        if not (self.revert_on_clear and _alarm_triggered(self.policies[key[0]])):
            return []
        undone = {r.undoes for r in self.twin.actions if r.undoes is not None}
        live = [a for a in episode.actions if a not in undone and self._is_action(a)]
        _, done = self._undo(episode, list(reversed(live)))
        episode.reverted = [d["action_id"] for d in done]
        return done

    def _is_action(self, action_id: str) -> bool:
        return any(r.action_id == action_id and r.kind != "undo" for r in self.twin.actions)

    def _applied(self, episode: Episode, op_id: str, record: Any) -> dict[str, Any]:
        self._n += 1
        episode.actions.append(record.action_id)
        return {
            "key": f"{self.actor}/{episode.policy_id}/{episode.trigger}/{self._n}",
            "action_id": record.action_id,
            "kind": record.kind,
            "target": record.target,
            "params": dict(record.params),
            "at": record.at.isoformat(),
            "reused": False,
            "policy_id": episode.policy_id,
            "trigger": episode.trigger,
            "operation": op_id,
            "undoes": record.undoes,
        }
