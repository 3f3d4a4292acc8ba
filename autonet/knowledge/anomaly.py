"""KPI anomaly detection: robust residuals against a forecast and a multivariate KPI score."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from scipy.stats import chi2
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

__all__ = ["ANOMALY_COLUMNS", "MultivariateAnomalyDetector", "ResidualAnomalyDetector"]

# Every detector returns these columns; ``drivers`` is a list of (kpi, z-score), largest |z| first.
ANOMALY_COLUMNS = ("time", "object", "score", "drivers")
_MAD_TO_SIGMA = 1.4826  # MAD of a normal distribution times this is its standard deviation


def _require(frame: pd.DataFrame, columns: list[str], what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{what}: expected a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{what}: missing column {missing[0]!r}; it has columns {list(map(str, frame.columns))}"
        )
    if frame.empty:
        raise ValueError(f"{what}: the frame is empty")


def _numeric(frame: pd.DataFrame, column: str, what: str) -> np.ndarray:
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise ValueError(
            f"{what}: column {column!r} at row {int(bad[0])} is "
            f"{_shown(frame[column].iloc[bad[0]])}; "
            "expected a finite number"
        )
    return values


def _shown(value: object) -> str:
    return repr(value) if isinstance(value, str) else str(value)


class ResidualAnomalyDetector(BaseEstimator):
    """Flags cells whose actual KPI departs from its forecast by more than a robust threshold.

    ``fit`` learns, per object, the centre and spread of the residual ``actual - expected``:
    median and MAD (``method="mad"``, score = |robust z|) or the ``(q, 1 - q)`` residual
    quantiles (``method="quantile"``, score = distance outside the band in band widths).
    Objects unseen in fit use the pooled statistics of all objects. With ``band_cols`` (e.g.
    ``("p10", "p90")``) each residual is first divided by the width of the forecast's own
    band, so hours the forecaster knows to be volatile need a larger miss to be flagged.

    Args:
        kpi: name of the KPI, reported as the driver.
        method: "mad" or "quantile".
        threshold: score above which a cell is an anomaly (robust z for "mad").
        band_quantile: q of the quantile band (method "quantile").
        min_scale: floor of the residual spread, so a perfectly predicted series is not
            flagged for a rounding error.
        time_col, object_col, actual_col, expected_col: column names of the input frame.
        band_cols: lower and upper forecast quantile columns to normalise residuals by.
    """

    def __init__(
        self,
        *,
        kpi: str = "value",
        method: Literal["mad", "quantile"] = "mad",
        threshold: float = 4.0,
        band_quantile: float = 0.01,
        min_scale: float = 1e-6,
        time_col: str = "time",
        object_col: str = "object",
        actual_col: str = "value",
        expected_col: str = "p50",
        band_cols: tuple[str, str] | None = None,
    ) -> None:
        self.kpi = kpi
        self.method = method
        self.threshold = threshold
        self.band_quantile = band_quantile
        self.min_scale = min_scale
        self.time_col = time_col
        self.object_col = object_col
        self.actual_col = actual_col
        self.expected_col = expected_col
        self.band_cols = band_cols

    def _residuals(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        cols = [self.time_col, self.object_col, self.actual_col, self.expected_col]
        _require(X, [*cols, *(self.band_cols or ())], "residual frame")
        actual = _numeric(X, self.actual_col, "residual frame")
        expected = _numeric(X, self.expected_col, "residual frame")
        codes = X[self.object_col].to_numpy()
        if self.band_cols is None:
            return actual - expected, codes
        lo = _numeric(X, self.band_cols[0], "residual frame")
        hi = _numeric(X, self.band_cols[1], "residual frame")
        return (actual - expected) / np.maximum(hi - lo, self.min_scale), codes

    def fit(self, X: pd.DataFrame, y: None = None) -> ResidualAnomalyDetector:
        """Learn per-object residual statistics from a frame of (time, object, actual, expected)."""
        if self.method not in ("mad", "quantile"):
            raise ValueError(f"method: expected 'mad' or 'quantile', got {self.method!r}")
        if not self.threshold > 0:
            raise ValueError(f"threshold: expected a positive number, got {self.threshold!r}")
        if not 0 < self.band_quantile < 0.5:
            raise ValueError(
                f"band_quantile: expected a value in (0, 0.5), got {self.band_quantile}"
            )
        residual, objects = self._residuals(X)
        frame = pd.DataFrame({"object": objects, "r": residual})
        grouped = frame.groupby("object", sort=False)["r"]
        if self.method == "mad":
            centre = grouped.median()
            spread = (
                (frame["r"] - frame["object"].map(centre)).abs().groupby(frame["object"]).median()
            )
            spread = spread * _MAD_TO_SIGMA
            pooled = (
                float(np.median(residual)),
                float(np.median(np.abs(residual - np.median(residual)))) * _MAD_TO_SIGMA,
            )
            self.stats_ = pd.DataFrame({"lo": centre, "hi": spread})
        else:
            lo = grouped.quantile(self.band_quantile)
            hi = grouped.quantile(1 - self.band_quantile)
            pooled = (
                float(np.quantile(residual, self.band_quantile)),
                float(np.quantile(residual, 1 - self.band_quantile)),
            )
            self.stats_ = pd.DataFrame({"lo": lo, "hi": hi})
        self.pooled_ = pooled
        return self

    def score_samples(self, X: pd.DataFrame) -> pd.DataFrame:
        """Every row of ``X`` with its residual, signed z and anomaly score."""
        check_is_fitted(self, "stats_")
        residual, objects = self._residuals(X)
        stats = self.stats_.reindex(objects)
        lo = stats["lo"].fillna(self.pooled_[0]).to_numpy()
        hi = stats["hi"].fillna(self.pooled_[1]).to_numpy()
        if self.method == "mad":
            z = (residual - lo) / np.maximum(hi, self.min_scale)
            score = np.abs(z)
        else:
            width = np.maximum(hi - lo, self.min_scale)
            z = np.where(
                residual > hi,
                (residual - hi) / width,
                np.where(residual < lo, (residual - lo) / width, 0.0),
            )
            score = np.abs(z)
        return pd.DataFrame(
            {
                "time": X[self.time_col].to_numpy(),
                "object": objects,
                "residual": residual,
                "z": z,
                "score": score,
            }
        )

    def predict(self, X: pd.DataFrame) -> pd.DataFrame:
        """The anomalous rows: (time, object, score, drivers), highest score first."""
        scored = self.score_samples(X)
        hits = scored[scored["score"] > self.threshold].sort_values("score", ascending=False)
        drivers = [[(self.kpi, float(z))] for z in hits["z"]]
        out = hits[["time", "object", "score"]].reset_index(drop=True)
        out["drivers"] = pd.Series(drivers, index=out.index, dtype=object)
        return out


class MultivariateAnomalyDetector(BaseEstimator):
    """Scores the KPI vector of each (time, object) against the normal joint behaviour.

    KPIs are standardised robustly per object, or per object and hour of day with
    ``by_hour`` (median/MAD learned in fit; unseen keys use the pooled statistics). The score
    is the squared Mahalanobis distance under the mean and covariance of the training vectors
    whose every |z| is below ``trim`` (a trimmed, robust estimate), divided by a threshold:
    the larger of the chi-square ``1 - alpha`` quantile and the empirical ``1 - alpha``
    quantile of the training distances (KPI vectors are rarely Gaussian), so above 1 is an
    anomaly at about the ``alpha`` false-alarm rate of the training data. So a
    throughput that is low *for the load* is caught even when each KPI alone looks usual.
    The drivers are the KPIs whose conditional z (see ``driver_scores``) reaches ``driver_z``,
    largest first (at least one). Isolation forests were tried and dropped: points outside
    the training range follow the paths of its extreme points, so they missed clear outliers.

    Args:
        kpis: the KPI columns; default: every numeric column except time and object.
        by_hour: standardise per (object, hour of day) instead of per object.
        alpha: false-alarm rate under normality that sets the threshold.
        trim: |z| above which a training vector is left out of the covariance.
        driver_z: |z| from which a KPI is reported as a driver.
        time_col, object_col: column names of the wide KPI frame.
    """

    def __init__(
        self,
        *,
        kpis: tuple[str, ...] | None = None,
        by_hour: bool = False,
        alpha: float = 0.001,
        trim: float = 4.0,
        driver_z: float = 3.0,
        time_col: str = "time",
        object_col: str = "object",
    ) -> None:
        self.kpis = kpis
        self.by_hour = by_hour
        self.alpha = alpha
        self.trim = trim
        self.driver_z = driver_z
        self.time_col = time_col
        self.object_col = object_col

    def _columns(self, X: pd.DataFrame) -> list[str]:
        _require(X, [self.time_col, self.object_col], "KPI frame")
        if self.kpis is not None:
            cols = list(self.kpis)
        else:
            skip = {self.time_col, self.object_col}
            cols = [c for c in X.columns if c not in skip and pd.api.types.is_numeric_dtype(X[c])]
        if len(cols) < 2:
            raise ValueError(f"KPI frame: expected at least two KPI columns, got {cols}")
        _require(X, cols, "KPI frame")
        return [str(c) for c in cols]

    def _keys(self, X: pd.DataFrame) -> pd.Index:
        objects = X[self.object_col].to_numpy()
        if not self.by_hour:
            return pd.Index(objects, name="_obj")
        try:
            hours = pd.DatetimeIndex(pd.to_datetime(X[self.time_col])).hour
        except (ValueError, TypeError) as exc:
            raise ValueError(f"KPI frame: column {self.time_col!r}: expected timestamps") from exc
        return pd.MultiIndex.from_arrays([objects, hours], names=["_obj", "_hour"])

    def _standardise(self, X: pd.DataFrame) -> np.ndarray:
        values = np.column_stack([_numeric(X, c, "KPI frame") for c in self.kpis_])
        keys = self._keys(X)
        centre = self.centre_.reindex(keys).to_numpy()
        scale = self.scale_.reindex(keys).to_numpy()
        centre = np.where(np.isnan(centre), self.pooled_centre_, centre)
        scale = np.where(np.isnan(scale), self.pooled_scale_, scale)
        return (values - centre) / scale

    def fit(self, X: pd.DataFrame, y: None = None) -> MultivariateAnomalyDetector:
        """Learn per-object KPI statistics and the normal joint behaviour from ``X``."""
        if not 0 < self.alpha < 0.5:
            raise ValueError(f"alpha: expected a value in (0, 0.5), got {self.alpha!r}")
        self.kpis_ = self._columns(X)
        values = np.column_stack([_numeric(X, c, "KPI frame") for c in self.kpis_])
        keys = self._keys(X)
        frame = pd.DataFrame(values, columns=self.kpis_, index=keys)
        centre = frame.groupby(level=list(keys.names), sort=False).median()
        mad = (frame - centre.reindex(keys).to_numpy()).abs()
        spread = mad.groupby(level=list(keys.names), sort=False).median() * _MAD_TO_SIGMA
        pooled_centre = np.median(values, axis=0)
        pooled_scale = np.median(np.abs(values - pooled_centre), axis=0) * _MAD_TO_SIGMA
        floor = np.maximum(pooled_scale * 0.05, 1e-9)
        self.pooled_centre_ = pooled_centre
        self.pooled_scale_ = np.maximum(pooled_scale, floor)
        self.centre_ = centre
        self.scale_ = spread.clip(lower=pd.Series(floor, index=self.kpis_), axis=1)
        Z = self._standardise(X)
        inlier = np.abs(Z).max(axis=1) < self.trim
        if inlier.sum() < 2 * len(self.kpis_) + 2:
            raise ValueError("too few typical KPI vectors to estimate a covariance")
        cov = np.cov(Z[inlier], rowvar=False) + 1e-6 * np.eye(len(self.kpis_))
        self.location_ = Z[inlier].mean(axis=0)
        self.precision_ = np.linalg.pinv(cov)
        d = Z - self.location_
        d2 = np.einsum("ij,jk,ik->i", d, self.precision_, d)
        gaussian = float(chi2.ppf(1 - self.alpha, df=len(self.kpis_)))
        self.threshold_ = max(gaussian, float(np.quantile(d2, 1 - self.alpha)))
        return self

    def score_samples(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Per row: the anomaly score (> 1 means anomalous) and the KPI z-scores."""
        check_is_fitted(self, "threshold_")
        _require(X, [self.time_col, self.object_col, *self.kpis_], "KPI frame")
        Z = self._standardise(X)
        d = Z - self.location_
        raw = np.einsum("ij,jk,ik->i", d, self.precision_, d)
        return raw / self.threshold_, Z

    def driver_scores(self, X: pd.DataFrame) -> np.ndarray:
        """Per row and KPI, the z-score reported for drivers.

        The conditional z of each KPI given the others, ``(P d)_j / sqrt(P_jj)`` with ``P``
        the precision matrix: it singles out the KPI that broke the joint relation
        (throughput low for the load) rather than the one furthest from its median.
        """
        check_is_fitted(self, "threshold_")
        Z = self._standardise(X)
        d = Z - self.location_
        return (d @ self.precision_) / np.sqrt(np.diag(self.precision_))

    def predict(self, X: pd.DataFrame) -> pd.DataFrame:
        """The anomalous rows: (time, object, score, drivers), highest score first."""
        score, _ = self.score_samples(X)
        Z = self.driver_scores(X)
        hits = np.flatnonzero(score > 1.0)
        hits = hits[np.argsort(-score[hits], kind="stable")]
        drivers = []
        for i in hits:
            order = np.argsort(-np.abs(Z[i]), kind="stable")
            keep = [j for j in order if abs(Z[i, j]) >= self.driver_z] or [order[0]]
            drivers.append([(self.kpis_[j], float(Z[i, j])) for j in keep])
        return pd.DataFrame(
            {
                "time": X[self.time_col].to_numpy()[hits],
                "object": X[self.object_col].to_numpy()[hits],
                "score": score[hits],
                "drivers": drivers,
            }
        )
