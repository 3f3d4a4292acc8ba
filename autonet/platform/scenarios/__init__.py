"""The four scenarios operators care about, each run under ``agentic``, ``rules`` and ``none``.

An explicit, lazy registry: a scenario's module is imported only when it is asked for.
``compare_scenario`` runs every policy on identical twins (same seed, same schedule) and
``write_report`` writes the Markdown report, plots, ``metrics.json`` and ``timeline.csv``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from autonet.platform.scenarios.base import (
    POLICIES,
    MetricSpec,
    PolicyResult,
    Scenario,
    ScenarioError,
    ScenarioParams,
    TargetCheck,
    check_policy,
)
from autonet.platform.scenarios.report import default_workdir, write_report

__all__ = [
    "POLICIES",
    "SCENARIOS",
    "MetricSpec",
    "PolicyResult",
    "Scenario",
    "ScenarioError",
    "ScenarioParams",
    "TargetCheck",
    "compare_scenario",
    "default_workdir",
    "get_scenario",
    "parse_policies",
    "run_scenario",
    "scenario_names",
    "targets_of",
    "write_report",
]

logger = logging.getLogger(__name__)


def _fault_healing() -> type[Scenario]:
    from autonet.platform.scenarios.fault_healing import FaultHealing

    return FaultHealing


def _event_scheduling() -> type[Scenario]:
    from autonet.platform.scenarios.event_scheduling import EventScheduling

    return EventScheduling


def _slice_provisioning() -> type[Scenario]:
    from autonet.platform.scenarios.slice_provisioning import SliceProvisioning

    return SliceProvisioning


def _energy_saving() -> type[Scenario]:
    from autonet.platform.scenarios.energy_saving import EnergySaving

    return EnergySaving


#: Scenario name -> a function importing and returning its class (lazy, explicit).
SCENARIOS: dict[str, Callable[[], type[Scenario]]] = {
    "fault-healing": _fault_healing,
    "event-scheduling": _event_scheduling,
    "slice-provisioning": _slice_provisioning,
    "energy-saving": _energy_saving,
}


def scenario_names() -> list[str]:
    """The registered scenario names."""
    return list(SCENARIOS)


def get_scenario(name: str) -> Scenario:
    """A new instance of the scenario registered as ``name``.

    Raises:
        ScenarioError: Unknown name (the message lists the names), or its module is missing.
    """
    factory = SCENARIOS.get(name) if isinstance(name, str) else None
    if factory is None:
        raise ScenarioError(f"unknown scenario {name!r}; expected one of {', '.join(SCENARIOS)}")
    try:
        cls = factory()
    except ImportError as exc:
        raise ScenarioError(f"scenario {name!r} is not available in this build: {exc}") from None
    return cls()


def _scenario(scenario: Scenario | str) -> Scenario:
    return scenario if isinstance(scenario, Scenario) else get_scenario(scenario)


def parse_policies(policies: Iterable[str] | str) -> tuple[str, ...]:
    """Policies from a list or a comma-separated string, checked, duplicates dropped.

    Raises:
        ScenarioError: An unknown policy, or none given.
    """
    items = policies.split(",") if isinstance(policies, str) else list(policies)
    names = [p.strip() if isinstance(p, str) else p for p in items]
    out = tuple(dict.fromkeys(check_policy(p) for p in names if p != ""))
    if not out:
        raise ScenarioError(f"give at least one policy of {', '.join(POLICIES)}")
    return out


def run_scenario(
    scenario: Scenario | str,
    params: ScenarioParams,
    policy: str,
    *,
    workdir: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PolicyResult:
    """Run one policy on one scenario (parameters checked first; nothing runs on bad input).

    Args:
        scenario: A scenario instance or registered name.
        params: Size, length, seed and options.
        policy: One of :data:`POLICIES`.
        workdir: Folder for the run's files (default: a new folder under the reports folder).
        progress: Called with (steps done, steps in all).

    Raises:
        ScenarioError: Unknown scenario or policy, bad parameters or options, or a scenario
            that returned an incomplete result.
    """
    sc = _scenario(scenario)
    check_policy(policy)
    sc.check(params)
    work = workdir if workdir is not None else default_workdir(sc.name, params.seed) / "work"
    work = Path(work) / policy
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    result = sc.run(params, policy, workdir=work, progress=progress)
    wall = time.perf_counter() - started
    _check_result(sc, policy, result)
    if not result.wall_s or result.wall_s <= 0:
        result.wall_s = wall
    logger.info("scenario %s policy %s ran in %.2f s", sc.name, policy, wall)
    return result


def _check_result(sc: Scenario, policy: str, result: PolicyResult) -> None:
    where = f"scenario {sc.name!r} policy {policy!r}"
    if not isinstance(result, PolicyResult):
        raise ScenarioError(f"{where} returned {type(result).__name__}, not a PolicyResult")
    missing = [m.name for m in sc.metrics if m.name not in result.metrics]
    if missing:
        raise ScenarioError(f"{where} did not report metric(s) {missing}")
    if "time" not in result.timeline.columns:
        raise ScenarioError(f"{where}: its timeline has no 'time' column")


def compare_scenario(
    scenario: Scenario | str,
    params: ScenarioParams,
    policies: Iterable[str] | str = POLICIES,
    *,
    workdir: Path | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, PolicyResult]:
    """Run each policy on the same parameters and seed (a fresh twin each), in order.

    Every policy and the parameters are checked before anything runs.

    Args:
        scenario: A scenario instance or registered name.
        params: Shared by every policy.
        policies: Policies to run (default all three).
        workdir: Parent folder of the per-policy work folders.
        progress: Called with (policy, steps done, steps in all).

    Returns:
        Policy -> its result, in the order run.
    """
    sc = _scenario(scenario)
    chosen = parse_policies(policies)
    sc.check(params)
    work = workdir if workdir is not None else default_workdir(sc.name, params.seed) / "work"
    out: dict[str, PolicyResult] = {}
    for policy in chosen:
        tick = None
        if progress is not None:

            def tick(done: int, total: int, _policy: str = policy) -> None:
                progress(_policy, done, total)

        out[policy] = run_scenario(sc, params, policy, workdir=work, progress=tick)
    return out


def targets_of(scenario: Scenario | str, results: Mapping[str, PolicyResult]) -> list[TargetCheck]:
    """The scenario's target checks on ``results``."""
    return _scenario(scenario).targets(results)
