"""Helpers every scenario shares: the twin, field-repair times, the operator, target checks."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, Literal, Protocol

import numpy as np

from autonet.agents.messages import Approval
from autonet.platform.scenarios.base import PolicyResult, ScenarioError, ScenarioParams, TargetCheck

if TYPE_CHECKING:
    from autonet.twin import Twin

__all__ = [
    "REPAIR_KINDS",
    "FieldRepair",
    "OperatorApprover",
    "RepairModel",
    "build_scenario_twin",
    "operator_approver",
    "reduction_target",
    "relative_reduction",
    "threshold_target",
]

REPAIR_KINDS: Final[tuple[str, ...]] = ("lognormal", "exponential", "fixed")
_REPAIR_STREAM: Final = 0xF1E1D  # keeps repair draws apart from the twin's own random streams


def build_scenario_twin(params: ScenarioParams, *, record: bool | Sequence[str] = True) -> Twin:
    """A fresh twin of ``params.sites`` sites: the same network and traffic for the same seed.

    Every policy of a comparison calls this, so they all start from identical twins.

    Args:
        params: Size and seed.
        record: What the twin keeps of each step (see ``Twin``): True for every counter.
    """
    from autonet.twin import Twin, build_topology

    if not isinstance(params, ScenarioParams):
        raise ScenarioError(f"params must be ScenarioParams, got {type(params).__name__}")
    topology = build_topology(n_sites=params.sites, seed=params.seed)
    return Twin(topology, seed=params.seed, record=record, validate=False)


@dataclass(frozen=True)
class RepairModel:
    """The distribution of field-repair times (how long a fault lasts with no automation).

    Attributes:
        median_h: Median repair time in hours (> 0).
        sigma: Log-scale spread of the lognormal (>= 0; 0.6 puts 90 % within about 0.37x-2.7x
            of the median).
        min_h: Floor in hours (travel and diagnosis never take less).
        kind: ``lognormal`` (default), ``exponential`` (mean = median / ln 2) or ``fixed``.

    Raises:
        ScenarioError: A non-finite or out-of-range value, or an unknown kind.
    """

    median_h: float = 4.0
    sigma: float = 0.6
    min_h: float = 0.5
    kind: Literal["lognormal", "exponential", "fixed"] = "lognormal"

    def __post_init__(self) -> None:
        for name, low in (("median_h", 0.0), ("sigma", 0.0), ("min_h", 0.0)):
            value = getattr(self, name)
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            if (
                not ok
                or not math.isfinite(value)
                or value < low
                or (name == "median_h" and value == 0)
            ):
                bound = "> 0" if name == "median_h" else ">= 0"
                raise ScenarioError(
                    f"RepairModel.{name} must be a finite number {bound}, got {value!r}"
                )
        if self.kind not in REPAIR_KINDS:
            raise ScenarioError(
                f"RepairModel.kind must be one of {', '.join(REPAIR_KINDS)}, got {self.kind!r}"
            )

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` repair times in hours (at least ``min_h``)."""
        if self.kind == "lognormal":
            hours = rng.lognormal(math.log(self.median_h), self.sigma, size)
        elif self.kind == "exponential":
            hours = rng.exponential(self.median_h / math.log(2.0), size)
        else:
            hours = np.full(size, float(self.median_h))
        return np.maximum(hours, self.min_h)


@dataclass(frozen=True)
class FieldRepair:
    """Field-repair durations per fault number, deterministic in ``seed`` and the number.

    Fault ``i`` always gets the same duration, whatever was drawn before it, so a fault
    schedule built once gives every policy the same repairs.

    Example:
        >>> repair = FieldRepair(RepairModel(median_h=4.0), seed=7)
        >>> repair.hours(3) == FieldRepair(RepairModel(median_h=4.0), seed=7).hours(3)
        True
    """

    model: RepairModel = field(default_factory=RepairModel)
    seed: int = 0

    def hours(self, index: int) -> float:
        """Repair time of fault number ``index`` (>= 0), in hours."""
        if isinstance(index, bool) or not isinstance(index, int | np.integer) or index < 0:
            raise ScenarioError(f"fault index must be an integer >= 0, got {index!r}")
        rng = np.random.default_rng((int(self.seed), _REPAIR_STREAM, int(index)))
        return float(self.model.draw(rng, 1)[0])

    def steps(self, index: int, step_minutes: int = 15) -> int:
        """Repair time of fault ``index`` in twin steps (rounded up, at least 1)."""
        return max(1, math.ceil(self.hours(index) * 60.0 / step_minutes - 1e-9))

    def hours_many(self, n: int) -> list[float]:
        """Repair times of faults ``0..n-1``, in hours."""
        return [self.hours(i) for i in range(n)]


class _Approvable(Protocol):
    def approve(
        self, run_id: str, approved: bool = True, by: str = "", comment: str = ""
    ) -> None: ...


