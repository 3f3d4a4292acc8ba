"""Baseline KPI forecasters: seasonal-naive and per-series additive Holt-Winters smoothing."""

from __future__ import annotations

import itertools
import logging
from typing import Literal

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from autonet.knowledge._forecast_base import BaseKpiForecaster, SeasonName
from autonet.knowledge.features import Panel, season_info

__all__ = ["ExponentialSmoothingForecaster", "SeasonalNaiveForecaster"]

log = logging.getLogger(__name__)

_Z90 = 1.2815515655446004  # standard normal quantile at 0.9


def _season_length(period: pd.Timedelta, season: SeasonName) -> int:
    if season == "none":
        return 0
    info = season_info(period)
    steps = info.day if season == "day" else info.week
    if steps == 0:
        raise ValueError(
            f"season={season!r} needs a sampling period that divides a {season}, got {period}"
        )
    return steps


def _row_quantiles(residuals: np.ndarray, qs: tuple[float, float]) -> np.ndarray:
    """Per-row quantiles ignoring NaN; rows with no residual get the pooled quantiles."""
    out = np.empty((residuals.shape[0], 2))
    finite = np.isfinite(residuals)
    pooled = np.quantile(residuals[finite], qs) if finite.any() else np.zeros(2)
    has = finite.any(axis=1)
    out[~has] = pooled
    if has.any():
        out[has] = np.nanquantile(residuals[has], qs, axis=1).T
    return out


