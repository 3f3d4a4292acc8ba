"""Long KPI frames to a dense (object x time) panel, sampling-period inference and lag features."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "LAG_FEATURE_NAMES",
    "Panel",
    "SeasonInfo",
    "horizon_steps",
    "infer_period",
    "lag_features",
    "season_info",
    "to_panel",
]

_DAY = pd.Timedelta(days=1)


@dataclass(frozen=True)
class Panel:
    """KPI values on a regular time grid: ``values[i, j]`` is object ``i`` at ``times[j]``.

    Cells the input did not provide are NaN.
    """

    times: pd.DatetimeIndex
    objects: pd.Index
    values: np.ndarray  # float64, shape (n_objects, n_times)
    period: pd.Timedelta

    @property
    def n_times(self) -> int:
        return len(self.times)


@dataclass(frozen=True)
class SeasonInfo:
    """How many steps make a day and a week at a sampling period (0 when it does not divide)."""

    day: int
    week: int


def season_info(period: pd.Timedelta) -> SeasonInfo:
    """Steps per day and per week for ``period``; 0 where the period does not divide them."""
    day = int(_DAY // period) if _DAY % period == pd.Timedelta(0) else 0
    week = (
        7 * day if day else (int(7 * _DAY // period) if 7 * _DAY % period == pd.Timedelta(0) else 0)
    )
    return SeasonInfo(day=day, week=week)


def horizon_steps(horizon: str | pd.Timedelta | int, period: pd.Timedelta) -> int:
    """A horizon (``"24h"``, a Timedelta or a number of steps) as a positive number of steps."""
    if isinstance(horizon, bool):
        raise TypeError(
            f"horizon: expected a duration such as '24h' or a step count, got {horizon!r}"
        )
    if isinstance(horizon, int | np.integer):
        steps = int(horizon)
    else:
        try:
            delta = pd.Timedelta(horizon)
        except (ValueError, TypeError) as exc:
            raise ValueError(
                f"horizon: expected a duration such as '24h' or '90min', got {horizon!r}"
            ) from exc
        if delta % period != pd.Timedelta(0):
            raise ValueError(
                f"horizon: {delta} is not a whole number of sampling periods ({period})"
            )
        steps = int(delta // period)
    if steps < 1:
        raise ValueError(f"horizon: expected at least one sampling period, got {horizon!r}")
    return steps


def _checked_columns(frame: pd.DataFrame, columns: dict[str, str]) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame, got {type(frame).__name__}")
    missing = [f"{role} column {name!r}" for role, name in columns.items() if name not in frame]
    if missing:
        raise ValueError(
            f"missing {', '.join(missing)}; the frame has columns {list(map(str, frame.columns))}"
        )
    if frame.empty:
        raise ValueError("the KPI frame is empty: expected at least one row")


def infer_period(
    frame: pd.DataFrame,
    *,
    time_col: str = "time",
    object_col: str = "object",
    default: pd.Timedelta | None = None,
) -> pd.Timedelta:
    """The sampling period of a long KPI frame, checked per object.

    Every object's timestamps must be strictly increasing in row order (no duplicates) and
    every step must be a whole multiple of the period (gaps are allowed, they become NaN).
    Rows are named by their 0-based position in ``frame``. ``default`` is returned when no
    object has two timestamps (a one-step history given to a fitted model).

    Raises:
        ValueError: naming the object and row of the first duplicated, decreasing or
            off-grid timestamp, or when no object has two timestamps.
    """
    _checked_columns(frame, {"time": time_col, "object": object_col})
    times = _as_datetimes(frame[time_col], time_col)
    objects = frame[object_col].to_numpy()
    dup = np.flatnonzero(
        pd.DataFrame({"o": objects, "t": times.to_numpy()}).duplicated().to_numpy()
    )
    if dup.size:
        row = int(dup[0])
        raise ValueError(
            f"{time_col} at row {row} ({times.iloc[row]}) of object {objects[row]!r} is "
            "duplicated; expected one sample per object and timestamp"
        )
    codes, uniques = pd.factorize(objects)
    order = np.argsort(codes, kind="stable")
    t = times.to_numpy()[order].astype("datetime64[ns]").astype(np.int64)
    c = codes[order]
    same = c[1:] == c[:-1]
    diffs = t[1:] - t[:-1]
    within = diffs[same]
    bad = np.flatnonzero(same & (diffs <= 0))
    if bad.size:
        row = int(order[bad[0] + 1])
        kind = (
            "duplicated" if diffs[bad[0]] == 0 else "earlier than the previous one (not monotonic)"
        )
        raise ValueError(
            f"{time_col} at row {row} ({times.iloc[row]}) of object {uniques[c[bad[0]]]!r} is "
            f"{kind}; expected strictly increasing timestamps per object"
        )
    if within.size == 0:
        if default is not None:
            return default
        raise ValueError(
            f"cannot infer a sampling period: every object has a single timestamp in {time_col!r}"
        )
    step = int(within.min())
    off = np.flatnonzero(same & (diffs % step != 0))
    if off.size:
        row = int(order[off[0] + 1])
        raise ValueError(
            f"irregular sampling in {time_col!r}: object {uniques[c[off[0]]]!r} steps by "
            f"{pd.Timedelta(int(diffs[off[0]]), 'ns')} at row {row}, expected whole multiples "
            f"of the smallest step {pd.Timedelta(step, 'ns')}"
        )
    return pd.Timedelta(step, "ns")


def to_panel(
    frame: pd.DataFrame,
    *,
    time_col: str = "time",
    object_col: str = "object",
    value_col: str = "value",
    period: pd.Timedelta | None = None,
) -> Panel:
    """Pivot a long KPI frame onto a regular grid (objects x times), NaN where absent.

    Raises:
        ValueError: on missing columns, non-numeric values, irregular or duplicated timestamps,
            or timestamps off the grid of a given ``period``.
    """
    _checked_columns(frame, {"time": time_col, "object": object_col, "value": value_col})
    inferred = infer_period(frame, time_col=time_col, object_col=object_col, default=period)
    period = inferred if period is None else pd.Timedelta(period)
    values = pd.to_numeric(frame[value_col], errors="coerce").to_numpy(dtype=np.float64)
    raw = frame[value_col]
    bad = np.flatnonzero(np.isnan(values) & raw.notna().to_numpy())
    if bad.size:
        raise ValueError(
            f"{value_col!r} at row {int(bad[0])} is {raw.iloc[bad[0]]!r}: expected a number"
        )
    if np.isinf(values).any():
        row = int(np.flatnonzero(np.isinf(values))[0])
        raise ValueError(f"{value_col!r} at row {row} is infinite: expected a finite number")
    times = _as_datetimes(frame[time_col], time_col).to_numpy().astype("datetime64[ns]")
    start = times.min()
    offsets = (times - start).astype(np.int64)
    p_ns = period.value
    off_grid = np.flatnonzero(offsets % p_ns)
    if off_grid.size:
        row = int(off_grid[0])
        raise ValueError(
            f"{time_col} at row {row} ({pd.Timestamp(times[row])}) is off the {period} grid "
            f"starting at {pd.Timestamp(start)}: expected timestamps on a common sampling grid"
        )
    col = (offsets // p_ns).astype(np.intp)
    codes, uniques = pd.factorize(frame[object_col].to_numpy())
    grid = np.full((len(uniques), int(col.max()) + 1), np.nan)
    grid[codes, col] = values
    grid_times = pd.date_range(pd.Timestamp(start), periods=grid.shape[1], freq=period)
    return Panel(times=grid_times, objects=pd.Index(uniques), values=grid, period=period)


def _as_datetimes(column: pd.Series, name: str) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(column):
        out = column
    else:
        try:
            out = pd.to_datetime(column, format="mixed")
        except (ValueError, TypeError) as exc:
            raise ValueError(f"column {name!r}: expected timestamps ({exc})") from exc
    if out.isna().any():
        row = int(np.flatnonzero(out.isna().to_numpy())[0])
        raise ValueError(f"{name!r} at row {row} is missing: expected a timestamp")
    if getattr(out.dt, "tz", None) is not None:
        out = out.dt.tz_convert("UTC").dt.tz_localize(None)
    return out


LAG_FEATURE_NAMES = (
    "horizon",
    "hour_of_day",
    "day_of_week",
    "log_scale",
    "lag_0",
    "lag_1",
    "lag_2",
    "lag_3",
    "same_slot_day_1",
    "same_slot_day_2",
    "same_slot_week_1",
    "same_slot_mean_7d",
    "rolling_mean_day",
    "rolling_std_day",
    "rolling_mean_week",
    "delta_day",
)


def _take(values: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``values[rows, cols]`` with NaN where ``cols`` falls outside the panel."""
    ok = (cols >= 0) & (cols < values.shape[1])
    out = values[rows, np.clip(cols, 0, values.shape[1] - 1)]
    return np.where(ok, out, np.nan)


