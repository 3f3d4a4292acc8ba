"""Pydantic models of ONAP-shaped operational and guard policies, validated on load."""

from __future__ import annotations

import re
from datetime import time, timedelta
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "ACTION_KINDS",
    "OPERATORS",
    "TERMINALS",
    "AlarmCondition",
    "Blacklist",
    "ChangeWindow",
    "Condition",
    "EventCondition",
    "ForecastCondition",
    "FrequencyLimiter",
    "Guard",
    "KpiCondition",
    "MinMax",
    "Operation",
    "OperationalPolicy",
    "PolicySet",
    "StateCondition",
    "Target",
    "Trigger",
    "parse_duration",
]

# The twin's action kinds (what the execution agent can apply), plus the analysis and
# operator steps a policy may chain before or after them.
ACTION_KINDS: Final[dict[str, tuple[str, ...]]] = {
    "twin": (
        "offload",
        "tilt",
        "tx_power",
        "sleep",
        "wake",
        "reroute",
        "capacity_boost",
        "slice_admit",
        "slice_modify",
        "slice_release",
        "upf_scale_out",
        "restart",
        "rollback",
    ),
    "whatif": ("feasibility_check",),
    "operator": ("notify", "approve"),
}
TERMINALS: Final[tuple[str, ...]] = ("final_success", "final_failure", "escalate")
Op = Literal["<", "<=", ">", ">=", "==", "!="]
OPERATORS: Final[tuple[str, ...]] = ("<", "<=", ">", ">=", "==", "!=")
Scope = Literal["self", "neighbours"]
Agg = Literal["min", "max", "mean"]
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d)\s*$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}


def parse_duration(value: Any) -> timedelta:
    """``"120s"``, ``"5m"``, ``"1h"``, a number of seconds or a timedelta, as a timedelta."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=float(value))
    if isinstance(value, str) and (match := _DURATION.match(value)):
        return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])
    raise ValueError(f"expected a duration such as '120s', '5m' or '1h', got {value!r}")


Duration = Annotated[timedelta, Field(ge=timedelta(0))]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class _Timed(_Strict):
    @field_validator("hold", "within", "window", "timeout", mode="before", check_fields=False)
    @classmethod
    def _duration(cls, value: Any) -> timedelta:
        return parse_duration(value)


class KpiCondition(_Timed):
    """``kpi op value`` held for ``for`` (every sample in the window satisfies it)."""

    kpi: str = Field(min_length=1)
    op: Op
    value: float
    hold: Duration = Field(default=timedelta(0), alias="for")
    scope: Scope = "self"  # "neighbours": aggregate the neighbours' values per sample
    agg: Agg = "mean"  # how neighbours' values combine per sample (scope=neighbours only)


class AlarmCondition(_Timed):
    """An active (uncleared) alarm of this type, raised at least ``for`` ago."""

    alarm: str = Field(min_length=1)
    hold: Duration = Field(default=timedelta(0), alias="for")
    min_severity: Literal["critical", "major", "minor", "warning"] = "warning"


class ForecastCondition(_Timed):
    """A forecast quantile of a KPI crossing ``value`` within ``within`` from now."""

    forecast: str = Field(min_length=1)
    quantile: Literal["p10", "p50", "p90"] = "p50"
    op: Op
    value: float
    within: Duration = timedelta(hours=24)


class EventCondition(_Strict):
    """A pending request or event (e.g. ``slice_request``) whose parameters match ``match``."""

    event: str = Field(min_length=1)
    match: dict[str, Any] = Field(default_factory=dict)


class StateCondition(_Strict):
    """The object's operational state (e.g. ``asleep``, ``active``) as the twin reports it."""

    state: str = Field(min_length=1)


Condition = KpiCondition | AlarmCondition | ForecastCondition | EventCondition | StateCondition


