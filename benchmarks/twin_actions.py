"""Benchmark: latency of applying and undoing every action kind on a synthetic twin.

Run: ``.venv/bin/python benchmarks/twin_actions.py --sites 3334`` (about 10k cells).
Prints, per action kind, the median wall time of apply and of undo over ``--repeat`` runs,
and the time of a slice admission check over a region.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import numpy as np

from autonet.twin._action_plans import demand_forecast
from autonet.twin.actions import ActionError
from autonet.twin.admission import sizing_capacity_dl
from autonet.twin.engine import Twin
from autonet.twin.slices import SliceSpec
from autonet.twin.topology import build_topology


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sites", type=int, default=3334, help="sites (3 cells each)")
    ap.add_argument("--repeat", type=int, default=5, help="runs per action (median)")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()

    t0 = time.perf_counter()
    twin = Twin(build_topology(n_sites=args.sites, seed=args.seed), seed=args.seed)
    twin.step()
    topo = twin.compiled
    print(f"twin: {topo.n_cells} cells, {topo.n_links} links, {topo.n_upfs} UPFs "
          f"(built in {time.perf_counter() - t0:.1f} s)")  # fmt: skip
    cell = topo.cell_ids[0]
    busiest = max(range(topo.n_links), key=lambda i: len(topo.sites_using_link(i)))
    reroutable = next(
        topo.link_ids[i]
        for i in range(topo.n_links)
        if len(topo.sites_using_link(i)) and _has_alternative(twin, topo.link_ids[i])
    )
    region = str(topo.graph.nodes[topo.site_ids[0]]["region"])
    probe = SliceSpec(name="probe", slice_type="eMBB", guaranteed_dl_mbps=1.0,
                      max_latency_ms=100.0, cells=(cell,))  # fmt: skip
    load = demand_forecast(twin, probe)[0] / sizing_capacity_dl(topo, twin.state, twin.radio)
    quiet = [topo.cell_ids[i] for i in np.argsort(load, kind="stable")[:30].tolist()]
    cases: list[tuple[str, str, dict[str, Any]]] = [
        ("offload", cell, {"share": 0.3}),
        ("tilt", cell, {"delta_deg": 1.0}),
        ("tx_power", cell, {"delta_db": -3.0}),
        ("sleep", cell, {}),
        ("capacity_boost", cell, {"extra_prbs": 50}),
        ("capacity_boost", topo.link_ids[busiest], {"extra_mbps": 1000.0}),
        ("upf_scale_out", topo.upf_ids[0], {"instances": 1}),
        ("reroute", reroutable, {}),
        ("slice_admit", "quiet30", {"slice_type": "eMBB", "guaranteed_dl_mbps": 5.0,
                                    "max_latency_ms": 50.0, "cells": quiet}),
        ("slice_admit", f"region-{region}", {"slice_type": "mMTC", "guaranteed_dl_mbps": 0.5,
                                             "max_latency_ms": 100.0, "region": region}),
    ]  # fmt: skip
    print(f"{'action':<16}{'target':<28}{'apply ms':>10}{'undo ms':>10}")
    for kind, target, params in cases:
        apply_ms, undo_ms, note = [], [], ""
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            try:
                rec = twin.apply(kind, target, **params)
            except ActionError as err:
                apply_ms.append((time.perf_counter() - t0) * 1e3)
                kinds = sorted({r.split(":")[0] for r in err.reasons})
                note = f"  rejected ({', '.join(kinds)})"
                continue
            t1 = time.perf_counter()
            twin.undo(rec.action_id)
            t2 = time.perf_counter()
            apply_ms.append((t1 - t0) * 1e3)
            undo_ms.append((t2 - t1) * 1e3)
        undo = f"{statistics.median(undo_ms):>10.2f}" if undo_ms else f"{'-':>10}"
        print(f"{kind:<16}{target[:27]:<28}{statistics.median(apply_ms):>10.2f}{undo}{note}")


def _has_alternative(twin: Twin, link: str) -> bool:
    try:
        rec = twin.apply("reroute", link)
    except ValueError:
        return False
    twin.undo(rec.action_id)
    return True


if __name__ == "__main__":
    main()
