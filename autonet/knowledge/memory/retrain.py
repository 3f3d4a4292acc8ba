"""Incremental retraining: refit when enough new data arrived, promote only if better."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.metrics import mean_absolute_error
from sqlalchemy import func, select

from autonet.knowledge.memory.db import session_scope
from autonet.knowledge.memory.models import Case, ImportBatch, KpiSample
from autonet.knowledge.memory.registry import ModelRegistry

__all__ = ["PendingData", "RetrainResult", "Retrainer"]

log = logging.getLogger(__name__)

Metric = Callable[[Any, Any], float]
Data = tuple[Any, Any, Any, Any]  # X_train, y_train, X_holdout, y_holdout


@dataclass(frozen=True)
class PendingData:
    """New data since the active version was trained."""

    since: datetime | None
    verified_cases: int
    kpi_samples: int


@dataclass(frozen=True)
class RetrainResult:
    """What one retraining did."""

    name: str
    promoted: bool
    reason: str
    metric: str
    new_version: int
    new_score: float
    previous_version: int | None
    previous_score: float | None


class Retrainer:
    """Refits a model on fresh data and promotes it only when it beats the active version.

    Both versions are scored on the same held-out data with ``metric``; the new version is
    always kept in the registry with both scores in its metrics, as ``active`` if promoted,
    else as ``candidate``.

    Args:
        registry: Where versions live.
        name: The model's name in the registry.
        factory: Builds an unfitted estimator (or pass an estimator; it is cloned).
        metric: ``metric(y_true, y_pred) -> float``.
        metric_name: Name under which the score is stored.
        greater_is_better: Whether a larger score is better (False for errors such as MAE).
        min_improvement: Relative improvement required, e.g. 0.02 for 2 %.
        min_new_cases: Verified cases since the active version that make retraining due.
        min_new_samples: Imported KPI samples since the active version that make it due.
    """

    def __init__(
        self,
        registry: ModelRegistry,
        name: str,
        factory: Callable[[], Any] | Any,
        *,
        metric: Metric = mean_absolute_error,
        metric_name: str = "mae",
        greater_is_better: bool = False,
        min_improvement: float = 0.0,
        min_new_cases: int = 20,
        min_new_samples: int = 10_000,
    ) -> None:
        if not 0.0 <= min_improvement < 1.0:
            raise ValueError(f"min_improvement must be within [0, 1), got {min_improvement}")
        if min_new_cases < 1 or min_new_samples < 1:
            raise ValueError("min_new_cases and min_new_samples must be >= 1")
        self.registry = registry
        self.name = name
        self.factory = factory
        self.metric = metric
        self.metric_name = metric_name
        self.greater_is_better = greater_is_better
        self.min_improvement = min_improvement
        self.min_new_cases = min_new_cases
        self.min_new_samples = min_new_samples

    def pending(self) -> PendingData:
        """Verified cases and KPI samples that arrived after the active version was created."""
        active = self.registry.active(self.name)
        since = active.created_at if active else None
        cases = select(func.count()).select_from(Case).where(Case.verdict == "verified")
        samples = select(func.count()).select_from(KpiSample)
        if since is not None:
            cases = cases.where(Case.updated_at > since)
            samples = samples.join(ImportBatch, KpiSample.batch_id == ImportBatch.id).where(
                ImportBatch.created_at > since
            )
        with session_scope(self.registry.engine) as session:
            return PendingData(
                since, int(session.scalar(cases) or 0), int(session.scalar(samples) or 0)
            )

    def due(self) -> bool:
        """Whether enough new data arrived (either threshold reached), or no model is active."""
        pending = self.pending()
        return (
            pending.since is None
            or pending.verified_cases >= self.min_new_cases
            or pending.kpi_samples >= self.min_new_samples
        )

    def maybe_retrain(self, data: Callable[[], Data]) -> RetrainResult | None:
        """Retrain on ``data()`` if :meth:`due`; None otherwise (``data`` is then not called)."""
        if not self.due():
            return None
        return self.retrain(*data())

    def retrain(
        self, X_train: Any, y_train: Any, X_holdout: Any, y_holdout: Any, *, note: str = ""
    ) -> RetrainResult:
        """Fit a new version, score it and the active one on the holdout, keep the better."""
        for label, X, y in (("train", X_train, y_train), ("holdout", X_holdout, y_holdout)):
            if len(X) == 0 or len(X) != len(y):
                raise ValueError(
                    f"{label} data needs as many rows in X as in y and at least one, "
                    f"got {len(X)} and {len(y)}"
                )
        estimator = self.factory() if callable(self.factory) else clone(self.factory)
        estimator.fit(X_train, y_train)
        new_score = self._score(estimator, X_holdout, y_holdout)
        active = self.registry.active(self.name)
        old_score = None
        if active is not None:
            old_score = self._score(self.registry.load(self.name), X_holdout, y_holdout)
        better, reason = self._compare(new_score, old_score)
        metrics: dict[str, Any] = {
            f"holdout_{self.metric_name}": new_score,
            "holdout_rows": len(y_holdout),
            "train_rows": len(y_train),
        }
        if active is not None:
            metrics |= {
                f"previous_holdout_{self.metric_name}": old_score,
                "previous_version": active.version,
            }
        saved = self.registry.save(
            self.name, estimator, metrics=metrics, note=note or reason, promote=False
        )
        if better:
            self.registry.promote(self.name, saved.version, reason=reason)
        log.info("retrained %s v%d: %s", self.name, saved.version, reason)
        return RetrainResult(
            self.name,
            better,
            reason,
            self.metric_name,
            saved.version,
            new_score,
            active.version if active else None,
            old_score,
        )

    def _score(self, estimator: Any, X: Any, y: Any) -> float:
        score = float(self.metric(np.asarray(y), estimator.predict(X)))
        if not math.isfinite(score):
            raise ValueError(f"{self.metric_name} is not finite ({score}); check the holdout data")
        return score

    def _compare(self, new: float, old: float | None) -> tuple[bool, str]:
        m = self.metric_name
        if old is None:
            return True, f"first version: holdout {m} {new:.6g}"
        if self.greater_is_better:
            better = new > old and new - old >= self.min_improvement * abs(old)
        else:
            better = new < old and old - new >= self.min_improvement * abs(old)
        verb = "promoted" if better else "kept the active version"
        return better, f"{verb}: holdout {m} new {new:.6g} vs active {old:.6g}"
