"""A comparison's report: Markdown with the metric table, targets, plots and incidents;
``metrics.json`` for scripts; ``timeline.csv``; one PNG per plot."""

from __future__ import annotations

import json
import logging
import math
import os
import re
import shutil
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from autonet.platform.scenarios.base import PolicyResult, Scenario, ScenarioError, TargetCheck

__all__ = [
    "check_report_folder",
    "default_workdir",
    "metrics_document",
    "staged_report",
    "write_report",
]

#: What marks a folder as a report (``--force`` replaces only such a folder).
_REPORT_MARKS = ("report.md", "metrics.json", "work")

logger = logging.getLogger(__name__)


def default_workdir(name: str, seed: int) -> Path:
    """``<settings.home>/reports/<name>-<seed>-<UTC timestamp>`` (not created)."""
    from autonet.platform.config import get_settings

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    return get_settings().home / "reports" / f"{name}-{seed}-{stamp}"


def check_report_folder(target: Path, *, force: bool = False) -> None:
    """Refuse to write a report over an existing one unless ``force``.

    Raises:
        ScenarioError: ``target`` is a file; or a non-empty folder and ``force`` is False; or
            ``force`` is True but the folder is not a report (no report.md, metrics.json or
            work/), which is never deleted.
    """
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise ScenarioError(f"report folder {str(target)!r} is a file; name a folder")
    if not target.is_dir() or not any(target.iterdir()):
        return
    if not force:
        raise ScenarioError(
            f"report folder {str(target)!r} exists and is not empty; use --force to replace "
            "it, or name another folder"
        )
    if not any((target / mark).exists() for mark in _REPORT_MARKS):
        raise ScenarioError(
            f"report folder {str(target)!r} holds no report (no report.md, metrics.json or "
            "work/); it is not replaced, even with --force"
        )


@contextmanager
def staged_report(target: Path, *, force: bool = False) -> Iterator[Path]:
    """A staging folder beside ``target`` that becomes ``target`` only when the block ends.

    The run and the report are written into ``.<name>.partial`` next to ``target``; on normal
    exit it is renamed to ``target`` (replacing the old report when ``force``); on any
    exception, Ctrl-C included, it is removed, so no half-written report is left looking
    complete and an existing report is kept.

    Raises:
        ScenarioError: From :func:`check_report_folder`.
    """
    target = Path(target).expanduser().resolve()
    check_report_folder(target, force=force)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.partial"
    shutil.rmtree(staging, ignore_errors=True)  # a leftover of a killed run
    staging.mkdir()
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if target.exists():
        old = target.parent / f".{target.name}.old"
        shutil.rmtree(old, ignore_errors=True)
        target.rename(old)
        staging.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        staging.rename(target)


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
    stores: Sequence[tuple[str, int]] = (),
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
    if stores:
        lines += [
            "Run databases (LangGraph checkpoints of the loop's runs, finished runs pruned to "
            "their last checkpoint; the memory database), relative to this folder:",
            "",
        ]
        lines += [f"- `{path}`: {_size(size)}" for path, size in stores]
        lines.append("")
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
    stores = _stores(out)
    plots = _plots(scenario, results, out)
    frames = [r.timeline.assign(policy=p) for p, r in results.items()]
    timeline = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    cols = ["policy", *[c for c in timeline.columns if c != "policy"]]
    timeline[cols].to_csv(out / "timeline.csv.tmp", index=False)
    os.replace(out / "timeline.csv.tmp", out / "timeline.csv")
    markdown = _markdown(scenario, results, checks, plots, max_incidents, stores)
    document = metrics_document(scenario, results, checks)
    document["files"] = ["report.md", "metrics.json", "timeline.csv", *(f for f, _ in plots)]
    document["stores"] = [{"path": path, "bytes": size} for path, size in stores]
    # report.md and metrics.json last, each whole or absent: they are what marks a report done
    _write_whole(out / "report.md", markdown)
    _write_whole(out / "metrics.json", json.dumps(document, indent=2) + "\n")
    logger.info("report of %s written to %s", scenario.name, out)
    return out


def _write_whole(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file, so it is never half-written."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _stores(out: Path) -> list[tuple[str, int]]:
    """The run's databases under ``out`` (checkpoints, memory): relative path and bytes."""
    found = []
    for path in sorted(out.rglob("*.sqlite")):
        wal = path.with_name(path.name + "-wal")  # SQLite's write-ahead log counts too
        size = path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
        found.append((path.relative_to(out).as_posix(), size))
    return found


def _size(n: int) -> str:
    """Bytes for people: ``512 B``, ``24.2 MB``."""
    if n < 1000:
        return f"{n} B"
    value = n / 1000
    for unit in ("kB", "MB"):
        if value < 1000:
            return f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"
