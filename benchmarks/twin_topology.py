"""Benchmark: time to build (and validate) synthetic twin topologies of 1k, 10k and 100k cells.

Wall-clock seconds (build, validate, total) and the process CPU seconds of both; on a shared
machine the CPU figure is the one that does not depend on the neighbours' load.

Run: ``.venv/bin/python benchmarks/twin_topology.py [--cells 1000 10000 100000]
[--backbone Geant2012] [--repeat 1] [--seed 7]``. Target: a 100k-cell topology in < 30 s.
"""

from __future__ import annotations

import argparse
import gc
import logging
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autonet.twin.backbone import load_backbone
from autonet.twin.topology import build_topology
from autonet.twin.validate import validate_topology

TARGET_S = 30.0
TARGET_CELLS = 100_000


def _measure(cells: int, backbone: object, seed: int, repeat: int) -> dict[str, float]:
    n_sites = math.ceil(cells / 3)
    build, check, cpu = [], [], []
    for _ in range(repeat):
        gc.collect()
        c0, t0 = time.process_time(), time.perf_counter()
        G = build_topology(n_sites=n_sites, seed=seed, backbone=backbone, validate=False)  # type: ignore[arg-type]
        t1 = time.perf_counter()
        validate_topology(G)
        t2, c2 = time.perf_counter(), time.process_time()
        build.append(t1 - t0)
        check.append(t2 - t1)
        cpu.append(c2 - c0)
    return {
        "cells": 3 * n_sites,
        "nodes": G.number_of_nodes(),
        "edges": G.number_of_edges(),
        "build_s": min(build),
        "validate_s": min(check),
        "total_s": min(b + c for b, c in zip(build, check, strict=True)),
        "cpu_s": min(cpu),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument(
        "--backbone", default="Geant2012", help="also build on this backbone ('' to skip)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if args.repeat < 1 or any(c < 3 for c in args.cells):
        parser.error("--repeat must be >= 1 and every --cells value >= 3")
    logging.basicConfig(level=logging.WARNING)
    runs: list[tuple[str, object]] = [("synthetic", None)]
    if args.backbone:
        runs.append((args.backbone, load_backbone(args.backbone)))
    print(f"{'layout':<12} {'cells':>8} {'nodes':>8} {'edges':>8} {'build s':>8} "
          f"{'valid. s':>8} {'total s':>8} {'CPU s':>7} {'cells/s':>9}")  # fmt: skip
    for label, backbone in runs:
        for cells in args.cells:
            r = _measure(cells, backbone, args.seed, args.repeat)
            print(
                f"{label:<12} {r['cells']:>8.0f} {r['nodes']:>8.0f} {r['edges']:>8.0f} "
                f"{r['build_s']:>8.2f} {r['validate_s']:>8.2f} {r['total_s']:>8.2f} "
                f"{r['cpu_s']:>7.2f} "
                f"{r['cells'] / r['total_s']:>9.0f}"
            )
            if r["cells"] >= TARGET_CELLS:
                verdict = "met" if r["total_s"] < TARGET_S else "MISSED"
                print(f"  target < {TARGET_S:.0f} s for {TARGET_CELLS} cells: {verdict} "
                      f"({TARGET_S / r['total_s']:.1f}x margin)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