def _condition(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value
    if not isinstance(value, dict):
        raise ValueError(
            f"expected a mapping with one of kpi/alarm/forecast/event/state, got {value!r}"
        )
    kinds = [k for k in ("kpi", "alarm", "forecast", "event", "state") if k in value]
    if len(kinds) != 1:
        raise ValueError(
            "a condition needs exactly one of the keys kpi, alarm, forecast, event, state; "
            f"got {sorted(value)}"
        )
    models: dict[str, type[BaseModel]] = {
        "kpi": KpiCondition,
        "alarm": AlarmCondition,
        "forecast": ForecastCondition,
        "event": EventCondition,
        "state": StateCondition,
    }
    return models[kinds[0]].model_validate(value)


class Trigger(_Strict):
    """All of ``all`` and (when given) at least one of ``any``, evaluated per object."""

    all: list[Condition] = Field(default_factory=list)
    any: list[Condition] = Field(default_factory=list)

    @field_validator("all", "any", mode="before")
    @classmethod
    def _conditions(cls, value: Any) -> Any:
        if not isinstance(value, list):
            raise ValueError(f"expected a list of conditions, got {value!r}")
        return [_condition(v) for v in value]

    @model_validator(mode="after")
    def _not_empty(self) -> Trigger:
        if not self.all and not self.any:
            raise ValueError("a trigger needs at least one condition under 'all' or 'any'")
        return self


class Target(_Strict):
    """Which nodes an operation acts on, relative to the object that triggered the policy."""

    selector: Literal["trigger", "neighbours", "nodes"] = "trigger"
    nodes: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _nodes(self) -> Target:
        if self.selector == "nodes" and not self.nodes:
            raise ValueError("selector 'nodes' needs a non-empty 'nodes' list")
        if self.selector != "nodes" and self.nodes:
            raise ValueError(
                f"'nodes' is only allowed with selector 'nodes', not {self.selector!r}"
            )
        return self


class Operation(_Timed):
    """One step: an actor's action on a target, with retries and success/failure chaining."""

    id: str = Field(min_length=1)
    actor: Literal["twin", "whatif", "operator"] = "twin"
    action: str
    target: Target = Field(default_factory=Target)
    parameters: dict[str, Any] = Field(default_factory=dict)
    timeout: Duration = timedelta(seconds=60)
    retries: int = Field(default=0, ge=0, le=10)
    success: str = "final_success"
    failure: str = "final_failure"

    @model_validator(mode="after")
    def _action(self) -> Operation:
        allowed = ACTION_KINDS[self.actor]
        if self.action not in allowed:
            raise ValueError(
                f"action {self.action!r} is not one of actor {self.actor!r}'s: {', '.join(allowed)}"
            )
        return self


class OperationalPolicy(_Strict):
    """A trigger and the ordered operations that answer it."""

    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.:-]+$")
    description: str = ""
    scenario: Literal[
        "fault_healing", "event_capacity", "slicing_admission", "energy_saving", "other"
    ] = "other"
    priority: int = 0
    trigger: Trigger
    operations: list[Operation] = Field(min_length=1)

    @model_validator(mode="after")
    def _chaining(self) -> OperationalPolicy:
        ids = [op.id for op in self.operations]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise ValueError(f"operation id {sorted(dup)[0]!r} is used twice")
        for op in self.operations:
            for field in ("success", "failure"):
                nxt = getattr(op, field)
                if nxt not in ids and nxt not in TERMINALS:
                    raise ValueError(
                        f"operation {op.id!r} {field}: {nxt!r} is neither an operation id "
                        f"({', '.join(ids)}) nor one of {', '.join(TERMINALS)}"
                    )
                if nxt == op.id:
                    raise ValueError(f"operation {op.id!r} {field} points at itself; use retries")
        return self

    def operation(self, op_id: str) -> Operation:
        """The operation with this id."""
        for op in self.operations:
            if op.id == op_id:
                return op
        raise KeyError(f"policy {self.id!r} has no operation {op_id!r}")

    def next_step(self, op_id: str, outcome: Literal["success", "failure"]) -> str:
        """The id of the operation (or the terminal) that follows ``op_id`` on ``outcome``."""
        return str(getattr(self.operation(op_id), outcome))


class _GuardBase(_Timed):
    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.:-]+$")
    description: str = ""
    actions: list[str] = Field(default_factory=list)  # empty: every action

    @field_validator("actions")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        known = {a for kinds in ACTION_KINDS.values() for a in kinds}
        for action in value:
            if action not in known:
                raise ValueError(f"unknown action {action!r}; expected one of {sorted(known)}")
        return value


class FrequencyLimiter(_GuardBase):
    """At most ``limit`` actions per target within ``window``."""

    type: Literal["frequency_limiter"]
    limit: int = Field(ge=1)
    window: Duration


class Blacklist(_GuardBase):
    """No action on these targets (exact ids or shell-style patterns such as ``core-*``)."""

    type: Literal["blacklist"]
    targets: list[str] = Field(min_length=1)


class MinMax(_GuardBase):
    """A numeric parameter of the action must lie in ``[min, max]``."""

    type: Literal["min_max"]
    parameter: str = Field(min_length=1)
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _bounds(self) -> MinMax:
        if self.min is None and self.max is None:
            raise ValueError("give at least one of 'min' and 'max'")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _every_day() -> list[Weekday]:
    return ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class ChangeWindow(_GuardBase):
    """Actions only within these hours (``"22:00-06:00"`` wraps midnight) and weekdays."""

    type: Literal["change_window"]
    allowed: list[tuple[time, time]] = Field(min_length=1)
    days: list[Weekday] = Field(default_factory=_every_day)

    @field_validator("allowed", mode="before")
    @classmethod
    def _ranges(cls, value: Any) -> Any:
        if not isinstance(value, list):
            raise ValueError(f"expected a list of 'HH:MM-HH:MM' ranges, got {value!r}")
        out = []
        for item in value:
            match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", str(item))
            if not match:
                raise ValueError(f"expected a range such as '22:00-06:00', got {item!r}")
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
                raise ValueError(f"{item!r} is not a valid time range")
            out.append((time(h1, m1), time(23, 59, 59, 999999) if h2 == 24 else time(h2, m2)))
        return out


Guard = Annotated[FrequencyLimiter | Blacklist | MinMax | ChangeWindow, Field(discriminator="type")]


class PolicySet(_Strict):
    """Every operational and guard policy in force."""

    version: Literal[1] = 1
    operational: list[OperationalPolicy] = Field(default_factory=list)
    guards: list[Guard] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> PolicySet:
        for kind, items in (("operational", self.operational), ("guard", self.guards)):
            seen: set[str] = set()
            for item in items:
                if item.id in seen:
                    raise ValueError(f"{kind} policy id {item.id!r} is used twice")
                seen.add(item.id)
        return self

    def merged(self, other: PolicySet) -> PolicySet:
        """This set plus ``other`` (ids must stay unique)."""
        return PolicySet(
            operational=[*self.operational, *other.operational],
            guards=[*self.guards, *other.guards],
        )
