"""Scenario run time vs network size: fault healing over a simulated week, per policy.

Measures the wall time of ``run_scenario("fault-healing", ...)`` (twin, fault schedule, the
policy's controller, the metrics) for each network size, the twin-only baseline (``none``) beside
it, and the number of faults and incidents handled, so the growth can be read per site and per
incident. A small warm-up run per policy first keeps one-off import costs out of the figures.
The issue's target: a 7-day fault-healing run with 1k sites in under 60 s (agentic).

Usage:
    .venv/bin/python benchmarks/scenario_scale.py --sizes 100,300,1000,3000 --days 7
    .venv/bin/python benchmarks/scenario_scale.py --sizes 1000 --days 7 --policies agentic --json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def _machine() -> str:
    cpus = os.cpu_count() or 0
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = float("nan")
    return f"{platform.processor() or platform.machine()}, {cpus} CPUs, load {load:.1f}"


def measure(sites: int, days: float, seed: int, policy: str, workdir: Path) -> dict[str, Any]:
    """One run: wall time and what it handled."""
    from autonet.platform.scenarios import ScenarioParams, run_scenario

    params = ScenarioParams(sites=sites, days=days, seed=seed)
    started = time.perf_counter()
    result = run_scenario("fault-healing", params, policy, workdir=workdir / f"{policy}-{sites}")
    wall = time.perf_counter() - started
    return {
        "sites": sites,
        "cells": 3 * sites,
        "days": days,
        "steps": params.steps,
        "policy": policy,
        "wall_s": round(wall, 2),
        "ms_per_step": round(1000 * wall / params.steps, 1),
        "incidents": len(result.incidents),
        "impact_user_min": round(float(result.metrics.get("impact_user_min", float("nan"))), 1),
        "resolved_pct": result.metrics.get("resolved_pct"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,300,1000,3000", help="Comma-separated site counts.")
    parser.add_argument("--days", type=float, default=7.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--policies", default="agentic,none", help="Comma-separated policies.")
    parser.add_argument("--json", action="store_true", help="Print the rows as JSON.")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    policies = [p.strip() for p in args.policies.split(",") if p.strip()]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for policy in policies:  # imports and first-use caches, not counted
            measure(5, 0.25, args.seed, policy, Path(tmp) / "warm-up")
        for sites in sizes:
            for policy in policies:
                row = measure(sites, args.days, args.seed, policy, Path(tmp))
                rows.append(row)
                if not args.json:
                    print(
                        f"{sites:>5} sites {policy:>8}: {row['wall_s']:>7.2f} s "
                        f"({row['ms_per_step']} ms/step, {row['incidents']} incidents)",
                        flush=True,
                    )
    if args.json:
        doc = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "machine": _machine(),
               "days": args.days, "seed": args.seed, "rows": rows}  # fmt: skip
        print(json.dumps(doc, indent=2))
    else:
        print(f"machine: {_machine()}")


if __name__ == "__main__":
    main()