class SeasonalNaiveForecaster(BaseKpiForecaster):
    """Forecast = the value at the same slot one season (day or week) earlier.

    ``p50`` is exactly the last observed season; ``p10``/``p90`` add the 10% and 90% quantiles
    of each object's in-sample seasonal-naive errors (clipped so that p10 <= p50 <= p90).

    Args:
        season: "day" (same slot yesterday) or "week" (same slot last week).
        time_col, object_col, value_col: column names of the long KPI frame.
    """

    def __init__(
        self,
        *,
        season: Literal["day", "week"] = "day",
        time_col: str = "time",
        object_col: str = "object",
        value_col: str = "value",
    ) -> None:
        self.season = season
        self.time_col = time_col
        self.object_col = object_col
        self.value_col = value_col

    def _fit_panel(self, panel: Panel, static: pd.DataFrame | None) -> None:
        if self.season not in ("day", "week"):
            raise ValueError(f"season: expected 'day' or 'week', got {self.season!r}")
        m = _season_length(panel.period, self.season)
        if panel.n_times <= m:
            raise ValueError(
                f"history too short: {panel.n_times} steps, need more than one {self.season} "
                f"({m} steps at {panel.period})"
            )
        values = panel.values
        band = _row_quantiles(values[:, m:] - values[:, :-m], (0.1, 0.9))
        self.season_length_ = m
        self.band_ = pd.DataFrame(band, index=panel.objects, columns=["lo", "hi"])

    def _predict_panel(self, panel: Panel, steps: int) -> np.ndarray:
        check_is_fitted(self, "band_")
        m = self.season_length_
        last = panel.n_times - 1
        h = np.arange(1, steps + 1)
        k = -(-h // m)  # ceil(h / m): the latest season that is already observed
        mid = np.full((len(panel.objects), steps), np.nan)
        for extra in range(4):  # a missing cell falls back to the season before it
            idx = last + h - (k + extra) * m
            ok = idx >= 0
            cand = np.full_like(mid, np.nan)
            cand[:, ok] = panel.values[:, idx[ok]]
            mid = np.where(np.isnan(mid), cand, mid)
        band = self.band_.reindex(panel.objects).fillna(self.band_.median()).to_numpy()
        lo = np.minimum(band[:, :1], 0.0)
        hi = np.maximum(band[:, 1:], 0.0)
        return np.stack([mid + lo, mid, mid + hi], axis=-1)


class ExponentialSmoothingForecaster(BaseKpiForecaster):
    """Per-series additive Holt-Winters (damped trend), vectorised over series.

    Smoothing weights are chosen per series from a small grid by in-sample one-step squared
    error, all series at once. Missing values are replaced by the one-step forecast, so they
    leave the state unchanged. P10/P90 use a normal band of width ``sigma * sqrt(1 + (h-1) a^2)``
    (the simple-smoothing variance growth), with ``sigma`` the in-sample one-step RMSE.

    Args:
        season: "day", "week" or "none".
        damping: trend damping factor phi in (0, 1].
        alphas, betas, gammas: grids of level, trend and seasonal smoothing weights.
    """

    def __init__(
        self,
        *,
        season: Literal["day", "week", "none"] = "day",
        damping: float = 0.98,
        alphas: tuple[float, ...] = (0.05, 0.2, 0.5, 0.8),
        betas: tuple[float, ...] = (0.0, 0.05),
        gammas: tuple[float, ...] = (0.05, 0.2, 0.5),
        time_col: str = "time",
        object_col: str = "object",
        value_col: str = "value",
    ) -> None:
        self.season = season
        self.damping = damping
        self.alphas = alphas
        self.betas = betas
        self.gammas = gammas
        self.time_col = time_col
        self.object_col = object_col
        self.value_col = value_col

    def _fit_panel(self, panel: Panel, static: pd.DataFrame | None) -> None:
        if self.season not in ("day", "week", "none"):
            raise ValueError(f"season: expected 'day', 'week' or 'none', got {self.season!r}")
        if not 0.0 < self.damping <= 1.0:
            raise ValueError(f"damping: expected a value in (0, 1], got {self.damping!r}")
        for name in ("alphas", "betas", "gammas"):
            grid = getattr(self, name)
            if not grid or any(not 0.0 <= g <= 1.0 for g in grid):
                raise ValueError(f"{name}: expected a non-empty tuple of weights in [0, 1]")
        m = _season_length(panel.period, self.season)
        if panel.n_times < max(2 * m, 3):
            raise ValueError(
                f"history too short: {panel.n_times} steps, need at least {max(2 * m, 3)}"
            )
        n = len(panel.objects)
        best = np.full(n, np.inf)
        params = np.zeros((n, 3))
        burn = max(m, 1)
        for a, b, g in itertools.product(self.alphas, self.betas, self.gammas):
            grid = np.tile([a, b, g], (n, 1))
            err = self._run(panel.values, grid, m)[3]
            sse = np.nanmean(np.square(err[:, burn:]), axis=1) if err.shape[1] > burn else err[:, 0]
            sse = np.where(np.isnan(sse), np.inf, sse)
            better = sse < best
            best[better] = sse[better]
            params[better] = grid[better]
        sigma = np.sqrt(np.where(np.isfinite(best), best, np.nan))
        sigma = np.where(
            np.isnan(sigma), np.nanmedian(sigma) if np.isfinite(sigma).any() else 0, sigma
        )
        self.season_length_ = m
        self.params_ = pd.DataFrame(
            np.column_stack([params, sigma]),
            index=panel.objects,
            columns=["alpha", "beta", "gamma", "sigma"],
        )

    def _run(
        self, values: np.ndarray, params: np.ndarray, m: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The recursion over time: final level, trend, seasonal ring and one-step errors."""
        n, t_len = values.shape
        alpha, beta, gamma = params[:, 0], params[:, 1], params[:, 2]
        phi = self.damping
        width = max(m, 1)
        first = values[:, :width]
        counts = np.isfinite(first).sum(axis=1)
        level = np.where(counts > 0, np.nansum(first, axis=1) / np.maximum(counts, 1), 0.0)
        if not np.isfinite(values).any(axis=1).all():
            raise ValueError("every object needs at least one observed value")
        if (counts == 0).any():  # first season empty: start from the first observed value
            first_obs = values[np.arange(n), np.argmax(np.isfinite(values), axis=1)]
            level = np.where(counts == 0, first_obs, level)
        seas = np.zeros((n, width))
        if m:
            seas = np.nan_to_num(first - level[:, None])
        trend = np.zeros(n)
        errors = np.full((n, t_len), np.nan)
        for t in range(t_len):
            s_old = seas[:, t % width] if m else 0.0
            yhat = level + phi * trend + s_old
            y = values[:, t]
            seen = np.isfinite(y)
            y = np.where(seen, y, yhat)
            errors[:, t] = np.where(seen, y - yhat, np.nan)
            new_level = alpha * (y - s_old) + (1 - alpha) * (level + phi * trend)
            trend = beta * (new_level - level) + (1 - beta) * phi * trend
            if m:
                seas[:, t % width] = gamma * (y - new_level) + (1 - gamma) * s_old
            level = new_level
        return level, trend, seas, errors

    def _predict_panel(self, panel: Panel, steps: int) -> np.ndarray:
        check_is_fitted(self, "params_")
        unknown = panel.objects.difference(self.params_.index)
        if len(unknown):
            raise ValueError(
                f"object {unknown[0]!r} (and {len(unknown) - 1} more) was not seen in fit: "
                "exponential smoothing is per series, refit with its history"
            )
        params = self.params_.loc[panel.objects].to_numpy()
        m = self.season_length_
        level, trend, seas, _ = self._run(panel.values, params[:, :3], m)
        h = np.arange(1, steps + 1)
        damp = np.cumsum(self.damping**h)
        mid = level[:, None] + trend[:, None] * damp[None, :]
        if m:
            mid = mid + seas[:, (panel.n_times - 1 + h) % m]
        spread = params[:, 3:4] * np.sqrt(1 + (h[None, :] - 1) * params[:, 0:1] ** 2) * _Z90
        return np.stack([mid - spread, mid, mid + spread], axis=-1)
