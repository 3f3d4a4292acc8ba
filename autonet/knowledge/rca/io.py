"""Read the inputs of ``autonet rca``: an alarm-log CSV and a topology file."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from autonet.knowledge.rca.hypothesis import RCAInputError
from autonet.knowledge.rca.symptoms import HUAWEI_COLUMNS, TWIN_COLUMNS, to_seconds

__all__ = ["parse_window", "read_alarm_log", "read_topology", "select_window"]

_EDGE_COLUMNS = (("source", "target"), ("u", "v"), ("src", "dst"))


def read_alarm_log(path: str | Path) -> pd.DataFrame:
    """An alarm log CSV: twin format (``alarm_type, node, raised_at``) or Huawei format.

    Raises:
        FileNotFoundError: no such file.
        RCAInputError: not a CSV, or neither format's columns (named).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"alarm log {str(path)!r} does not exist")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise RCAInputError(f"alarm log {path.name}: not a readable CSV ({exc})") from None
    cols = set(frame.columns)
    if not (set(TWIN_COLUMNS) <= cols or set(HUAWEI_COLUMNS) <= cols):
        raise RCAInputError(
            f"alarm log {path.name}: columns {list(frame.columns)}; expected "
            f"{list(TWIN_COLUMNS)} (+ optional alarm_id) or {list(HUAWEI_COLUMNS)}"
        )
    return frame


def read_topology(path: str | Path) -> nx.Graph:
    """A topology: ``.npy`` adjacency (nodes ``"0".."n-1"``), ``.graphml``, or edge-list ``.csv``.

    An edge-list CSV has columns ``source,target`` (or ``u,v`` / ``src,dst``); other columns
    become edge attributes.

    Raises:
        FileNotFoundError: no such file.
        RCAInputError: unknown extension, a non-square / non-numeric matrix, a malformed file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"topology {str(path)!r} does not exist")
    suffix = path.suffix.lower()
    if suffix == ".npy":
        try:
            adj = np.load(path, allow_pickle=False)
        except (ValueError, OSError) as exc:
            raise RCAInputError(f"topology {path.name}: not a numpy array file ({exc})") from None
        if adj.ndim != 2 or adj.shape[0] != adj.shape[1] or adj.shape[0] == 0:
            raise RCAInputError(
                f"topology {path.name}: adjacency has shape {adj.shape}; expected a non-empty "
                "square matrix"
            )
        if not np.issubdtype(adj.dtype, np.number) or not np.all(np.isfinite(adj)):
            raise RCAInputError(f"topology {path.name}: adjacency must be finite numbers")
        G = nx.Graph()
        G.add_nodes_from(str(i) for i in range(adj.shape[0]))
        rows, cols = np.nonzero(adj)
        G.add_edges_from((str(i), str(j)) for i, j in zip(rows, cols, strict=True) if i != j)
        return G
    if suffix == ".graphml":
        try:
            return nx.Graph(nx.read_graphml(path))
        except (nx.NetworkXError, ValueError, KeyError) as exc:
            raise RCAInputError(f"topology {path.name}: not valid GraphML ({exc})") from None
    if suffix == ".csv":
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise RCAInputError(f"topology {path.name}: not a readable CSV ({exc})") from None
        pair = next((p for p in _EDGE_COLUMNS if set(p) <= set(frame.columns)), None)
        if pair is None:
            raise RCAInputError(
                f"topology {path.name}: columns {list(frame.columns)}; expected an edge list "
                "with source,target (or u,v / src,dst)"
            )
        G = nx.Graph()
        for pos, rec in enumerate(frame.to_dict("records")):
            u, v = rec.pop(pair[0]).strip(), rec.pop(pair[1]).strip()
            if not u or not v:
                raise RCAInputError(f"topology {path.name} row {pos + 1}: empty end point")
            G.add_edge(u, v, **{str(k): val for k, val in rec.items() if val != ""})
        if G.number_of_nodes() == 0:
            raise RCAInputError(f"topology {path.name}: no edges")
        return G
    raise RCAInputError(
        f"topology {path.name}: unknown extension {suffix!r}; expected .npy, .graphml or .csv"
    )


def parse_window(text: str) -> tuple[float | None, float | None]:
    """``START:END`` (seconds, or ISO times with ``/`` between them) -> bounds in seconds.

    Either side may be empty (open). ISO times contain ``:``, so ``START/END`` is accepted too.

    Raises:
        RCAInputError: not two bounds, unreadable bounds, or END before START.
    """
    sep = "/" if "/" in text else ":"
    parts = text.split(sep)
    if len(parts) != 2:
        raise RCAInputError(
            f"window {text!r}: expected START:END in seconds (e.g. 3600:7200) or "
            "START/END as ISO times"
        )
    start, end = (
        to_seconds(p, f"window {text!r} {name}") if p.strip() else None
        for p, name in zip(parts, ("start", "end"), strict=True)
    )
    if start is not None and end is not None and end < start:
        raise RCAInputError(f"window {text!r}: END is before START")
    return start, end


def select_window(frame: pd.DataFrame, start: float | None, end: float | None) -> pd.DataFrame:
    """The rows of an alarm log raised in ``[start, end]`` (seconds, as ``parse_window``).

    The index is kept, so symptoms read from the selection are named after the log's rows.
    """
    col = "raised_at" if "raised_at" in frame.columns else "start_timestamp"
    times = np.array(
        [
            to_seconds(v, f"alarm log row {i + 1}, field {col}")
            for i, v in enumerate(frame[col].tolist())
        ]
    )
    keep = np.ones(len(frame), dtype=bool)
    if start is not None:
        keep &= times >= start
    if end is not None:
        keep &= times <= end
    return frame.loc[keep]  # the index keeps the log's row numbers
