"""What a scenario is: its parameters, metrics, targets, one policy's result, and the ABC."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Final, Literal

import pandas as pd

from autonet.errors import BadInputError

__all__ = [
    "MAX_DAYS",
    "MAX_SITES",
    "POLICIES",
    "STEPS_PER_DAY",
    "MetricSpec",
    "PolicyResult",
    "Scenario",
    "ScenarioError",
    "ScenarioParams",
    "TargetCheck",
    "check_policy",
]

#: The three ways a scenario is run: the closed loop, threshold rules, no automation.
POLICIES: Final[tuple[str, ...]] = ("agentic", "rules", "none")
STEPS_PER_DAY: Final = 96  # 15-minute steps
MAX_SITES: Final = 200_000
MAX_DAYS: Final = 366.0


class ScenarioError(BadInputError):
    """Bad scenario input (unknown name, policy or option, impossible parameters)."""


def check_policy(policy: Any) -> str:
    """``policy`` when it is one of :data:`POLICIES`, else a :class:`ScenarioError`."""
    if not isinstance(policy, str) or policy not in POLICIES:
        raise ScenarioError(f"unknown policy {policy!r}; expected one of {', '.join(POLICIES)}")
    return policy


@dataclass(frozen=True)
class ScenarioParams:
    """The size, length and seed of a scenario run, plus its scenario-specific options.

    Attributes:
        sites: Radio sites (3 cells each), an integer in ``1..MAX_SITES``.
        days: Simulated days, finite, > 0 and at least one 15-minute step.
        seed: Seed of the topology, traffic and the scenario's schedule (integer >= 0).
        options: Scenario-specific options (checked by ``Scenario.check``).

    Raises:
        ScenarioError: Any of the above does not hold.
    """

    sites: int = 200
    days: float = 3.0
    seed: int = 7
    options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        s = self.sites
        if isinstance(s, bool) or not isinstance(s, int) or not 1 <= s <= MAX_SITES:
            raise ScenarioError(f"sites must be an integer in 1..{MAX_SITES}, got {s!r}")
        d = self.days
        if isinstance(d, bool) or not isinstance(d, int | float) or not math.isfinite(d):
            raise ScenarioError(f"days must be a finite number > 0, got {d!r}")
        if not 0 < d <= MAX_DAYS:
            raise ScenarioError(f"days must be in (0, {MAX_DAYS:g}], got {d!r}")
        if round(d * STEPS_PER_DAY) < 1:
            raise ScenarioError(f"days={d!r} is less than one 15-minute step")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ScenarioError(f"seed must be an integer >= 0, got {self.seed!r}")
        if not isinstance(self.options, Mapping):
            raise ScenarioError(f"options must be a mapping, got {type(self.options).__name__}")
        bad = [k for k in self.options if not isinstance(k, str)]
        if bad:
            raise ScenarioError(f"option names must be strings, got {bad[0]!r}")
        object.__setattr__(self, "options", dict(self.options))

    @property
    def steps(self) -> int:
        """Twin steps of the run: ``round(days * 96)``."""
        return round(self.days * STEPS_PER_DAY)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        return {
            "sites": self.sites,
            "days": self.days,
            "seed": self.seed,
            "steps": self.steps,
            "options": dict(self.options),
        }


@dataclass(frozen=True)
class MetricSpec:
    """One metric a scenario reports: name (key of ``PolicyResult.metrics``), label, unit,
    which direction is better, and its display format."""

    name: str
    label: str
    unit: str
    better: Literal["lower", "higher"]
    fmt: str = ".3g"

    def format(self, value: float | None) -> str:
        """``value`` in this metric's format (``n/a`` for None or NaN)."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "n/a"
        return format(value, self.fmt)


@dataclass(frozen=True)
class TargetCheck:
    """One of the issue's targets: what is required, what was measured, and whether it is met."""

    name: str
    required: str
    measured: str
    met: bool

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        return {
            "name": self.name,
            "required": self.required,
            "measured": self.measured,
            "met": self.met,
        }


