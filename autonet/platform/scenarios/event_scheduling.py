"""Scenario 2, event resource scheduling: a stadium surge met by pre-emptive capacity (or not).

A twin of ``sites`` sites warms up for ``warmup_days`` (history for the forecasts; no policy acts
and nothing is measured), then runs ``days`` with ``events`` planned events: a stadium site (urban
first, drawn from the seed) and the cells neighbouring it surge ``multiplier`` x from
``start_hour`` for ``hours`` (1 h ramps). The same events hit every policy:

* ``none`` — nothing is done;
* ``rules`` — the default policies' event-capacity rules through :class:`RuleController`
  (``event-capacity-now``: offload 30 % above 80 % PRB; ``event-capacity-forecast`` fires only
  with ``rules_forecast``, fed the same calendar-scaled forecast the agent uses);
* ``agentic`` — the closed loop with the :class:`CongestionPlaybook`, which knows the operator's
  calendar (the expected surge is off by ``calendar_error``, relative to the true excess).

Metrics, per 15-minute step after the warm-up: a cell is congested when its DL PRB use is
>= 95 % or it blocks users (``KQI.BlockedUsers`` > 0); congested cell-minutes = congested cells x
15 summed over steps (all cells, and the event area only); busy-hour throughput = mean
``DRB.UEThpDl`` of the event-area cells during the event plateaus; blocked sessions = the sum of
``KQI.BlockedUsers`` over cells and steps (user-steps); extra capacity = PRB boosts in planned
carriers x hours; lead time = minutes from the first capacity action on an event area to the
start of its surge (negative: reactive).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar

from autonet.platform.scenarios._event_plan import StepLog, plan_events
from autonet.platform.scenarios.base import (
    MetricSpec,
    PolicyResult,
    Scenario,
    ScenarioError,
    ScenarioParams,
    TargetCheck,
)
from autonet.platform.scenarios.common import build_scenario_twin, reduction_target

__all__ = ["EventScheduling"]

_RULES = ("event-capacity-forecast", "event-capacity-now")


class EventScheduling(Scenario):
    """Event resource scheduling under the three policies (see the module docstring)."""

    name: ClassVar[str] = "event-scheduling"
    title: ClassVar[str] = "Event resource scheduling"
    metrics: ClassVar[tuple[MetricSpec, ...]] = (
        MetricSpec("congested_cell_minutes", "Congested cell-minutes (all cells)", "cell-min",
                   "lower", ",.0f"),
        MetricSpec("event_congested_cell_minutes", "Congested cell-minutes (event area)",
                   "cell-min", "lower", ",.0f"),
        MetricSpec("busy_hour_thp_mbps", "Event-area user throughput during the event",
                   "Mbit/s", "higher", ".1f"),
        MetricSpec("blocked_user_steps", "Blocked sessions", "user-steps", "lower", ",.0f"),
        MetricSpec("actions", "Actions applied (undos included)", "count", "lower", ".0f"),
        MetricSpec("extra_carrier_hours", "Extra capacity (PRB boosts)", "carrier-h",
                   "lower", ".1f"),
        MetricSpec("lead_time_min", "Lead time before the surge", "min", "higher", ".0f"),
    )  # fmt: skip
    plots: ClassVar[tuple[tuple[str, str, str], ...]] = (
        ("congested_cells", "Congested cells (all)", "cells"),
        ("event_thp_mbps", "Event-area user throughput", "Mbit/s"),
        ("blocked_users", "Blocked users", "users"),
        ("extra_carriers", "Extra capacity in force", "planned carriers"),
    )
    default_days: ClassVar[float] = 1.0
    option_defaults: ClassVar[Mapping[str, Any]] = {
        "events": 1,
        "multiplier": 6.0,
        "start_hour": 19.0,
        "hours": 3.0,
        "warmup_days": 1.0,
        "calendar_error": 0.0,
        "lead_h": 2.0,
        "rules_forecast": False,
    }

    def check(self, params: ScenarioParams) -> None:
        """Base checks plus the options' ranges."""
        super().check(params)
        o = self.resolved_options(params)
        ranges = {
            "events": (1, 10), "multiplier": (1.0, 50.0), "start_hour": (0.0, 23.75),
            "hours": (0.25, 24.0), "warmup_days": (0.0, 14.0), "calendar_error": (-0.9, 2.0),
            "lead_h": (0.25, 12.0),
        }  # fmt: skip
        for key, (lo, hi) in ranges.items():
            if not lo <= o[key] <= hi:
                raise ScenarioError(f"option {key} must be in [{lo}, {hi}], got {o[key]!r}")

    def run(
        self,
        params: ScenarioParams,
        policy: str,
        *,
        workdir: Path,
        progress: Callable[[int, int], None] | None = None,
    ) -> PolicyResult:
        """Warm up, then run ``params.steps`` steps under ``policy`` and measure."""
        from autonet.platform.scenarios.base import check_policy

        check_policy(policy)
        self.check(params)
        opts = {**self.resolved_options(params), "_days": params.days}
        wall = time.perf_counter()
        twin = build_scenario_twin(params)
        warm = round(float(opts["warmup_days"]) * 96)
        first_day = twin.start + warm * twin.step_delta
        plan = plan_events(twin, opts, seed=params.seed, first_day=first_day)
        for ev in plan.truth:
            twin.add_event(list(ev.cells), ev.start, ev.end, ev.multiplier, ev.name, ramp=ev.ramp)
        twin.run(warm)
        start = twin.now
        driver = _driver(policy, twin, plan, opts, workdir)
        log = StepLog(twin, plan)
        for k in range(params.steps):
            when = twin.now
            result = twin.step()
            log.record(when, result.cell)
            driver.tick()
            if progress is not None:
                progress(k + 1, params.steps)
        incidents, notes, run_ids = driver.finish()
        outside = [ev.name for ev in plan.truth if ev.start >= twin.now]
        if outside:
            notes.append(f"events after the run's end (use more days): {outside}")
        notes.insert(0, "; ".join(
            f"{ev.name}: {len(ev.cells)} cells x{ev.multiplier:g} {ev.start:%a %H:%M}-"
            f"{ev.end:%H:%M}" for ev in plan.truth
        ))  # fmt: skip
        return PolicyResult(
            scenario=self.name,
            policy=policy,
            params=params,
            metrics=log.metrics(start),
            timeline=log.timeline(),
            incidents=incidents,
            wall_s=time.perf_counter() - wall,
            notes=notes,
            run_ids=run_ids,
        )

    def targets(self, results: Mapping[str, PolicyResult]) -> list[TargetCheck]:
        """The issue's target: >= 50 % fewer congested cell-minutes than ``none`` (agentic).

        ``rules`` is reported in the metric table, not held to the target."""
        return [reduction_target(results, "congested_cell_minutes", at_least=0.5)]


