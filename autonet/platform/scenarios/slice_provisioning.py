"""Intent-driven slice provisioning: operators' words -> AgentGate -> closed loop -> SLA.

A reproducible set of plain-language slice requests (feasible ones and ones infeasible by
construction: latency below the radio budget, throughput beyond any cell, reliability beyond
any unprotected backhaul, a request without an area) is submitted over the first half of the
run. Policies:

- ``agentic``: AgentGate routes the text; the ``slice_provisioner`` request goes to the
  ``ClosedLoop`` whose SlicePlaybook checks feasibility, admits or rejects with the reason, and
  verifies the SLA. Activation time is measured wall time (route + loop ticks + twin steps
  until the verdict).
- ``rules``: the same parsed request is admitted when the area's current mean PRB utilisation
  is below a static threshold; no latency, transport or reliability study (the slice is
  configured without a latency target, on each site's own UPF) and no verification.
- ``none``: manual provisioning: every well-formed request is accepted without a study and
  configured after a lead time (default 3 days; later than the run for short runs).

A slice promised but refused by the twin when configured delivers nothing: all its window
steps count as violations. SLA compliance is measured per slice-step in window against the
*requested* latency and throughput.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd

from autonet.agents.playbooks._slice_spec import PLACES
from autonet.platform.scenarios._slice_book import Ledger, SliceRequest, make_requests
from autonet.platform.scenarios._slice_drivers import DRIVERS
from autonet.platform.scenarios.base import (
    MetricSpec,
    PolicyResult,
    Scenario,
    ScenarioError,
    ScenarioParams,
    TargetCheck,
)
from autonet.platform.scenarios.common import build_scenario_twin, threshold_target

__all__ = ["SliceProvisioning"]

logger = logging.getLogger(__name__)


class SliceProvisioning(Scenario):
    """Slice requests in plain language, admitted or rejected, and their SLA over the run."""

    name: ClassVar[str] = "slice-provisioning"
    title: ClassVar[str] = "Intent-driven slice provisioning"
    metrics: ClassVar[tuple[MetricSpec, ...]] = (
        MetricSpec("activation_s", "Request to verified activation (median)", "s", "lower"),
        MetricSpec("sla_compliance_pct", "SLA compliance of admitted slices", "%", "higher", ".4g"),
        MetricSpec("infeasible_rejected_pct", "Infeasible requests rejected", "%", "higher"),
        MetricSpec("reason_correct_pct", "Rejections naming the right constraint", "%", "higher"),
        MetricSpec("feasible_admitted_pct", "Feasible requests admitted", "%", "higher"),
        MetricSpec("wrong_admissions", "Infeasible requests admitted", "requests", "lower"),
    )
    plots: ClassVar[tuple[tuple[str, str, str], ...]] = (
        ("sla_met_pct", "Active slices meeting their SLA", "%"),
        ("worst_latency_ratio", "Worst slice latency / its SLA (<= 1 is met)", "ratio"),
        ("min_throughput_ratio", "Lowest delivered / guaranteed throughput", "ratio"),
        ("admitted", "Admitted slices", "slices"),
    )
    option_defaults: ClassVar[Mapping[str, Any]] = {
        "requests": 12,
        "manual_lead_days": 3.0,
        "rules_prb_threshold": 0.7,
    }

    def check(self, params: ScenarioParams) -> None:
        """The base checks, and option ranges."""
        super().check(params)
        opts = self.resolved_options(params)
        if not 1 <= opts["requests"] <= 500:
            raise ScenarioError(f"option requests must be in 1..500, got {opts['requests']!r}")
        if not 0.0 <= opts["manual_lead_days"] <= 366.0:
            raise ScenarioError(
                f"option manual_lead_days must be in [0, 366], got {opts['manual_lead_days']!r}"
            )
        if not 0.0 < opts["rules_prb_threshold"] <= 1.0:
            raise ScenarioError(
                f"option rules_prb_threshold must be in (0, 1], got {opts['rules_prb_threshold']!r}"
            )

    def run(
        self,
        params: ScenarioParams,
        policy: str,
        *,
        workdir: Path,
        progress: Callable[[int, int], None] | None = None,
    ) -> PolicyResult:
        """Run ``policy`` on a fresh twin with the scenario's request schedule."""
        self.check(params)
        opts = self.resolved_options(params)
        started = time.perf_counter()
        # the playbook verifies from recorded slice KPIs; one cell counter keeps clones cheap
        twin = build_scenario_twin(
            params, record=["RRU.PrbUsedDl"] if policy == "agentic" else False
        )
        requests = make_requests(opts["requests"], params.seed, params.steps, sorted(PLACES))
        from autonet.platform.gate import build_gate

        gate = build_gate()
        ledger = Ledger(twin)
        driver = DRIVERS[policy](twin, gate, ledger, opts, workdir)
        rows: list[dict[str, Any]] = []
        due: dict[int, list[SliceRequest]] = {}
        for req in requests:
            due.setdefault(req.step, []).append(req)
        for k in range(params.steps):
            for req in due.get(k, ()):
                driver.submit(req)
            t0 = time.perf_counter()
            res = twin.step()
            step_s = time.perf_counter() - t0
            rows.append(ledger.observe(res))  # before the tick: what ran in this step
            driver.after_step(step_s)
            if progress is not None:
                progress(k + 1, params.steps)
        notes = driver.finish()
        metrics = ledger.metrics(requests, opts)
        return PolicyResult(
            scenario=self.name,
            policy=policy,
            params=params,
            metrics=metrics,
            timeline=pd.DataFrame(rows),
            incidents=ledger.incident_rows(requests),
            wall_s=time.perf_counter() - started,
            notes=notes,
            run_ids=driver.run_ids(),
        )

    def targets(self, results: Mapping[str, PolicyResult]) -> list[TargetCheck]:
        """Under 1 s to verified activation, >= 99 % SLA compliance, every infeasible rejected,
        and agentic compliance at least that of rules."""
        out = [
            threshold_target(results, "activation_s", "<", 1.0),
            threshold_target(results, "sla_compliance_pct", ">=", 99.0),
            threshold_target(results, "infeasible_rejected_pct", "==", 100.0),
        ]
        if "agentic" in results and "rules" in results:
            mine = results["agentic"].metrics["sla_compliance_pct"]
            theirs = results["rules"].metrics["sla_compliance_pct"]
            met = not math.isnan(mine) and (math.isnan(theirs) or mine >= theirs)
            out.append(
                TargetCheck(
                    "SLA compliance: agentic >= rules",
                    "sla_compliance_pct agentic >= rules",
                    f"{mine:.4g} vs {theirs:.4g}",
                    met,
                )
            )
        return out
