"""Import of a network topology: GraphML, edge-list CSV, or an adjacency matrix (.npy)."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Final

import networkx as nx
import numpy as np
import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from autonet.knowledge.io._base import Importer, ImportReport, ProgressCallback, Validated
from autonet.knowledge.io._read import check_columns, read_table
from autonet.knowledge.io.errors import ImportValidationError, RowError
from autonet.knowledge.memory.models import TopologyEdge, TopologyNode

__all__ = ["EDGE_LIST_COLUMNS", "TopologyImporter", "import_topology"]

# Edge-list CSV: required endpoints, then optional typed attributes (twin schema names).
EDGE_LIST_COLUMNS: Final[dict[str, str]] = {
    "source": "text",
    "target": "text",
    "relation": "text",
    "source_kind": "text",
    "target_kind": "text",
    "medium": "text",
    "link_id": "text",
    "capacity_mbps": "number",
    "latency_ms": "number",
    "distance_km": "number",
    "weight": "number",
    "overlap": "number",
}
_FORMATS: Final[dict[str, str]] = {
    ".graphml": "graphml",
    ".xml": "graphml",
    ".csv": "edgelist",
    ".tsv": "edgelist",
    ".npy": "adjacency",
}


def _json_safe(attrs: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in attrs.items():
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, float) and not math.isfinite(value):
            continue
        out[str(key)] = value if isinstance(value, str | int | float | bool) else str(value)
    return out


class TopologyImporter(Importer):
    """A topology: nodes (id, kind, attributes) and edges (endpoints, relation, attributes).

    Formats by suffix: ``.graphml``/``.xml`` (e.g. Topology Zoo; ``kind`` and ``relation``
    attributes are used when present), ``.csv``/``.tsv`` edge list (columns
    :data:`EDGE_LIST_COLUMNS`, ``source`` and ``target`` required), ``.npy`` square adjacency
    matrix (nodes ``"0" .. "n-1"``, as in the gCastle/Huawei alarm datasets; a symmetric matrix
    gives undirected edges). Self-loops, duplicate edges and endpoints without a name are refused.
    """

    kind = "topology"
    refuse_duplicate_file = False  # re-importing makes that topology the newest again

    def __init__(
        self,
        engine: Engine,
        *,
        file_format: str | None = None,
        chunk_size: int = 5_000,
        progress: ProgressCallback | None = None,
    ) -> None:
        super().__init__(engine, chunk_size=chunk_size, progress=progress)
        if file_format is not None and file_format not in set(_FORMATS.values()):
            raise ValueError(
                f"unknown topology format {file_format!r}: expected one of "
                f"{sorted(set(_FORMATS.values()))}"
            )
        self.file_format = file_format

    def validate(self, path: Path, session: Session) -> Validated:
        fmt = self.file_format or _FORMATS.get(path.suffix.lower())
        if fmt is None:
            raise ImportValidationError(
                str(path),
                [
                    RowError(
                        None,
                        None,
                        None,
                        f"unknown topology file type {path.suffix!r}: expected "
                        f"{', '.join(sorted(_FORMATS))}",
                    )
                ],
            )
        if fmt == "graphml":
            nodes, edges = _graphml(path)
        elif fmt == "adjacency":
            nodes, edges = _adjacency(path)
        else:
            nodes, edges = _edge_list(path)
        node_frame = pd.DataFrame(nodes, columns=["node_id", "kind", "attrs"])
        edge_frame = pd.DataFrame(edges, columns=["source", "target", "relation", "attrs"])
        return Validated(fmt, [(TopologyNode, node_frame), (TopologyEdge, edge_frame)])


def _fail(path: Path, reason: str) -> ImportValidationError:
    return ImportValidationError(str(path), [RowError(None, None, None, reason)])


def _graphml(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    try:
        graph = nx.read_graphml(path)
    except (ET.ParseError, nx.NetworkXError, KeyError, ValueError) as exc:
        raise _fail(path, f"not a valid GraphML file: {exc}") from exc
    if graph.number_of_nodes() == 0:
        raise _fail(path, "the graph has no nodes")
    nodes = []
    for node, attrs in graph.nodes(data=True):
        attrs = dict(attrs)
        kind = attrs.pop("kind", None)
        nodes.append({"node_id": str(node), "kind": kind, "attrs": _json_safe(attrs)})
    edges, errors = [], []
    for index, (u, v, attrs) in enumerate(graph.edges(data=True)):
        if u == v:
            errors.append(
                RowError(index + 1, "edge", f"{u}-{v}", "self-loop: an edge needs two nodes")
            )
            continue
        attrs = dict(attrs)
        relation = attrs.pop("relation", None)
        attrs.pop("id", None)
        edges.append(
            {"source": str(u), "target": str(v), "relation": relation, "attrs": _json_safe(attrs)}
        )
    if errors:
        raise ImportValidationError(str(path), errors)
    return nodes, edges


def _adjacency(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    try:
        matrix = np.load(path, allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise _fail(path, f"not a readable .npy array: {exc}") from exc
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] == 0:
        raise _fail(path, f"expected a non-empty square adjacency matrix, got shape {matrix.shape}")
    if not np.issubdtype(matrix.dtype, np.number) and matrix.dtype != bool:
        raise _fail(path, f"expected a numeric matrix, got dtype {matrix.dtype}")
    matrix = matrix.astype(float)
    bad = np.argwhere(~np.isfinite(matrix))
    if len(bad):
        raise ImportValidationError(
            str(path),
            [
                RowError(int(i) + 1, f"column {int(j)}", "nan", "not a finite number")
                for i, j in bad
            ],
        )
    loops = np.flatnonzero(np.diag(matrix) != 0)
    if len(loops):
        raise ImportValidationError(
            str(path),
            [
                RowError(int(i) + 1, f"column {int(i)}", None, "self-loop on the diagonal")
                for i in loops
            ],
        )
    n = matrix.shape[0]
    symmetric = bool(np.array_equal(matrix, matrix.T))
    pairs = np.argwhere(np.triu(matrix) != 0) if symmetric else np.argwhere(matrix != 0)
    nodes: list[dict[str, Any]] = [{"node_id": str(i), "kind": None, "attrs": {}} for i in range(n)]
    edges = [
        {
            "source": str(int(i)),
            "target": str(int(j)),
            "relation": None,
            "attrs": {"weight": float(matrix[i, j]), "directed": not symmetric},
        }
        for i, j in pairs
    ]
    return nodes, edges


def _edge_list(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    table = read_table(path)
    check_columns(table, required=("source", "target"), optional=tuple(EDGE_LIST_COLUMNS)[2:])
    columns: dict[str, np.ndarray] = {}
    for name, kind in EDGE_LIST_COLUMNS.items():
        if name not in table.frame:
            continue
        if kind == "number":
            columns[name] = table.number(name, required=False, minimum=0)
        else:
            columns[name] = table.text(name, required=name in ("source", "target"))
    src, dst = columns["source"], columns["target"]
    table.add(np.flatnonzero((src == dst) & (src != "")), "target", "self-loop: equals source")
    seen: dict[tuple[str, str], int] = {}
    for i, (u, v) in enumerate(zip(src.tolist(), dst.tolist(), strict=True)):
        key = (min(u, v), max(u, v))
        if u and v and key in seen:
            table.add([i], "target", f"duplicate edge {u}-{v} (row {seen[key] + 1})")
        seen.setdefault(key, i)
    kinds: dict[str, str] = {}
    for end in ("source", "target"):
        if f"{end}_kind" not in columns:
            continue
        for i, (node, kind) in enumerate(zip(columns[end], columns[f"{end}_kind"], strict=True)):
            if kind and kinds.setdefault(node, kind) != kind:
                table.add([i], f"{end}_kind", f"node {node!r} was given kind {kinds[node]!r}")
    table.raise_if_errors()
    attr_names = [n for n in columns if n not in ("source", "target", "relation")]
    attr_names = [n for n in attr_names if not n.endswith("_kind")]
    edges: list[dict[str, Any]] = []
    for i in range(len(src)):
        attrs = {n: columns[n][i] for n in attr_names if columns[n][i] not in ("", None)}
        edges.append(
            {
                "source": src[i],
                "target": dst[i],
                "relation": (columns["relation"][i] or None) if "relation" in columns else None,
                "attrs": _json_safe(attrs),
            }
        )
    order = dict.fromkeys([*src.tolist(), *dst.tolist()])
    nodes: list[dict[str, Any]] = [{"node_id": n, "kind": kinds.get(n), "attrs": {}} for n in order]
    return nodes, edges


def import_topology(
    engine: Engine,
    path: str | Path,
    *,
    file_format: str | None = None,
    progress: ProgressCallback | None = None,
) -> ImportReport:
    """Import a topology file; all or nothing. See :class:`TopologyImporter`."""
    return TopologyImporter(engine, file_format=file_format, progress=progress).run(path)
