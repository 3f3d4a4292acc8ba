"""Global gradient-boosted KPI forecaster: one model across all series, quantiles P10/P50/P90.

Multi-step strategy: *direct*, with the horizon as a feature of a single model per quantile.
Seasonal lags are aligned to the target slot (yesterday's and last week's value at the hour
being forecast), so the model sees for every horizon the same kind of evidence and learns how
much to trust the latest values (useful at 1 h) against the seasonal ones (at 24 h). One model
shares every training row across the 24 horizons, where one model per horizon bucket would
split them and multiply the fitting time; recursive forecasting would feed its own errors
back. The three quantile models use the pinball loss of HistGradientBoostingRegressor; their
outputs are sorted so that p10 <= p50 <= p90 always holds.
"""

from __future__ import annotations

import logging
from contextlib import nullcontext

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from autonet.knowledge._forecast_base import QUANTILE_COLUMNS, BaseKpiForecaster
from autonet.knowledge.baselines import ExponentialSmoothingForecaster, SeasonalNaiveForecaster
from autonet.knowledge.features import (
    LAG_FEATURE_NAMES,
    Panel,
    horizon_steps,
    lag_features,
    season_info,
)

__all__ = [
    "QUANTILE_COLUMNS",
    "ExponentialSmoothingForecaster",
    "GlobalKpiForecaster",
    "SeasonalNaiveForecaster",
    "make_forecaster",
]

log = logging.getLogger(__name__)

_QUANTILES = (0.1, 0.5, 0.9)


