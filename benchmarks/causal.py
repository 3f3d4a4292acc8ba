"""Benchmark: alarm causal learning (directed-edge F1) on the two Huawei alarm data sets.

Runs autonet's TopologicalHawkes with ONE configuration (the defaults: the edge penalty is
chosen by held-out likelihood on time splits of each log, no ground truth) on
huawei-24V_439N_Microwave (expert DAG) and huawei-neurips2023-sample (true graph, with and
without its causal prior), and optionally gCastle's TTPM side by side in another interpreter
(``--ttpm-python``), because gCastle cannot be installed next to autonet's pins.

    .venv/bin/python benchmarks/causal.py [--ttpm-python /path/to/python --ttpm-timeout 1800]
"""

from __future__ import annotations

import os

# One core, as the target says (set before numpy is imported).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from autonet.knowledge.causal import TopologicalHawkes, edge_scores, load_alarm_log  # noqa: E402
from autonet.platform.config import shared_data_dir  # noqa: E402

DATASETS = {
    "24V_439N_Microwave": (
        "huawei-24V_439N_Microwave",
        "Alarm.csv",
        "Topology.npy",
        "DAG.npy",
        None,
    ),
    "neurips2023-sample": (
        "huawei-neurips2023-sample",
        "alarm.csv",
        "topology.npy",
        "true_graph.npy",
        "causal_prior.npy",
    ),
}
PUBLISHED = {
    "24V_439N_Microwave": ("THP (gCastle TTPM)", 0.3719),
    "neurips2023-sample": ("PC + prior", 0.7097),
}

# gCastle 1.0.4's castle.algorithms/__init__ imports torch through unrelated learners; TTPM
# needs only numpy/pandas/networkx, so its module is loaded directly from its file.
TTPM_RUNNER = r"""
import importlib.util, json, sys, time
import numpy as np, pandas as pd, castle
from castle.common.priori_knowledge import PrioriKnowledge
path = castle.__path__[0] + "/algorithms/ttpm/ttpm.py"
spec = importlib.util.spec_from_file_location("ttpm", path)
mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
alarms, topo, prior, max_hop = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
df = pd.read_csv(alarms).iloc[:, 0:3]
df.columns = ["event", "node", "timestamp"]
topology = np.load(topo).astype(float)
pk = None
if prior != "-":
    p = np.load(prior); pk = PrioriKnowledge(p.shape[0])
    pk.add_required_edges([(int(i), int(j)) for i, j in np.argwhere(p == 1) if i != j])
    pk.add_forbidden_edges([(int(i), int(j)) for i, j in np.argwhere(p == 0) if i != j])
t0 = time.process_time(); w0 = time.perf_counter()
model = mod.TTPM(topology, max_hop=max_hop, priori_knowledge=pk)
model.learn(df[["event", "timestamp", "node"]])
print(json.dumps({"matrix": np.asarray(model.causal_matrix).astype(int).tolist(),
                  "cpu_s": time.process_time() - t0, "wall_s": time.perf_counter() - w0}))
"""


def _paths(root: Path, name: str) -> tuple[Path, Path, Path, Path | None]:
    folder, alarms, topo, truth, prior = DATASETS[name]
    base = root / "alarms" / folder
    return base / alarms, base / topo, base / truth, (base / prior) if prior else None


def best_threshold_f1(scores: np.ndarray, truth: np.ndarray) -> tuple[float, int]:
    """Best F1 over all cut-offs of a score ranking (an oracle, for context only)."""
    s = scores.astype(float).copy()
    np.fill_diagonal(s, -np.inf)
    order = np.argsort(-s, axis=None, kind="stable")
    hits = np.cumsum((truth != 0).reshape(-1)[order])
    f1 = 2 * hits / (np.arange(1, hits.size + 1) + (truth != 0).sum())
    k = int(np.argmax(f1))
    return float(f1[k]), k + 1


def run_autonet(root: Path, name: str, use_prior: bool) -> dict[str, object]:
    """Fit the learner once; scores against the data set's ground truth and CPU time."""
    alarms, topo, truth_path, prior = _paths(root, name)
    t0, w0 = time.process_time(), time.perf_counter()
    log = load_alarm_log(alarms, topo, prior if use_prior else None)
    model = TopologicalHawkes().fit(log)
    cpu, wall = time.process_time() - t0, time.perf_counter() - w0
    truth = np.load(truth_path)
    oracle, k = best_threshold_f1(model.scores_, truth)
    return {
        **edge_scores(model.causal_matrix_, truth),
        "cpu_s": cpu,
        "wall_s": wall,
        "oracle_f1": oracle,
        "oracle_edges": k,
        "penalty": model.penalty_,
    }


