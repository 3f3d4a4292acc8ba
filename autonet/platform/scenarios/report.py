"""A comparison's report: Markdown with the metric table, targets, plots and incidents;
``metrics.json`` for scripts; ``timeline.csv``; one PNG per plot."""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from autonet.platform.scenarios.base import PolicyResult, Scenario, ScenarioError, TargetCheck

__all__ = ["default_workdir", "metrics_document", "write_report"]

logger = logging.getLogger(__name__)


def default_workdir(name: str, seed: int) -> Path:
    """``<settings.home>/reports/<name>-<seed>-<UTC timestamp>`` (not created)."""
    from autonet.platform.config import get_settings

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    return get_settings().home / "reports" / f"{name}-{seed}-{stamp}"


def _json_number(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return None if math.isnan(number) or math.isinf(number) else number


def metrics_document(
    scenario: Scenario, results: Mapping[str, PolicyResult], targets: Sequence[TargetCheck]
) -> dict[str, Any]:
    """The machine-readable summary written to ``metrics.json``."""
    first = next(iter(results.values()))
    return {
        "scenario": scenario.name,
        "title": scenario.title,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "params": first.params.as_dict(),
        "policies": list(results),
        "metric_specs": [
            {"name": m.name, "label": m.label, "unit": m.unit, "better": m.better}
            for m in scenario.metrics
        ],
        "metrics": {
            p: {k: _json_number(v) for k, v in r.metrics.items()} for p, r in results.items()
        },
        "targets": [t.as_dict() for t in targets],
        "targets_met": sum(t.met for t in targets),
        "targets_total": len(targets),
        "wall_s": {p: round(r.wall_s, 3) for p, r in results.items()},
        "incidents": {p: len(r.incidents) for p, r in results.items()},
        "notes": {p: list(r.notes) for p, r in results.items()},
    }


def _cell(value: Any) -> str:
    if isinstance(value, float):
        text = "n/a" if math.isnan(value) else f"{value:.4g}"
    else:
        text = str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(_cell(h) for h in header) + " |"]
    lines.append("|" + "|".join("---" for _ in header) + "|")
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return lines


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "plot"


def _plots(
    scenario: Scenario, results: Mapping[str, PolicyResult], out: Path
) -> list[tuple[str, str]]:
    """One PNG per ``scenario.plots`` entry (a line per policy having the column)."""
    if not scenario.plots:
        return []
    import matplotlib

    matplotlib.use("Agg")  # files only, no display; set here, never at import
    import matplotlib.pyplot as plt

    written: list[tuple[str, str]] = []
    used: set[str] = set()
    for column, title, ylabel in scenario.plots:
        name = _slug(column)
        while name in used:
            name += "-2"
        used.add(name)
        fig, ax = plt.subplots(figsize=(9, 3.6))
        drawn = 0
        for policy, result in results.items():
            frame = result.timeline
            if column not in frame.columns or frame.empty:
                continue
            ax.plot(
                pd.to_datetime(frame["time"]), frame[column].astype(float), label=policy, lw=1.3
            )
            drawn += 1
        if drawn == 0:
            plt.close(fig)
            logger.warning("plot %r: no policy's timeline has column %r", title, column)
            continue
        ax.set_title(title)
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize="small")
        fig.autofmt_xdate()
        fig.tight_layout()
        fig.savefig(out / f"{name}.png", dpi=100)
        plt.close(fig)
        written.append((f"{name}.png", title))
    return written


