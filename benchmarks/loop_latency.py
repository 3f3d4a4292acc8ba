"""Closed-loop latency: one incident through all six agents on twins of growing size.

For each size (cells = 3 x sites) a twin is built and warmed up for one hour, a fault is
injected, and after one step (its alarms are raised) the incident goes through the graph:
perception (the loop's cheap per-tick check plus the node), analysis, decision (what-if on twin
clones), execution, [the twin settles; not counted], verification and learning. The wall time
of each agent is the time between the graph's streamed updates (node work plus the SQLite
checkpoint write). ``cold`` is the first incident (models such as the RCA index are built);
``warm`` is the median (by total) of three more incidents on the same loop (models cached), the
steady state. ``graph`` is the median wall time of one incident through the graph with a
playbook that does nothing: the generic loop's own cost (six nodes, SQLite checkpoints, trace).

Usage:
    .venv/bin/python benchmarks/loop_latency.py --cells 1000 3000 10000 30000 --fault upf_overload
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

AGENTS = ("perception", "analysis", "decision", "execution", "verification", "learning")
_METHODS = ("perceive", "is_over", "analyse", "candidates", "score", "needs_approval", "verify",
            "signature")  # fmt: skip


class Timed:
    """A playbook wrapper that adds up the wall time spent inside the playbook's methods, to
    tell the generic loop's own cost (graph, checkpoints, what-if clones) from the playbook's."""

    def __init__(self, playbook: Any) -> None:
        self.inner = playbook
        self.kind = playbook.kind
        self.settle_steps = playbook.settle_steps
        self.whatif_steps = playbook.whatif_steps
        self.spent = 0.0
        for name in _METHODS:
            setattr(self, name, self._wrap(getattr(playbook, name)))

    def _wrap(self, method: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                self.spent += time.perf_counter() - t

        return timed


class NullPlaybook:
    """Does nothing but answer: the run's cost is the generic loop's own (graph, checkpoints,
    trace), without any analysis, what-if or action."""

    kind = "null"
    settle_steps = 1
    whatif_steps = 1

    def perceive(self, ctx: Any, requests: Any) -> list[dict[str, Any]]:
        return [
            {"id": ctx.book.next_id(), "kind": "null", "key": f"null:{r['id']}",
             "opened_at": ctx.twin.now.isoformat(), "objects": [], "summary": "null",
             "severity": "minor", "evidence": {}, "producer": "perception"}
            for r in requests
        ]  # fmt: skip

    def is_over(self, ctx: Any, key: str) -> bool:
        return True

    def analyse(self, ctx: Any, incident: Any) -> dict[str, Any]:
        return {"incident_id": incident["id"], "hypotheses": [], "impact": {}, "risk": {},
                "similar_cases": [], "producer": "analysis"}  # fmt: skip

    def candidates(self, ctx: Any, incident: Any, analysis: Any) -> list[dict[str, Any]]:
        return [{"id": "c1", "actions": [], "source": "rules", "rationale": "nothing"}]

    def score(self, *args: Any) -> tuple[float, dict[str, float]]:
        return 1.0, {}

    def needs_approval(self, *args: Any) -> None:
        return None

    def verify(self, ctx: Any, incident: Any, analysis: Any, decision: Any, ex: Any) -> Any:
        done = {"status": "FULFILLED", "measured": {}, "targets": {}, "reasons": []}
        return {"incident_id": incident["id"], "attempt": 0, **done, "producer": "verification"}

    def signature(self, *args: Any) -> Any:
        from autonet.knowledge.memory import SymptomSignature

        return SymptomSignature()


def graph_overhead_ms(twin: Any, runs: int = 20) -> float:
    """Median wall ms of one incident through the graph with :class:`NullPlaybook` (SQLite)."""
    from autonet.agents.perception import perceive_incidents
    from autonet.agents.playbook import LoopContext, LoopSettings
    from autonet.platform.checkpoint import close_checkpointer, open_checkpointer
    from autonet.platform.graph import build_graph

    ctx = LoopContext(twin=twin, playbooks={"null": NullPlaybook()},
                      settings=LoopSettings(use_whatif=False, use_memory=False))  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        saver = open_checkpointer(Path(tmp) / "cp.sqlite")  # the loop's default: SQLite, WAL
        graph = build_graph(checkpointer=saver)
        spent = []
        for k in range(runs):
            t = time.perf_counter()
            req = {"id": f"R{k}", "kind": "null", "agent": "bench", "arguments": {},
                   "submitted_at": ""}  # fmt: skip
            incidents = perceive_incidents(ctx, [req])
            config = {"configurable": {"thread_id": f"null-{k}"}}
            payload = {"run_id": f"null-{k}", "incidents": {i["id"]: i for i in incidents}}
            graph.invoke(payload, config, context=ctx, durability="sync")
            graph.invoke(None, config, context=ctx, durability="sync")
            spent.append(time.perf_counter() - t)
        close_checkpointer(saver)
    return sorted(spent)[runs // 2] * 1e3  # median


def _target(twin: Any, fault: str, k: int) -> str:
    topo = twin.compiled
    if fault == "upf_overload":
        return topo.upf_ids[k % len(topo.upf_ids)]
    if fault in ("fibre_cut", "link_congestion"):
        return topo.link_ids[(7 + 13 * k) % len(topo.link_ids)]
    if fault == "site_power_failure":
        return topo.site_ids[(5 + 11 * k) % len(topo.site_ids)]
    return topo.cell_ids[(5 + 11 * k) % len(topo.cell_ids)]


def one_incident(graph: Any, ctx: Any, run_id: str, fault: str, k: int) -> dict[str, float]:
    """Milliseconds per agent (and in total) for one incident of type ``fault``."""
    from autonet.agents.perception import perceive_incidents

    twin = ctx.twin
    record = twin.inject_fault(fault, _target(twin, fault, k))
    twin.step()
    ms = dict.fromkeys(AGENTS, 0.0)
    timed = [p for p in ctx.playbooks.values() if isinstance(p, Timed)]
    before = sum(p.spent for p in timed)
    t0 = time.perf_counter()
    incidents = perceive_incidents(ctx)
    ms["perception"] += (time.perf_counter() - t0) * 1e3
    if not incidents:
        raise RuntimeError(f"no incident perceived for {fault}")
    config = {"configurable": {"thread_id": run_id}}
    payload: Any = {"run_id": run_id, "incidents": {i["id"]: i for i in incidents}}
    for _ in range(6):  # resume after each pause (verification), a few retries at most
        t = time.perf_counter()
        for update in graph.stream(payload, config, context=ctx, stream_mode="updates",
                                   durability="sync"):  # fmt: skip
            now = time.perf_counter()
            node = next(iter(update))
            agent = {"approval": "decision", "rollback": "execution",
                     "escalation": "verification"}.get(node, node)  # fmt: skip
            if agent in ms:
                ms[agent] += (now - t) * 1e3
            t = now
        snap = graph.get_state(config)
        if not snap.next:
            break
        settle = max(ctx.playbooks[i["kind"]].settle_steps for i in incidents)
        twin.run(settle)  # the network settles: not loop latency
        payload = None
    ms["total"] = sum(ms[a] for a in AGENTS)
    ms["playbook"] = (sum(p.spent for p in timed) - before) * 1e3
    ms["loop"] = ms["total"] - ms["playbook"]
    twin.clear_fault(record.fault_id)  # repaired; the loop frees the key once it is over
    for inc in incidents:
        ctx.book.open.pop(inc["key"], None)
    return ms


def bench(cells: int, fault: str, seed: int, repeats: int = 3) -> dict[str, Any]:
    from autonet.agents.playbook import LoopContext
    from autonet.agents.playbooks import make_playbook
    from autonet.platform.checkpoint import close_checkpointer, open_checkpointer
    from autonet.platform.graph import build_graph
    from autonet.twin import Twin, build_topology

    sites = max(1, cells // 3)
    t = time.perf_counter()
    twin = Twin(build_topology(n_sites=sites, seed=seed), seed=seed)
    twin.run(4)
    build_s = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as tmp:
        saver = open_checkpointer(Path(tmp) / "cp.sqlite")
        graph = build_graph(checkpointer=saver)
        ctx = LoopContext(twin=twin, playbooks={"fault": Timed(make_playbook("fault"))})
        cold = one_incident(graph, ctx, "bench-1", fault, 0)
        warm_runs = []
        for k in range(1, 1 + repeats):
            twin.run(4)
            warm_runs.append(one_incident(graph, ctx, f"bench-{k + 1}", fault, k))
        warm = sorted(warm_runs, key=lambda m: m["total"])[len(warm_runs) // 2]  # median
        close_checkpointer(saver)
    overhead = graph_overhead_ms(twin)
    return {
        "cells": len(twin.compiled.cell_ids), "sites": sites, "fault": fault,
        "build_s": round(build_s, 2), "cold_ms": cold, "warm_ms": warm,
        "graph_overhead_ms": round(overhead, 2),
    }  # fmt: skip


def idle_tick_ms(cells: int, seed: int, ticks: int = 50) -> float:
    """Mean wall ms of ``ClosedLoop.tick`` when nothing happens (the scenarios' common case)."""
    from langgraph.checkpoint.memory import InMemorySaver

    from autonet.agents.playbooks import make_playbook
    from autonet.platform.loop import ClosedLoop
    from autonet.twin import Twin, build_topology

    twin = Twin(build_topology(n_sites=max(1, cells // 3), seed=seed), seed=seed)
    twin.run(4)
    loop = ClosedLoop(twin, [make_playbook("fault")], checkpointer=InMemorySaver())
    spent = 0.0
    for _ in range(ticks):
        twin.step()
        t = time.perf_counter()
        loop.tick()
        spent += time.perf_counter() - t
    return spent / ticks * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, nargs="+", default=[1000, 3000, 10000, 30000])
    parser.add_argument("--fault", default="upf_overload")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="Also write the results here.")
    args = parser.parse_args()
    rows = []
    header = "cells  build_s  | " + " ".join(f"{a[:6]:>7}" for a in AGENTS) + "   total"
    print(
        f"fault: {args.fault}; ms per agent, warm (cold total in brackets); playbook = time "
        "inside the playbook's methods, loop = total - playbook; idle tick ms"
    )
    print(header + "  (cold) playbk    loop   idle  graph")
    for cells in args.cells:
        row = bench(cells, args.fault, args.seed)
        row["idle_tick_ms"] = round(idle_tick_ms(cells, args.seed), 3)
        rows.append(row)
        w = row["warm_ms"]
        print(f"{row['cells']:>6} {row['build_s']:>7.1f}  | "
              + " ".join(f"{w[a]:7.1f}" for a in AGENTS)
              + f" {w['total']:7.1f}  ({row['cold_ms']['total']:7.1f}) {w['playbook']:6.1f} "
              + f"{w['loop']:7.1f} {row['idle_tick_ms']:6.2f} {row['graph_overhead_ms']:6.1f}",
              flush=True)  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
