"""Alarm logs, device topologies and causal priors: reading and validating them."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from autonet.errors import BadInputError

__all__ = [
    "ALARM_COLUMNS",
    "AlarmDataError",
    "AlarmLog",
    "load_alarm_log",
    "read_alarms",
    "read_prior",
    "read_topology",
    "validate_prior",
    "validate_topology",
]

logger = logging.getLogger(__name__)

#: Columns an alarm log must have (``end_timestamp`` is optional and unused by the learner).
ALARM_COLUMNS = ("alarm_id", "device_id", "start_timestamp")


class AlarmDataError(BadInputError):
    """An alarm log, topology or prior is malformed; the message names the file, row or field."""


@dataclass(frozen=True)
class AlarmLog:
    """A validated alarm log on a device topology.

    Attributes:
        types: Alarm-type index of each event (``int64``), an index into ``labels``.
        devices: Device index of each event (``int64``), a row of ``topology``.
        times: Start time of each event in seconds (``float64``).
        labels: Alarm-type labels in matrix order (the input's alarm ids).
        topology: Symmetric 0/1 device adjacency matrix (``n_devices x n_devices``).
        prior: Optional ``n_types x n_types`` matrix: 1 required, 0 forbidden, -1 unknown.
    """

    types: np.ndarray
    devices: np.ndarray
    times: np.ndarray
    labels: tuple[str, ...]
    topology: np.ndarray
    prior: np.ndarray | None = None

    @property
    def n_types(self) -> int:
        """Number of alarm types (rows of the causal matrix)."""
        return len(self.labels)

    @property
    def n_devices(self) -> int:
        """Number of devices in the topology."""
        return int(self.topology.shape[0])

    @property
    def n_events(self) -> int:
        """Number of events in the log."""
        return int(self.types.shape[0])


def read_alarms(path: str | Path) -> pd.DataFrame:
    """Read an alarm log CSV (``alarm_id, device_id, start_timestamp[, end_timestamp]``).

    Raises:
        FileNotFoundError: The file does not exist.
        AlarmDataError: The file is not a readable CSV or lacks a required column.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"alarm log {path} does not exist")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise AlarmDataError(f"{path}: not a readable CSV alarm log ({exc})") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    _check_columns(frame, str(path))
    return frame


def _check_columns(frame: pd.DataFrame, source: str) -> None:
    missing = [c for c in ALARM_COLUMNS if c not in frame.columns]
    if missing:
        raise AlarmDataError(
            f"{source}: missing column(s) {', '.join(missing)}; expected columns "
            f"{', '.join(ALARM_COLUMNS)} (found: {', '.join(map(str, frame.columns)) or 'none'})"
        )
    if len(frame) == 0:
        raise AlarmDataError(f"{source}: the alarm log has no events")


def _numeric_column(frame: pd.DataFrame, column: str, source: str, *, integer: bool) -> np.ndarray:
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if integer:
        bad |= np.isfinite(values) & ((values != np.round(values)) | (values < 0))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        kind = "a non-negative integer" if integer else "a finite number (seconds)"
        # +2: header line plus 1-based numbering, so the number matches the file's line.
        raise AlarmDataError(
            f"{source}: row {row + 1} (line {row + 2}), field {column}: {raw.iloc[row]!r} is not "
            f"{kind}; {int(bad.sum())} bad value(s) in that column"
        )
    return values


def _type_codes(
    frame: pd.DataFrame, source: str, n_types: int | None
) -> tuple[np.ndarray, tuple[str, ...]]:
    raw = frame["alarm_id"].astype(str).str.strip()
    numeric = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    if np.isfinite(numeric).all() and (numeric == np.round(numeric)).all() and (numeric >= 0).all():
        codes = numeric.astype(np.int64)
        size = int(codes.max()) + 1 if n_types is None else n_types
        if codes.max() >= size:
            row = int(np.argmax(codes))
            raise AlarmDataError(
                f"{source}: row {row + 1} (line {row + 2}), field alarm_id: {codes[row]} is "
                f"outside the prior's {size} alarm types (expected 0..{size - 1})"
            )
        return codes, tuple(str(i) for i in range(size))
    if (raw == "").any():
        row = int(np.flatnonzero((raw == "").to_numpy())[0])
        raise AlarmDataError(f"{source}: row {row + 1} (line {row + 2}), field alarm_id is empty")
    labels = tuple(sorted(set(raw)))
    if n_types is not None and len(labels) != n_types:
        raise AlarmDataError(
            f"{source}: {len(labels)} distinct alarm labels but the prior is {n_types}x{n_types}"
        )
    lookup = {label: i for i, label in enumerate(labels)}
    return raw.map(lookup).to_numpy(dtype=np.int64), labels


