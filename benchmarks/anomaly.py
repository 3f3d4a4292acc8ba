"""Anomaly detection benchmark: precision/recall against faults injected into the twin."""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from autonet.knowledge.anomaly import MultivariateAnomalyDetector, ResidualAnomalyDetector
from autonet.knowledge.forecast import GlobalKpiForecaster, SeasonalNaiveForecaster

KPIS = (
    "RRU.PrbUsedDl",
    "RRC.ConnMean",
    "DRB.UEThpDl",
    "KQI.SinrDb",
    "KQI.DropRate",
    "KQI.LatencyMs",
)
CELL_FAULTS = ("cell_outage", "interference", "misconfiguration", "site_power_failure")


def simulate(n_sites: int, seed: int, clean_days: int, fault_days: int, faults_per_day: float):
    """A clean period, then a period with random cell/site faults; KPIs and ground truth."""
    from autonet.twin import Twin, build_topology

    rng = np.random.default_rng(seed)
    tw = Twin(build_topology(n_sites=n_sites, seed=seed), seed=seed, step_minutes=60)
    tw.run(24 * clean_days)
    cells = list(tw.compiled.cell_ids)
    sites = sorted({c.split("-")[0] for c in cells})
    truth: list[tuple[str, set[str], pd.Timestamp, pd.Timestamp]] = []
    steps = 24 * fault_days
    for _ in range(steps):
        if rng.random() < faults_per_day / 24:
            kind = str(rng.choice(CELL_FAULTS))
            target = (
                str(rng.choice(sites)) if kind == "site_power_failure" else str(rng.choice(cells))
            )
            duration = int(rng.integers(2, 7))
            try:
                rec = tw.inject_fault(kind, target, duration_steps=duration)
            except ValueError:  # FaultError: e.g. the cell is already down
                continue
            hit = {n for n in (rec.root_node, *rec.affected) if n in set(cells)}
            if kind == "site_power_failure":
                hit |= {c for c in cells if c.startswith(target + "-")}
            start = pd.Timestamp(tw.now)
            truth.append((kind, hit, start, start + pd.Timedelta(hours=duration)))
        tw.step()
    wide = tw.kpis("wide", counters=list(KPIS)).reset_index().rename(columns={"cell": "object"})
    wide.columns.name = None
    wide["time"] = pd.to_datetime(wide["time"])
    wide = wide.dropna(subset=list(KPIS)).reset_index(drop=True)  # dropped reports: no vector
    return wide, truth, pd.Timestamp(tw.start) + pd.Timedelta(days=clean_days)


def label(frame: pd.DataFrame, truth) -> np.ndarray:
    y = np.zeros(len(frame), dtype=bool)
    times = frame["time"].to_numpy()
    objects = frame["object"].to_numpy()
    for _, cells, start, end in truth:
        y |= (
            np.isin(objects, list(cells))
            & (times >= start.to_datetime64())
            & (times < end.to_datetime64())
        )
    return y


def report(name: str, flagged: np.ndarray, frame: pd.DataFrame, y: np.ndarray, truth) -> None:
    """Cell-hour precision/recall, and per fault: detected when any of its cell-hours is."""
    tp = int((flagged & y).sum())
    precision = tp / max(int(flagged.sum()), 1)
    recall = tp / max(int(y.sum()), 1)
    objects, times = frame["object"].to_numpy(), frame["time"].to_numpy()
    hits = set(zip(objects[flagged], times[flagged], strict=True))
    rows = set(zip(objects, times, strict=True))
    per_type: dict[str, list[int]] = {}
    for kind, cells, start, end in truth:
        window = pd.date_range(start, end - pd.Timedelta(hours=1), freq="1h").to_numpy()
        keys = [(c, t) for c in cells for t in window]
        counts = per_type.setdefault(kind, [0, 0, 0])
        counts[0] += 1
        counts[1] += any(k in rows for k in keys)  # some KPI report exists for the fault
        counts[2] += any(k in hits for k in keys)
    n, seen, found = np.sum(list(per_type.values()), axis=0)
    print(
        f"{name}: cell-hour precision {precision:.3f}, recall {recall:.3f}; faults detected "
        f"{found}/{n}; of the faults with KPI reports in their window {found}/{seen} "
        f"({found / max(seen, 1):.3f})"
    )
    for kind, (k_n, k_seen, k_found) in sorted(per_type.items()):
        print(f"    {kind:20s} {k_found}/{k_n} detected, {k_seen} with KPI reports in the window")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sites", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--clean-days", type=int, default=14)
    parser.add_argument("--fault-days", type=int, default=7)
    parser.add_argument("--faults-per-day", type=float, default=6.0)
    args = parser.parse_args()
    t0 = time.perf_counter()
    wide, truth, cut = simulate(
        args.sites, args.seed, args.clean_days, args.fault_days, args.faults_per_day
    )
    train, test = wide[wide["time"] < cut], wide[wide["time"] >= cut].reset_index(drop=True)
    y = label(test, truth)
    print(
        f"twin: {args.sites} sites, {wide['object'].nunique()} cells, {len(truth)} faults "
        f"({pd.Series([t[0] for t in truth]).value_counts().to_dict()}), {int(y.sum())} faulty "
        f"cell-hours of {len(test)}; simulated in {time.perf_counter() - t0:.1f} s"
    )

    multi = MultivariateAnomalyDetector(kpis=KPIS, by_hour=True, alpha=1e-3).fit(train)
    score, _ = multi.score_samples(test)
    report("multivariate (robust Mahalanobis, per cell and hour)", score > 1.0, test, y, truth)

    # Residual detectors on DL throughput against two forecasts, each fitted on the residuals
    # of the last clean week and scored on the fault week.
    kpi = "DRB.UEThpDl"
    series = wide[["time", "object", kpi]].rename(columns={kpi: "value"})
    half = cut - pd.Timedelta(days=7)
    forecasters = {
        "seasonal-naive": SeasonalNaiveForecaster(),
        "global HGB": GlobalKpiForecaster(random_state=args.seed, n_threads=1),
    }
    for label_, model in forecasters.items():
        model.fit(series[series["time"] < half])
        expected = day_ahead(model, series, half, 7 + args.fault_days)
        rows = wide[["time", "object", kpi]].merge(expected, on=["time", "object"], how="inner")
        fit_rows = rows[rows["time"] < cut].dropna(subset=["p50"])
        bands = ("p10", "p90") if isinstance(model, GlobalKpiForecaster) else None
        det = ResidualAnomalyDetector(kpi=kpi, actual_col=kpi, threshold=5.0, band_cols=bands)
        det.fit(fit_rows)
        live = test[["time", "object", kpi]].merge(expected, on=["time", "object"], how="left")
        known = live["p50"].notna().to_numpy()  # no forecast without the history it needs
        flagged = np.zeros(len(test), dtype=bool)
        flagged[known] = det.score_samples(live[known])["score"].to_numpy() > det.threshold
        how = " / (p90 - p10)" if bands else ""
        report(
            f"residual{how} vs {label_} forecast ({kpi}, |robust z| > 5)", flagged, test, y, truth
        )


def day_ahead(model, series: pd.DataFrame, start: pd.Timestamp, days: int) -> pd.DataFrame:
    """p50 forecasts made each midnight for the next 24 h, from all history before it."""
    parts = []
    for d in range(days):
        origin = start + pd.Timedelta(days=d)
        parts.append(model.predict(series[series["time"] < origin], "24h"))
    return pd.concat(parts)[["time", "object", "p10", "p50", "p90"]]


if __name__ == "__main__":
    main()
