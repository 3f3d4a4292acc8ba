"""Bookkeeping of one fault-healing run: impact per step, faults (ground truth), actions, metrics.

**User impact** of a step is the impacted users (lost + blocked + served users of cells whose
DL user throughput is below the SLA floor; see :mod:`autonet.agents.playbooks._fault_impact`)
in EXCESS of the same step of a fault-free twin with the same seed (busy-hour congestion the
network has anyway is not the faults'), summed over cells with each cell's excess floored at
0; user-impact minutes = that sum x 15 minutes over the run.

Per fault (ground truth): its **area** is the root element, the nodes it takes out of service
and the cells around them (``area_cells``); its **area impact** per step is the excess impacted
users in those cells. **Time to mitigate** = from the fault's start to the first step from which
its area impact stays at or below max(1 user, 10 % of its peak) until the fault ends (0 when it
never exceeded that; the whole fault when it never came down before field repair). An action
is **related** to a fault when its target is in the area while the fault is active;
**helpful** when its gain (see :mod:`._fault_eval`) exceeds one impacted user-minute. A
**wrong action** targets no root element of a fault active then and is not helpful.

A fault is **fixed by the policy** when a related helpful action ended it before its field
repair was due (a restart cleared it) or brought its area impact down for good before it ended
(time to mitigate shorter than the fault). A fault is **handed to field repair** when the policy
left its impact to the crew: under ``none`` and ``rules`` every due fault it did not fix; under
``agentic`` the faults whose incident the loop closed as a hand-over (the field-repair
candidate, or compensation "at the best achievable until field repair"). A hand-over is its own
outcome, never counted as resolved; its **field-repair impact** is the user-impact minutes in
those faults' areas while they were active (a cell-step in several areas counted once).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from autonet.agents.playbooks._fault_impact import area_cells, cell_indices
from autonet.platform.scenarios._fault_eval import ActionJudgement, step_impact

if TYPE_CHECKING:
    from autonet.platform.scenarios._fault_schedule import ScheduledFault
    from autonet.twin import FaultRecord, Twin
    from autonet.twin.results import StepResult

__all__ = ["FaultLedger", "FaultRow"]


@dataclass
class FaultRow:
    """One injected fault and what happened to it."""

    sched: ScheduledFault
    record: FaultRecord
    area: set[str]
    cells: np.ndarray = field(default_factory=lambda: np.zeros(0, np.intp))
    detected_at: datetime | None = None
    localised: bool | None = None
    resolved: bool = False
    handed: bool = False  # its impact was left to field repair (see the module docstring)
    actions: list[ActionJudgement] = field(default_factory=list)
    impact: list[tuple[datetime, float]] = field(default_factory=list)  # (step start, excess)

    def end(self, run_end: datetime) -> datetime:
        return self.record.end or run_end


class FaultLedger:
    """What one policy's run did, step by step (see the module docstring)."""

    def __init__(self, twin: Twin, reference: np.ndarray, *, sla_mbps: float) -> None:
        self.twin = twin
        self.reference = reference  # (steps, cells) impacted users of the fault-free twin
        self.sla_mbps = sla_mbps
        self.faults: dict[str, FaultRow] = {}
        self.rows: list[dict[str, Any]] = []
        self.judged: list[ActionJudgement] = []
        self.skipped: list[str] = []
        self.minutes = float(twin.step_minutes)
        self.threshold = 1.0  # user-minutes: an action that avoids less did not help
        self._excess: list[tuple[datetime, np.ndarray]] = []  # per step: excess per cell

    def injected(self, sched: ScheduledFault, record: FaultRecord) -> None:
        area = set(area_cells(self.twin, record.root_node))
        area |= {record.root_node, *record.affected, sched.target}
        cells = cell_indices(self.twin, area)
        self.faults[record.fault_id] = FaultRow(sched, record, area, cells)

    def observe(self, k: int, res: StepResult, open_incidents: int) -> None:
        excess = np.maximum(step_impact(res, self.sla_mbps) - self.reference[k], 0.0)
        self._excess.append((res.time, excess))
        active = 0
        for f in self.faults.values():
            if f.record.start <= res.time and (f.record.end is None or res.time < f.record.end):
                f.impact.append((res.time, float(excess[f.cells].sum(dtype=np.float64))))
            active += f.record.end is None
        self.rows.append(
            {
                "time": res.time + self.twin.step_delta,
                "users_impacted": float(excess.sum(dtype=np.float64)),
                "active_faults": active,
                "open_incidents": open_incidents,
            }
        )

    def add_judgements(self, judgements: list[ActionJudgement]) -> None:
        self.judged += judgements
        for j in judgements:
            at = datetime.fromisoformat(j.at)
            for row in self.faults.values():
                live = row.record.start <= at and (row.record.end is None or at < row.record.end)
                if live and j.target in row.area:
                    row.actions.append(j)

    def wrong_actions(self) -> int:
        n = 0
        for j in self.judged:
            at = datetime.fromisoformat(j.at)
            roots = {
                f.record.root_node
                for f in self.faults.values()
                if f.record.start <= at and (f.record.end is None or at <= f.record.end)
            }
            if j.target not in roots and j.gain_user_min <= self.threshold:
                n += 1
        return n

    def mitigation_min(self, row: FaultRow, run_end: datetime) -> float:
        if not row.impact:
            return 0.0
        values = np.array([v for _, v in row.impact])
        tol = max(1.0, 0.1 * float(values.max()))
        above = np.flatnonzero(values > tol)
        if not above.size:
            return 0.0
        last = int(above[-1])
        done = row.end(run_end) if last + 1 >= len(values) else row.impact[last + 1][0]
        return (done - row.record.start).total_seconds() / 60.0

    def fixed(self, row: FaultRow, run_end: datetime) -> bool:
        """True when the policy fixed ``row`` (see the module docstring): a related helpful
        action, and the fault ended before its repair was due or its impact came down before
        it ended."""
        if not any(j.gain_user_min > self.threshold for j in row.actions):
            return False
        repair_due = row.record.start + row.sched.repair_steps * self.twin.step_delta
        if row.record.end is not None and row.record.end < repair_due:
            return True  # cleared by an action (a restart), not by the crew
        lasted = (row.end(run_end) - row.record.start).total_seconds() / 60.0
        return self.mitigation_min(row, run_end) < lasted

    def impact_of(self, rows: list[FaultRow]) -> float:
        """User-impact minutes in the areas of ``rows`` while they were active (each cell-step
        counted once, however many of them cover it)."""
        total = 0.0
        for at, excess in self._excess:
            live = [
                r.cells
                for r in rows
                if r.record.start <= at and (r.record.end is None or at < r.record.end)
            ]
            if live:
                cells = np.unique(np.concatenate(live))
                total += float(excess[cells].sum(dtype=np.float64))
        return total * self.minutes

    def due(self, run_end: datetime) -> list[FaultRow]:
        """Faults that started at least two steps before the end (a policy had time to act)."""
        latest = run_end - 2 * self.twin.step_delta
        return [f for f in self.faults.values() if f.record.start <= latest]

    def metrics(
        self, *, run_end: datetime, resolved_pct: float, human: int, incidents: int
    ) -> dict[str, float]:
        due = self.due(run_end)
        detected = [
            (f.detected_at - f.record.start).total_seconds() / 60.0
            for f in due
            if f.detected_at is not None
        ]
        localised = [bool(f.localised) for f in due]
        impact = sum(r["users_impacted"] for r in self.rows) * self.minutes
        handed = [f for f in due if f.handed]
        return {
            "detection_min": float(np.mean(detected)) if detected else math.nan,
            "localisation_top1": float(np.mean(localised)) if localised else math.nan,
            "mitigation_min": float(np.mean([self.mitigation_min(f, run_end) for f in due]))
            if due
            else math.nan,
            "impact_user_min": float(impact),
            "resolved_pct": resolved_pct,
            "field_repair_pct": 100.0 * len(handed) / len(due) if due else math.nan,
            "field_repair_user_min": self.impact_of(handed),
            "wrong_actions": float(self.wrong_actions()),
            "faults": float(len(self.faults)),
            "detected": float(len(detected)),
            "incidents": float(incidents),
            "actions": float(len(self.judged)),
            "human_interventions": float(human),
        }

    def fault_rows(self, run_end: datetime) -> list[dict[str, Any]]:
        """One flat row per fault for the report."""
        out = []
        for fid, f in self.faults.items():
            det = f.detected_at
            out.append(
                {
                    "fault": fid,
                    "type": f.record.fault_type,
                    "root": f.record.root_node,
                    "start": f.record.start.isoformat(),
                    "repair_h": round(f.sched.repair_steps * self.minutes / 60.0, 2),
                    "detected_min": round((det - f.record.start).total_seconds() / 60.0, 1)
                    if det
                    else None,
                    "localised": f.localised,
                    "mitigated_min": round(self.mitigation_min(f, run_end), 1),
                    "impact_user_min": round(sum(v for _, v in f.impact) * self.minutes),
                    "actions": len(f.actions),
                    "outcome": "fixed" if f.resolved else "field repair" if f.handed else "",
                    "ended": f.record.end.isoformat() if f.record.end else "",
                }
            )
        return out
