"""The capabilities dispatch runs directly on the loop's twin: readers, RCA, forecast, rollback."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from autonet.agents.trace import plain

if TYPE_CHECKING:
    from autonet.platform.loop import ClosedLoop

__all__ = [
    "READERS",
    "CapabilityError",
    "change_executor",
    "change_rollback",
    "intent_verifier",
    "resolve_target",
]

_REGIONS: Final = ("north", "south", "east", "west", "centre")
_SHOWN: Final = 10  # objects listed per answer


class CapabilityError(ValueError):
    """A capability cannot run with these arguments (names what is wrong and what is expected)."""


def resolve_target(loop: ClosedLoop, target: str) -> tuple[str, list[str]]:
    """``(level, object ids)`` of a gate target: cell, site (its cells), ``L0042`` (the 42nd
    link), a link/UPF id of the twin, or a region (its cells).

    Raises:
        CapabilityError: The network has no such object.
    """
    topo = loop.twin.compiled
    if target in topo.cell_index:
        return "cell", [target]
    if target in topo.link_index:
        return "link", [target]
    if target in topo.upf_index:
        return "upf", [target]
    if re.fullmatch(r"S\d{4}", target):
        cells = [c for c in topo.cell_ids if c.startswith(f"{target}-")]
        if cells:
            return "cell", cells
    if m := re.fullmatch(r"L(\d{4})", target):
        n = int(m.group(1))
        if 1 <= n <= len(topo.link_ids):
            return "link", [topo.link_ids[n - 1]]
    if target in _REGIONS:
        G = topo.graph
        cells = [c for c in topo.cell_ids if G.nodes[G.nodes[c]["site"]].get("region") == target]
        return "cell", cells
    raise CapabilityError(
        f"unknown target {target!r}: expected a cell (S0001-C1), a site (S0001), a link "
        f"(L0001..L{len(topo.link_ids):04d}), a UPF or a region {list(_REGIONS)}"
    )


def _steps(loop: ClosedLoop, minutes: Any, default: int = 60) -> int:
    minutes = default if minutes is None else minutes
    if isinstance(minutes, bool) or not isinstance(minutes, int | float) or minutes < 1:
        raise CapabilityError(f"period/horizon must be >= 1 minute, got {minutes!r}")
    return max(1, math.ceil(minutes / loop.twin.step_minutes))


def _level_of(kpi: str) -> str:
    return "link" if kpi.startswith("TN.") else "upf" if kpi.startswith("UPF.") else "cell"


def _series(loop: ClosedLoop, kpi: str, level: str, ids: list[str]) -> np.ndarray:
    topo = loop.twin.compiled
    index = {"cell": topo.cell_index, "link": topo.link_index, "upf": topo.upf_index}[level]
    try:
        values = loop.twin.kpi_array(kpi, level)
    except (KeyError, ValueError) as exc:
        raise CapabilityError(f"the twin has no recorded {level} counter {kpi!r} ({exc})") from None
    if len(values) == 0:
        raise CapabilityError("the twin has recorded no step yet")
    return values[:, [index[i] for i in ids]]


def _checked(loop: ClosedLoop, kpi: str, target: str) -> tuple[str, list[str]]:
    level, ids = resolve_target(loop, target)
    if _level_of(kpi) != level:
        raise CapabilityError(f"{kpi} is a {_level_of(kpi)} counter; {target} is a {level} target")
    return level, ids


def kpi_reader(loop: ClosedLoop, args: Mapping[str, Any]) -> dict[str, Any]:
    """Recent values of one counter over a target (mean, max, last; last per object)."""
    kpi = args.get("kpi") or "RRU.PrbUsedDl"
    level, ids = _checked(loop, kpi, str(args["target"]))
    n = _steps(loop, args.get("period_min"))
    window = _series(loop, kpi, level, ids)[-n:]
    last = window[-1]
    top = np.argsort(-last, kind="stable")[:_SHOWN]
    return plain({
        "target": args["target"], "kpi": kpi, "steps": len(window), "objects": len(ids),
        "mean": float(window.mean()), "max": float(window.max()), "last_mean": float(last.mean()),
        "last": {ids[i]: float(last[i]) for i in top},
    })  # fmt: skip


def _alarm_nodes(loop: ClosedLoop, target: str) -> set[str]:
    level, ids = resolve_target(loop, target)
    topo = loop.twin.compiled
    if level == "link":
        i = topo.link_index[ids[0]]
        ends = (topo.link_u[i], topo.link_v[i])
        return {*ids, *(topo.tnode_ids[int(e)] for e in ends)}
    sites = {loop.twin.compiled.graph.nodes[c]["site"] for c in ids} if level == "cell" else set()
    return {*ids, *sites}


def _visible(loop: ClosedLoop, args: Mapping[str, Any]) -> list[Any]:
    """Alarms active now (or raised within ``period_min``), without their ground truth."""
    now = loop.twin.now
    since = None
    if args.get("period_min") is not None:
        since = now - timedelta(minutes=_steps(loop, args["period_min"]) * loop.twin.step_minutes)
    alarms = [
        a for a in loop.twin.alarms
        if a.raised_at <= now and ((a.cleared_at is None or a.cleared_at > now)
                                   or (since is not None and a.raised_at >= since))
    ]  # fmt: skip
    if args.get("target"):
        nodes = _alarm_nodes(loop, str(args["target"]))
        alarms = [a for a in alarms if a.node in nodes]
    if args.get("severity"):
        alarms = [a for a in alarms if a.severity == args["severity"]]
    return alarms


def _shown(alarm: Any) -> dict[str, Any]:
    return plain({
        "alarm_id": alarm.alarm_id, "alarm_type": alarm.alarm_type, "node": alarm.node,
        "severity": alarm.severity, "raised_at": alarm.raised_at, "cleared_at": alarm.cleared_at,
    })  # fmt: skip


def alarm_reader(loop: ClosedLoop, args: Mapping[str, Any]) -> dict[str, Any]:
    """Active (and, with ``period_min``, recent) alarms, optionally of a target / severity."""
    alarms = _visible(loop, args)
    return {"count": len(alarms), "alarms": [_shown(a) for a in alarms[:100]]}


def rca_locator(loop: ClosedLoop, args: Mapping[str, Any]) -> dict[str, Any]:
    """Ranked root-cause hypotheses for the alarms of the network now (the target's first)."""
    from autonet.knowledge.rca import RootCauseLocator

    locator = loop.ctx.models.get("rca")
    if locator is None:
        locator = loop.ctx.models["rca"] = RootCauseLocator().fit(loop.twin.compiled.graph)
    alarms = [_shown(a) for a in _visible(loop, {"period_min": args.get("period_min") or 60})]
    hyps = locator.locate(alarms) if alarms else []
    nodes = _alarm_nodes(loop, str(args["target"]))
    ranked = sorted(hyps, key=lambda h: h.node not in nodes and not set(h.explained) & nodes)
    return {
        "alarms": len(alarms),
        "hypotheses": [
            plain(
                {
                    "node": h.node,
                    "fault_type": h.fault_type,
                    "domain": h.domain,
                    "score": h.score,
                    "evidence": list(h.evidence)[:3],
                }
            )
            for h in ranked[:5]
        ],
    }


def kpi_forecaster(loop: ClosedLoop, args: Mapping[str, Any]) -> dict[str, Any]:
    """Seasonal-naive P10/P50/P90 of the target's mean counter for the coming horizon."""
    import pandas as pd

    from autonet.knowledge.baselines import SeasonalNaiveForecaster

    kpi = str(args["kpi"])
    level, ids = _checked(loop, kpi, str(args["target"]))
    values = _series(loop, kpi, level, ids).mean(axis=1)
    day = 1440 // loop.twin.step_minutes
    if len(values) < 2 * day:
        raise CapabilityError(
            f"forecasting needs two days of recorded history, the twin has {len(values)} "
            f"step(s) ({2 * day} needed)"
        )
    times = pd.date_range(end=loop.twin.now - loop.twin.step_delta, periods=len(values),
                          freq=f"{loop.twin.step_minutes}min")  # fmt: skip
    frame = pd.DataFrame({"time": times, "object": str(args["target"]), "value": values})
    model = SeasonalNaiveForecaster(season="day").fit(frame)
    pred = model.predict(frame, _steps(loop, args.get("horizon_min"), default=240))
    return {
        "target": args["target"], "kpi": kpi,
        "forecast": plain(pred.drop(columns="object").to_dict("records")),
    }  # fmt: skip


def change_executor(loop: ClosedLoop, args: Mapping[str, Any]) -> dict[str, Any]:
    """Apply one operator change now (a cell/link target; ``value`` as the action's number)."""
    from autonet.twin import ActionError

    kind, (level, ids) = str(args["action"]), resolve_target(loop, str(args["target"]))
    numbers = {"offload": "share", "tilt": "delta_deg", "tx_power": "delta_db",
               "capacity_boost": "extra_prbs" if level == "cell" else "extra_mbps",
               "upf_scale_out": "instances"}  # fmt: skip
    params = {numbers[kind]: args["value"]} if kind in numbers and "value" in args else {}
    if kind == "capacity_boost" and level == "cell" and params:
        params["extra_prbs"] = int(params["extra_prbs"])
    if len(ids) != 1:
        raise CapabilityError(f"{kind} takes one object; {args['target']} has {len(ids)}")
    try:
        record = loop.twin.apply(kind, ids[0], **params)
    except ActionError as exc:
        raise CapabilityError(str(exc)) from None
    return {"change_id": f"CHG-{int(record.action_id[1:]):04d}", **record.as_dict()}


def change_rollback(loop: ClosedLoop, args: Mapping[str, Any]) -> dict[str, Any]:
    """Undo the twin action behind ``CHG-NNNN`` (action ``A0NNNN``)."""
    from autonet.twin import ActionError

    action_id = f"A{int(str(args['change_id']).split('-')[1]):05d}"
    try:
        record = loop.twin.undo(action_id)
    except ActionError as exc:
        raise CapabilityError(str(exc)) from None
    return {"undone": action_id, "undo_id": record.action_id}


def intent_verifier(loop: ClosedLoop, args: Mapping[str, Any]) -> dict[str, Any]:
    """The fulfilment of the incident opened for a request (``INT-NNNN`` = its request id)."""
    wanted = str(args["intent_id"])
    for out in loop.outcomes():
        request = out["incident"]["evidence"].get("request") or {}
        if wanted in (request.get("id"), request.get("arguments", {}).get("intent_id")):
            verdict = out["verdicts"][-1] if out["verdicts"] else None
            return {"intent_id": wanted, "status": out["status"], "verdict": verdict}
    raise CapabilityError(f"no intent {wanted!r} handled by this loop")


READERS: Final = {
    "kpi_reader": kpi_reader,
    "alarm_reader": alarm_reader,
    "rca_locator": rca_locator,
    "kpi_forecaster": kpi_forecaster,
}
