"""The readers: counters, alarms, root-cause hypotheses and a KPI forecast of a target."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from autonet.agents.trace import plain
from autonet.platform.capabilities.context import CapabilityContext, CapabilityError
from autonet.platform.capabilities.targets import (
    check_kpi_target,
    resolve_target,
    series,
    steps_of,
)

if TYPE_CHECKING:
    from autonet.twin import Twin

__all__ = [
    "alarm_nodes",
    "alarm_reader",
    "kpi_forecaster",
    "kpi_reader",
    "rca_locator",
    "shown_alarm",
    "visible_alarms",
]

_SHOWN: Final = 10  # objects listed per answer


def kpi_reader(ctx: CapabilityContext, args: Mapping[str, Any]) -> dict[str, Any]:
    """Recent values of one counter over a target (mean, max, last; last per object)."""
    twin = ctx.twin
    kpi = args.get("kpi") or "RRU.PrbUsedDl"
    level, ids = check_kpi_target(twin, kpi, str(args["target"]))
    n = steps_of(twin, args.get("period_min"))
    window = series(twin, kpi, level, ids)[-n:]
    last = window[-1]
    top = np.argsort(-last, kind="stable")[:_SHOWN]
    return plain({
        "target": args["target"], "kpi": kpi, "steps": len(window), "objects": len(ids),
        "mean": float(window.mean()), "max": float(window.max()), "last_mean": float(last.mean()),
        "last": {ids[i]: float(last[i]) for i in top},
    })  # fmt: skip


def alarm_nodes(twin: Twin, target: str) -> set[str]:
    """The nodes whose alarms belong to ``target``: its objects, their sites, a link's ends."""
    level, ids = resolve_target(twin, target)
    topo = twin.compiled
    if level == "link":
        i = topo.link_index[ids[0]]
        ends = (topo.link_u[i], topo.link_v[i])
        return {*ids, *(topo.tnode_ids[int(e)] for e in ends)}
    sites = {topo.graph.nodes[c]["site"] for c in ids} if level == "cell" else set()
    return {*ids, *sites}


def visible_alarms(twin: Twin, args: Mapping[str, Any]) -> list[Any]:
    """Alarms active now (or raised within ``period_min``), optionally of a target/severity."""
    now = twin.now
    since = None
    if args.get("period_min") is not None:
        since = now - timedelta(minutes=steps_of(twin, args["period_min"]) * twin.step_minutes)
    alarms = [
        a for a in twin.alarms
        if a.raised_at <= now and ((a.cleared_at is None or a.cleared_at > now)
                                   or (since is not None and a.raised_at >= since))
    ]  # fmt: skip
    if args.get("target"):
        nodes = alarm_nodes(twin, str(args["target"]))
        alarms = [a for a in alarms if a.node in nodes]
    if args.get("severity"):
        alarms = [a for a in alarms if a.severity == args["severity"]]
    return alarms


def shown_alarm(alarm: Any) -> dict[str, Any]:
    """An alarm as an operator sees it: without its ground truth (fault id, root flag)."""
    return plain({
        "alarm_id": alarm.alarm_id, "alarm_type": alarm.alarm_type, "node": alarm.node,
        "severity": alarm.severity, "raised_at": alarm.raised_at, "cleared_at": alarm.cleared_at,
    })  # fmt: skip


def alarm_reader(ctx: CapabilityContext, args: Mapping[str, Any]) -> dict[str, Any]:
    """Active (and, with ``period_min``, recent) alarms, optionally of a target / severity."""
    alarms = visible_alarms(ctx.twin, args)
    return {"count": len(alarms), "alarms": [shown_alarm(a) for a in alarms[:100]]}


def rca_locator(ctx: CapabilityContext, args: Mapping[str, Any]) -> dict[str, Any]:
    """Ranked root-cause hypotheses for the alarms of the network now (the target's first)."""
    from autonet.knowledge.rca import RootCauseLocator

    twin, models = ctx.twin, ctx.loop.ctx.models
    locator = models.get("rca")
    if locator is None:
        locator = models["rca"] = RootCauseLocator().fit(twin.compiled.graph)
    window = {"period_min": args.get("period_min") or 60}
    alarms = [shown_alarm(a) for a in visible_alarms(twin, window)]
    hyps = locator.locate(alarms) if alarms else []
    nodes = alarm_nodes(twin, str(args["target"]))
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


def kpi_forecaster(ctx: CapabilityContext, args: Mapping[str, Any]) -> dict[str, Any]:
    """Seasonal-naive P10/P50/P90 of the target's mean counter for the coming horizon."""
    import pandas as pd

    from autonet.knowledge.baselines import SeasonalNaiveForecaster

    twin = ctx.twin
    kpi = str(args["kpi"])
    level, ids = check_kpi_target(twin, kpi, str(args["target"]))
    values = series(twin, kpi, level, ids).mean(axis=1)
    day = 1440 // twin.step_minutes
    if len(values) < 2 * day:
        raise CapabilityError(
            f"forecasting needs two days of recorded history, the twin has {len(values)} "
            f"step(s) ({2 * day} needed)"
        )
    times = pd.date_range(end=twin.now - twin.step_delta, periods=len(values),
                          freq=f"{twin.step_minutes}min")  # fmt: skip
    frame = pd.DataFrame({"time": times, "object": str(args["target"]), "value": values})
    model = SeasonalNaiveForecaster(season="day").fit(frame)
    pred = model.predict(frame, steps_of(twin, args.get("horizon_min"), default=240))
    return {
        "target": args["target"], "kpi": kpi,
        "forecast": plain(pred.drop(columns="object").to_dict("records")),
    }  # fmt: skip
