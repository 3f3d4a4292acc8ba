"""The event-scheduling scenario's plan (stadiums, event windows, calendar) and its measures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from autonet.agents.playbooks._congestion_forecast import PlannedEvent, congested_mask

if TYPE_CHECKING:
    from autonet.twin import Twin

__all__ = ["EventPlan", "StepLog", "event_area", "plan_events"]


@dataclass(frozen=True)
class EventPlan:
    """The true events (added to the twin) and the operator's calendar (the playbook's)."""

    truth: tuple[PlannedEvent, ...]
    calendar: tuple[PlannedEvent, ...]

    @property
    def cells(self) -> list[str]:
        """Every event-area cell id (sorted, unique)."""
        return sorted({c for ev in self.truth for c in ev.cells})


def event_area(twin: Twin, site: int) -> tuple[str, ...]:
    """The stadium site's cells and every cell neighbouring them (the crowd's coverage)."""
    topo = twin.compiled
    own = [int(c) for c in topo.cells_of_site(site)]
    near = {int(j) for c in own for j in topo.neighbours_of(c)[0]} - set(own)
    return tuple(topo.cell_ids[c] for c in [*own, *sorted(near)])


def plan_events(twin: Twin, opts: dict[str, Any], *, seed: int, first_day: datetime) -> EventPlan:
    """``opts["events"]`` events on distinct stadium sites (urban first), one per day from
    ``first_day`` (wrapping to the same day when the run is short), at ``start_hour`` for
    ``hours`` with ``multiplier``; the calendar expects ``1 + (multiplier - 1) x (1 +
    calendar_error)``. Identical for every policy (a function of the seed only)."""
    topo = twin.compiled
    rng = np.random.default_rng((seed, 0xE7E27))
    order: list[int] = []
    for area in (0, 1, 2):  # urban stadiums first
        sites = np.flatnonzero(np.asarray(topo.site_area) == area)
        order += rng.permutation(sites).tolist()
    truth: list[PlannedEvent] = []
    calendar: list[PlannedEvent] = []
    used: set[str] = set()
    days = max(1, int(opts["_days"]))
    for s in order:
        if len(truth) >= int(opts["events"]):
            break
        cells = event_area(twin, s)
        if used & set(cells):
            continue  # keep the areas apart so each event is its own situation
        used |= set(cells)
        k = len(truth)
        start = first_day + timedelta(days=k % days, hours=float(opts["start_hour"]))
        end = start + timedelta(hours=float(opts["hours"]))
        name = f"event-{k + 1}-{topo.site_ids[s]}"
        mult = float(opts["multiplier"])
        planned = 1.0 + (mult - 1.0) * (1.0 + float(opts["calendar_error"]))
        truth.append(PlannedEvent(name, cells, start, end, mult))
        calendar.append(PlannedEvent(name, cells, start, end, max(planned, 1.0)))
    return EventPlan(tuple(truth), tuple(calendar))


class StepLog:
    """Per-step measures of one run (after the warm-up): the timeline and the metrics."""

    def __init__(self, twin: Twin, plan: EventPlan) -> None:
        self.twin = twin
        self.plan = plan
        index = twin.compiled.cell_index
        self.area = np.array([index[c] for c in plan.cells], dtype=np.intp)
        self.rows: list[dict[str, float]] = []
        self.times: list[datetime] = []
        self._planned = np.maximum(twin.compiled.cell_prbs.astype(np.float64), 1.0)

    def record(self, when: datetime, cell: dict[str, np.ndarray]) -> None:
        """Log one simulated step (``StepResult.cell``) that started at ``when``."""
        cong = congested_mask(cell["RRU.PrbUsedDl"], cell["KQI.BlockedUsers"])
        thp = cell["DRB.UEThpDl"][self.area]
        active = [ev for ev in self.plan.truth if ev.start <= when < ev.end]
        busy = np.nan
        if active:  # the areas of the events on their plateau now
            index = self.twin.compiled.cell_index
            at = cell["DRB.UEThpDl"][[index[c] for ev in active for c in ev.cells]]
            busy = float(np.nanmean(at)) if np.isfinite(at).any() else 0.0
        extra = self.twin.state.cell_prbs / self._planned - 1.0
        self.times.append(when)
        self.rows.append({
            "congested_cells": float(cong.sum()),
            "event_congested_cells": float(cong[self.area].sum()),
            "event_thp_mbps": float(np.nanmean(thp)) if np.isfinite(thp).any() else 0.0,
            "blocked_users": float(np.nansum(cell["KQI.BlockedUsers"])),
            "extra_carriers": float(np.clip(extra, 0.0, None).sum()),
            "busy_thp_mbps": busy,
            "in_event": float(bool(active)),
        })  # fmt: skip

    def timeline(self) -> pd.DataFrame:
        """One row per step: ``time`` and the logged columns."""
        frame = pd.DataFrame(self.rows)
        frame.insert(0, "time", pd.to_datetime(self.times))
        return frame

    def metrics(self, start: datetime) -> dict[str, float]:
        """The scenario's metrics over the logged steps (actions counted from ``start``)."""
        tl = pd.DataFrame(self.rows)
        minutes = self.twin.step_minutes
        busy = tl["busy_thp_mbps"].dropna()  # NaN outside the events' plateaus
        acts = [r for r in self.twin.actions if r.at >= start]
        return {
            "congested_cell_minutes": float(tl["congested_cells"].sum() * minutes),
            "event_congested_cell_minutes": float(tl["event_congested_cells"].sum() * minutes),
            "busy_hour_thp_mbps": float(busy.mean()) if len(busy) else float("nan"),
            "blocked_user_steps": float(tl["blocked_users"].sum()),
            "actions": float(len(acts)),
            "extra_carrier_hours": float(tl["extra_carriers"].sum() * minutes / 60.0),
            "lead_time_min": self._lead_time(acts),
        }

    def _lead_time(self, acts: list[Any]) -> float:
        """Mean over events of (surge start - first action on its area), minutes; only actions
        from 4 h before the surge to the event's end count (earlier ones answer other load);
        NaN when none did."""
        leads = []
        for ev in self.plan.truth:
            cells, lo = set(ev.cells), ev.first - timedelta(hours=4)
            first = [
                r.at for r in acts if r.kind != "undo" and r.target in cells and lo <= r.at < ev.end
            ]
            if first:
                leads.append((ev.first - min(first)).total_seconds() / 60.0)
        return float(np.mean(leads)) if leads else float("nan")