class _Driver:
    """Acts after every step under one policy; ``finish`` gives incident rows and notes."""

    def tick(self) -> None:
        """Nothing to do (``none``)."""

    def finish(self) -> tuple[list[dict[str, Any]], list[str], list[str]]:
        return [], ["no automation"], []


class _Rules(_Driver):
    def __init__(self, twin: Any, plan: Any, opts: Mapping[str, Any]) -> None:
        from autonet.platform.scenarios.rules import RuleController

        forecasts = _rule_forecasts(plan, opts) if opts["rules_forecast"] else None
        self.ctl = RuleController(twin, policy_ids=_RULES, forecasts=forecasts)

    def tick(self) -> None:
        self.ctl.tick()

    def finish(self) -> tuple[list[dict[str, Any]], list[str], list[str]]:
        rows = [e.as_row() for e in self.ctl.episodes]
        return rows, [f"{len(rows)} rule episodes"], []


def _rule_forecasts(plan: Any, opts: Mapping[str, Any]) -> Callable[[Any], Any]:
    """PRB forecasts for the forecast rule: the playbook's forecast at today's capacity."""
    import numpy as np
    import pandas as pd

    from autonet.agents.playbooks._congestion_forecast import cell_capacity, forecast_demand

    cache: dict[str, Any] = {}

    def forecasts(twin: Any) -> pd.DataFrame:
        fc = forecast_demand(twin, plan.calendar, horizon_steps=8, previous=cache.get("fc"))
        cache["fc"] = fc
        util = fc.utilisation(cell_capacity(twin, fc.derate), slice(0, 8)) * 100.0
        ids = twin.compiled.cell_ids
        pct = util.ravel()
        return pd.DataFrame({
            "time": np.repeat(np.array(fc.times, dtype="datetime64[ns]"), len(ids)),
            "object": np.tile(ids, len(fc.times)), "kpi": "RRU.PrbUsedDl",
            "p10": pct, "p50": pct, "p90": pct,
        })  # fmt: skip

    return forecasts


class _Agentic(_Driver):
    def __init__(self, twin: Any, plan: Any, opts: Mapping[str, Any], workdir: Path) -> None:
        from autonet.agents.playbooks.congestion import CongestionPlaybook
        from autonet.platform.loop import ClosedLoop
        from autonet.platform.scenarios.common import operator_approver

        workdir.mkdir(parents=True, exist_ok=True)
        lead = max(1, round(float(opts["lead_h"]) * 4))
        self.approver = operator_approver(0, clock=lambda: twin.now)
        self.loop = ClosedLoop(
            twin, [CongestionPlaybook(plan.calendar, lead_steps=lead)],
            workdir=workdir, approver=self.approver, name="event",
        )  # fmt: skip

    def tick(self) -> None:
        self.loop.tick()

    def finish(self) -> tuple[list[dict[str, Any]], list[str], list[str]]:
        from collections import Counter

        rows = []
        outcomes = sorted(self.loop.outcomes(), key=lambda o: o["incident"]["opened_at"])
        for o in outcomes:
            inc = o["incident"]
            rows.append({
                "incident": inc["id"], "key": inc["key"], "opened_at": inc["opened_at"],
                "summary": inc["summary"], "status": o["status"], "human": bool(o["human"]),
                "actions": sum(len(e["applied"]) for e in o["executions"]),
                "first_action_at": o["first_action_at"] or "", "closed_at": o["closed_at"] or "",
            })  # fmt: skip
        statuses = Counter(o["status"] for o in outcomes)
        self.loop.close()
        notes = [
            f"incidents by status: {dict(sorted(statuses.items()))}",
            f"operator answered {len(self.approver.answered)} approval request(s)",
        ]
        return rows, notes, sorted({o["run_id"] for o in outcomes})


def _driver(policy: str, twin: Any, plan: Any, opts: Mapping[str, Any], workdir: Path) -> _Driver:
    if policy == "rules":
        return _Rules(twin, plan, opts)
    if policy == "agentic":
        return _Agentic(twin, plan, opts, workdir)
    return _Driver()
