"""KPI forecasters: hand-computed baselines, the global model's edge, quantiles and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from autonet.knowledge.features import infer_period, to_panel
from autonet.knowledge.forecast import (
    ExponentialSmoothingForecaster,
    GlobalKpiForecaster,
    SeasonalNaiveForecaster,
    make_forecaster,
)

T0 = pd.Timestamp("2026-01-05 00:00")  # a Monday


def long_frame(values: dict[str, list[float]], period: str = "1h") -> pd.DataFrame:
    rows = []
    for obj, series in values.items():
        times = pd.date_range(T0, periods=len(series), freq=period)
        rows.append(pd.DataFrame({"time": times, "object": obj, "value": series}))
    return pd.concat(rows, ignore_index=True)


def test_seasonal_naive_repeats_the_last_day_exactly() -> None:
    # 6-hourly samples: a day is 4 steps; three days with a changing last day.
    a = [1, 2, 3, 4, 1, 2, 3, 4, 5, 7, 6, 8]
    b = [10, 0, 10, 0, 10, 0, 10, 0, 9, 1, 9, 1]
    model = SeasonalNaiveForecaster(season="day").fit(long_frame({"a": a, "b": b}, "6h"))
    out = model.predict(long_frame({"a": a, "b": b}, "6h"), "24h")
    assert model.period_ == pd.Timedelta("6h")
    assert out["p50"].tolist() == [5, 7, 6, 8, 9, 1, 9, 1]
    assert out["time"].iloc[0] == T0 + pd.Timedelta(days=3)
    assert out["time"].iloc[3] == T0 + pd.Timedelta(days=3, hours=18)
    # a 30 h horizon wraps to the same slot again (5th step = first slot of the last day)
    assert model.predict(long_frame({"a": a}, "6h"), "30h")["p50"].tolist() == [5, 7, 6, 8, 5]


def test_seasonal_naive_band_is_the_residual_quantiles() -> None:
    # Day-over-day differences of "a": [0, 0, 0, 0, 4, 5, 3, 4] -> q10 = 0, q90 = 4.3.
    a = [1, 2, 3, 4, 1, 2, 3, 4, 5, 7, 6, 8]
    out = (
        SeasonalNaiveForecaster()
        .fit(long_frame({"a": a}, "6h"))
        .predict(long_frame({"a": a}, "6h"), 1)
    )
    assert out["p10"].iloc[0] == pytest.approx(5.0)
    assert out["p90"].iloc[0] == pytest.approx(5.0 + 4.3)


def test_weekly_seasonal_naive_uses_the_same_slot_last_week() -> None:
    values = list(range(14))  # daily samples: a week is 7 steps
    frame = long_frame({"x": values}, "1D")
    out = SeasonalNaiveForecaster(season="week").fit(frame).predict(frame, "2D")
    assert out["p50"].tolist() == [7, 8]


def test_exponential_smoothing_predicts_a_constant_series_exactly() -> None:
    frame = long_frame({"c": [5.0] * 72, "d": [-3.5] * 72})
    out = ExponentialSmoothingForecaster().fit(frame).predict(frame, "24h")
    assert np.allclose(out["p50"], np.repeat([5.0, -3.5], 24))
    assert np.allclose(out["p10"], out["p50"]) and np.allclose(out["p90"], out["p50"])


def test_exponential_smoothing_follows_a_linear_trend() -> None:
    # y = 2t without season: Holt's trend recursion converges to the slope; with damping 1
    # the forecast h steps ahead is the last value + 2h.
    frame = long_frame({"t": [2.0 * t for t in range(200)]})
    model = ExponentialSmoothingForecaster(season="none", damping=1.0, alphas=(0.5,), betas=(0.5,))
    out = model.fit(frame).predict(frame, 3)
    assert out["p50"].tolist() == pytest.approx([400.0, 402.0, 404.0], abs=1e-6)


def _trend_panel(n_series: int = 24, days: int = 8, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(days * 24)
    rows = {}
    for i in range(n_series):
        level = 50 + 5 * i
        slope = rng.uniform(0.5, 1.5)  # per hour
        daily = 10 * np.sin(2 * np.pi * t / 24)
        rows[f"s{i}"] = list(level + slope * t + daily + rng.normal(0, 1, t.size))
    return long_frame(rows)


def test_global_model_beats_seasonal_naive_on_trend_plus_noise() -> None:
    # With a trend of ~1/h, seasonal-naive (same hour yesterday) is biased by ~24 at every
    # horizon; the global model sees the last values and the day-over-day change, so it can
    # remove that bias, leaving mostly the noise. Its MAE must be well below the baseline's.
    frame = _trend_panel()
    cut = T0 + pd.Timedelta(days=7)
    train, test = frame[frame["time"] < cut], frame[frame["time"] >= cut]
    gbm = GlobalKpiForecaster(max_iter=60, max_train_rows=12_000, n_threads=1, random_state=0).fit(
        train
    )
    naive = SeasonalNaiveForecaster().fit(train)
    truth = test.rename(columns={"value": "y"})
    mae = {}
    for name, model in (("gbm", gbm), ("naive", naive)):
        pred = model.predict(train, "24h").merge(truth, on=["time", "object"])
        assert len(pred) == 24 * 24
        mae[name] = float((pred["p50"] - pred["y"]).abs().mean())
    assert mae["naive"] > 20
    assert mae["gbm"] < 0.5 * mae["naive"]


@pytest.mark.parametrize("name", ["hgb", "seasonal-naive", "ets"])
def test_quantiles_are_ordered(name: str) -> None:
    frame = _trend_panel(n_series=6, days=4)
    model = make_forecaster(name)
    if isinstance(model, GlobalKpiForecaster):
        model.set_params(max_iter=20, n_threads=1)
    out = model.fit(frame).predict(frame, "12h")
    assert len(out) == 6 * 12
    assert (out["p10"] <= out["p50"]).all() and (out["p50"] <= out["p90"]).all()
    assert (out["p90"] - out["p10"]).mean() > 0


def test_global_model_is_deterministic_and_clonable_and_uses_static_features() -> None:
    frame = _trend_panel(n_series=6, days=4)
    static = pd.DataFrame(
        {"band": ["n78", "n28"] * 3, "prbs": [273, 52] * 3}, index=[f"s{i}" for i in range(6)]
    )
    model = GlobalKpiForecaster(
        max_iter=15, max_train_rows=2_000, n_threads=1, random_state=3, max_horizon="6h"
    )
    first = clone(model).fit(frame, static=static).predict(frame, "6h")
    second = clone(model).fit(frame, static=static).predict(frame, "6h")
    pd.testing.assert_frame_equal(first, second)
    fitted = clone(model).fit(frame, static=static)
    assert fitted.feature_names_[-2:] == ["band", "prbs"]
    with pytest.raises(ValueError, match="missing column 'prbs'"):
        fitted.predict(frame, "6h", static=static[["band"]])
    with pytest.raises(ValueError, match="exceeds the 6 steps"):
        fitted.predict(frame, "7h")


def test_any_sampling_period_is_inferred() -> None:
    frame = long_frame({"q": [float(i % 96) for i in range(96 * 3)]}, "15min")
    assert infer_period(frame) == pd.Timedelta("15min")
    out = SeasonalNaiveForecaster().fit(frame).predict(frame, "1h")
    assert out["p50"].tolist() == [0.0, 1.0, 2.0, 3.0]


def test_gaps_become_missing_cells_not_errors() -> None:
    frame = long_frame({"g": [float(i) for i in range(10)]}).drop(index=[4, 5])
    panel = to_panel(frame)
    assert panel.values.shape == (1, 10)
    assert np.isnan(panel.values[0, 4]) and np.isnan(panel.values[0, 5])


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda f: pd.concat([f, f.iloc[[3]]]), "row 12 .* is duplicated"),
        (lambda f: f.iloc[[0, 2, 1, *range(3, len(f))]], "earlier than the previous one"),
        (
            lambda f: f.assign(
                time=f["time"].where(f.index != 5, f["time"][5] + pd.Timedelta("7min"))
            ),
            "irregular sampling",
        ),
        (lambda f: f.drop(columns="value"), "missing value column 'value'"),
        (
            lambda f: f.assign(value=f["value"].astype(object).where(f.index != 2, "n/a")),
            "'value' at row 2 is 'n/a': expected a number",
        ),
        (lambda f: f.iloc[:0], "empty"),
        (
            lambda f: f.assign(time=f["time"].astype(object).where(f.index != 1, "yesterday")),
            "column 'time': expected timestamps",
        ),
    ],
)
def test_bad_frames_are_named(mutate, message: str) -> None:
    frame = long_frame({"a": [float(i) for i in range(12)]})
    with pytest.raises(ValueError, match=message):
        SeasonalNaiveForecaster().fit(mutate(frame))


def test_bad_arguments_are_named() -> None:
    frame = long_frame({"a": [float(i % 24) for i in range(72)]})
    model = SeasonalNaiveForecaster().fit(frame)
    with pytest.raises(ValueError, match="horizon: expected a duration"):
        model.predict(frame, "soon")
    with pytest.raises(ValueError, match="not a whole number of sampling periods"):
        model.predict(frame, "90min")
    with pytest.raises(ValueError, match="off the 0 days 01:00:00 grid"):
        model.predict(long_frame({"a": [1.0, 2.0, 3.0]}, "30min"), 1)
    with pytest.raises(ValueError, match="history too short"):
        SeasonalNaiveForecaster().fit(long_frame({"a": [1.0] * 10}))
    with pytest.raises(ValueError, match="history too short"):
        GlobalKpiForecaster().fit(long_frame({"a": [1.0] * 30}))
    with pytest.raises(ValueError, match="n_threads: expected None or a positive integer"):
        GlobalKpiForecaster(n_threads=0, max_iter=5).fit(frame)
    with pytest.raises(ValueError, match="season='week' needs a sampling period"):
        SeasonalNaiveForecaster(season="week").fit(long_frame({"a": [1.0] * 40}, "5h"))
    ets = ExponentialSmoothingForecaster().fit(frame)
    with pytest.raises(ValueError, match="object 'zz'"):
        ets.predict(long_frame({"zz": [1.0] * 48}), 1)
    with pytest.raises(ValueError, match="model: expected one of"):
        make_forecaster("prophet")
    with pytest.raises(ValueError, match="static: column 'when' has dtype"):
        GlobalKpiForecaster().fit(
            frame, static=pd.DataFrame({"when": [pd.Timestamp("2026-01-01")]}, index=["a"])
        )
