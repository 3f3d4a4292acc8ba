"""Perception of the congestion playbook: predicted and observed congestion -> incidents.

Three kinds of situation, each with a stable de-duplication key:

* ``congestion:event:<name>`` — a planned event whose area is predicted (or seen) congested
  within the lead time; the incident covers the event window.
* ``congestion:site:<site>`` — cells outside active event areas predicted congested within the
  lead time, or congested now (a forecast miss), grouped by site.
* ``congestion:release:<incident>`` — the situation an earlier incident handled is over and
  the demand forecast fits the planned capacity again: the extra capacity can go.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from autonet.agents.messages import Incident, Request
from autonet.agents.playbook import LoopContext
from autonet.agents.playbooks._congestion_actions import live_actions, release_steps
from autonet.agents.playbooks._congestion_forecast import (
    DemandForecast,
    PlannedEvent,
    cell_capacity,
    congested_mask,
)

if TYPE_CHECKING:
    from autonet.twin import Twin

__all__ = [
    "BOOSTED",
    "Outlook",
    "event_from_request",
    "incident",
    "outlook",
    "rejected_request",
    "release_incidents",
    "window_until",
]

#: ``ctx.models`` key: incident id -> what it added (key, cells, incidents, event end).
BOOSTED = "congestion.boosted"

F64 = NDArray[np.float64]


@dataclass
class Outlook:
    """The forecast read against current capacity over the lead time, and observed congestion."""

    capacity: F64  # current usable DL capacity per cell (derated)
    lead_util: F64  # peak predicted utilisation per cell over the lead time
    observed: NDArray[np.bool_]  # congested in the last recorded step
    last_util: F64  # last recorded DL PRB use (0..1)


def outlook(
    twin: Twin,
    fc: DemandForecast,
    observed: NDArray[np.bool_],
    last_prb_pct: F64,
    lead_steps: int,
) -> Outlook:
    """Peak predicted utilisation over the next ``lead_steps`` steps at today's capacity."""
    cap = cell_capacity(twin, fc.derate)
    rows = fc.window(twin.now, lead_steps)
    util = fc.utilisation(cap, rows)
    peak = util.max(axis=0) if util.shape[0] else np.zeros(twin.compiled.n_cells)
    return Outlook(cap, peak, observed, np.nan_to_num(last_prb_pct, nan=0.0) / 100.0)


def window_until(fc: DemandForecast, now: datetime, until: datetime) -> slice:
    """Forecast rows from ``now`` up to ``until`` (at least one row)."""
    steps = sum(1 for t in fc.times if now <= t <= until)
    return fc.window(now, max(steps, 1))


