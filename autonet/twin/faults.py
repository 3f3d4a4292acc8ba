"""Fault injectors: change the twin's state, record ground truth, raise and clear alarms."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from autonet.twin.events import FAULT_TYPES, Alarm, FaultRecord
from autonet.twin.fault_catalogue import (
    FAULT_PARAMS,
    FAULT_TARGETS,
    SEVERITY,
    STACKABLE,
    Change,
    FaultError,
    FaultPlan,
    check_params,
    plan_fault,
    resolve_target,
    site_nodes,
)

if TYPE_CHECKING:
    from autonet.twin.engine import Twin

__all__ = [
    "FAULT_PARAMS",
    "FAULT_TARGETS",
    "SOFTWARE_OUTAGE_SHARE",
    "STACKABLE",
    "FaultError",
    "active_fault_on",
    "active_faults",
    "clear",
    "inject",
    "outage_cause",
    "schedule_clear",
]

ROOT_DELAY_S: Final[float] = 2.0  # root alarm: 0-2 s after the event
SYMPTOM_DELAY_S: Final[float] = 90.0  # symptoms: within 90 s after the root alarm
CLEAR_DELAY_S: Final[float] = 30.0  # alarms clear within 30 s of the repair
_PHASE: Final[str] = "#power-down"  # scheduled phase of a site power failure
#: Share of cell outages with a software cause (a remote restart brings the cell back); the
#: rest are hardware faults that need field repair. Drawn per fault, see :func:`outage_cause`.
SOFTWARE_OUTAGE_SHARE: Final[float] = 0.7


def _ledger(twin: Twin) -> dict[str, Any]:
    book: dict[str, Any] = twin.ledger.setdefault("faults", {"seq": 0, "entries": {}})
    return book


def active_faults(twin: Twin) -> list[str]:
    """Ids of the faults injected into ``twin`` and not yet cleared."""
    return [fid for fid, e in _ledger(twin)["entries"].items() if e["active"]]


def active_fault_on(twin: Twin, fault_type: str, index: int) -> str | None:
    """Id of the earliest active fault of ``fault_type`` on object index ``index``, or None."""
    for fid, e in _ledger(twin)["entries"].items():
        if e["active"] and e["type"] == fault_type and e["index"] == index:
            return fid
    return None


def outage_cause(twin: Twin, fault_id: str) -> str:
    """``"software"`` or ``"hardware"``: the cause of cell outage ``fault_id`` (ground truth).

    Deterministic per twin seed and fault number (a draw of ``twin.rng(fault number, 4)``):
    ``SOFTWARE_OUTAGE_SHARE`` of the outages are software faults a remote restart clears.
    In a what-if clone (:func:`autonet.twin.observed.observed_clone`) the fault is a
    hypothesis and its cause is the hypothesised one, never drawn.

    Raises:
        FaultError: ``fault_id`` is unknown or not a cell outage.
    """
    entry = _ledger(twin)["entries"].get(fault_id)
    if entry is None or entry["type"] != "cell_outage":
        what = "unknown" if entry is None else f"a {entry['type']}"
        raise FaultError(f"fault {fault_id!r} is {what}, not a cell outage")
    if "cause" in entry:  # a what-if clone's hypothesis (see autonet.twin.observed)
        return str(entry["cause"])
    draw = float(twin.rng(entry["seq"], 4).random())
    return "software" if draw < SOFTWARE_OUTAGE_SHARE else "hardware"


def schedule_clear(twin: Twin, fault_id: str) -> None:
    """Clear active fault ``fault_id`` at the start of the next step (as a repair would).

    Raises:
        FaultError: ``fault_id`` is unknown or already cleared.
    """
    entry = _ledger(twin)["entries"].get(fault_id)
    if entry is None or not entry["active"]:
        state = "already cleared" if entry is not None else "unknown"
        raise FaultError(f"fault {fault_id!r} is {state}; active faults: {active_faults(twin)}")
    twin._clear_at[fault_id] = twin.step_index


def _write(twin: Twin, change: Change) -> None:
    arr = getattr(twin.state, change.array)
    for k, new in zip(change.idx, change.new, strict=True):
        arr[k] = arr[k] + new if change.mode == "add" else new


def _raise(
    twin: Twin,
    fid: str,
    plan: FaultPlan,
    rng: np.random.Generator,
    missing_prob: float,
    *,
    first: bool = True,
) -> None:
    """Append the plan's alarms: roots 0-2 s from now, symptoms up to 90 s after them.

    ``first=False`` marks the plan's root alarms as symptoms: only a fault's first alarm (or
    alarms, for the two ends of a link) is its root.
    """
    now = twin.now
    book = _ledger(twin)["entries"][fid]
    root_delay = rng.uniform(0.0, ROOT_DELAY_S, len(plan.roots))
    symptom_delay = float(root_delay.max(initial=0.0)) + rng.uniform(
        0.0, SYMPTOM_DELAY_S, len(plan.symptoms)
    )
    keep = rng.random(len(plan.symptoms)) >= missing_prob
    alarms = [(t, n, d, first) for (t, n), d in zip(plan.roots, root_delay, strict=True)]
    alarms += [
        (t, n, d, False)
        for (t, n), d, k in zip(plan.symptoms, symptom_delay, keep, strict=True)
        if k
    ]
    for alarm_type, node, delay, root in sorted(alarms, key=lambda a: (a[2], a[1])):
        book["alarms"] += 1
        twin.alarms.append(
            Alarm(
                alarm_id=f"{fid}-A{book['alarms']:03d}",
                alarm_type=alarm_type,
                node=node,
                severity=SEVERITY[alarm_type],
                raised_at=now + timedelta(seconds=round(float(delay), 3)),
                fault_id=fid,
                root=root,
            )
        )


def inject(
    twin: Twin,
    fault_type: str,
    target: str,
    *,
    duration_steps: int | None = None,
    **params: Any,
) -> FaultRecord:
    """Inject a fault into ``twin`` now and return its ground truth.

    Effects (through ``twin.state``): ``cell_outage`` -> ``cell_on`` False; ``site_power_failure``
    -> BATTERY_LOW now, after ``battery_minutes`` (rounded up to steps) ``site_powered`` False
    with SITE_POWER_FAILURE, GNB_DISCONNECTED and CELL_UNAVAILABLE; ``fibre_cut`` -> ``link_up``
    False (every site whose backhaul path uses the link loses service); ``link_congestion`` ->
    ``load_share`` x capacity of background load on the link; ``interference`` -> ``extra_db``
    dB SINR lost; ``upf_overload`` -> ``load_share`` x the UPF's total capacity of background
    load; ``misconfiguration`` -> ``tilt_deg`` downtilt. The root alarm(s) come 0-2 s after the
    event, symptoms within 90 s after them; each symptom is missing with ``missing_prob``
    (delays and losses are deterministic per twin seed and fault number).

    Args:
        twin: The twin (its state, alarm log and fault list are changed).
        fault_type: One of ``FAULT_TYPES``.
        target: Id of a node of the kind in ``FAULT_TARGETS`` (a ``link_id`` for links).
        duration_steps: Recorded in the params; the twin schedules the clear.
        **params: Fault parameters (``FAULT_PARAMS``) and ``missing_prob``.

    Raises:
        FaultError: Unknown type, wrong target kind, bad parameter, or the same fault already
            active on that target (except the additive ones in ``STACKABLE``). Nothing is
            changed then.
    """
    if fault_type not in FAULT_TYPES:
        raise FaultError(f"unknown fault type {fault_type!r}; expected one of {list(FAULT_TYPES)}")
    p = check_params(fault_type, params)
    i = resolve_target(twin, fault_type, target)
    book = _ledger(twin)
    if fault_type not in STACKABLE:
        for fid, e in book["entries"].items():
            if e["active"] and e["type"] == fault_type and e["index"] == i:
                raise FaultError(f"fault {fault_type!r} is already active on {target!r} ({fid})")
    plan = plan_fault(twin, fault_type, i, p)
    book["seq"] += 1
    fid = f"F{book['seq']:04d}"
    book["entries"][fid] = {
        "type": fault_type, "index": i, "seq": book["seq"], "active": True, "alarms": 0,
        "changes": plan.changes,
    }  # fmt: skip
    for change in plan.changes:
        _write(twin, change)
    record = FaultRecord(
        fault_id=fid,
        fault_type=fault_type,
        root_node=plan.root_node,
        domain=plan.domain,
        start=twin.now,
        affected=plan.affected,
        params={**p, "target": str(target), "duration_steps": duration_steps},
    )
    twin.faults.append(record)
    _raise(twin, fid, plan, twin.rng(book["seq"], 1), p["missing_prob"])
    if fault_type == "site_power_failure":
        hold = math.ceil(p["battery_minutes"] / twin.step_minutes)
        if hold == 0:
            _power_down(twin, fid)
        else:
            twin._clear_at[fid + _PHASE] = twin.step_index + hold
    return record


def _power_down(twin: Twin, fid: str) -> None:
    """Battery exhausted: the site and its cells go dark."""
    entry = _ledger(twin)["entries"][fid]
    topo, st = twin.compiled, twin.state
    i = entry["index"]
    change = Change("site_powered", [i], [bool(st.site_powered[i])], [False])
    entry["changes"].append(change)
    _write(twin, change)
    site = topo.site_ids[i]
    sites, cells = site_nodes(twin, np.array([i]))
    record = next(f for f in twin.faults if f.fault_id == fid)
    record.affected = (*sites, *cells)
    plan = FaultPlan(roots=[("SITE_POWER_FAILURE", site)], symptoms=[("GNB_DISCONNECTED", site)])
    plan.symptoms += [("CELL_UNAVAILABLE", c) for c in cells]
    missing = float(record.params["missing_prob"])
    _raise(twin, fid, plan, twin.rng(entry["seq"], 2), missing, first=False)


def _restore(twin: Twin, fid: str) -> None:
    """Undo a fault's changes, keeping the effect of other active faults on the same element."""
    entries = _ledger(twin)["entries"]
    mine = entries[fid]
    for change in reversed(mine["changes"]):
        arr = getattr(twin.state, change.array)
        for pos, k in enumerate(change.idx):
            later = [
                (e["seq"], c, c.idx.index(k))
                for e in entries.values()
                if e["active"] and e is not mine
                for c in e["changes"]
                if c.array == change.array and k in c.idx
            ]
            after = sorted((s, c, j) for s, c, j in later if s > mine["seq"])
            if change.mode == "add":
                if after:  # a later fault's baseline includes this one's load: take it out
                    arr[k] = arr[k] - change.new[pos]
                    after[0][1].old[after[0][2]] -= change.new[pos]
                else:
                    arr[k] = change.old[pos]
            elif after:  # the next fault on this element inherits the value to restore
                after[0][1].old[after[0][2]] = change.old[pos]
            elif arr[k] == np.asarray(change.new[pos], dtype=arr.dtype):
                arr[k] = change.old[pos]  # unless an action changed it since


