"""Guard policies' verdicts on one proposed action: frequency, blacklist, bounds, change window."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from fnmatch import fnmatchcase
from typing import Any

from autonet.knowledge.rules.model import Blacklist, ChangeWindow, FrequencyLimiter, Guard, MinMax
from autonet.knowledge.rules.situation import ActionRecord

__all__ = ["GuardVerdict", "evaluate_guards"]

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class GuardVerdict:
    """One guard's decision on one action."""

    guard_id: str
    kind: str
    allowed: bool
    reason: str


def evaluate_guards(
    guards: Sequence[Guard],
    *,
    action: str,
    target: str,
    parameters: Mapping[str, Any],
    now: datetime,
    history: Sequence[ActionRecord] = (),
) -> list[GuardVerdict]:
    """The verdict of every guard that applies to ``action`` (others are skipped)."""
    verdicts = []
    for guard in guards:
        if guard.actions and action not in guard.actions:
            continue
        if isinstance(guard, FrequencyLimiter):
            verdict = _frequency(guard, target, now, history)
        elif isinstance(guard, Blacklist):
            verdict = _blacklist(guard, target)
        elif isinstance(guard, MinMax):
            verdict = _bounds(guard, parameters)
        else:
            verdict = _window(guard, now)
        verdicts.append(verdict)
    return verdicts


def _frequency(
    guard: FrequencyLimiter, target: str, now: datetime, history: Sequence[ActionRecord]
) -> GuardVerdict:
    start = now - guard.window
    count = sum(
        1
        for r in history
        if r.target == target
        and start < r.time <= now
        and (not guard.actions or r.action in guard.actions)
    )
    kinds = "/".join(guard.actions) or "any"
    allowed = count < guard.limit
    reason = (
        f"{count} {kinds} action(s) on {target} in the last {guard.window}, limit {guard.limit}"
    )
    return GuardVerdict(guard.id, guard.type, allowed, reason)


def _blacklist(guard: Blacklist, target: str) -> GuardVerdict:
    hit = next((p for p in guard.targets if fnmatchcase(target, p)), None)
    if hit is None:
        return GuardVerdict(guard.id, guard.type, True, f"{target} is not blacklisted")
    return GuardVerdict(guard.id, guard.type, False, f"{target} is blacklisted (matches {hit!r})")


def _bounds(guard: MinMax, parameters: Mapping[str, Any]) -> GuardVerdict:
    if guard.parameter not in parameters:
        return GuardVerdict(guard.id, guard.type, True, f"parameter {guard.parameter!r} not set")
    value = parameters[guard.parameter]
    low = "-inf" if guard.min is None else guard.min
    span = f"[{low}, {'inf' if guard.max is None else guard.max}]"
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        return GuardVerdict(
            guard.id, guard.type, False, f"{guard.parameter}={value!r} is not a number"
        )
    low = guard.min is not None and value < guard.min
    high = guard.max is not None and value > guard.max
    if low or high:
        return GuardVerdict(
            guard.id, guard.type, False, f"{guard.parameter}={value} outside {span}"
        )
    return GuardVerdict(guard.id, guard.type, True, f"{guard.parameter}={value} within {span}")


def _window(guard: ChangeWindow, now: datetime) -> GuardVerdict:
    day = _DAYS[now.weekday()]
    clock = now.time().replace(tzinfo=None)
    spans = ", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in guard.allowed)
    if day not in guard.days:
        return GuardVerdict(
            guard.id, guard.type, False, f"{day} is outside the change days {guard.days}"
        )
    for start, end in guard.allowed:
        inside = start <= clock <= end if start <= end else clock >= start or clock <= end
        if inside:
            return GuardVerdict(guard.id, guard.type, True, f"{clock:%H:%M} within {spans}")
    return GuardVerdict(
        guard.id, guard.type, False, f"{clock:%H:%M} outside the change window {spans}"
    )
