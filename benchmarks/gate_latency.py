"""AgentGate latency: p50/p99 per stage and end to end, routes/s on one core, cold start.

Run: ``.venv/bin/python benchmarks/gate_latency.py [--split test] [--repeat 3]``.
Targets (embedded backend): p50 <= 1 ms, p99 <= 5 ms, >= 1,000 routes/s, cold start < 2 s.
Wall-clock and CPU time are both reported: on a shared machine wall time includes waiting for
the CPU, while CPU time is what one route costs on one core.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import numpy as np

_COLD = (
    "import time; t = time.perf_counter();"
    "from autonet.platform.gate.catalog import benchmark_registry;"
    "from autonet.platform.gate.embedded import EmbeddedBackend;"
    "from autonet.platform.gate.router import AgentGate;"
    "g = AgentGate(benchmark_registry(), backend=EmbeddedBackend());"
    "t1 = time.perf_counter(); g.route('show prb usage at S0012 for the last hour');"
    "print(t1 - t, time.perf_counter() - t1)"
)


def cold_start(runs: int) -> tuple[list[float], list[float]]:
    """Seconds for import + model load, and for the first route, in fresh interpreters."""
    loads, firsts = [], []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", _COLD], capture_output=True, text=True, check=True
        ).stdout.split()
        loads.append(float(out[0]))
        firsts.append(float(out[1]))
    return loads, firsts


def _pct(values: list[float]) -> str:
    a = np.asarray(values)
    return f"p50 {np.percentile(a, 50):7.3f}  p99 {np.percentile(a, 99):7.3f}  mean {a.mean():7.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="test", choices=["train", "val", "test"])
    parser.add_argument("--repeat", type=int, default=3, help="passes over the split")
    parser.add_argument("--cold-runs", type=int, default=3, help="fresh interpreters to time")
    parser.add_argument(
        "--no-candidates", action="store_true", help="retrieve C_sub from the whole registry"
    )
    args = parser.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core

    from autonet.platform.gate.catalog import benchmark_registry
    from autonet.platform.gate.dataset import load_split
    from autonet.platform.gate.embedded import EmbeddedBackend
    from autonet.platform.gate.router import AgentGate

    records = load_split(args.split)
    gate = AgentGate(benchmark_registry(), backend=EmbeddedBackend())
    for r in records[:50]:  # warm caches of compiled validators and card terms
        gate.route(r["query"] + " warm", role=r["role"], candidates=r["candidates"])

    wall: list[float] = []
    cpu: list[float] = []
    stages: dict[str, list[float]] = {}
    started_wall, started_cpu = time.perf_counter(), time.process_time()
    for rep in range(args.repeat):
        for r in records:
            # A distinct text per pass, so memoised analyses do not flatter later passes.
            text = r["query"] if rep == 0 else f"{r['query']} ({rep})"
            w0, c0 = time.perf_counter(), time.process_time()
            d = gate.route(
                text,
                role=r["role"],
                context=r["context"],
                candidates=None if args.no_candidates else r["candidates"],
            )
            wall.append((time.perf_counter() - w0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
            for key, value in d.stage_latency_ms.items():
                stages.setdefault(key.removesuffix("_ms"), []).append(value)
    total_wall = time.perf_counter() - started_wall
    total_cpu = time.process_time() - started_cpu
    n = len(wall)

    loads, firsts = cold_start(args.cold_runs)
    print(f"AgentGate embedded, split={args.split}, {n} routes, one core")
    print(f"end to end wall ms : {_pct(wall)}")
    print(f"end to end CPU ms  : {_pct(cpu)}")
    for key, values in stages.items():
        print(f"stage {key:<12} ms: {_pct(values)}  (n={len(values)})")
    print(f"throughput wall    : {n / total_wall:8.0f} routes/s")
    print(f"throughput CPU     : {n / total_cpu:8.0f} routes/s")
    print(f"cold start (import + load) s: {', '.join(f'{v:.2f}' for v in loads)}")
    print(f"first route s: {', '.join(f'{v:.3f}' for v in firsts)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
