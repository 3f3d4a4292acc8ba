"""Twin engine speed: cell-steps/s on one core, clone() time and peak memory of a big twin.

Targets (issue 2): >= 5M cell-steps/s (100k cells x 96 steps < 2 s), clone() of a 10k-cell twin
< 50 ms, peak memory of a 100k-cell twin < 1.5 GiB.

Run: ``.venv/bin/python benchmarks/twin_engine.py`` (sizes with ``--cells``). Each size runs in a
fresh subprocess pinned to one BLAS/OpenMP thread, so its peak RSS (``ru_maxrss``) is its own:
topology graph, compiled arrays, state and the KPI store of every step recorded.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

TARGET_CELL_STEPS = 5e6
TARGET_CLONE_MS = 50.0
TARGET_PEAK_GIB = 1.5
FEW = ("RRU.PrbUsedDl", "RRC.ConnMean", "DRB.UEThpDl", "PEE.AvgPower")  # a lean KPI store


def measure(cells: int, steps: int, clones: int, seed: int) -> dict[str, float]:
    """Build, run and clone one twin in this process; return its figures."""
    import resource

    from autonet.twin.engine import Twin
    from autonet.twin.topology import build_topology

    t0 = time.perf_counter()
    graph = build_topology(n_sites=max(1, cells // 3), seed=seed)
    t1 = time.perf_counter()
    twin = Twin(graph, seed=seed, validate=False)  # build_topology has just validated it
    t2 = time.perf_counter()
    lean = twin.clone()
    lean.record = False  # the engine alone: KPIs computed per step, not kept
    lean.step()
    w0, c0 = time.perf_counter(), time.process_time()
    lean.run(steps)
    lean_cpu, lean_wall = time.process_time() - c0, time.perf_counter() - w0
    del lean
    few = Twin(graph, seed=seed, validate=False, record=list(FEW))
    few.step()
    c0 = time.process_time()
    few.run(steps)
    few_cpu = time.process_time() - c0
    del few
    twin.step()  # warm-up: caches, first allocation of every array
    t3 = time.perf_counter()
    cpu0 = time.process_time()
    twin.run(steps)
    cpu = time.process_time() - cpu0
    t4 = time.perf_counter()
    times = []
    for _ in range(clones):
        c0 = time.perf_counter()
        twin.clone()
        times.append(time.perf_counter() - c0)
    times.sort()
    n = twin.compiled.n_cells
    return {
        "cells": n,
        "steps": steps,
        "build_s": t1 - t0,
        "compile_s": t2 - t1,
        "warmup_step_s": t3 - t2,
        "run_s": t4 - t3,
        "run_cpu_s": cpu,
        "cell_steps_per_s": n * steps / (t4 - t3),
        "cell_steps_per_cpu_s": n * steps / cpu,
        "engine_run_s": lean_wall,
        "engine_run_cpu_s": lean_cpu,
        "engine_cell_steps_per_cpu_s": n * steps / lean_cpu,
        "few_run_cpu_s": few_cpu,
        "few_cell_steps_per_cpu_s": n * steps / few_cpu,
        "clone_ms_median": 1e3 * times[len(times) // 2],
        "peak_rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
        "max_link_util_pct": float(twin.kpi_array("TN.LinkUtil", "link").max()),
        "max_upf_load_pct": float(twin.kpi_array("UPF.Load", "upf").max()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--steps", type=int, default=96, help="steps per run (96 = one day)")
    parser.add_argument("--clones", type=int, default=21, help="clone() calls to time")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.cells[0], args.steps, args.clones, args.seed)))
        return 0
    rows = []
    for cells in args.cells:
        opts = {"--cells": cells, "--steps": args.steps, "--clones": args.clones,
                "--seed": args.seed}  # fmt: skip
        cmd = [sys.executable, __file__, "--child", *(str(x) for kv in opts.items() for x in kv)]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            sys.stderr.write(done.stderr)
            return done.returncode
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"load average before: {os.getloadavg()[0]:.2f} (2-core machine)")
    header = ("cells", "build s", "compile s", "run s", "run cpu s", "cs/s wall", "cs/s cpu",
              "no-rec cpu s", "no-rec cs/s", "4-ctr cs/s", "clone ms", "peak GiB")  # fmt: skip
    print("  ".join(f"{h:>12}" for h in header))
    for r in rows:
        print("  ".join(f"{v:>12}" for v in (
            r["cells"], f"{r['build_s']:.2f}", f"{r['compile_s']:.2f}", f"{r['run_s']:.3f}",
            f"{r['run_cpu_s']:.3f}", f"{r['cell_steps_per_s'] / 1e6:.2f}M",
            f"{r['cell_steps_per_cpu_s'] / 1e6:.2f}M", f"{r['engine_run_cpu_s']:.3f}",
            f"{r['engine_cell_steps_per_cpu_s'] / 1e6:.2f}M",
            f"{r['few_cell_steps_per_cpu_s'] / 1e6:.2f}M", f"{r['clone_ms_median']:.2f}",
            f"{r['peak_rss_gib']:.3f}",
        )))  # fmt: skip
    big = max(rows, key=lambda r: r["cells"])
    ten_k = min(rows, key=lambda r: abs(r["cells"] - 10_000))
    print(f"throughput at {big['cells']} cells: {big['cell_steps_per_s'] / 1e6:.2f}M cell-steps/s "
          f"wall, {big['cell_steps_per_cpu_s'] / 1e6:.2f}M per CPU second recording every KPI, "
          f"{big['few_cell_steps_per_cpu_s'] / 1e6:.2f}M recording {len(FEW)} counters, "
          f"{big['engine_cell_steps_per_cpu_s'] / 1e6:.2f}M per CPU second without the KPI store "
          f"(target >= {TARGET_CELL_STEPS / 1e6:.0f}M)")  # fmt: skip
    print(f"clone at {ten_k['cells']} cells: {ten_k['clone_ms_median']:.2f} ms "
          f"(target < {TARGET_CLONE_MS:.0f} ms)")  # fmt: skip
    print(f"peak memory at {big['cells']} cells: {big['peak_rss_gib']:.3f} GiB "
          f"(target < {TARGET_PEAK_GIB} GiB)")  # fmt: skip
    for r in rows:
        print(f"busiest over the day at {r['cells']} cells: link {r['max_link_util_pct']:.1f} %, "
              f"UPF {r['max_upf_load_pct']:.1f} % (dimensioned for < 80 %)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