def _markdown(
    scenario: Scenario,
    results: Mapping[str, PolicyResult],
    targets: Sequence[TargetCheck],
    plots: Sequence[tuple[str, str]],
    max_incidents: int,
) -> str:
    first = next(iter(results.values()))
    params = first.params
    policies = list(results)
    lines = [f"# {scenario.title}", ""]
    lines += [
        f"Scenario `{scenario.name}`, generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        "## Parameters",
        "",
    ]
    options = ", ".join(f"{k}={v}" for k, v in params.options.items()) or "defaults"
    lines += _table(
        ("sites", "days", "steps (15 min)", "seed", "options"),
        [(params.sites, params.days, params.steps, params.seed, options)],
    )
    lines += ["", "## Metrics", ""]
    rows = []
    for spec in scenario.metrics:
        values = [spec.format(results[p].metrics.get(spec.name)) for p in policies]
        rows.append((spec.label, spec.unit or "-", f"{spec.better} is better", *values))
    rows.append(("wall time", "s", "-", *(f"{results[p].wall_s:.2f}" for p in policies)))
    lines += _table(("metric", "unit", "better", *policies), rows)
    lines += ["", "## Targets", ""]
    if targets:
        lines += [f"{sum(t.met for t in targets)} of {len(targets)} met.", ""]
        lines += _table(
            ("target", "required", "measured", "met"),
            [(t.name, t.required, t.measured, "yes" if t.met else "**no**") for t in targets],
        )
    else:
        lines.append("This scenario states no targets.")
    if plots:
        lines += ["", "## Plots", ""]
        for file, title in plots:
            lines += [f"![{title}]({file})", ""]
    lines += ["", "## Incidents", ""]
    for policy in policies:
        incidents = results[policy].incidents
        lines += [f"### {policy} ({len(incidents)})", ""]
        if not incidents:
            lines += ["None.", ""]
            continue
        shown = incidents[:max_incidents]
        header = list(dict.fromkeys(k for row in shown for k in row))
        lines += _table(header, [[row.get(k, "") for k in header] for row in shown])
        if len(incidents) > len(shown):
            lines.append(f"\n... {len(incidents) - len(shown)} more (not shown).")
        lines.append("")
    notes = [(p, n) for p in policies for n in results[p].notes]
    if notes:
        lines += ["## Notes", ""]
        lines += [f"- **{p}**: {n}" for p, n in notes]
        lines.append("")
    lines += [
        "Files: `metrics.json` (machine-readable), `timeline.csv` (one row per policy and step).",
        "",
    ]
    return "\n".join(lines)


def write_report(
    scenario: Scenario | str,
    results: Mapping[str, PolicyResult],
    out_dir: Path | None = None,
    *,
    targets: Sequence[TargetCheck] | None = None,
    max_incidents: int = 20,
) -> Path:
    """Write ``report.md``, ``metrics.json``, ``timeline.csv`` and the plots; return the folder.

    Args:
        scenario: The scenario (instance or registered name) the results belong to.
        results: Policy -> result (e.g. from ``compare_scenario``), at least one.
        out_dir: Report folder (created); default ``<home>/reports/<name>-<seed>-<timestamp>``.
        targets: Target checks (default: ``scenario.targets(results)``).
        max_incidents: Incident rows shown per policy in the Markdown.

    Raises:
        ScenarioError: No results, or results of another scenario.
    """
    if isinstance(scenario, str):
        from autonet.platform.scenarios import get_scenario

        scenario = get_scenario(scenario)
    if not results:
        raise ScenarioError("write_report: no results to report (run at least one policy)")
    other = [p for p, r in results.items() if r.scenario != scenario.name]
    if other:
        raise ScenarioError(
            f"write_report: result(s) of policy {other} are not of scenario {scenario.name!r}"
        )
    first = next(iter(results.values()))
    out = (
        Path(out_dir) if out_dir is not None else default_workdir(scenario.name, first.params.seed)
    )
    out.mkdir(parents=True, exist_ok=True)
    checks = list(scenario.targets(results) if targets is None else targets)
    plots = _plots(scenario, results, out)
    (out / "report.md").write_text(
        _markdown(scenario, results, checks, plots, max_incidents), encoding="utf-8"
    )
    document = metrics_document(scenario, results, checks)
    document["files"] = ["report.md", "metrics.json", "timeline.csv", *(f for f, _ in plots)]
    (out / "metrics.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    frames = [r.timeline.assign(policy=p) for p, r in results.items()]
    timeline = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    cols = ["policy", *[c for c in timeline.columns if c != "policy"]]
    timeline[cols].to_csv(out / "timeline.csv", index=False)
    logger.info("report of %s written to %s", scenario.name, out)
    return out