def clear(twin: Twin, fault_id: str) -> None:
    """Clear an active fault: restore what it changed, clear its alarms, close its record.

    Raises:
        FaultError: ``fault_id`` is unknown or already cleared.
    """
    entries = _ledger(twin)["entries"]
    if fault_id.endswith(_PHASE):  # the twin's scheduler: a power failure's battery ran out
        base = fault_id.removesuffix(_PHASE)
        if base in entries and entries[base]["active"]:
            _power_down(twin, base)
        return
    entry = entries.get(fault_id)
    if entry is None or not entry["active"]:
        state = "already cleared" if entry is not None else "unknown"
        raise FaultError(f"fault {fault_id!r} is {state}; active faults: {active_faults(twin)}")
    twin._clear_at.pop(fault_id + _PHASE, None)
    _restore(twin, fault_id)
    entry["active"] = False
    now = twin.now
    rng = twin.rng(entry["seq"], 3)
    for pos, alarm in enumerate(twin.alarms):
        if alarm.fault_id == fault_id and alarm.cleared_at is None:
            at = now + timedelta(seconds=round(float(rng.uniform(0.0, CLEAR_DELAY_S)), 3))
            twin.alarms[pos] = replace(alarm, cleared_at=max(at, alarm.raised_at))
    for record in twin.faults:
        if record.fault_id == fault_id:
            record.end = now
