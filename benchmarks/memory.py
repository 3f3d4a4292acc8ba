"""Long-term memory benchmark: import speed (rows/s) and similar-case retrieval latency.

Run: ``.venv/bin/python benchmarks/memory.py [--cases 10000] [--kpi-cells 200] [--pg-url URL]``.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from autonet.knowledge.io import KpiImporter, import_alarms, import_topology
from autonet.knowledge.memory import (
    ActionSpec,
    Base,
    Case,
    CaseStore,
    NewCase,
    SymptomSignature,
    init_db,
    session_scope,
    weighted_jaccard,
)
from autonet.platform.config import shared_data_dir
from autonet.twin.events import ALARM_TYPES
from autonet.twin.schema import DOMAINS, NODE_KINDS

log = logging.getLogger("benchmarks.memory")


class GenericKpiImporter(KpiImporter):
    """Baseline: the same import through SQLAlchemy's own executemany (per-row processing)."""

    def write_chunk(self, session: Session, model: type[Base], chunk: pd.DataFrame) -> None:
        records = cast(list[dict[str, Any]], chunk.to_dict("records"))
        session.connection().execute(sa.insert(cast(sa.Table, model.__table__)), records)


def brute_force(engine: sa.Engine, probe: SymptomSignature, k: int) -> list[tuple[int, float]]:
    """Baseline retrieval: read every verified signature, score each in Python."""
    with session_scope(engine) as session:
        rows = session.execute(
            sa.select(Case.id, Case.signature).where(Case.verdict == "verified")
        ).all()
    query = probe.features()
    scored = [
        (case_id, weighted_jaccard(query, SymptomSignature.from_dict(sig).features()))
        for case_id, sig in rows
    ]
    return sorted((s for s in scored if s[1] > 0), key=lambda s: (-s[1], s[0]))[:k]


COUNTERS = ("RRU.PrbUsedDl", "DRB.UEThpDl", "RRC.ConnMean", "PEE.AvgPower")


