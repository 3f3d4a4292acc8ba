"""Anomaly detectors: the injected spike and nothing else, drivers, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from autonet.knowledge.anomaly import MultivariateAnomalyDetector, ResidualAnomalyDetector
from autonet.knowledge.forecast import SeasonalNaiveForecaster

T0 = pd.Timestamp("2026-01-05")


def residual_frame(residuals: list[float], obj: str = "c1") -> pd.DataFrame:
    times = pd.date_range(T0, periods=len(residuals), freq="1h")
    expected = np.full(len(residuals), 50.0)
    return pd.DataFrame(
        {"time": times, "object": obj, "value": expected + residuals, "p50": expected}
    )


def test_mad_detector_flags_only_the_spike_with_its_hand_computed_score() -> None:
    # Residuals 1, -1, 1, -1, ...: median 0, MAD 1, sigma 1.4826; the spike r = 10 has
    # z = 10 / 1.4826 = 6.745 > 4; every other cell has |z| = 0.674.
    base = [1.0, -1.0] * 12
    detector = ResidualAnomalyDetector(kpi="RRU.PrbUsedDl").fit(residual_frame(base))
    live = base.copy()
    live[7] = 10.0
    hits = detector.predict(residual_frame(live))
    assert len(hits) == 1
    assert hits["time"].iloc[0] == T0 + pd.Timedelta(hours=7)
    assert hits["score"].iloc[0] == pytest.approx(10 / 1.4826)
    assert hits["drivers"].iloc[0] == [("RRU.PrbUsedDl", pytest.approx(10 / 1.4826))]
    scored = detector.score_samples(residual_frame(live))
    assert scored["score"].drop(index=7).max() == pytest.approx(1 / 1.4826)


def test_quantile_band_scores_the_distance_outside_the_band() -> None:
    # Residuals 0..10 -> 1% / 99% quantiles 0.1 and 9.9, width 9.8; r = 29.5 scores 2.0.
    base = [float(v) for v in range(11)]
    det = ResidualAnomalyDetector(method="quantile", threshold=1.0).fit(residual_frame(base))
    hits = det.predict(residual_frame([5.0, 29.5, -0.5]))
    assert hits["score"].tolist() == pytest.approx([2.0])
    assert det.score_samples(residual_frame([-0.5]))["z"].iloc[0] == pytest.approx(-0.6 / 9.8)


def test_spike_on_a_periodic_series_against_the_seasonal_naive_forecast() -> None:
    # A daily pattern with small noise; seasonal-naive forecasts day 4 from day 3. The
    # detector, fitted on the in-sample one-day-ahead residuals, flags only the spike.
    rng = np.random.default_rng(0)
    hours = np.arange(24 * 4)
    values = 40 + 20 * np.sin(2 * np.pi * hours / 24) + rng.normal(0, 0.5, hours.size)
    values[24 * 3 + 9] += 15.0
    frame = pd.DataFrame(
        {"time": T0 + pd.to_timedelta(hours, "h"), "object": "c1", "value": values}
    )
    hist = frame.iloc[: 24 * 3]
    fit_rows = frame.iloc[24:72].assign(p50=frame["value"].iloc[:48].to_numpy())
    detector = ResidualAnomalyDetector().fit(fit_rows)
    forecast = SeasonalNaiveForecaster().fit(hist).predict(hist, "24h")
    live = frame.iloc[72:].merge(forecast, on=["time", "object"])
    hits = detector.predict(live)
    assert hits["time"].tolist() == [T0 + pd.Timedelta(hours=24 * 3 + 9)]


def _kpi_vectors(n: int = 600, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    prb = rng.uniform(10, 90, n)
    thp = 200 - 1.5 * prb + rng.normal(0, 3, n)  # throughput falls with load
    users = 2 * prb + rng.normal(0, 4, n)
    objects = np.array([f"c{i % 5}" for i in range(n)])
    times = T0 + pd.to_timedelta(np.arange(n) // 5, "min")
    return pd.DataFrame({"time": times, "object": objects, "prb": prb, "thp": thp, "users": users})


def test_mahalanobis_flags_the_broken_relation_and_names_the_driver() -> None:
    train = _kpi_vectors()
    live = _kpi_vectors(n=100, seed=1)
    # Throughput collapses while load and users stay typical (a degraded cell): a break of
    # the joint relation, scored on data the detector was not fitted on.
    live.loc[42, "thp"] = live.loc[42, "thp"] - 120
    hits = MultivariateAnomalyDetector(alpha=1e-4).fit(train).predict(live)
    assert len(hits) == 1
    assert (hits["object"].iloc[0], hits["time"].iloc[0]) == (
        live.loc[42, "object"],
        live.loc[42, "time"],
    )
    name, z = hits["drivers"].iloc[0][0]
    assert name == "thp" and z < -3


def test_mahalanobis_sees_a_joint_anomaly_no_single_kpi_shows() -> None:
    # prb and thp are tightly anti-correlated: a high prb with a high thp is anomalous even
    # though each value alone is within the usual range.
    train = _kpi_vectors()
    probe = train.iloc[[0]].copy()
    probe[["prb", "thp", "users"]] = [80.0, 170.0, 160.0]
    det = MultivariateAnomalyDetector(alpha=1e-4).fit(train)
    score, z = det.score_samples(probe)
    assert score[0] > 1.0
    assert np.abs(z[0]).max() < 2.5


def test_bad_input_is_named() -> None:
    with pytest.raises(ValueError, match="missing column 'p50'"):
        ResidualAnomalyDetector().fit(residual_frame([1.0]).drop(columns="p50"))
    bad = residual_frame([1.0, 2.0])
    bad.loc[1, "value"] = np.nan
    with pytest.raises(
        ValueError, match="column 'value' at row 1 is nan; expected a finite number"
    ):
        ResidualAnomalyDetector().fit(bad)
    with pytest.raises(ValueError, match="method: expected 'mad' or 'quantile'"):
        ResidualAnomalyDetector(method="zscore").fit(residual_frame([1.0]))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least two KPI columns"):
        MultivariateAnomalyDetector().fit(_kpi_vectors()[["time", "object", "prb"]])
    det = MultivariateAnomalyDetector().fit(_kpi_vectors())
    with pytest.raises(ValueError, match="missing column 'users'"):
        det.predict(_kpi_vectors().drop(columns="users"))


def test_by_hour_standardisation_flags_daytime_load_at_night() -> None:
    # Load and users are high by day and low by night; a night-time vector with daytime
    # values is typical overall but not for 03:00.
    rng = np.random.default_rng(2)
    hours = np.arange(24 * 10)
    day = ((hours % 24) >= 8) & ((hours % 24) < 20)
    prb = np.where(day, 70.0, 10.0) + rng.normal(0, 2, hours.size)
    users = 2 * prb + rng.normal(0, 3, hours.size)
    train = pd.DataFrame(
        {"time": T0 + pd.to_timedelta(hours, "h"), "object": "c1", "prb": prb, "users": users}
    )
    probe = pd.DataFrame(
        {
            "time": [T0 + pd.Timedelta(days=11, hours=3)],
            "object": ["c1"],
            "prb": [70.0],
            "users": [140.0],
        }
    )
    flat = MultivariateAnomalyDetector().fit(train)
    hourly = MultivariateAnomalyDetector(by_hour=True).fit(train)
    assert flat.predict(probe).empty
    hits = hourly.predict(probe)
    assert len(hits) == 1 and {name for name, _ in hits["drivers"].iloc[0]} <= {"prb", "users"}


def test_band_normalised_residuals_need_a_bigger_miss_where_the_forecast_is_unsure() -> None:
    # Residuals +-1 on bands of width 2 -> normalised +-0.5: median 0, MAD 0.5, sigma 0.7413.
    # Live: a miss of 6 on a band of width 2 scores 3 / 0.7413 = 4.047 (flagged at 4); the
    # same miss on a band of width 6 scores 1 / 0.7413 = 1.349 (not flagged).
    train = residual_frame([1.0, -1.0] * 10).assign(p10=49.0, p90=51.0)
    det = ResidualAnomalyDetector(band_cols=("p10", "p90")).fit(train)
    live = residual_frame([6.0, 6.0]).assign(p10=[49.0, 47.0], p90=[51.0, 53.0])
    scored = det.score_samples(live)
    assert scored["score"].tolist() == pytest.approx([3 / 0.7413, 1 / 0.7413], rel=1e-4)
    assert det.predict(live)["time"].tolist() == [T0]
    with pytest.raises(ValueError, match="missing column 'p90'"):
        det.predict(live.drop(columns="p90"))
