"""The shared fit/predict plumbing of every KPI forecaster (long frame in, quantiles out)."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from autonet.knowledge.features import Panel, horizon_steps, to_panel

__all__ = ["QUANTILE_COLUMNS", "BaseKpiForecaster", "SeasonName"]

SeasonName = Literal["day", "week", "none"]
QUANTILE_COLUMNS = ("p10", "p50", "p90")


class BaseKpiForecaster(BaseEstimator):
    """Template: subclasses implement ``_fit_panel`` and ``_predict_panel``.

    ``fit(X)`` takes a long frame (time, object, value); ``predict(history, horizon)`` returns
    a long frame (time, object, p10, p50, p90) for the steps after each object's history.
    """

    time_col: str
    object_col: str
    value_col: str

    def _to_panel(self, X: pd.DataFrame, period: pd.Timedelta | None = None) -> Panel:
        return to_panel(
            X,
            time_col=self.time_col,
            object_col=self.object_col,
            value_col=self.value_col,
            period=period,
        )

    def fit(self, X: pd.DataFrame, y: None = None, *, static: pd.DataFrame | None = None):
        """Learn from a long KPI frame; ``static`` holds per-object features (index = object).

        Returns:
            self
        """
        panel = self._to_panel(X)
        self._fit_panel(panel, static)
        self.period_ = panel.period
        self.n_objects_ = len(panel.objects)
        return self

    def predict(
        self,
        history: pd.DataFrame,
        horizon: str | pd.Timedelta | int = "24h",
        *,
        static: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        """Forecast every object of ``history`` for ``horizon`` after the history's last time.

        Args:
            history: long frame with the same columns as in ``fit`` and its sampling period.
            horizon: a duration ("24h") or a number of steps.
            static: per-object features (global model only); default: those given to ``fit``.

        Returns:
            Long frame with columns (time, object, p10, p50, p90), sorted by object then time.
        """
        check_is_fitted(self, "period_")
        panel = self._to_panel(history, self.period_)  # off-grid timestamps raise here
        steps = horizon_steps(horizon, self.period_)
        quantiles = self._predict_panel_static(panel, steps, static)
        quantiles = np.sort(quantiles, axis=-1)  # no quantile crossing: p10 <= p50 <= p90
        n_obj = len(panel.objects)
        times = pd.DatetimeIndex([panel.times[-1] + self.period_ * k for k in range(1, steps + 1)])
        frame = pd.DataFrame(
            {
                self.time_col: np.tile(times.to_numpy(), n_obj),
                self.object_col: np.repeat(panel.objects.to_numpy(), steps),
            }
        )
        flat = quantiles.reshape(n_obj * steps, 3)
        for k, name in enumerate(QUANTILE_COLUMNS):
            frame[name] = flat[:, k]
        return frame

    def _predict_panel_static(
        self, panel: Panel, steps: int, static: pd.DataFrame | None
    ) -> np.ndarray:
        return self._predict_panel(panel, steps)

    def _fit_panel(self, panel: Panel, static: pd.DataFrame | None) -> None:
        raise NotImplementedError

    def _predict_panel(self, panel: Panel, steps: int) -> np.ndarray:
        """Quantiles of shape (n_objects, steps, 3)."""
        raise NotImplementedError