@contextmanager
def database(kind: str, workdir: Path, pg_url: str | None) -> Iterator[sa.Engine]:
    """A fresh migrated database: a SQLite file, or a throw-away PostgreSQL schema."""
    if kind == "sqlite":
        engine = init_db(f"sqlite:///{workdir / f'{uuid.uuid4().hex}.db'}")
        try:
            yield engine
        finally:
            engine.dispose()
        return
    assert pg_url is not None
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(pg_url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(pg_url).update_query_dict({"options": f"-csearch_path={schema}"})
    engine = init_db(url.render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def kpi_file(workdir: Path, cells: int, days: int) -> Path:
    """A long-format KPI CSV: cells x 4 counters x 15-min slots, sorted by series then time."""
    times = pd.date_range("2026-11-01", periods=days * 96, freq="15min", tz="UTC")
    rng = np.random.default_rng(0)
    frames = [
        pd.DataFrame(
            {
                "time": times.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "object": f"S{cell // 3:04d}-C{cell % 3 + 1}",
                "counter": counter,
                "value": rng.gamma(2.0, 10.0, len(times)).round(3),
            }
        )
        for cell in range(cells)
        for counter in COUNTERS
    ]
    path = workdir / "kpis.csv"
    pd.concat(frames).to_csv(path, index=False)
    return path


def random_signature(rng: np.random.Generator) -> SymptomSignature:
    alarms = list(ALARM_TYPES)
    return SymptomSignature(
        alarm_types=set(rng.choice(alarms, size=rng.integers(1, 4), replace=False)),
        fault_domain=str(rng.choice(DOMAINS)),
        node_kinds=set(rng.choice(NODE_KINDS, size=rng.integers(1, 3), replace=False)),
        kpi_deviations={
            str(c): float(rng.normal(0, 3)) for c in rng.choice(COUNTERS, 2, replace=False)
        },
    )


def bench_imports(kind: str, workdir: Path, pg_url: str | None, cells: int) -> None:
    data = shared_data_dir()
    path = kpi_file(workdir, cells, days=1)
    for label, importer in (
        ("kpis (bulk path)", KpiImporter),
        ("kpis (SQLAlchemy)", GenericKpiImporter),
    ):
        with database(kind, workdir, pg_url) as engine:
            cpu = time.process_time()
            report = importer(engine, check_nodes=False).run(path)
            cpu = time.process_time() - cpu
        print(
            f"[{kind}] {label:<18} {report.rows:>7} rows {report.seconds:6.2f} s "
            f"{report.rows_per_s:9,.0f} rows/s  client CPU {cpu:5.2f} s "
            f"({cells} cells x 4 counters x 96)"
        )
    if data is None:
        print(f"[{kind}] alarms/topology skipped: ../shared/data is absent")
        return
    with database(kind, workdir, pg_url) as engine:
        alarms = data / "alarms" / "huawei-24V_439N_Microwave"
        topo = import_topology(engine, alarms / "Topology.npy")
        cpu = time.process_time()
        report = import_alarms(engine, alarms / "Alarm.csv")
        cpu = time.process_time() - cpu
        print(
            f"[{kind}] {'alarms':<18} {report.rows:>7} rows {report.seconds:6.2f} s "
            f"{report.rows_per_s:9,.0f} rows/s  client CPU {cpu:5.2f} s "
            "(24V_439N_Microwave/Alarm.csv, node-checked)"
        )
        kdl = import_topology(engine, data / "topology" / "zoo" / "Kdl.graphml")
        for name, rep in (("Topology.npy", topo), ("zoo/Kdl.graphml", kdl)):
            print(
                f"[{kind}] {'topology':<18} {rep.rows:>7} rows {rep.seconds:6.2f} s "
                f"{rep.rows_per_s:9,.0f} rows/s  ({name}: {rep.counts})"
            )


def bench_retrieval(kind: str, workdir: Path, pg_url: str | None, cases: int, queries: int) -> None:
    rng = np.random.default_rng(1)
    with database(kind, workdir, pg_url) as engine:
        store = CaseStore(engine)
        started = time.perf_counter()
        batch = 2_000
        for start in range(0, cases, batch):
            store.add_many(
                NewCase(
                    random_signature(rng),
                    root_cause_node=f"R{i}",
                    fault_type="fibre_cut",
                    actions=(ActionSpec("link_reroute", f"R{i}", {}, True),),
                    verdict="verified" if i % 4 else "failed",
                )
                for i in range(start, min(cases, start + batch))
            )
        stored = time.perf_counter() - started
        probes = [random_signature(rng) for _ in range(queries)]
        started = time.perf_counter()
        store.similar(probes[0], k=5)
        first = time.perf_counter() - started
        times = []
        cpu = time.process_time()
        for probe in probes[1:]:
            started = time.perf_counter()
            store.similar(probe, k=5)
            times.append(time.perf_counter() - started)
        cpu = (time.process_time() - cpu) / len(times)
        times.sort()
        baseline = []
        for probe in probes[1 : 1 + max(1, len(probes) // 10)]:
            started = time.perf_counter()
            expected = brute_force(engine, probe, 5)
            baseline.append(time.perf_counter() - started)
            got = [(h.case.id, round(h.similarity, 9)) for h in store.similar(probe, k=5)]
            assert got == [(c, round(v, 9)) for c, v in expected], "index disagrees with baseline"
        base = statistics.median(baseline)
        p50, p95 = statistics.median(times), times[int(0.95 * (len(times) - 1))]
        print(
            f"[{kind}] cases  {cases:>7} stored in {stored:6.2f} s ({cases / stored:,.0f} cases/s)"
        )
        print(
            f"[{kind}] similar(k=5) over {cases} cases: first (index build) "
            f"{first * 1e3:7.1f} ms, then p50 {p50 * 1e3:6.2f} ms, p95 {p95 * 1e3:6.2f} ms "
            f"(CPU {cpu * 1e3:.2f} ms/query; {len(times)} queries)"
        )
        print(
            f"[{kind}] brute-force baseline (read all, score in Python): p50 "
            f"{base * 1e3:7.1f} ms over {len(baseline)} queries -> the index is "
            f"{base / p50:,.1f}x faster; same top-5 on every query"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=10_000, help="cases stored for retrieval")
    parser.add_argument("--queries", type=int, default=200, help="retrieval queries timed")
    parser.add_argument("--kpi-cells", type=int, default=200, help="cells in the KPI file")
    parser.add_argument("--pg-url", default=None, help="also run on this PostgreSQL URL")
    args = parser.parse_args()
    if args.cases < 1 or args.queries < 2 or args.kpi_cells < 1:
        parser.error("--cases >= 1, --queries >= 2 and --kpi-cells >= 1 are required")
    logging.basicConfig(level=logging.WARNING)
    backends = ["sqlite"] + (["postgresql"] if args.pg_url else [])
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for kind in backends:
            bench_imports(kind, workdir, args.pg_url, args.kpi_cells)
            bench_retrieval(kind, workdir, args.pg_url, args.cases, args.queries)


if __name__ == "__main__":
    main()