def incident(
    twin: Twin,
    *,
    iid: str,
    key: str,
    cells: Sequence[int],
    fc: DemandForecast,
    capacity: F64,
    until: datetime,
    threshold: float,
    observed: NDArray[np.bool_],
    event: PlannedEvent | None = None,
    extra: dict[str, Any] | None = None,
    producer: str = "perception",
) -> Incident:
    """An incident over ``cells`` (indices) with its predicted peak until ``until``."""
    topo = twin.compiled
    rows = window_until(fc, twin.now, until)
    util = fc.utilisation(capacity, rows)
    peak = util.max(axis=0)
    hot = [c for c in cells if peak[c] >= threshold or observed[c]]
    link_peak, upf_peak = fc.transport(twin, rows)
    link_hot = np.flatnonzero(link_peak >= threshold).tolist()
    upf_hot = np.flatnonzero(upf_peak >= threshold).tolist()
    links = [topo.link_ids[k] for k in link_hot]
    upfs = [topo.upf_ids[u] for u in upf_hot]
    onset = None
    over = np.flatnonzero((util[:, hot] >= threshold).any(axis=1)) if hot else np.zeros(0, int)
    if over.size:
        onset = fc.times[rows.start + int(over[0])].isoformat()
    peak_row = int(np.argmax(util[:, hot].max(axis=1))) if hot else 0
    evidence: dict[str, Any] = {
        "forecast_made_at": fc.made_at.isoformat(),
        "until": until.isoformat(),
        "onset": onset,
        "peak_at": fc.times[rows.start + peak_row].isoformat() if hot else None,
        "peak_util": {topo.cell_ids[c]: round(float(peak[c]), 3) for c in hot},
        "observed": [topo.cell_ids[c] for c in hot if observed[c]],
        "area": [topo.cell_ids[c] for c in cells],
        "links": {topo.link_ids[k]: round(float(link_peak[k]), 3) for k in link_hot},
        "upfs": {topo.upf_ids[u]: round(float(upf_peak[u]), 3) for u in upf_hot},
        "event": None
        if event is None
        else {
            "name": event.name,
            "start": event.start.isoformat(),
            "end": event.end.isoformat(),
            "multiplier": event.multiplier,
        },
    }
    evidence.update(extra or {})
    worst = max((float(peak[c]) for c in hot), default=0.0)
    if event is not None:
        what = f"event {event.name!r}: {len(hot)} cell(s) predicted congested (peak {worst:.0%})"
    elif any(observed[c] for c in hot):
        what = f"{len(hot)} cell(s) congested now (peak forecast {worst:.0%})"
    else:
        what = f"{len(hot)} cell(s) predicted congested by {onset} (peak {worst:.0%})"
    severity = "major" if event is not None or worst >= 1.5 or observed[hot].any() else "minor"
    return {
        "id": iid,
        "kind": "congestion",
        "key": key,
        "opened_at": twin.now.isoformat(),
        "objects": [topo.cell_ids[c] for c in hot] + links + upfs,
        "summary": what
        + (f"; links {links}" if links else "")
        + (f"; UPFs {upfs}" if upfs else ""),
        "severity": severity,
        "evidence": evidence,
        "producer": producer,
    }


def _when(twin: Twin, value: Any, what: str) -> datetime:
    if isinstance(value, str) and len(value) == 5 and value[2] == ":":
        h, m = int(value[:2]), int(value[3:])
        return twin.now.replace(hour=h % 24, minute=m, second=0, microsecond=0)
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        raise ValueError(
            f"congestion request: {what} {value!r} is not an ISO time or HH:MM"
        ) from None


def event_from_request(twin: Twin, req: Request) -> PlannedEvent:
    """A planned event from an operator's request (kind ``"congestion"``).

    Arguments: ``cells`` (ids) or ``area`` (a site region, e.g. ``"north"``); ``start``/``end``
    (ISO times) or ``window`` ``{"start": "HH:MM", "end": "HH:MM"}`` (today, end after
    midnight rolls over); ``multiplier``, or ``expected_attendance`` (people: the surge is
    ``1 + attendance / busy-hour users`` of the area); optional ``name``.

    Raises:
        ValueError: Missing or bad arguments (the message names what is expected).
    """
    args = dict(req.get("arguments", {}))
    topo = twin.compiled
    if "cells" in args:
        cells = [str(c) for c in args["cells"]]
        unknown = [c for c in cells if c not in topo.cell_index]
        if unknown:
            raise ValueError(f"congestion request: unknown cell ids {unknown[:5]}")
    elif "area" in args:
        graph = topo.graph
        sites = [s for s in topo.site_ids if graph.nodes[s].get("region") == args["area"]]
        if not sites:
            raise ValueError(f"congestion request: no site in area {args['area']!r}")
        cells = [topo.cell_ids[c] for s in sites for c in topo.cells_of_site(topo.site_index[s])]
    else:
        raise ValueError("congestion request: give 'cells' (cell ids) or 'area' (a region)")
    window = args.get("window") or {}
    start = _when(twin, args.get("start", window.get("start")), "start")
    end = _when(twin, args.get("end", window.get("end")), "end")
    if end <= start and "window" in args:
        end += timedelta(days=1)
    if "multiplier" in args:
        mult = float(args["multiplier"])
    elif "expected_attendance" in args:
        users = twin.kpi_array("RRC.ConnMean")
        idx = [topo.cell_index[c] for c in cells]
        busy = float(np.nanmax(users[:, idx].sum(axis=1))) if len(users) else 0.0
        mult = min(50.0, 1.0 + float(args["expected_attendance"]) / max(busy, 1.0))
    else:
        raise ValueError("congestion request: give 'multiplier' or 'expected_attendance'")
    return PlannedEvent(str(args.get("name", req["id"])), tuple(cells), start, end, mult)


