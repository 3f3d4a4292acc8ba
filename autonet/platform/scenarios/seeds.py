"""A scenario's comparison over several seeds: per policy, the mean and the worst of each metric.

One seed is one draw of the topology, the traffic and the scenario's schedule (for fault healing:
which faults, where, when, and their field-repair times). A figure from one seed can be lucky;
:func:`run_seeds` runs :func:`compare_scenario` once per seed and :class:`SeedSummary` reports,
per policy and metric, the mean over the seeds and the worst seed (the highest value of a metric
where lower is better, the lowest where higher is better; NaN seeds left out), and how many
seeds met each target.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from autonet.platform.scenarios.base import (
    POLICIES,
    MetricSpec,
    PolicyResult,
    Scenario,
    ScenarioError,
    ScenarioParams,
    TargetCheck,
)

__all__ = ["DEFAULT_SEEDS", "SeedSummary", "run_seeds"]

#: The seeds of the multi-seed report: 1..10.
DEFAULT_SEEDS: tuple[int, ...] = tuple(range(1, 11))


@dataclass(frozen=True)
class SeedSummary:
    """The results of one scenario's comparison on several seeds.

    Attributes:
        scenario: Scenario name.
        metrics: The scenario's metric specs (labels, units, directions, formats).
        params: The parameters of the first seed (the others differ only in ``seed``).
        results: Seed -> policy -> its result, in the order run.
        targets: Seed -> the scenario's target checks on that seed.
    """

    scenario: str
    metrics: tuple[MetricSpec, ...]
    params: ScenarioParams
    results: dict[int, dict[str, PolicyResult]]
    targets: dict[int, list[TargetCheck]]

    @property
    def seeds(self) -> list[int]:
        """The seeds, in the order run."""
        return list(self.results)

    @property
    def policies(self) -> list[str]:
        """The policies, in the order run."""
        first = next(iter(self.results.values()), {})
        return list(first)

    def values(self, policy: str, metric: str) -> list[float]:
        """``metric`` of ``policy`` on every seed (NaN where a seed has no value)."""
        out = []
        for per_policy in self.results.values():
            value = (
                per_policy[policy].metrics.get(metric, math.nan) if policy in per_policy else None
            )
            out.append(math.nan if value is None else float(value))
        return out

    def mean(self, policy: str, metric: str) -> float:
        """Mean over the seeds with a value (NaN when none has one)."""
        vals = [v for v in self.values(policy, metric) if not math.isnan(v)]
        return float(np.mean(vals)) if vals else math.nan

    def worst(self, policy: str, metric: str) -> float:
        """The worst seed's value: max where lower is better, min where higher is better.

        Raises:
            ScenarioError: ``metric`` is not one of the scenario's metrics.
        """
        spec = self._spec(metric)
        vals = [v for v in self.values(policy, metric) if not math.isnan(v)]
        if not vals:
            return math.nan
        return float(max(vals) if spec.better == "lower" else min(vals))

    def met(self, target: str) -> int:
        """How many seeds met the target named ``target``."""
        return sum(
            any(c.name == target and c.met for c in checks) for checks in self.targets.values()
        )

    def markdown(self) -> str:
        """The summary as Markdown: mean / worst per policy, then targets met per seed."""
        policies = self.policies
        head = "| metric | " + " | ".join(f"{p} mean | {p} worst" for p in policies) + " |"
        lines = [
            f"{self.scenario}, {self.params.sites} sites, {self.params.days:g} days, "
            f"seeds {', '.join(map(str, self.seeds))}",
            "",
            head,
            "|---|" + "---|---|" * len(policies),
        ]
        for spec in self.metrics:
            cells = []
            for p in policies:
                cells += [
                    spec.format(self.mean(p, spec.name)),
                    spec.format(self.worst(p, spec.name)),
                ]
            unit = f" ({spec.unit})" if spec.unit else ""
            lines.append(f"| {spec.label}{unit} | " + " | ".join(cells) + " |")
        names = list(dict.fromkeys(c.name for checks in self.targets.values() for c in checks))
        if names:
            lines += ["", "| target | seeds met | per seed |", "|---|---|---|"]
            n = len(self.targets)
            for name in names:
                per = ", ".join(
                    f"{seed}: {'met' if c.met else 'missed'} {c.measured}"
                    for seed, checks in self.targets.items()
                    for c in checks
                    if c.name == name
                )
                lines.append(f"| {name} | {self.met(name)} of {n} | {per} |")
        return "\n".join(lines) + "\n"

    def _spec(self, metric: str) -> MetricSpec:
        for spec in self.metrics:
            if spec.name == metric:
                return spec
        raise ScenarioError(
            f"no metric {metric!r} in scenario {self.scenario!r}; expected one of "
            f"{[m.name for m in self.metrics]}"
        )


def run_seeds(
    scenario: Scenario | str,
    params: ScenarioParams,
    seeds: Iterable[int] = DEFAULT_SEEDS,
    policies: Iterable[str] | str = POLICIES,
    *,
    workdir: Path,
    progress: Callable[[int, str, int, int], None] | None = None,
) -> SeedSummary:
    """Run :func:`compare_scenario` on ``params`` once per seed (its ``seed`` replaced).

    Args:
        scenario: A scenario instance or registered name (e.g. ``"fault-healing"``).
        params: Sites, days and options shared by every seed.
        seeds: Seeds to run (default 1..10), each an integer >= 0, no repeats.
        policies: Policies to run on every seed (default all three).
        workdir: Parent of the per-seed work folders (``seed-<n>``).
        progress: Called with (seed, policy, steps done, steps in all).

    Raises:
        ScenarioError: No seed, a repeated or bad seed, or anything ``compare_scenario``
            refuses (checked for every seed before the first run).
    """
    from autonet.platform.scenarios import compare_scenario, get_scenario

    chosen: Sequence[int] = list(seeds)
    if not chosen:
        raise ScenarioError("give at least one seed")
    if len(set(chosen)) != len(chosen):
        raise ScenarioError(f"seeds must not repeat, got {list(chosen)}")
    runs = [replace(params, seed=s) for s in chosen]  # ScenarioParams checks each seed
    sc = scenario if isinstance(scenario, Scenario) else get_scenario(scenario)
    for p in runs:
        sc.check(p)
    results: dict[int, dict[str, PolicyResult]] = {}
    targets: dict[int, list[TargetCheck]] = {}
    for p in runs:
        tick = None
        if progress is not None:

            def tick(policy: str, done: int, total: int, _seed: int = p.seed) -> None:
                progress(_seed, policy, done, total)

        out = compare_scenario(
            sc, p, policies, workdir=Path(workdir) / f"seed-{p.seed}", progress=tick
        )
        results[p.seed] = out
        targets[p.seed] = sc.targets(out)
    return SeedSummary(sc.name, tuple(sc.metrics), runs[0], results, targets)
