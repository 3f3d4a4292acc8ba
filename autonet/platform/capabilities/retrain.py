"""Model retraining on the operator's request, through the memory's Retrainer and registry.

The forecaster is a gradient-boosted regressor of a cell's DL PRB use from its lags (15 and
30 minutes, one day) and the time of day, one model across cells. It is refitted on the
recorded history except its last quarter, both the new version and the active one are scored
on that held-out quarter (MAE), and the new one is promoted only if it is better.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from autonet.platform.capabilities.context import (
    CapabilityContext,
    CapabilityError,
    require_memory,
)

if TYPE_CHECKING:
    from autonet.twin import Twin

__all__ = ["FORECAST_COUNTER", "RETRAINABLE", "forecaster_data", "model_retrainer"]

#: The counter the forecaster predicts.
FORECAST_COUNTER: Final = "RRU.PrbUsedDl"
#: Models this capability can retrain (the Retrainer refits regressors scored on held-out data).
RETRAINABLE: Final[tuple[str, ...]] = ("forecaster",)
_HOLDOUT_SHARE: Final = 0.25


def forecaster_data(twin: Twin) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(X_train, y_train, X_holdout, y_holdout)`` of the forecaster from the twin's record:
    one row per (step, cell) from the second recorded day on, split by time.

    Raises:
        CapabilityError: Less than two days recorded.
    """
    day = 1440 // twin.step_minutes
    values = np.nan_to_num(np.asarray(twin.kpi_array(FORECAST_COUNTER, "cell"), dtype=float))
    if len(values) < 2 * day:
        raise CapabilityError(
            f"retraining the forecaster needs two days of recorded history ({2 * day} steps "
            f"of {twin.step_minutes} min), the twin has {len(values)} step(s)"
        )
    t = np.arange(day, len(values))
    minutes = np.array([tm.hour * 60 + tm.minute for tm in twin.kpi_times()], dtype=float)[t]
    phase = np.broadcast_to((2 * np.pi * minutes / 1440.0)[:, None], values[t].shape)
    X = np.stack([values[t - 1], values[t - 2], values[t - day], np.sin(phase), np.cos(phase)],
                 axis=-1)  # fmt: skip
    cut = round(len(t) * (1.0 - _HOLDOUT_SHARE))
    n_feat = X.shape[-1]
    return (X[:cut].reshape(-1, n_feat), values[t][:cut].reshape(-1),
            X[cut:].reshape(-1, n_feat), values[t][cut:].reshape(-1))  # fmt: skip


def _factory() -> Any:
    from sklearn.ensemble import HistGradientBoostingRegressor

    return HistGradientBoostingRegressor(max_iter=100, random_state=0)


def model_retrainer(ctx: CapabilityContext, args: Mapping[str, Any]) -> dict[str, Any]:
    """Retrain ``model`` now (see the module docstring) and report what the Retrainer did.

    Raises:
        CapabilityError: A model this platform cannot retrain, too little data, no memory.
    """
    from autonet.knowledge.memory import ModelRegistry, Retrainer

    model = str(args["model"])
    if model not in RETRAINABLE:
        raise CapabilityError(
            f"retraining {model!r} is not available: the Retrainer refits regressors scored on "
            f"held-out data, and only {list(RETRAINABLE)} is one"
        )
    memory = require_memory(ctx, "model_retrainer", "the model registry and its versions")
    registry = memory.registry or ModelRegistry(memory.engine)
    X_train, y_train, X_hold, y_hold = forecaster_data(ctx.twin)
    retrainer = Retrainer(registry, model, _factory)
    result = retrainer.retrain(
        X_train, y_train, X_hold, y_hold, note=f"retrained on request of {ctx.actor}"
    )
    return {
        "model": model, "promoted": result.promoted, "reason": result.reason,
        "metric": result.metric, "new_version": result.new_version,
        "new_score": result.new_score, "previous_version": result.previous_version,
        "previous_score": result.previous_score,
        "data": {"counter": FORECAST_COUNTER, "train_rows": len(y_train),
                 "holdout_rows": len(y_hold)},
    }  # fmt: skip