def release_incidents(
    ctx: LoopContext,
    fc: DemandForecast,
    lookahead: int,
    release_util: float,
    *,
    calendar: Sequence[PlannedEvent] = (),
) -> list[Incident]:
    """Release incidents for situations handled earlier (``ctx.models[BOOSTED]``) that are
    over, whose forecast fits the planned capacity for ``lookahead`` steps, whose extra
    capacity can be undone now (no later action on the same settings) and, tried on a clone
    (at most hourly per situation), adds no congested cell-step over ``lookahead`` steps: a
    release the what-if would reject waits instead of being escalated."""
    twin, book = ctx.twin, ctx.book
    boosted: dict[str, dict[str, Any]] = ctx.models.setdefault(BOOSTED, {})
    out: list[Incident] = []
    topo = twin.compiled
    planned = topo.cell_capacity_dl_mbps.astype(np.float64) * fc.derate
    rows = fc.window(twin.now, lookahead)
    for iid, entry in sorted(boosted.items()):
        key = f"congestion:release:{iid}"
        if entry["key"] in book.open or key in book.open:
            continue
        if entry.get("last") and twin.now < datetime.fromisoformat(entry["last"]):
            continue
        cells = [topo.cell_index[c] for c in entry["cells"] if c in topo.cell_index]
        util = fc.demand[rows][:, cells] / np.maximum(planned[cells], 1e-9)
        if util.size and float(util.max()) >= release_util:
            continue
        live = live_actions(twin, entry["incidents"])
        if not live:
            del boosted[iid]
            continue
        steps = release_steps(twin, live)
        if steps is None or not _safe_release(twin, entry, steps, lookahead, calendar):
            continue
        out.append({
            "id": book.next_id(), "kind": "congestion", "key": key,
            "opened_at": twin.now.isoformat(), "objects": list(entry["cells"]),
            "summary": f"release {len(live)} capacity action(s) of {iid}: demand fits again",
            "severity": "warning",
            "evidence": {"release_of": iid, "action_ids": live, "area": entry["cells"]},
            "producer": "perception",
        })  # fmt: skip
    return out


def rejected_request(ctx: LoopContext, req: Request, error: str) -> Incident:
    """An incident for a request that cannot be planned: no candidate, so a human gets it."""
    twin = ctx.twin
    return {
        "id": ctx.book.next_id(),
        "kind": "congestion",
        "key": f"congestion:request:{req.get('id')}",
        "opened_at": twin.now.isoformat(),
        "objects": [],
        "summary": f"event request {req.get('id')} rejected: {error}",
        "severity": "warning",
        "evidence": {"request": dict(req), "error": error},
        "producer": "perception",
    }


def _safe_release(
    twin: Twin,
    entry: dict[str, Any],
    steps: list[Any],
    lookahead: int,
    calendar: Sequence[PlannedEvent] = (),
) -> bool:
    """True when undoing ``steps`` on a what-if clone (the network as observed, the calendar's
    expected surges) adds no congested cell-step (checked hourly)."""
    last = entry.get("checked")
    if last and twin.now - datetime.fromisoformat(last) < timedelta(hours=1):
        return False
    entry["checked"] = twin.now.isoformat()
    base = twin.whatif_clone((), calendar)
    after = base.clone()
    for step in steps:
        after.undo(step["target"])
    base.run(lookahead)
    after.run(lookahead)

    def congested(tw: Twin) -> int:
        prb = tw.kpi_array("RRU.PrbUsedDl")[-lookahead:]
        return int(congested_mask(prb, tw.kpi_array("KQI.BlockedUsers")[-lookahead:]).sum())

    return congested(after) <= congested(base)