def _window_stats(
    csum: np.ndarray, csq: np.ndarray, count: np.ndarray, rows: np.ndarray, end: np.ndarray, w: int
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std of each row's last ``w`` values up to column ``end`` (inclusive), NaN-aware."""
    hi = end + 1
    lo = np.maximum(hi - w, 0)
    n = count[rows, hi] - count[rows, lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (csum[rows, hi] - csum[rows, lo]) / n
        var = (csq[rows, hi] - csq[rows, lo]) / n - mean**2
    return mean, np.sqrt(np.maximum(var, 0.0))


def lag_features(
    panel: Panel, rows: np.ndarray, origins: np.ndarray, horizons: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features of the direct multi-horizon model, one row per (object, origin, horizon).

    Every value feature is divided by the object's recent level (mean absolute value over the
    last day before the origin), so one model serves series of any scale; the level itself
    enters as ``log_scale``. Seasonal lags are taken relative to the *target* slot, from the
    latest season already observed at the origin.

    Args:
        panel: the history.
        rows: object index of each sample.
        origins: column of the last observed step of each sample.
        horizons: steps ahead (>= 1) of each sample.

    Returns:
        ``(features float32 [n, len(LAG_FEATURE_NAMES)], scale [n], target_col [n])``.
    """
    values = panel.values
    info = season_info(panel.period)
    day = info.day or max(1, int(pd.Timedelta(hours=24) // panel.period) or 1)
    week = info.week or 7 * day
    filled = np.nan_to_num(values)
    seen = np.isfinite(values)
    zero = np.zeros((values.shape[0], 1))
    csum = np.concatenate([zero, np.cumsum(filled, axis=1)], axis=1)
    csq = np.concatenate([zero, np.cumsum(filled**2, axis=1)], axis=1)
    count = np.concatenate([zero, np.cumsum(seen, axis=1)], axis=1)
    abs_sum = np.concatenate([zero, np.cumsum(np.abs(filled), axis=1)], axis=1)
    target = origins + horizons

    hi = origins + 1
    lo = np.maximum(hi - day, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = (abs_sum[rows, hi] - abs_sum[rows, lo]) / (count[rows, hi] - count[rows, lo])
    scale = np.where(np.isfinite(scale) & (scale > 1e-9), scale, 1.0)

    k_day = -(-horizons // day)
    k_week = -(-horizons // week)
    day_lag = target - k_day * day
    same_slot = np.stack([_take(values, rows, day_lag - j * day) for j in range(7)], axis=1)
    with np.errstate(invalid="ignore"):
        slot_count = np.isfinite(same_slot).sum(axis=1)
        slot_mean = np.where(
            slot_count > 0, np.nansum(same_slot, axis=1) / np.maximum(slot_count, 1), np.nan
        )
    mean_day, std_day = _window_stats(csum, csq, count, rows, origins, day)
    mean_week, _ = _window_stats(csum, csq, count, rows, origins, week)
    prev_day_mean, _ = _window_stats(csum, csq, count, rows, origins - day, day)

    when_ns = panel.times[0].value + target.astype(np.int64) * panel.period.value
    day_ns = _DAY.value
    hour = (when_ns % day_ns) / 3.6e12
    day_of_week = (when_ns // day_ns + 3) % 7  # 1970-01-01 was a Thursday (Monday = 0)
    scaled = [
        _take(values, rows, origins),
        _take(values, rows, origins - 1),
        _take(values, rows, origins - 2),
        _take(values, rows, origins - 3),
        same_slot[:, 0],
        same_slot[:, 1],
        _take(values, rows, target - k_week * week),
        slot_mean,
        mean_day,
        std_day,
        mean_week,
        mean_day - prev_day_mean,
    ]
    out = np.empty((len(rows), len(LAG_FEATURE_NAMES)), dtype=np.float32)
    out[:, 0] = horizons
    out[:, 1] = hour
    out[:, 2] = day_of_week
    out[:, 3] = np.log(scale)
    for k, col in enumerate(scaled, start=4):
        out[:, k] = col / scale
    return out, scale, target