@dataclass
class OperatorApprover:
    """The scenario's stand-in human, who answers approval requests after a delay.

    Pass it as ``ClosedLoop(approver=...)`` and call :meth:`tick` once per loop tick (after
    ``loop.tick()``). With ``delay_steps=0`` it answers at once; otherwise it leaves the run
    pending and approves (or denies) it through ``loop.approve`` after ``delay_steps`` ticks.
    Every answer counts as human work (``answered``).

    Attributes:
        delay_steps: Ticks before the operator answers (>= 0).
        approve: The operator's answer.
        by: The operator's name in the audit trail.
        clock: Twin time for the answer's ``at`` (e.g. ``lambda: twin.now``); wall time if None.
    """

    delay_steps: int = 0
    approve: bool = True
    by: str = "operator"
    clock: Callable[[], datetime] | None = None
    pending: dict[str, int] = field(default_factory=dict)  # run id -> ticks waited
    answered: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        d = self.delay_steps
        if isinstance(d, bool) or not isinstance(d, int) or d < 0:
            raise ScenarioError(f"operator delay_steps must be an integer >= 0, got {d!r}")

    def _now(self) -> str:
        return (self.clock() if self.clock is not None else datetime.now(UTC)).isoformat()

    def __call__(self, run_id: str, payload: Mapping[str, Any]) -> Approval | None:
        """Answer now (no delay) or note the request for :meth:`tick`."""
        if self.delay_steps == 0:
            self.answered.append({"run_id": run_id, "approved": self.approve, "at": self._now()})
            return Approval(approved=self.approve, by=self.by, at=self._now(), comment="operator")
        self.pending.setdefault(run_id, 0)
        return None

    def tick(self, loop: _Approvable) -> list[str]:
        """Age the pending requests by one tick; answer those due. Returns the run ids answered."""
        due = []
        for run_id in list(self.pending):
            self.pending[run_id] += 1
            if self.pending[run_id] >= self.delay_steps:
                del self.pending[run_id]
                loop.approve(run_id, approved=self.approve, by=self.by, comment="operator")
                self.answered.append(
                    {"run_id": run_id, "approved": self.approve, "at": self._now()}
                )
                due.append(run_id)
        return due


def operator_approver(
    delay_steps: int = 0,
    *,
    approve: bool = True,
    by: str = "operator",
    clock: Callable[[], datetime] | None = None,
) -> OperatorApprover:
    """The scenario's stand-in human (see :class:`OperatorApprover`)."""
    return OperatorApprover(delay_steps=delay_steps, approve=approve, by=by, clock=clock)


def relative_reduction(value: float, baseline: float) -> float:
    """``1 - value / baseline`` (0.8 = 80 % less); NaN when the baseline is 0 and value is not."""
    if baseline == 0:
        return 0.0 if value == 0 else float("nan")
    return 1.0 - value / baseline


def _num(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def _metric(
    results: Mapping[str, PolicyResult], policy: str, metric: str
) -> tuple[float | None, str]:
    """The value, or None and why there is none."""
    result = results.get(policy)
    if result is None:
        return None, f"n/a ({policy} did not run)"
    if metric not in result.metrics:
        return None, f"n/a ({policy} reports no {metric})"
    value = float(result.metrics[metric])
    if math.isnan(value):
        return None, f"n/a (no {metric} for {policy}: nothing to measure)"
    return value, ""


def reduction_target(
    results: Mapping[str, PolicyResult],
    metric: str,
    *,
    at_least: float,
    policy: str = "agentic",
    baseline: str = "none",
    label: str | None = None,
) -> TargetCheck:
    """``policy`` has at least ``at_least`` (0.8 = 80 %) less of ``metric`` than ``baseline``.

    Not met when either value is missing (measured ``n/a (why)``) or the baseline is 0.
    """
    name = label or f"{metric}: >= {at_least:.0%} less than {baseline}"
    required = f">= {at_least:.0%} less {metric} ({policy} vs {baseline})"
    (mine, why_mine), (theirs, why_theirs) = (
        _metric(results, policy, metric),
        _metric(results, baseline, metric),
    )
    if mine is None or theirs is None:
        return TargetCheck(name, required, why_mine or why_theirs, False)
    if theirs == 0:  # nothing to reduce: the target cannot be shown met
        return TargetCheck(name, required, f"{_num(mine)} vs {_num(theirs)} (baseline 0)", False)
    cut = relative_reduction(mine, theirs)
    measured = f"{cut:.1%} less ({_num(mine)} vs {_num(theirs)})"
    return TargetCheck(name, required, measured, cut >= at_least - 1e-12)


_COMPARE: Final[dict[str, Callable[[float, float], bool]]] = {
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
    "==": lambda a, b: a == b,
}


def threshold_target(
    results: Mapping[str, PolicyResult],
    metric: str,
    op: str,
    value: float,
    *,
    policy: str = "agentic",
    label: str | None = None,
    fmt: str = ".4g",
) -> TargetCheck:
    """``policy``'s ``metric`` compared with ``value`` (``op`` one of >=, <=, >, <, ==)."""
    if op not in _COMPARE:
        raise ScenarioError(f"op must be one of {', '.join(_COMPARE)}, got {op!r}")
    name = label or f"{metric} {op} {value:{fmt}}"
    required = f"{metric} {op} {value:{fmt}} ({policy})"
    mine, why = _metric(results, policy, metric)
    if mine is None:
        return TargetCheck(name, required, why, False)
    return TargetCheck(name, required, f"{mine:{fmt}}", _COMPARE[op](mine, value))