class GlobalKpiForecaster(BaseKpiForecaster):
    """One HistGradientBoostingRegressor per quantile over every (object, origin, horizon).

    Args:
        max_horizon: the longest horizon the model is trained for ("24h" or a step count).
        max_train_rows: training samples drawn at random from all (object, origin, horizon)
            triples when there are more (keeps 10k series x 14 days well under a minute).
        max_iter, learning_rate, max_leaf_nodes, min_samples_leaf, l2_regularization:
            passed to each HistGradientBoostingRegressor.
        n_threads: OpenMP threads of the boosting in fit and predict; None leaves the
            process default (all cores). 1 avoids oversubscription on shared machines.
        random_state: seeds the row subsample and the boosting.
        time_col, object_col, value_col: column names of the long KPI frame.
    """

    def __init__(
        self,
        *,
        max_horizon: str | int = "24h",
        max_train_rows: int = 200_000,
        max_iter: int = 200,
        learning_rate: float = 0.1,
        max_leaf_nodes: int = 31,
        min_samples_leaf: int = 40,
        l2_regularization: float = 0.0,
        n_threads: int | None = None,
        random_state: int | None = 0,
        time_col: str = "time",
        object_col: str = "object",
        value_col: str = "value",
    ) -> None:
        self.max_horizon = max_horizon
        self.max_train_rows = max_train_rows
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.n_threads = n_threads
        self.random_state = random_state
        self.time_col = time_col
        self.object_col = object_col
        self.value_col = value_col

    # -- static per-object features -------------------------------------------------------
    def _encode_static(self, static: pd.DataFrame | None, objects: pd.Index) -> np.ndarray:
        """Static features of ``objects`` in the order of fit; unknown objects/categories: NaN."""
        columns: list[str] = self.static_columns_
        if not columns:
            return np.empty((len(objects), 0), dtype=np.float32)
        table = self.static_ if static is None else static
        if table is None:
            raise ValueError("static: the model was fitted with static features; pass them")
        self._check_static(table, fitted=True)
        table = table.reindex(objects)
        missing = int(table.isna().all(axis=1).sum())
        if missing:
            log.info("%d objects have no static features; they enter the model as missing", missing)
        out = np.empty((len(objects), len(columns)), dtype=np.float32)
        for k, name in enumerate(columns):
            col = table[name]
            if name in self.static_categories_:
                cats = self.static_categories_[name]
                out[:, k] = pd.Categorical(col, categories=cats).codes.astype(np.float32)
                out[:, k][out[:, k] < 0] = np.nan
            else:
                out[:, k] = col.to_numpy(dtype=np.float64, na_value=np.nan)
        return out

    def _check_static(self, static: pd.DataFrame, *, fitted: bool) -> None:
        if not isinstance(static, pd.DataFrame):
            raise TypeError(f"static: expected a DataFrame indexed by object, got {type(static)}")
        if static.index.has_duplicates:
            dup = static.index[static.index.duplicated()][0]
            raise ValueError(f"static: object {dup!r} appears twice; expected one row per object")
        if fitted:
            absent = [c for c in self.static_columns_ if c not in static.columns]
            if absent:
                raise ValueError(
                    f"static: missing column {absent[0]!r} that the model was fitted on"
                )
            return
        for name in static.columns:
            col = static[name]
            ok = (
                pd.api.types.is_numeric_dtype(col)
                or pd.api.types.is_bool_dtype(col)
                or isinstance(col.dtype, pd.CategoricalDtype)
                or pd.api.types.is_string_dtype(col)
                or pd.api.types.is_object_dtype(col)
            )
            if not ok:
                raise ValueError(
                    f"static: column {name!r} has dtype {col.dtype}; expected numbers or categories"
                )

    def _learn_static(self, static: pd.DataFrame | None) -> None:
        self.static_columns_ = [] if static is None else [str(c) for c in static.columns]
        self.static_categories_: dict[str, list[object]] = {}
        if static is None:
            self.static_ = None
            return
        self._check_static(static, fitted=False)
        for name in static.columns:
            col = static[name]
            if not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)):
                cats = sorted(col.dropna().astype(str).unique())
                if len(cats) > 250:
                    raise ValueError(
                        f"static: column {name!r} has {len(cats)} categories; "
                        "at most 250 are supported"
                    )
                self.static_categories_[str(name)] = list(cats)
        self.static_ = static.copy()
        for name in self.static_categories_:
            self.static_[name] = self.static_[name].astype("string").astype(object)

    # -- fit / predict ---------------------------------------------------------------------
    def _threads(self) -> threadpool_limits | nullcontext[None]:
        if self.n_threads is None:
            return nullcontext()
        if (
            isinstance(self.n_threads, bool)
            or not isinstance(self.n_threads, int)
            or self.n_threads < 1
        ):
            raise ValueError(
                f"n_threads: expected None or a positive integer, got {self.n_threads!r}"
            )
        return threadpool_limits(limits=self.n_threads, user_api="openmp")

    def _fit_panel(self, panel: Panel, static: pd.DataFrame | None) -> None:
        with self._threads():
            self._fit_boosting(panel, static)

    def _fit_boosting(self, panel: Panel, static: pd.DataFrame | None) -> None:
        if self.max_train_rows < 100:
            raise ValueError(f"max_train_rows: expected at least 100, got {self.max_train_rows}")
        steps = horizon_steps(self.max_horizon, panel.period)
        day = season_info(panel.period).day or 1
        t_len = panel.n_times
        first_origin = min(day, max(t_len // 4, 1)) - 1
        n_origins = t_len - 1 - steps - first_origin  # origins per horizon at the longest one
        if n_origins < 1:
            raise ValueError(
                f"history too short: {t_len} steps of {panel.period}; the global model needs "
                f"more than {first_origin + 1 + steps} (a day of context plus the horizon)"
            )
        self._learn_static(static)
        rng = check_random_state(self.random_state)
        rows, origins, horizons = self._sample(panel, steps, first_origin, rng)
        X, scale, target = lag_features(panel, rows, origins, horizons)
        y = panel.values[rows, target] / scale
        keep = np.isfinite(y)
        X, y, rows = X[keep], y[keep], rows[keep]
        if len(y) < 50:
            raise ValueError(f"only {len(y)} observed training targets; expected at least 50")
        static_block = self._encode_static(None, panel.objects)
        if static_block.shape[1]:
            X = np.hstack([X, static_block[rows]])
        # An all-missing column (a weekly lag on less than a week of history) breaks the
        # binning; as a constant it is never split on, so later values cannot matter.
        X[:, np.isnan(X).all(axis=0)] = 0.0
        categorical = np.zeros(X.shape[1], dtype=bool)
        for name in self.static_categories_:
            categorical[len(LAG_FEATURE_NAMES) + self.static_columns_.index(name)] = True
        seed = int(rng.randint(np.iinfo(np.int32).max))
        self.models_ = []
        for q in _QUANTILES:
            model = HistGradientBoostingRegressor(
                loss="quantile",
                quantile=q,
                max_iter=self.max_iter,
                learning_rate=self.learning_rate,
                max_leaf_nodes=self.max_leaf_nodes,
                min_samples_leaf=self.min_samples_leaf,
                l2_regularization=self.l2_regularization,
                categorical_features=categorical if categorical.any() else None,
                early_stopping=False,
                random_state=seed,
            )
            self.models_.append(model.fit(X, y))
        self.max_steps_ = steps
        self.n_train_rows_ = len(y)
        self.feature_names_ = [*LAG_FEATURE_NAMES, *self.static_columns_]
        log.info("global forecaster fitted on %d rows x %d features", *X.shape)

    def _sample(
        self, panel: Panel, steps: int, first_origin: int, rng: np.random.RandomState
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n_obj, t_len = panel.values.shape
        per_h = t_len - 1 - first_origin - np.arange(1, steps + 1) + 1  # origins per horizon
        total = int(n_obj * per_h.sum())
        if total <= self.max_train_rows:
            h = np.repeat(np.arange(1, steps + 1), per_h)
            o = np.concatenate([np.arange(first_origin, first_origin + c) for c in per_h])
            rows = np.repeat(np.arange(n_obj), len(h))
            return rows, np.tile(o, n_obj), np.tile(h, n_obj)
        n = self.max_train_rows
        rows = rng.randint(0, n_obj, size=n)
        horizons = rng.randint(1, steps + 1, size=n)
        span = t_len - horizons - first_origin  # origins in [first_origin, t_len - 1 - h]
        origins = first_origin + (rng.random_sample(n) * span).astype(np.int64)
        return rows, origins, horizons

    def _predict_panel_static(
        self, panel: Panel, steps: int, static: pd.DataFrame | None
    ) -> np.ndarray:
        check_is_fitted(self, "models_")
        if steps > self.max_steps_:
            raise ValueError(
                f"horizon: {steps} steps exceeds the {self.max_steps_} steps "
                f"({self.max_steps_ * self.period_}) the model was fitted for (max_horizon)"
            )
        n_obj = len(panel.objects)
        rows = np.repeat(np.arange(n_obj), steps)
        origins = np.full(len(rows), panel.n_times - 1)
        horizons = np.tile(np.arange(1, steps + 1), n_obj)
        X, scale, _ = lag_features(panel, rows, origins, horizons)
        static_block = self._encode_static(static, panel.objects)
        if static_block.shape[1]:
            X = np.hstack([X, static_block[rows]])
        with self._threads():
            preds = np.stack([m.predict(X) for m in self.models_], axis=-1) * scale[:, None]
        return preds.reshape(n_obj, steps, len(_QUANTILES))


def make_forecaster(
    name: str,
    *,
    random_state: int | None = 0,
    time_col: str = "time",
    object_col: str = "object",
    value_col: str = "value",
) -> BaseKpiForecaster:
    """A forecaster by name: "hgb" (global model), "seasonal-naive" or "ets".

    Args:
        name: the model's name.
        random_state: seed of the global model.
        time_col, object_col, value_col: column names of the long KPI frame.
    """
    if name == "hgb":
        return GlobalKpiForecaster(
            random_state=random_state, time_col=time_col, object_col=object_col, value_col=value_col
        )
    if name == "seasonal-naive":
        return SeasonalNaiveForecaster(
            time_col=time_col, object_col=object_col, value_col=value_col
        )
    if name == "ets":
        return ExponentialSmoothingForecaster(
            time_col=time_col, object_col=object_col, value_col=value_col
        )
    raise ValueError(f"model: expected one of 'hgb', 'seasonal-naive', 'ets', got {name!r}")
