"""Alarms, alarm-log rows and KPI anomalies, normalised into symptoms with times in seconds."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from autonet.knowledge.rca.hypothesis import RCAInputError, Symptom
from autonet.knowledge.rca.signatures import KPI_ANOMALY

__all__ = ["HUAWEI_COLUMNS", "TWIN_COLUMNS", "anomalies_to_symptoms", "to_seconds", "to_symptoms"]

TWIN_COLUMNS = ("alarm_type", "node", "raised_at")  # plus optional alarm_id
HUAWEI_COLUMNS = ("alarm_id", "device_id", "start_timestamp")  # alarm_id = the alarm TYPE
_EPOCH = datetime(1970, 1, 1)


def to_seconds(value: Any, where: str) -> float:
    """A time as float seconds: datetimes as epoch seconds, numbers as they are.

    Raises:
        RCAInputError: the value is missing, NaN or not a time (``where`` names the row/field).
    """
    if isinstance(value, datetime | pd.Timestamp):
        if pd.isna(value):
            raise RCAInputError(f"{where}: missing time")
        if value.tzinfo is None:
            return (value - _EPOCH).total_seconds()
        return (value.astimezone(UTC).replace(tzinfo=None) - _EPOCH).total_seconds()
    if isinstance(value, bool):
        raise RCAInputError(f"{where}: expected a time, got {value!r}")
    if isinstance(value, int | float | np.integer | np.floating):
        out = float(value)
        if not math.isfinite(out):
            raise RCAInputError(f"{where}: time is {value!r}; expected a finite number or datetime")
        return out
    if isinstance(value, str):
        text = value.strip()
        try:
            return float(text)
        except ValueError:
            pass
        try:
            return to_seconds(pd.Timestamp(text), where)
        except (ValueError, TypeError):
            raise RCAInputError(
                f"{where}: cannot read {value!r} as a time (expected ISO 8601 or seconds)"
            ) from None
    raise RCAInputError(f"{where}: expected a datetime or seconds, got {type(value).__name__}")


def _text(value: Any, where: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        raise RCAInputError(f"{where}: missing value")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if not text:
        raise RCAInputError(f"{where}: empty value")
    return text


def _frame_symptoms(frame: pd.DataFrame) -> list[Symptom]:
    cols = set(frame.columns)
    if set(TWIN_COLUMNS) <= cols:
        type_col, node_col, time_col = TWIN_COLUMNS
        id_col = "alarm_id" if "alarm_id" in cols else None
    elif set(HUAWEI_COLUMNS) <= cols:
        type_col, node_col, time_col = HUAWEI_COLUMNS
        id_col = None
    else:
        raise RCAInputError(
            f"alarm log columns {sorted(map(str, cols))} match no known format; expected "
            f"{list(TWIN_COLUMNS)} (+ optional alarm_id) or {list(HUAWEI_COLUMNS)}"
        )
    if id_col:
        ids = frame[id_col].tolist()
    elif pd.api.types.is_integer_dtype(frame.index):  # the row of the log (1-based), kept
        ids = [f"row{int(k) + 1}" for k in frame.index]  # through a window selection
    else:
        ids = [f"row{pos + 1}" for pos in range(len(frame))]
    out = []
    rows = zip(
        ids,
        frame[type_col].tolist(),
        frame[node_col].tolist(),
        frame[time_col].tolist(),
        strict=True,
    )
    for pos, (aid, atype, node, at) in enumerate(rows):
        where = f"alarm log row {pos + 1}"
        sid = _text(aid, f"{where}, field {id_col}") if id_col else str(aid)
        out.append(
            Symptom(
                sid,
                _text(atype, f"{where}, field {type_col}"),
                _text(node, f"{where}, field {node_col}"),
                to_seconds(at, f"{where}, field {time_col}"),
            )
        )
    return out


def to_symptoms(alarms: Any) -> list[Symptom]:
    """Normalise alarms: ``Alarm`` objects, mappings with the same fields, or an alarm-log frame.

    A frame is either the twin's log (``alarm_type, node, raised_at`` [, ``alarm_id``]) or the
    Huawei format of ../shared/data/alarms (``alarm_id`` = alarm type, ``device_id``,
    ``start_timestamp`` in seconds).

    Raises:
        RCAInputError: a field is missing or unreadable (the message names item and field).
    """
    if isinstance(alarms, pd.DataFrame):
        frame = alarms.rename(columns=str)
        return _frame_symptoms(frame)
    out = []
    for pos, item in enumerate(alarms):
        where = f"alarm {pos + 1}"
        rec = item if isinstance(item, Mapping) else _fields(item, where)
        missing = [k for k in TWIN_COLUMNS if k not in rec]
        if missing:
            raise RCAInputError(
                f"{where}: missing field(s) {missing}; expected {list(TWIN_COLUMNS)}"
            )
        sid = rec.get("alarm_id")
        out.append(
            Symptom(
                _text(sid, f"{where}, field alarm_id") if sid is not None else f"alarm{pos + 1}",
                _text(rec["alarm_type"], f"{where}, field alarm_type"),
                _text(rec["node"], f"{where}, field node"),
                to_seconds(rec["raised_at"], f"{where}, field raised_at"),
            )
        )
    return out


def _fields(item: Any, where: str) -> dict[str, Any]:
    names = ("alarm_id", "alarm_type", "node", "raised_at", "object", "time", "score", "kpis")
    rec = {k: getattr(item, k) for k in names if hasattr(item, k)}
    if not rec:
        raise RCAInputError(
            f"{where}: expected an Alarm, anomaly or mapping, got {type(item).__name__}"
        )
    return rec


def anomalies_to_symptoms(anomalies: Any) -> list[Symptom]:
    """Normalise KPI anomalies (``object, time, score`` [, ``kpis``]) into soft symptoms.

    The weight of an anomaly is ``score / (1 + score)``: 0.5 at score 1, tending to 1.

    Raises:
        RCAInputError: a field is missing, or a score is negative or not finite.
    """
    if anomalies is None:
        return []
    items: Iterable[Any]
    if isinstance(anomalies, pd.DataFrame):
        items = anomalies.rename(columns=str).to_dict("records")
    else:
        items = anomalies
    out = []
    for pos, item in enumerate(items):
        where = f"anomaly {pos + 1}"
        rec = item if isinstance(item, Mapping) else _fields(item, where)
        missing = [k for k in ("object", "time", "score") if k not in rec]
        if missing:
            raise RCAInputError(
                f"{where}: missing field(s) {missing}; expected object, time, score"
            )
        node = _text(rec["object"], f"{where}, field object")
        time_s = to_seconds(rec["time"], f"{where}, field time")
        try:
            score = float(rec["score"])
        except (TypeError, ValueError):
            raise RCAInputError(f"{where}: score {rec['score']!r} is not a number") from None
        if not math.isfinite(score) or score < 0:
            raise RCAInputError(f"{where}: score {score!r} must be finite and >= 0")
        kpis = rec.get("kpis") or ()
        label = ",".join(map(str, kpis)) if not isinstance(kpis, str) else kpis
        sid = f"anomaly:{node}@{time_s:g}" + (f"[{label}]" if label else "")
        out.append(Symptom(sid, KPI_ANOMALY, node, time_s, score / (1.0 + score)))
    return out
