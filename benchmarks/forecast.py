"""KPI forecasting benchmark: MAE vs seasonal-naive on Milan and on the twin; fit time at scale."""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from autonet.knowledge.forecast import (
    ExponentialSmoothingForecaster,
    GlobalKpiForecaster,
    SeasonalNaiveForecaster,
)
from autonet.platform.config import shared_data_dir


def rolling_mae(
    model, frame: pd.DataFrame, train_end: pd.Timestamp, days: int
) -> tuple[float, float, float]:
    """Fit on data before ``train_end``, then forecast 24 h at a time for ``days`` days, each
    day from the full history before it (the model is not refitted). Returns the mean over
    objects of the per-object MAE, the P10-P90 coverage and the fit's CPU seconds."""
    c0 = time.process_time()
    model.fit(frame[frame["time"] < train_end])
    fit_s = time.process_time() - c0
    parts = []
    for d in range(days):
        start = train_end + pd.Timedelta(days=d)
        pred = model.predict(frame[frame["time"] < start], "24h")
        truth = frame[(frame["time"] >= start) & (frame["time"] < start + pd.Timedelta(days=1))]
        parts.append(pred.merge(truth, on=["time", "object"], validate="one_to_one"))
    both = pd.concat(parts)
    err = (both["p50"] - both["value"]).abs()
    mae = float(err.groupby(both["object"]).mean().mean())
    cover = float(((both["value"] >= both["p10"]) & (both["value"] <= both["p90"])).mean())
    return mae, cover, fit_s


def compare(name: str, frame: pd.DataFrame, train_end: pd.Timestamp, days: int, seed: int) -> None:
    models = {
        "seasonal-naive (previous day)": SeasonalNaiveForecaster(season="day"),
        "seasonal-naive (previous week)": SeasonalNaiveForecaster(season="week"),
        "exponential smoothing": ExponentialSmoothingForecaster(),
        "global HGB": GlobalKpiForecaster(random_state=seed),
    }
    print(
        f"\n## {name}: {frame['object'].nunique()} series, train before {train_end}, "
        f"{days} days rolled 24 h at a time"
    )
    base = None
    for label, model in models.items():
        mae, cover, fit_s = rolling_mae(model, frame, train_end, days)
        base = mae if base is None else base
        print(
            f"{label:32s} MAE {mae:8.4f}  ratio {mae / base:5.3f}  "
            f"P10-P90 coverage {cover:5.3f}  fit {fit_s:6.1f} s CPU"
        )


def milan(seed: int) -> None:
    root = shared_data_dir()
    path = None if root is None else root / "kpi" / "milan" / "milan_hourly_211squares_wide.csv"
    if path is None or not path.is_file():
        print("\n## Milan: skipped, ../shared/data/kpi/milan is absent")
        return
    wide = pd.read_csv(path, parse_dates=["timestamp"])
    frame = wide.melt(id_vars="timestamp", var_name="object", value_name="value")
    frame = frame.rename(columns={"timestamp": "time"})
    compare(
        "Milan (Ferreira et al. protocol: train days 1-55, test days 56-62)",
        frame,
        wide["timestamp"].iloc[55 * 24],
        7,
        seed,
    )


def twin(seed: int, n_sites: int, counter: str) -> None:
    from autonet.twin import Twin, build_topology

    tw = Twin(build_topology(n_sites=n_sites, seed=seed), seed=seed, step_minutes=60)
    tw.run(24 * 21)
    frame = tw.kpis("long", counters=[counter])[["time", "object", "value"]]
    frame["time"] = pd.to_datetime(frame["time"])
    compare(
        f"twin {counter} ({n_sites} sites, 21 days hourly, seed {seed})",
        frame,
        frame["time"].min() + pd.Timedelta(days=14),
        7,
        seed,
    )


def scale(n_series: int, days: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    t = np.arange(days * 24)
    level = rng.lognormal(3, 0.7, (n_series, 1))
    daily = 1 + 0.6 * np.sin(2 * np.pi * (t - 6) / 24)[None, :] * rng.uniform(
        0.5, 1.0, (n_series, 1)
    )
    weekly = np.where((t // 24) % 7 >= 5, 0.8, 1.0)[None, :]
    values = level * daily * weekly * rng.lognormal(0, 0.1, (n_series, t.size))
    times = pd.date_range("2026-01-05", periods=t.size, freq="1h")
    frame = pd.DataFrame(
        {
            "time": np.tile(times.to_numpy(), n_series),
            "object": np.repeat([f"c{i}" for i in range(n_series)], t.size),
            "value": values.ravel().astype(np.float32),
        }
    )
    model = GlobalKpiForecaster(random_state=seed, n_threads=1)
    t0, c0 = time.perf_counter(), time.process_time()
    model.fit(frame)
    fit_s, fit_cpu = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    model.predict(frame, "24h")
    pred_s, pred_cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"\n## scale: {n_series} series x {days} days hourly ({len(frame):,} rows), one thread")
    print(
        f"fit {fit_s:.1f} s wall / {fit_cpu:.1f} s CPU on {model.n_train_rows_:,} sampled rows "
        f"(target < 60 s); predict 24 h for all series {pred_s:.1f} s wall / {pred_cpu:.1f} s CPU"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--part", choices=["all", "milan", "twin", "scale"], default="all")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--twin-sites", type=int, default=100)
    parser.add_argument("--counter", default="RRU.PrbUsedDl")
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=14)
    args = parser.parse_args()
    with threadpool_limits(limits=1):  # one core, as the target says
        if args.part in ("all", "milan"):
            milan(args.seed)
        if args.part in ("all", "twin"):
            twin(args.seed, args.twin_sites, args.counter)
        if args.part in ("all", "scale"):
            scale(args.series, args.days, args.seed)


if __name__ == "__main__":
    main()
