"""What the rules look at: KPIs, alarms, forecasts, requests, states, neighbours, action history."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from autonet.twin.events import Alarm

__all__ = ["ActionRecord", "Event", "Situation"]


@dataclass(frozen=True, slots=True)
class ActionRecord:
    """An action already applied (the frequency limiter counts these)."""

    time: datetime
    action: str
    target: str
    policy_id: str = ""


@dataclass(frozen=True, slots=True)
class Event:
    """A pending request or event, e.g. ``Event("slice_request", "cell-3", {"sst": 1})``."""

    kind: str
    target: str
    params: Mapping[str, Any] = field(default_factory=dict)
    at: datetime | None = None


@dataclass(frozen=True)
class Situation:
    """A snapshot of the network for the policy matcher.

    Attributes:
        now: evaluation time.
        kpis: samples up to ``now``: columns ``time``, ``object`` and one column per KPI
            (e.g. ``RRU.PrbUsedDl`` in percent); a short history lets ``for:`` holds be checked.
        alarms: alarms raised so far (cleared ones are ignored after their clear time).
        forecasts: columns ``time``, ``object``, ``kpi``, ``p10``, ``p50``, ``p90``.
        events: pending requests (slice requests, ...).
        states: operational state per object (``active``, ``asleep``, ``down``).
        neighbours: neighbour relations per object (for ``scope: neighbours`` and targets).
        history: actions already applied, for the frequency limiter.
    """

    now: datetime
    kpis: pd.DataFrame | None = None
    alarms: Sequence[Alarm] = ()
    forecasts: pd.DataFrame | None = None
    events: Sequence[Event] = ()
    states: Mapping[str, str] = field(default_factory=dict)
    neighbours: Mapping[str, Sequence[str]] = field(default_factory=dict)
    history: Sequence[ActionRecord] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.now, datetime):
            raise TypeError(f"Situation.now: expected a datetime, got {self.now!r}")
        if self.kpis is not None:
            _columns(self.kpis, ("time", "object"), "Situation.kpis")
        if self.forecasts is not None:
            _columns(
                self.forecasts,
                ("time", "object", "kpi", "p10", "p50", "p90"),
                "Situation.forecasts",
            )
        for i, alarm in enumerate(self.alarms):
            if not isinstance(alarm, Alarm):
                raise TypeError(
                    f"Situation.alarms[{i}]: expected an Alarm, got {type(alarm).__name__}"
                )
        for i, record in enumerate(self.history):
            if not isinstance(record, ActionRecord):
                raise TypeError(
                    f"Situation.history[{i}]: expected an ActionRecord, got {type(record).__name__}"
                )


def _columns(frame: Any, needed: tuple[str, ...], what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{what}: expected a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{what}: missing column {missing[0]!r}; expected {list(needed)}, "
            f"got {list(map(str, frame.columns))}"
        )
