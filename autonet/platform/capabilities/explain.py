"""KPI explanations: the knowledge base's definition plus what moved the KPI on the target.

"What moved it" compares the last hour with the usual level (the same time of day on the
earlier recorded days, or the steps before when less than a day is recorded), for the KPI
and for the counters that usually drive it (users, offered traffic, PRB use, SINR,
availability), with each driver's correlation to the KPI over the recorded history, and lists
the alarms active on the target.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from autonet.agents.trace import plain
from autonet.platform.capabilities.context import CapabilityContext, CapabilityError
from autonet.platform.capabilities.readers import shown_alarm, visible_alarms
from autonet.platform.capabilities.targets import check_kpi_target, series

if TYPE_CHECKING:
    from autonet.twin import Twin

__all__ = ["DRIVERS", "kpi_explainer"]

#: Cell counters that drive the others (checked as drivers of a cell KPI).
DRIVERS: Final[tuple[str, ...]] = (
    "RRC.ConnMean", "KQI.OfferedDlMbps", "RRU.PrbUsedDl", "KQI.SinrDb", "KQI.Available",
)  # fmt: skip
_RECENT_MIN: Final = 60
_MIN_EARLIER: Final = 4  # steps before the recent window needed for a "usual" level


def _recent_and_usual(values: np.ndarray, recent: int, day: int) -> tuple[float, float, str]:
    """Mean of the last ``recent`` steps, the usual mean, and what "usual" means."""
    now = float(values[-recent:].mean())
    n = len(values)
    days = (n - recent) // day
    if days >= 1:
        idx = [n - recent + i - k * day for k in range(1, days + 1) for i in range(recent)]
        return now, float(values[idx].mean()), f"same time of day on {days} earlier day(s)"
    earlier = values[:-recent]
    return now, float(earlier.mean()), f"the {len(earlier)} step(s) before"


def _change_pct(now: float, usual: float) -> float | None:
    return None if abs(usual) < 1e-9 else 100.0 * (now - usual) / abs(usual)


def _corr(a: np.ndarray, b: np.ndarray) -> float | None:
    if len(a) < 3 or float(np.std(a)) < 1e-9 or float(np.std(b)) < 1e-9:
        return None
    return float(np.corrcoef(a, b)[0, 1])


def _drivers(twin: Twin, kpi: str, ids: list[str], target_series: np.ndarray, recent: int,
             day: int) -> list[dict[str, Any]]:  # fmt: skip
    recorded = set(twin.kpi_counters("cell"))
    out = []
    for name in DRIVERS:
        if name == kpi or name not in recorded:
            continue
        values = np.nan_to_num(series(twin, name, "cell", ids).mean(axis=1))
        now, usual, _ = _recent_and_usual(values, recent, day)
        out.append({"counter": name, "recent": now, "usual": usual,
                    "change_pct": _change_pct(now, usual),
                    "correlation": _corr(values, target_series)})  # fmt: skip
    return sorted(out, key=lambda d: -abs(d["correlation"] or 0.0))


def _definition(kpi: str) -> dict[str, Any]:
    from autonet.knowledge.domain import default_knowledge_base, load_kpis

    kb = default_knowledge_base()
    doc = kb.get(f"kpi:{kpi}")
    k = next(k for k in load_kpis() if k.name == kpi)
    return {"title": k.title, "unit": k.unit, "level": k.level, "standard": k.standard,
            "text": doc.answer, "related_faults": list(k.related_faults)}  # fmt: skip


def kpi_explainer(ctx: CapabilityContext, args: Mapping[str, Any]) -> dict[str, Any]:
    """Explain ``kpi`` on ``target`` (see the module docstring).

    Raises:
        CapabilityError: Unknown target, a counter of another level, or too little history.
    """
    twin = ctx.twin
    kpi, target = str(args["kpi"]), str(args["target"])
    level, ids = check_kpi_target(twin, kpi, target)
    values = np.nan_to_num(series(twin, kpi, level, ids).mean(axis=1))
    recent = max(1, _RECENT_MIN // twin.step_minutes)
    if len(values) < recent + _MIN_EARLIER:
        raise CapabilityError(
            f"explaining {kpi} needs at least {recent + _MIN_EARLIER} recorded steps (the last "
            f"hour and the usual level before it), the twin has {len(values)}"
        )
    day = 1440 // twin.step_minutes
    now, usual, basis = _recent_and_usual(values, recent, day)
    definition = _definition(kpi)
    drivers = _drivers(twin, kpi, ids, values, recent, day) if level == "cell" else []
    alarms = [shown_alarm(a) for a in visible_alarms(twin, {"target": target})]
    change = _change_pct(now, usual)
    moved = "about as usual" if change is None or abs(change) < 5 else (
        f"{'up' if change > 0 else 'down'} {abs(change):.0f} %")  # fmt: skip
    words = [f"{kpi} ({definition['title']}) on {target} is {now:.3g} {definition['unit']} over "
             f"the last hour vs {usual:.3g} usually ({basis}): {moved}."]  # fmt: skip
    strong = [d for d in drivers if d["correlation"] is not None and abs(d["correlation"]) >= 0.5]
    if strong:
        words.append("It moves with " + ", ".join(
            f"{d['counter']} (r={d['correlation']:.2f}, "
            f"{'n/a' if d['change_pct'] is None else format(d['change_pct'], '+.0f') + ' %'})"
            for d in strong[:3]) + ".")  # fmt: skip
    if alarms:
        words.append(f"{len(alarms)} alarm(s) active on it: "
                     + ", ".join(sorted({a["alarm_type"] for a in alarms})) + ".")  # fmt: skip
    return plain({
        "target": target, "kpi": kpi, "objects": len(ids), "definition": definition,
        "recent": {"mean": now, "steps": recent}, "usual": {"mean": usual, "basis": basis},
        "change_pct": change, "drivers": drivers, "alarms": alarms[:20],
        "explanation": " ".join(words),
    })  # fmt: skip
