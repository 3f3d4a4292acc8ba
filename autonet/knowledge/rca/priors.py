"""Alarm-type causal priors: a type -> type strength matrix in any of the usual shapes."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from autonet.knowledge.rca.hypothesis import RCAInputError

__all__ = ["normalize_priors"]


def normalize_priors(
    priors: Any, types: Sequence[str] | None = None
) -> dict[str, dict[str, float]]:
    """Priors as ``{cause_type: {effect_type: strength}}`` with strengths in [0, 1].

    Args:
        priors: None; a nested mapping cause -> effect -> strength; a ``DataFrame`` (index =
            cause, columns = effect); or a square array whose row ``i`` / column ``j`` is the
            type ``types[i]`` / ``types[j]`` (default ``"0"``, ``"1"``, ... as in the alarm
            logs of ../shared/data/alarms, whose alarm ids are the matrix indices).
        types: the type names of an array's rows and columns.

    Raises:
        RCAInputError: not square, names that do not match its size, or a strength outside
            [0, 1] or NaN (named by cause and effect).
    """
    if priors is None:
        return {}
    if isinstance(priors, pd.DataFrame):
        rows = {str(k): v for k, v in priors.rename(index=str, columns=str).iterrows()}
        nested: Mapping[str, Mapping[str, Any]] = {
            k: {str(c): x for c, x in v.items()} for k, v in rows.items()
        }
    elif isinstance(priors, Mapping):
        nested = {str(k): v for k, v in priors.items()}
        for cause, row in nested.items():
            if not isinstance(row, Mapping):
                raise RCAInputError(
                    f"priors[{cause!r}] is a {type(row).__name__}; expected a mapping "
                    "effect type -> strength"
                )
    else:
        arr = np.asarray(priors)
        if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
            raise RCAInputError(f"priors matrix has shape {arr.shape}; expected a square matrix")
        names = [str(t) for t in types] if types is not None else [str(i) for i in range(len(arr))]
        if len(names) != len(arr):
            raise RCAInputError(
                f"priors matrix is {len(arr)}x{len(arr)} but {len(names)} type names were given"
            )
        nested = {a: dict(zip(names, arr[i].tolist(), strict=True)) for i, a in enumerate(names)}
    out: dict[str, dict[str, float]] = {}
    for cause, row in nested.items():
        for effect, value in row.items():
            try:
                v = float(value)
            except (TypeError, ValueError):
                raise RCAInputError(
                    f"prior {cause!r} -> {effect!r} is {value!r}; expected a number in [0, 1]"
                ) from None
            if not math.isfinite(v) or not 0.0 <= v <= 1.0:
                raise RCAInputError(f"prior {cause!r} -> {effect!r} is {v!r}; expected [0, 1]")
            if v > 0:
                out.setdefault(cause, {})[str(effect)] = v
    return out