def validate_topology(matrix: np.ndarray, source: str = "topology") -> np.ndarray:
    """Check a device adjacency matrix and return it as a symmetric 0/1 ``int8`` array.

    Raises:
        AlarmDataError: Not two-dimensional, not square, or holding non-finite/negative values.
    """
    array = np.asarray(matrix)
    if array.ndim != 2 or array.shape[0] != array.shape[1] or array.shape[0] == 0:
        raise AlarmDataError(
            f"{source}: expected a square device adjacency matrix, got shape {array.shape}"
        )
    if not np.issubdtype(array.dtype, np.number) and array.dtype != bool:
        raise AlarmDataError(f"{source}: expected numbers, got dtype {array.dtype}")
    values = array.astype(float)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        i, j = (int(v) for v in np.argwhere(bad)[0])
        raise AlarmDataError(
            f"{source}: entry [{i}, {j}] = {array[i, j].item()!r}; "
            "expected 0 (no link) or a positive weight"
        )
    adjacency = (values > 0) | (values.T > 0)
    np.fill_diagonal(adjacency, False)
    return adjacency.astype(np.int8)


def read_topology(path: str | Path) -> np.ndarray:
    """Read a device topology: a square ``.npy`` matrix, or a CSV adjacency matrix / edge list.

    A CSV is an edge list when its header names two columns ``source`` and ``target`` (device
    indices); otherwise it must be a square numeric matrix without a header.

    Raises:
        FileNotFoundError: The file does not exist.
        AlarmDataError: The content is not a valid topology.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"topology {path} does not exist")
    if path.suffix.lower() == ".npy":
        try:
            matrix = np.load(path, allow_pickle=False)
        except (ValueError, OSError) as exc:
            raise AlarmDataError(f"{path}: not a readable .npy matrix ({exc})") from exc
        return validate_topology(matrix, str(path))
    if path.suffix.lower() != ".csv":
        raise AlarmDataError(f"{path}: expected a .npy or .csv topology, got '{path.suffix}'")
    try:
        frame = pd.read_csv(path, header=None, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise AlarmDataError(f"{path}: not a readable CSV topology ({exc})") from exc
    header = [str(v).strip().lower() for v in frame.iloc[0]]
    if header[:2] == ["source", "target"]:
        return _edge_list(frame.iloc[1:, :2].reset_index(drop=True), str(path))
    numeric = frame.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    if np.isnan(numeric).any():
        i, j = (int(v) for v in np.argwhere(np.isnan(numeric))[0])
        raise AlarmDataError(
            f"{path}: row {i + 1}, column {j + 1}: {frame.iat[i, j]!r} is not a number; expected a "
            "square 0/1 matrix without header, or an edge list with header 'source,target'"
        )
    return validate_topology(numeric, str(path))


def _edge_list(frame: pd.DataFrame, source: str) -> np.ndarray:
    ends = frame.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(ends) | (ends < 0) | (ends != np.round(ends))
    if bad.any():
        i, j = (int(v) for v in np.argwhere(bad)[0])
        field = ("source", "target")[j]
        raise AlarmDataError(
            f"{source}: row {i + 1} (line {i + 2}), field {field}: {frame.iat[i, j]!r} is not a "
            "device index (non-negative integer)"
        )
    if len(ends) == 0:
        raise AlarmDataError(f"{source}: the edge list has no rows")
    edges = ends.astype(np.int64)
    size = int(edges.max()) + 1
    matrix = np.zeros((size, size), dtype=np.int8)
    matrix[edges[:, 0], edges[:, 1]] = 1
    return validate_topology(matrix, source)


def validate_prior(
    matrix: np.ndarray, n_types: int | None = None, source: str = "prior"
) -> np.ndarray:
    """Check a causal prior (1 required, 0 forbidden, -1 unknown) and return it as ``int8``.

    Raises:
        AlarmDataError: Wrong shape or values other than -1, 0 and 1.
    """
    array = np.asarray(matrix)
    if array.ndim != 2 or array.shape[0] != array.shape[1]:
        raise AlarmDataError(
            f"{source}: expected a square alarm-type matrix, got shape {array.shape}"
        )
    if n_types is not None and array.shape[0] != n_types:
        raise AlarmDataError(
            f"{source}: shape {array.shape} does not match the {n_types} alarm types of the log"
        )
    if not np.issubdtype(array.dtype, np.number):
        raise AlarmDataError(f"{source}: expected numbers, got dtype {array.dtype}")
    bad = ~np.isin(array, (-1, 0, 1))
    if bad.any():
        i, j = (int(v) for v in np.argwhere(bad)[0])
        raise AlarmDataError(
            f"{source}: entry [{i}, {j}] = {array[i, j].item()!r}; expected 1 (required), "
            "0 (forbidden) or -1 (unknown)"
        )
    prior = array.astype(np.int8)
    both = (prior == 1) & (prior.T == 1)
    if both.any():
        i, j = (int(v) for v in np.argwhere(both)[0])
        raise AlarmDataError(f"{source}: edges {i}->{j} and {j}->{i} are both required (a cycle)")
    return prior


def read_prior(path: str | Path, n_types: int | None = None) -> np.ndarray:
    """Read a ``.npy`` causal prior (row = cause, column = effect).

    Raises:
        FileNotFoundError: The file does not exist.
        AlarmDataError: Not a readable matrix or invalid (see :func:`validate_prior`).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"prior {path} does not exist")
    try:
        matrix = np.load(path, allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise AlarmDataError(f"{path}: not a readable .npy matrix ({exc})") from exc
    return validate_prior(matrix, n_types, str(path))


def load_alarm_log(
    alarms: str | Path | pd.DataFrame,
    topology: str | Path | np.ndarray,
    prior: str | Path | np.ndarray | None = None,
) -> AlarmLog:
    """Read and cross-check an alarm log, its device topology and an optional prior.

    Alarm ids that are non-negative integers index the causal matrix directly (type ``k`` is
    row/column ``k``, as in the Huawei data sets); other labels are sorted. Device ids must be
    row indices of the topology.

    Raises:
        FileNotFoundError: A file does not exist.
        AlarmDataError: Anything malformed; the message names the file, row and field.
    """
    source = str(alarms) if not isinstance(alarms, pd.DataFrame) else "alarm log"
    if isinstance(alarms, pd.DataFrame):
        frame = alarms.copy()
        frame.columns = [str(c).strip() for c in frame.columns]
        _check_columns(frame, source)
        frame = frame.reset_index(drop=True)
    else:
        frame = read_alarms(alarms)
    if isinstance(topology, np.ndarray):
        topo = validate_topology(topology)
    else:
        topo = read_topology(topology)
    prior_matrix: np.ndarray | None
    if prior is None:
        prior_matrix = None
    elif isinstance(prior, np.ndarray):
        prior_matrix = validate_prior(prior)
    else:
        prior_matrix = read_prior(prior)
    n_types = None if prior_matrix is None else int(prior_matrix.shape[0])
    types, labels = _type_codes(frame, source, n_types)
    devices = _numeric_column(frame, "device_id", source, integer=True).astype(np.int64)
    times = _numeric_column(frame, "start_timestamp", source, integer=False)
    outside = devices >= topo.shape[0]
    if outside.any():
        row = int(np.flatnonzero(outside)[0])
        raise AlarmDataError(
            f"{source}: row {row + 1} (line {row + 2}), field device_id: device {devices[row]} is "
            f"not in the topology (it has {topo.shape[0]} devices, indices 0..{topo.shape[0] - 1})"
        )
    order = np.lexsort((types, times))
    logger.info(
        "alarm log: %d events, %d types, %d devices", len(times), len(labels), topo.shape[0]
    )
    return AlarmLog(
        types=types[order],
        devices=devices[order],
        times=times[order],
        labels=labels,
        topology=topo,
        prior=prior_matrix,
    )
