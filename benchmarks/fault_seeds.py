"""Fault healing over several seeds: per policy, the mean and the worst seed of every metric.

Runs ``autonet scenario compare fault-healing`` once per seed (default seeds 1..10, the README's
size: 200 sites, 3 days) through :func:`autonet.platform.scenarios.seeds.run_seeds` and writes
the Markdown table (mean / worst per policy, then how many seeds met each target) to ``--out``
and stdout; ``--json`` also writes every seed's metrics beside it.

Usage:
    .venv/bin/python benchmarks/fault_seeds.py --sites 200 --days 3 --out docs/bench/fault-seeds.md
    .venv/bin/python benchmarks/fault_seeds.py --seeds 1,2,3 --policies agentic,rules
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger("fault_seeds")


def _machine() -> str:
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = float("nan")
    cpu = platform.processor() or platform.machine()
    return f"{cpu}, {os.cpu_count() or 0} CPUs, load {load:.1f}"


def _seeds(text: str) -> list[int]:
    try:
        return [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise SystemExit(f"--seeds: expected comma-separated integers, got {text!r}") from None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--days", type=float, default=3.0)
    parser.add_argument("--seeds", default=",".join(str(s) for s in range(1, 11)))
    parser.add_argument("--policies", default="agentic,rules,none")
    parser.add_argument("--out", type=Path, default=None, help="Markdown file to write.")
    parser.add_argument("--json", action="store_true", help="Also write <out>.json (per seed).")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s", stream=sys.stderr)
    log.setLevel(logging.INFO)

    from autonet.platform.scenarios import ScenarioError, ScenarioParams
    from autonet.platform.scenarios.seeds import run_seeds

    seeds = _seeds(args.seeds)
    started = time.perf_counter()

    def progress(seed: int, policy: str, done: int, total: int) -> None:
        if done == total:
            log.info("seed %d %s done (%.0f s so far)", seed, policy, time.perf_counter() - started)

    try:
        params = ScenarioParams(sites=args.sites, days=args.days)
        with tempfile.TemporaryDirectory(prefix="fault-seeds-") as work:
            summary = run_seeds(
                "fault-healing", params, seeds, args.policies, workdir=Path(work), progress=progress
            )
    except ScenarioError as exc:
        raise SystemExit(f"fault_seeds: {exc}") from None
    wall = time.perf_counter() - started
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = (
        f"{summary.markdown()}\n"
        f"Measured {stamp} on {_machine()}, Python {platform.python_version()}; "
        f"{wall:.0f} s wall for {len(seeds)} seeds.\n"
        f"Command: `.venv/bin/python benchmarks/fault_seeds.py --sites {args.sites} "
        f"--days {args.days:g} --seeds {args.seeds} --policies {args.policies}`\n"
    )
    sys.stdout.write(text)
    if args.out is not None:
        args.out.write_text(text, encoding="utf-8")
        if args.json:
            per_seed = {
                str(seed): {p: r.as_dict() for p, r in out.items()}
                for seed, out in summary.results.items()
            }
            args.out.with_suffix(".json").write_text(
                json.dumps(per_seed, indent=2, default=str), encoding="utf-8"
            )


if __name__ == "__main__":
    main()