@dataclass
class PolicyResult:
    """The outcome of one policy on one scenario.

    Attributes:
        scenario: Scenario name.
        policy: One of :data:`POLICIES`.
        params: The parameters it ran with.
        metrics: Metric name -> value (every ``MetricSpec`` of the scenario, extras allowed).
        timeline: One row per twin step: a ``time`` column and numeric columns (the plots).
        incidents: Rows for the report's incident table (flat scalar values).
        wall_s: Wall-clock seconds of the run.
        notes: Remarks for the report (what was assumed, what went wrong).
        run_ids: Closed-loop run ids (agentic), for ``autonet loop trace``.
    """

    scenario: str
    policy: str
    params: ScenarioParams
    metrics: dict[str, float]
    timeline: pd.DataFrame
    incidents: list[dict[str, Any]]
    wall_s: float
    notes: list[str] = field(default_factory=list)
    run_ids: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (without the timeline and incidents)."""
        return {
            "scenario": self.scenario,
            "policy": self.policy,
            "metrics": {k: _number(v) for k, v in self.metrics.items()},
            "wall_s": self.wall_s,
            "incidents": len(self.incidents),
            "notes": list(self.notes),
            "run_ids": len(self.run_ids),
        }


def _number(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) or math.isinf(value) else value


class Scenario(ABC):
    """A scenario operators care about, run under each of :data:`POLICIES` on identical twins.

    Subclasses set the class attributes and implement :meth:`run` (and usually
    :meth:`targets`); add checks of their own in :meth:`check` (call ``super().check``).
    """

    name: ClassVar[str]
    title: ClassVar[str]
    metrics: ClassVar[tuple[MetricSpec, ...]]
    #: (timeline column, title, y label): one PNG per entry, a line per policy.
    plots: ClassVar[tuple[tuple[str, str, str], ...]] = ()
    option_defaults: ClassVar[Mapping[str, Any]] = {}
    #: Simulated days when the command line gives no ``--days``.
    default_days: ClassVar[float] = 3.0

    def check(self, params: ScenarioParams) -> None:
        """Raise :class:`ScenarioError` for parameters this scenario cannot run.

        The base checks the type and names the unknown option, listing the accepted ones;
        option values are checked against the defaults' types by :meth:`resolved_options`.
        """
        if not isinstance(params, ScenarioParams):
            raise ScenarioError(f"params must be ScenarioParams, got {type(params).__name__}")
        accepted = sorted(self.option_defaults)
        for key in params.options:
            if key not in self.option_defaults:
                listed = ", ".join(accepted) if accepted else "none"
                raise ScenarioError(
                    f"scenario {self.name!r} has no option {key!r} (accepted: {listed})"
                )
        self.resolved_options(params)

    def resolved_options(self, params: ScenarioParams) -> dict[str, Any]:
        """The defaults overridden by ``params.options``, each coerced to its default's type
        (bool, int, float or str; text such as ``"3"`` or ``"true"`` from the command line).

        Raises:
            ScenarioError: An unknown option, or a value of the wrong type.
        """
        out = dict(self.option_defaults)
        for key, value in params.options.items():
            if key not in out:
                raise ScenarioError(
                    f"scenario {self.name!r} has no option {key!r} "
                    f"(accepted: {', '.join(sorted(out)) or 'none'})"
                )
            out[key] = _coerce(self.name, key, value, out[key])
        return out

    @abstractmethod
    def run(
        self,
        params: ScenarioParams,
        policy: str,
        *,
        workdir: Path,
        progress: Callable[[int, int], None] | None = None,
    ) -> PolicyResult:
        """Run the scenario under ``policy`` on a fresh twin.

        Args:
            params: Checked parameters.
            policy: One of :data:`POLICIES`.
            workdir: A folder for the run's files (memory database, checkpoints).
            progress: Called with (steps done, steps in all) as the twin advances.
        """

    def targets(self, results: Mapping[str, PolicyResult]) -> list[TargetCheck]:
        """The issue's targets, checked on the results of the policies that ran."""
        return []


def _coerce(scenario: str, key: str, value: Any, default: Any) -> Any:
    want = type(default)
    where = f"scenario {scenario!r} option {key!r}"
    if default is None or (
        isinstance(value, want) and not (isinstance(value, bool) and want is not bool)
    ):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            if want is bool:
                low = text.lower()
                if low in ("1", "true", "yes", "on"):
                    return True
                if low in ("0", "false", "no", "off"):
                    return False
                raise ValueError
            if want is int:
                return int(text)
            if want is float:
                number = float(text)
                if not math.isfinite(number):
                    raise ValueError
                return number
        except ValueError:
            pass
    elif want is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    raise ScenarioError(f"{where}: expected {_type_word(want)}, got {value!r}")


def _type_word(kind: type) -> str:
    return {bool: "true or false", int: "an integer", float: "a number", str: "text"}.get(
        kind, kind.__name__
    )
