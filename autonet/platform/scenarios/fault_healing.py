"""Scenario 1, fault healing: random faults of every type over days, healed (or not) by a policy.

The same fault schedule (see :mod:`._fault_schedule`) and field-repair times hit identical twins
under each policy: ``none`` (faults last until field repair), ``rules`` (the fault-healing
operational policies through :class:`RuleController`) and ``agentic`` (the closed loop with the
:class:`FaultPlaybook`, case memory in the run's SQLite file, an operator who answers approval
requests after ``approval_delay`` steps). Metrics and their exact definitions are in
:mod:`._fault_ledger` (user impact, time to mitigate, wrong actions) and :mod:`._fault_eval`
(the counterfactual gain of each action; harmful actions left in place).

"Resolved without a human" counts only what the policy fixed: a hand-over to field repair (the
loop's field-repair candidate, or compensation verified "at the best achievable until field
repair") is its own outcome, reported beside it with the user impact of the faults handed over.
:func:`autonet.platform.scenarios.seeds.run_seeds` runs the comparison over several seeds.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from autonet.platform.scenarios._fault_drivers import DRIVERS
from autonet.platform.scenarios._fault_eval import harmful_left, judge_tick, step_impact
from autonet.platform.scenarios._fault_ledger import FaultLedger
from autonet.platform.scenarios._fault_schedule import fault_schedule
from autonet.platform.scenarios.base import (
    MetricSpec,
    PolicyResult,
    Scenario,
    ScenarioError,
    ScenarioParams,
    TargetCheck,
)
from autonet.platform.scenarios.common import (
    FieldRepair,
    RepairModel,
    build_scenario_twin,
    reduction_target,
    threshold_target,
)

if TYPE_CHECKING:
    from autonet.twin import Twin

__all__ = ["FaultHealing"]


class FaultHealing(Scenario):
    """Fault self-healing under the three policies (see the module docstring).

    Options: ``rate`` faults per 100 sites per day (4.0: about 24 faults in 3 days on 200
    sites), ``types`` (``all`` or a comma list of fault types), ``repair_median_h`` and
    ``repair_sigma`` (lognormal field repair), ``sla_mbps`` (DL user throughput floor of the
    impact measure), ``approval_delay`` (steps the operator takes to answer), ``probe_steps``
    (horizon of each action's counterfactual) and ``harm_steps`` (horizon of the end-of-run
    harm check).
    """

    name: ClassVar[str] = "fault-healing"
    title: ClassVar[str] = "Fault self-healing"
    metrics: ClassVar[tuple[MetricSpec, ...]] = (
        MetricSpec("impact_user_min", "User impact", "user-min", "lower", ",.0f"),
        MetricSpec("detection_min", "Detection time", "min", "lower", ".1f"),
        MetricSpec("localisation_top1", "Localisation top-1", "share", "higher", ".2f"),
        MetricSpec("mitigation_min", "Time to mitigate", "min", "lower", ".1f"),
        MetricSpec("resolved_pct", "Resolved without a human", "%", "higher", ".1f"),
        MetricSpec("field_repair_pct", "Handed to field repair", "% of faults", "lower", ".1f"),
        MetricSpec("field_repair_user_min", "Field-repair impact", "user-min", "lower", ",.0f"),
        MetricSpec("wrong_actions", "Wrong actions", "count", "lower", ".0f"),
        MetricSpec("harmful_left", "Harmful actions left in place", "count", "lower", ".0f"),
    )
    plots: ClassVar[tuple[tuple[str, str, str], ...]] = (
        ("users_impacted", "Users impacted by faults", "users (excess over fault-free)"),
        ("active_faults", "Active faults (ground truth)", "faults"),
        ("open_incidents", "Open incidents / rule episodes", "incidents"),
    )
    option_defaults: ClassVar[Mapping[str, Any]] = {
        "rate": 4.0,
        "types": "all",
        "repair_median_h": 4.0,
        "repair_sigma": 0.6,
        "sla_mbps": 5.0,
        "approval_delay": 1,
        "probe_steps": 2,
        "harm_steps": 8,
    }

    def __init__(self) -> None:
        self._reference: dict[tuple[int, int, int, float], np.ndarray] = {}

    def check(self, params: ScenarioParams) -> None:
        """The base checks plus each option's range and the fault type names."""
        super().check(params)
        opts = self.resolved_options(params)
        for name, ok, want in (
            ("rate", math.isfinite(opts["rate"]) and opts["rate"] > 0, "a number > 0"),
            ("sla_mbps", math.isfinite(opts["sla_mbps"]) and opts["sla_mbps"] >= 0, ">= 0"),
            ("approval_delay", opts["approval_delay"] >= 0, "an integer >= 0"),
            ("probe_steps", opts["probe_steps"] >= 1, "an integer >= 1"),
            ("harm_steps", opts["harm_steps"] >= 1, "an integer >= 1"),
        ):
            if not ok:
                raise ScenarioError(f"option {name}={opts[name]!r}: expected {want}")
        self._types(opts)
        self._repair(opts, params.seed)

    @staticmethod
    def _types(opts: Mapping[str, Any]) -> list[str]:
        from autonet.twin.events import FAULT_TYPES

        text = str(opts["types"]).strip()
        if text == "all":
            return list(FAULT_TYPES)
        names = [t.strip() for t in text.split(",") if t.strip()]
        bad = [t for t in names if t not in FAULT_TYPES]
        if bad or not names:
            raise ScenarioError(
                f"option types={text!r}: expected 'all' or a comma list of {list(FAULT_TYPES)}"
            )
        return list(dict.fromkeys(names))

    @staticmethod
    def _repair(opts: Mapping[str, Any], seed: int) -> FieldRepair:
        model = RepairModel(median_h=opts["repair_median_h"], sigma=opts["repair_sigma"])
        return FieldRepair(model, seed)

    def reference(
        self, params: ScenarioParams, sla_mbps: float, fresh: Twin | None = None
    ) -> np.ndarray:
        """Impacted users per step and cell of the fault-free twin (cached per parameters;
        ``fresh``: a just-built twin of ``params`` to clone instead of building one)."""
        key = (params.sites, params.seed, params.steps, sla_mbps)
        if key not in self._reference:
            twin = fresh.clone() if fresh is not None else build_scenario_twin(params)
            twin.record = False
            self._reference[key] = np.stack(
                [step_impact(twin.step(), sla_mbps) for _ in range(params.steps)]
            )
        return self._reference[key]

    def schedule(self, params: ScenarioParams, twin: Twin) -> list[Any]:
        """The run's faults (identical for every policy)."""
        opts = self.resolved_options(params)
        return fault_schedule(
            twin,
            seed=params.seed,
            steps=params.steps,
            rate=float(opts["rate"]),
            types=self._types(opts),
            repair=self._repair(opts, params.seed),
        )

    def run(
        self,
        params: ScenarioParams,
        policy: str,
        *,
        workdir: Path,
        progress: Callable[[int, int], None] | None = None,
    ) -> PolicyResult:
        """Run ``policy`` against the schedule on a fresh twin (see the module docstring)."""
        from autonet.twin.fault_catalogue import FaultError

        self.check(params)
        opts = self.resolved_options(params)
        started = time.perf_counter()
        sla = float(opts["sla_mbps"])
        twin = build_scenario_twin(params)
        reference = self.reference(params, sla, twin)
        faults = self.schedule(params, twin)
        due: dict[int, list[Any]] = {}
        for f in faults:
            due.setdefault(f.step, []).append(f)
        ledger = FaultLedger(twin, reference, sla_mbps=sla)
        driver = DRIVERS[policy](twin, opts, Path(workdir))
        probe = int(opts["probe_steps"])
        for k in range(params.steps):
            for f in due.get(k, ()):
                try:
                    record = twin.inject_fault(
                        f.fault_type, f.target, duration_steps=f.repair_steps, **f.params
                    )
                except FaultError as err:  # e.g. an action set the very tilt it would set
                    ledger.skipped.append(f"fault {f.index} ({f.fault_type}@{f.target}): {err}")
                    continue
                ledger.injected(f, record)
            res = twin.step()
            ledger.observe(k, res, driver.open_incidents())
            before, n_actions = twin.clone(), len(twin.actions)
            driver.tick()
            new = twin.actions[n_actions:]
            if new:
                ledger.add_judgements(judge_tick(before, twin, new, steps=probe, sla_mbps=sla))
            if progress is not None:
                progress(k + 1, params.steps)
        run_end = twin.now
        harmful = harmful_left(
            twin, steps=int(opts["harm_steps"]), sla_mbps=sla, threshold_user_min=ledger.threshold
        )
        outcome = driver.finish(ledger, run_end)
        metrics = ledger.metrics(
            run_end=run_end,
            resolved_pct=outcome.resolved_pct,
            human=outcome.human,
            incidents=outcome.incidents,
        )
        metrics["harmful_left"] = float(len(harmful))
        if policy == "none":
            metrics["localisation_top1"] = math.nan  # nothing localises anything
        notes = [
            f"{len(ledger.faults)} faults injected ({len(faults)} scheduled)",
            *ledger.skipped,
            *outcome.notes,
            *(f"harmful left in place: {h['kind']} on {h['target']}" for h in harmful),
        ]
        return PolicyResult(
            scenario=self.name,
            policy=policy,
            params=params,
            metrics=metrics,
            timeline=pd.DataFrame(ledger.rows),
            incidents=ledger.fault_rows(run_end),
            wall_s=time.perf_counter() - started,
            notes=notes,
            run_ids=outcome.run_ids,
        )

    def targets(self, results: Mapping[str, PolicyResult]) -> list[TargetCheck]:
        """The issue's five targets for the agentic policy."""
        return [
            reduction_target(results, "impact_user_min", at_least=0.8, baseline="none"),
            reduction_target(results, "impact_user_min", at_least=0.3, baseline="rules"),
            threshold_target(results, "resolved_pct", ">=", 95.0),
            threshold_target(results, "localisation_top1", ">=", 0.9),
            threshold_target(results, "harmful_left", "==", 0.0),
        ]
