"""Inputs of slice admission: worst-case cell capacity and transport routes over live links."""

from __future__ import annotations

import itertools
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Sequence

import networkx as nx
import numpy as np
from numpy.typing import NDArray

from autonet.twin.radio import RadioModel
from autonet.twin.state import CompiledTopology, TwinState

__all__ = ["link_graph", "link_routes", "routes_to", "sizing_capacity_dl"]


def sizing_capacity_dl(
    topo: CompiledTopology, state: TwinState, radio: RadioModel
) -> NDArray[np.float64]:
    """DL capacity each cell keeps when every neighbour transmits at full load (Mbit/s).

    Slice PRB shares are sized on it so that a guarantee holds at any neighbour load. It
    applies the engine's SINR model (``autonet.twin.physics``) with neighbour utilisation 1:
    nominal SINR, TX power and downtilt gains, interference ``10 log10(1 + K sum_j overlap_ij
    emission_j)`` and the fault's extra interference, at the cell's usable PRBs. Sleep and
    outages are ignored here (admission reports them as coverage problems).
    """
    tilt_dev = (state.cell_tilt_deg - topo.cell_tilt_deg).astype(np.float64)
    tx_ratio = np.maximum(state.cell_tx_w, 1e-3).astype(np.float64) / topo.cell_max_tx_w
    emission = tx_ratio * (1.0 + radio.uptilt_emission_gain * np.maximum(-tilt_dev, 0.0))
    rows = np.repeat(np.arange(topo.n_cells), np.diff(topo.nbr_ptr))
    interf = np.bincount(
        rows, weights=topo.nbr_overlap * emission[topo.nbr_idx], minlength=topo.n_cells
    )
    sinr = (
        radio.nominal_sinr_db(topo.cell_area)
        + radio.tx_sinr_gain * 10.0 * np.log10(tx_ratio)
        + np.minimum(radio.downtilt_sinr_gain_db * np.maximum(tilt_dev, 0.0), 3.0)
        - 10.0 * np.log10(1.0 + radio.coupling * interf)
        - state.cell_interference_db
    )
    se = radio.spectral_efficiency(sinr)
    return np.asarray(state.cell_prbs * topo.cell_prb_bits_dl * se / 1e6, dtype=np.float64)


#: Link graphs by compiled topology, keyed by the links that are up and the links avoided:
#: building one costs tens of ms at 10k cells and every what-if reroute asks for it again.
_GraphCache = OrderedDict[tuple[bytes, frozenset[int]], nx.Graph]
_GRAPHS: weakref.WeakKeyDictionary[CompiledTopology, _GraphCache] = weakref.WeakKeyDictionary()
_GRAPHS_PER_TOPOLOGY = 16


def link_graph(
    topo: CompiledTopology, link_up: NDArray[np.bool_], *, avoid: Iterable[int] = ()
) -> nx.Graph:
    """The transport layer as a networkx graph over transport-node indices.

    Only links that are up and not in ``avoid`` are edges; each carries ``link`` (its index)
    and ``latency_ms``. The graph is cached per topology and link state and shared between
    callers: treat it as read-only.
    """
    skip = frozenset(int(i) for i in avoid)
    key = (np.asarray(link_up, dtype=np.bool_).tobytes(), skip)
    cache = _GRAPHS.setdefault(topo, OrderedDict())
    hit = cache.get(key)
    if hit is not None:
        cache.move_to_end(key)
        return hit
    G = nx.Graph()
    G.add_nodes_from(range(len(topo.tnode_ids)))
    for i in np.flatnonzero(link_up).tolist():
        if i not in skip:
            G.add_edge(
                int(topo.link_u[i]),
                int(topo.link_v[i]),
                link=i,
                latency_ms=float(topo.link_latency_ms[i]),
            )
    cache[key] = G
    if len(cache) > _GRAPHS_PER_TOPOLOGY:
        cache.popitem(last=False)
    return G


def routes_to(G: nx.Graph, dst: int, srcs: Sequence[int]) -> list[list[int] | None]:
    """Lowest-latency link paths from each of ``srcs`` to ``dst`` (source end first)."""
    memo = G.graph.setdefault("_paths_to", {})  # the graph is cached and read-only
    paths = memo.get(int(dst))
    if paths is None:
        _, paths = nx.single_source_dijkstra(G, dst, weight="latency_ms")
        memo[int(dst)] = paths
    out: list[list[int] | None] = []
    for s in srcs:
        nodes = paths.get(int(s))
        if nodes is None:
            out.append(None)
            continue
        hops = [int(G.edges[a, b]["link"]) for a, b in itertools.pairwise(nodes)]
        out.append(hops[::-1])
    return out


def link_routes(
    topo: CompiledTopology,
    link_up: NDArray[np.bool_],
    dst: int,
    srcs: Sequence[int],
    *,
    avoid: Iterable[int] = (),
) -> list[list[int] | None]:
    """``routes_to(link_graph(topo, link_up, avoid=avoid), dst, srcs)`` on scipy's compiled
    Dijkstra: the lowest-latency link paths from each of ``srcs`` to transport node ``dst``
    (source end first; None when unreachable). Milliseconds instead of tens at 10k cells.

    As in :func:`link_graph`, parallel links between two nodes count once (the last one).
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    n = len(topo.tnode_ids)
    use = np.asarray(link_up, dtype=np.bool_).copy()
    skip = [int(i) for i in avoid]
    if skip:
        use[skip] = False
    idx = np.flatnonzero(use)
    u = topo.link_u[idx].astype(np.int64)
    v = topo.link_v[idx].astype(np.int64)
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    pair = lo * n + hi
    _, last = np.unique(pair[::-1], return_index=True)  # the last link of each node pair
    keep = np.sort(len(pair) - 1 - last)
    idx, lo, hi = idx[keep], lo[keep], hi[keep]
    weight = np.maximum(topo.link_latency_ms[idx].astype(np.float64), 1e-12)
    graph = csr_matrix(
        (np.concatenate([weight, weight]), (np.concatenate([lo, hi]), np.concatenate([hi, lo]))),
        shape=(n, n),
    )
    _, pred = dijkstra(graph, directed=False, indices=int(dst), return_predecessors=True)
    codes = lo * n + hi
    order = np.argsort(codes)
    codes, links = codes[order], idx[order]
    # walk every source toward dst in lock step: one vectorised hop per round
    node = np.asarray([int(s) for s in srcs], dtype=np.int64)
    ok = (node == int(dst)) | (pred[node] >= 0) if len(node) else np.zeros(0, np.bool_)
    hops: list[list[int]] = [[] for _ in range(len(node))]
    live = np.flatnonzero(ok & (node != int(dst)))
    while live.size:
        here = node[live]
        nxt = pred[here].astype(np.int64)
        key = np.minimum(here, nxt) * n + np.maximum(here, nxt)
        link = links[np.searchsorted(codes, key)]
        for k, lk in zip(live.tolist(), link.tolist(), strict=True):
            hops[k].append(int(lk))
        node[live] = nxt
        live = live[nxt != int(dst)]
    return [h if good else None for h, good in zip(hops, ok.tolist(), strict=True)]
