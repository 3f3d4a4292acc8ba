"""The congestion playbook: forecast-driven, pre-emptive capacity for events and hot cells.

Perception forecasts every cell's demand (seasonal history scaled by the event calendar) and
opens an incident ``lead_steps`` before predicted congestion (or at once for congestion seen
now). Candidates add capacity across RAN (PRB boosts: a second carrier; offload to neighbours
outside the hotspot; downtilt), transport (link capacity, reroute) and core (UPF scale-out), plus
the rules' and past cases' remedies; each is scored by a what-if on an observed clone with the
calendar's expected surge (never the real one).
Verification checks congestion at the event against the what-if's prediction; once the situation
is over and the forecast fits the planned capacity, a release incident undoes the extra capacity.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from autonet.agents.messages import (
    Analysis,
    Candidate,
    Decision,
    Execution,
    Incident,
    Request,
    Verdict,
)
from autonet.agents.playbook import LoopContext
from autonet.agents.playbooks import _congestion_candidates as cands
from autonet.agents.playbooks import _congestion_score as scoring
from autonet.agents.playbooks._congestion_actions import release_steps
from autonet.agents.playbooks._congestion_calendar import stored_events
from autonet.agents.playbooks._congestion_forecast import (
    DemandForecast,
    PlannedEvent,
    congested_mask,
    forecast_demand,
)
from autonet.agents.playbooks._congestion_perceive import (
    BOOSTED,
    event_from_request,
    incident,
    outlook,
    rejected_request,
    release_incidents,
    window_until,
)

if TYPE_CHECKING:
    from autonet.knowledge.memory.signature import SymptomSignature
    from autonet.twin import Twin

__all__ = ["CongestionPlaybook", "PlannedEvent"]

log = logging.getLogger(__name__)
_FC = "congestion.forecast"


class CongestionPlaybook:
    """Playbook of kind ``"congestion"`` (see the module docstring).

    Args:
        calendar: Planned events the operator knows (area, window, expected surge).
        lead_steps: Open an incident this many steps before predicted congestion (8 = 2 h).
        threshold: Predicted DL utilisation (demand / capacity) counted as congestion in an
            event area.
        site_threshold: The same outside event areas (ordinary hot cells; the derating is
            conservative, so 1.0 = demand above what the cell surely carries).
        target_util: Peak utilisation the sized PRB boosts aim for.
        release_util: Release extra capacity once the forecast at planned capacity stays below.
        horizon_steps: Forecast horizon (covers lead time + the event).
        forecast_every: Steps between forecasts (cached in ``ctx.models``).
        settle_steps: Steps from execution to verification (at the event: > ``lead_steps``).
        whatif_steps: Steps a what-if clone runs.
        approval_kinds: Action kinds a human must approve.

    Raises:
        ValueError: A bad setting (the message names it).
    """

    kind = "congestion"

    def __init__(
        self,
        calendar: Sequence[PlannedEvent] = (),
        *,
        lead_steps: int = 8,
        threshold: float = 0.9,
        site_threshold: float = 1.0,
        target_util: float = 0.8,
        release_util: float = 0.8,
        horizon_steps: int = 48,
        forecast_every: int = 4,
        settle_steps: int | None = None,
        whatif_steps: int = 24,
        approval_kinds: frozenset[str] = frozenset({"reroute"}),
    ) -> None:
        ints = {"lead_steps": lead_steps, "horizon_steps": horizon_steps,
                "forecast_every": forecast_every, "whatif_steps": whatif_steps}  # fmt: skip
        for name, v in ints.items():
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {v!r}")
        for name, f in (("threshold", threshold), ("site_threshold", site_threshold),
                        ("target_util", target_util), ("release_util", release_util)):  # fmt: skip
            if not 0.0 < float(f) <= 2.0:
                raise ValueError(f"{name} must be in (0, 2], got {f!r}")
        if horizon_steps < lead_steps:
            raise ValueError(
                f"horizon_steps ({horizon_steps}) must be >= lead_steps ({lead_steps})"
            )
        for ev in calendar:
            if not isinstance(ev, PlannedEvent):
                raise TypeError(f"calendar: expected PlannedEvent items, got {type(ev).__name__}")
        self.calendar = list(calendar)
        self._stored: frozenset[str] = frozenset()  # names of the events read from the memory
        self.lead_steps = lead_steps
        self.threshold = float(threshold)
        self.site_threshold = float(site_threshold)
        self.target_util = float(target_util)
        self.release_util = float(release_util)
        self.horizon_steps = horizon_steps
        self.forecast_every = forecast_every
        self.settle_steps = lead_steps + 2 if settle_steps is None else int(settle_steps)
        self.whatif_steps = max(whatif_steps, self.settle_steps)
        self.approval_kinds = frozenset(approval_kinds)

    # -- perception ------------------------------------------------------------------------------
    def forecast(self, ctx: LoopContext) -> DemandForecast:
        """The demand forecast, refreshed every ``forecast_every`` steps (cached in ctx.models)."""
        twin = ctx.twin
        fc: DemandForecast | None = ctx.models.get(_FC)
        age = None if fc is None else round((twin.now - fc.made_at) / twin.step_delta)
        if fc is None or age is None or not 0 <= age < self.forecast_every:
            fc = forecast_demand(twin, self.calendar, horizon_steps=self.horizon_steps, previous=fc)
            ctx.models[_FC] = fc
        return fc

    def _observed(self, twin: Twin) -> tuple[np.ndarray, np.ndarray]:
        prb = twin.kpi_array("RRU.PrbUsedDl")
        if not len(prb):
            n = twin.compiled.n_cells
            return np.zeros(n, bool), np.zeros(n)
        return congested_mask(prb[-1], twin.kpi_array("KQI.BlockedUsers")[-1]), prb[-1]

    def _active_events(self, now: datetime, twin: Twin) -> list[PlannedEvent]:
        lead = self.lead_steps * twin.step_delta
        return [ev for ev in self.calendar if ev.first - lead <= now < ev.last]

    def read_calendar(self, ctx: LoopContext) -> None:
        """Merge the operators' calendar in the memory (when the loop has one) into
        ``calendar``; a changed calendar drops the cached forecast."""
        if ctx.memory is None:
            return
        stored = stored_events(ctx.twin, ctx.memory.engine)
        names = frozenset(ev.name for ev in stored)
        own = [ev for ev in self.calendar if ev.name not in self._stored]
        if names != self._stored:
            ctx.models.pop(_FC, None)
        self.calendar, self._stored = own + stored, names

    def perceive(self, ctx: LoopContext, requests: Sequence[Request]) -> list[Incident]:
        """Incidents for predicted/observed congestion and for capacity that can be released."""
        twin, book = ctx.twin, ctx.book
        self.read_calendar(ctx)
        out: list[Incident] = []
        for req in requests:
            if req.get("kind") != self.kind:
                continue
            try:
                self.calendar.append(event_from_request(twin, req))
            except (ValueError, TypeError, KeyError) as exc:  # a human must fix the request
                log.warning("congestion request %s rejected: %s", req.get("id"), exc)
                out.append(rejected_request(ctx, req, str(exc)))
        if twin.step_index == 0 or not len(twin.kpi_array("RRU.PrbUsedDl")):
            return out
        fc = self.forecast(ctx)
        observed, last_prb = self._observed(twin)
        look = outlook(twin, fc, observed, last_prb, self.lead_steps)
        hot = (look.lead_util >= self.threshold) | observed
        topo, now = twin.compiled, twin.now
        in_events = np.zeros(topo.n_cells, bool)
        for ev in self._active_events(now, twin):
            area = [topo.cell_index[c] for c in ev.cells if c in topo.cell_index]
            in_events[area] = True
            key = f"congestion:event:{ev.name}"
            if key in book.open or not hot[area].any():
                continue
            near = {int(j) for c in area for j in topo.neighbours_of(c)[0]}
            cells = sorted(set(area) | near)
            inc = incident(twin, iid=book.next_id(), key=key, cells=cells, fc=fc,
                           capacity=look.capacity, until=ev.last, threshold=self.threshold,
                           observed=observed, event=ev)  # fmt: skip
            out.append(inc)
        until = now + self.horizon_steps * twin.step_delta
        can_grow = twin.state.cell_prbs < 2 * topo.cell_prbs  # else nothing left to add here
        site_hot = ((look.lead_util >= self.site_threshold) | observed) & can_grow & ~in_events
        for s in np.unique(topo.cell_site[site_hot]).tolist():
            key = f"congestion:site:{topo.site_ids[s]}"
            if key in book.open:
                continue
            cells = [int(c) for c in topo.cells_of_site(s)]
            out.append(incident(twin, iid=book.next_id(), key=key, cells=cells, fc=fc,
                                capacity=look.capacity, until=until,
                                threshold=self.site_threshold, observed=observed))  # fmt: skip
        out.extend(
            release_incidents(ctx, fc, self.whatif_steps, self.release_util, calendar=self.calendar)
        )
        return out

    def is_over(self, ctx: LoopContext, key: str) -> bool:
        """Event: after its wind-down; site: no congestion seen or forecast; release: done."""
        twin = ctx.twin
        kind, _, name = key.removeprefix("congestion:").partition(":")
        if kind == "event":
            ev = next((e for e in self.calendar if e.name == name), None)
            return ev is None or twin.now >= ev.last
        if kind == "request":
            return True
        if kind == "release":
            return name not in ctx.models.get(BOOSTED, {})
        s = twin.compiled.site_index.get(name)
        if s is None:
            return True
        fc = self.forecast(ctx)
        observed, last_prb = self._observed(twin)
        look = outlook(twin, fc, observed, last_prb, self.lead_steps)
        cells = twin.compiled.cells_of_site(s)
        return not bool(((look.lead_util[cells] >= self.site_threshold) | observed[cells]).any())

    # -- analysis and decision -------------------------------------------------------------------
    def analyse(self, ctx: LoopContext, incident: Incident) -> Analysis:
        """Risk (peak utilisation, predicted congested objects) and impact (users, cells)."""
        return cands.analyse(ctx, incident, self.forecast(ctx), self.threshold)

    def candidates(
        self, ctx: LoopContext, incident: Incident, analysis: Analysis
    ) -> list[Candidate]:
        """Release steps, or capacity across RAN/transport/core, the rules' and past cases'."""
        ev = incident["evidence"]
        if "error" in ev:
            return []  # a rejected request: escalated to a human with the reason
        if "release_of" in ev:
            steps = release_steps(ctx.twin, ev["action_ids"])
            if not steps:
                return []
            why = "undo the extra capacity (latest first): demand fits again"
            return [{"id": "c1", "actions": steps, "source": "optimiser", "rationale": why}]
        fc = self.forecast(ctx)
        rows = window_until(fc, ctx.twin.now, datetime.fromisoformat(ev["until"]))
        return cands.remedies(ctx, incident, analysis, fc, rows, self.threshold, self.target_util)

    def whatif_basis(
        self, ctx: LoopContext, incident: Incident, analysis: Analysis
    ) -> tuple[list[dict[str, Any]], list[PlannedEvent]]:
        """What the what-if clone assumes: no fault, the operators' calendar (expected surges)."""
        return [], list(self.calendar)

    def score(
        self,
        ctx: LoopContext,
        incident: Incident,
        analysis: Analysis,
        candidate: Candidate,
        after: Twin,
        baseline: Twin,
    ) -> tuple[float, dict[str, float]]:
        """Congested cell-steps and blocked user-steps avoided, minus the capacity's cost."""
        settle = self.settle_steps
        return scoring.whatif_score(ctx.twin, incident, candidate, after, baseline, settle)

    def needs_approval(
        self, ctx: LoopContext, incident: Incident, candidate: Candidate
    ) -> str | None:
        """Kinds in ``approval_kinds`` (default: reroute, it moves many sites' paths)."""
        kinds = sorted({a["kind"] for a in candidate["actions"]} & self.approval_kinds)
        return f"policy: {', '.join(kinds)} needs an operator's approval" if kinds else None

    # -- verification and memory -----------------------------------------------------------------
    def verify(
        self,
        ctx: LoopContext,
        incident: Incident,
        analysis: Analysis,
        decision: Decision,
        execution: Execution,
    ) -> Verdict:
        """Congested cells / links / UPFs now vs the what-if's prediction for now."""
        verdict = scoring.verdict(ctx.twin, incident, decision, execution)
        boosted: dict[str, dict[str, Any]] = ctx.models.setdefault(BOOSTED, {})
        ev = incident["evidence"]
        if "release_of" in ev:
            boosted.pop(ev["release_of"], None)
        elif execution["applied"]:
            entry = boosted.setdefault(
                incident["id"],
                {"key": incident["key"], "cells": [], "incidents": [incident["id"]], "last": None},
            )
            targets = [a["target"] for a in execution["applied"]]
            cells = [t for t in targets if t in ctx.twin.compiled.cell_index]
            entry["cells"] = sorted(set(entry["cells"]) | set(cells) | set(ev.get("area", [])))
            if ev.get("event"):
                entry["last"] = ev["until"]
        return verdict

    def signature(
        self, ctx: LoopContext, incident: Incident, analysis: Analysis
    ) -> SymptomSignature:
        """Kinds of objects at risk, the domain, and how far the peak runs over capacity."""
        return scoring.signature(incident, analysis)