def sensitivity(root: Path, names: list[str]) -> None:
    """F1 without prior over the BIC multiplier and the DAG option (context, not tuning)."""
    print("\nsensitivity (no prior): F1 by penalty, plain / acyclic (auto: chosen multiplier)")
    logs = {n: load_alarm_log(*_paths(root, n)[:2]) for n in names}
    truths = {n: np.load(_paths(root, n)[2]) for n in names}
    grid: tuple[float | str, ...] = ("auto", 0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
    for penalty in grid:
        cells = []
        for n in names:
            models = [
                TopologicalHawkes(penalty=penalty, acyclic=dag).fit(logs[n])
                for dag in (False, True)
            ]
            pair = [edge_scores(m.causal_matrix_, truths[n])["f1"] for m in models]
            chosen = f" (x{models[0].penalty_:g})" if penalty == "auto" else ""
            cells.append(f"{n} {pair[0]:.4f} / {pair[1]:.4f}{chosen}")
        print(f"  penalty {penalty!s:<5} " + "   ".join(cells))


def run_ttpm(
    root: Path, name: str, use_prior: bool, python: str, timeout: float, max_hop: int
) -> dict[str, object]:
    """gCastle TTPM in another interpreter; ``{"error": ...}`` when it fails or times out."""
    alarms, topo, truth_path, prior = _paths(root, name)
    args = [
        python,
        "-c",
        TTPM_RUNNER,
        str(alarms),
        str(topo),
        str(prior) if use_prior and prior else "-",
        str(max_hop),
    ]
    w0 = time.perf_counter()
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {
            "error": f"did not finish within {timeout:.0f} s",
            "wall_s": time.perf_counter() - w0,
        }
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr else "failed"}
    out = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        **edge_scores(np.array(out["matrix"]), np.load(truth_path)),
        "cpu_s": out["cpu_s"],
        "wall_s": out["wall_s"],
    }


def main() -> None:
    """Parse options, run every data set and print one table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="shared data folder")
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--ttpm-python", default=None, help="interpreter with gcastle installed")
    parser.add_argument("--ttpm-timeout", type=float, default=1800.0)
    parser.add_argument("--ttpm-max-hop", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="print JSON lines instead")
    parser.add_argument("--sensitivity", action="store_true", help="also sweep --penalty")
    opts = parser.parse_args()
    root = opts.data or shared_data_dir()
    if root is None or not (root / "alarms").is_dir():
        sys.exit(
            "shared data folder with alarms/ not found; pass --data or set AUTONET_SHARED_DATA"
        )
    print(
        f"{'data set':22} {'method':18} {'prior':5} {'F1':>6} {'P':>6} {'R':>6} {'g':>6} "
        f"{'SHD':>4} {'edges':>5} {'cpu s':>6} {'wall s':>6}  published"
    )
    for name in opts.datasets:
        priors = [False, True] if DATASETS[name][4] else [False]
        for use_prior in priors:
            rows = [("autonet THP", run_autonet(root, name, use_prior))]
            if opts.ttpm_python:
                rows.append(
                    (
                        "gCastle TTPM",
                        run_ttpm(
                            root,
                            name,
                            use_prior,
                            opts.ttpm_python,
                            opts.ttpm_timeout,
                            opts.ttpm_max_hop,
                        ),
                    )
                )
            for method, r in rows:
                if opts.json:
                    print(json.dumps({"data": name, "method": method, "prior": use_prior, **r}))
                    continue
                pub = "{} {:.4f}".format(*PUBLISHED[name])
                if "error" in r:
                    print(f"{name:22} {method:18} {use_prior!s:5} {r['error']}")
                    continue
                print(
                    f"{name:22} {method:18} {use_prior!s:5} {r['f1']:6.4f} {r['precision']:6.3f} "
                    f"{r['recall']:6.3f} {r['g_score']:6.3f} {r['shd']:4d} {r['n_predicted']:5d} "
                    f"{r['cpu_s']:6.1f} {r['wall_s']:6.1f}  {pub}"
                    + (f"  (penalty x{r['penalty']:g})" if "penalty" in r else "")
                )
                if "oracle_f1" in r:
                    print(
                        f"{'':22} {'(oracle cut-off)':18} {'':5} {r['oracle_f1']:6.4f} "
                        f"at {r['oracle_edges']} edges: best threshold on the ranking, context only"
                    )
    if opts.sensitivity:
        sensitivity(root, opts.datasets)


if __name__ == "__main__":
    main()
