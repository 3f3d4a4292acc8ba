"""Compile a topology graph into the flat, read-only arrays the engine steps over."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import networkx as nx
import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from autonet.twin.radio import TDD_BANDS, RadioModel
from autonet.twin.state import AREA_CODES, UPF_TIERS, CompiledTopology
from autonet.twin.validate import TopologyError, validate_topology

__all__ = ["compile_topology", "route_sites", "shortest_link_path"]

_EPS_MS = 1e-6  # csgraph drops explicit zeros: keep zero-latency links as edges


def _by_kind(G: nx.Graph) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {k: [] for k in ("site", "cell", "router", "dc", "nf")}
    for node, kind in G.nodes(data="kind"):
        out.setdefault(kind, []).append(node)
    for nodes in out.values():
        nodes.sort(key=str)
    return out


def _f32(values: Iterable[Any]) -> NDArray[np.float32]:
    return np.fromiter(values, dtype=np.float32)


def compile_topology(
    G: nx.Graph, *, radio: RadioModel | None = None, validate: bool = True
) -> CompiledTopology:
    """Turn a schema graph into a :class:`CompiledTopology`.

    Cells are ordered by id (so ``S0001-C1, S0001-C2, ...``); the neighbour relation becomes a
    symmetric CSR; each site's backhaul path is the lowest-latency path over transport links
    from its access router to the data centre of its UPF, the UPF nearest by latency (ties
    prefer an edge UPF).

    Args:
        G: Topology graph in the schema of :mod:`autonet.twin.schema`. Never mutated.
        radio: Radio constants for nominal capacities (default :class:`RadioModel`).
        validate: Run ``validate_topology`` first (turn off only for graphs already checked).

    Raises:
        TopologyError: The graph breaks the schema or a site cannot reach a UPF.
    """
    if validate:
        validate_topology(G)
    radio = radio or RadioModel()
    nodes = _by_kind(G)
    cell_ids = [str(c) for c in nodes["cell"]]
    site_ids = [str(s) for s in nodes["site"]]
    cell_index = {c: i for i, c in enumerate(cell_ids)}
    site_index = {s: i for i, s in enumerate(site_ids)}
    cd = [G.nodes[c] for c in nodes["cell"]]
    sd = [G.nodes[s] for s in nodes["site"]]

    cell_site = np.fromiter((site_index[str(d["site"])] for d in cd), np.int32, len(cd))
    cell_area = np.fromiter((AREA_CODES[d["area"]] for d in cd), np.int8, len(cd))
    cell_band = [str(d["band"]) for d in cd]
    cell_tdd = np.fromiter((b in TDD_BANDS for b in cell_band), np.bool_, len(cd))
    bandwidth = _f32(d["bandwidth_mhz"] for d in cd)
    prbs = np.fromiter((d["prbs"] for d in cd), np.int32, len(cd))
    bits_dl, bits_ul = radio.prb_bits(bandwidth, prbs, cell_tdd)
    sinr0 = radio.nominal_sinr_db(cell_area)
    cap_dl = prbs * bits_dl * radio.spectral_efficiency(sinr0) / 1e6
    cap_ul = prbs * bits_ul * radio.spectral_efficiency(sinr0 + radio.ul_sinr_offset_db) / 1e6

    nbr_edges: list[tuple[Any, Any, float, Any]] = []
    link_edges: list[tuple[Any, Any, dict[str, Any]]] = []
    for u, v, d in G.edges(data=True):  # one pass over the (large) edge set
        rel = d.get("relation")
        if rel == "neighbour":
            nbr_edges.append((u, v, d["overlap"], d.get("overlap_from")))
        elif rel == "link":
            link_edges.append((u, v, d))
    nbr_ptr, nbr_idx, nbr_overlap = _neighbours(nbr_edges, cell_index)
    order = np.argsort(cell_site, kind="stable").astype(np.int32)
    site_cell_ptr = np.zeros(len(site_ids) + 1, dtype=np.int64)
    np.cumsum(np.bincount(cell_site, minlength=len(site_ids)), out=site_cell_ptr[1:])

    tnode_ids = [str(n) for n in nodes["router"] + nodes["dc"]]
    tnode_index = {n: i for i, n in enumerate(tnode_ids)}
    links = sorted(link_edges, key=lambda e: str(e[2]["link_id"]))
    link_ids = [str(d["link_id"]) for _, _, d in links]
    link_u = np.fromiter((tnode_index[str(u)] for u, _, _ in links), np.int32, len(links))
    link_v = np.fromiter((tnode_index[str(v)] for _, v, _ in links), np.int32, len(links))
    link_cap = _f32(d["capacity_mbps"] for _, _, d in links)
    link_lat = _f32(d["latency_ms"] for _, _, d in links)

    upfs = [n for n in nodes["nf"] if G.nodes[n]["nf_type"] == "UPF"]
    upf_ids = [str(n) for n in upfs]
    upf_dc = np.fromiter((tnode_index[str(G.nodes[n]["dc"])] for n in upfs), np.int32, len(upfs))
    upf_tier = np.fromiter(
        (UPF_TIERS[G.nodes[G.nodes[n]["dc"]]["tier"]] for n in upfs), np.int8, len(upfs)
    )
    site_router = np.fromiter((tnode_index[str(d["router"])] for d in sd), np.int32, len(sd))

    site_upf, path_ptr, path_idx, reach = route_sites(
        len(tnode_ids), link_u, link_v, link_lat, upf_dc, upf_tier, site_router
    )
    if not reach.all():
        bad = site_ids[int(np.argmin(reach))]
        raise TopologyError(f"site {bad!r}: no transport path to any UPF's data centre")

    return CompiledTopology(
        graph=G,
        cell_ids=cell_ids,
        cell_index=cell_index,
        cell_site=cell_site,
        cell_area=cell_area,
        cell_sector=np.fromiter((d["sector"] for d in cd), np.int8, len(cd)),
        cell_band=cell_band,
        cell_tdd=cell_tdd,
        cell_freq_mhz=_f32(d["freq_mhz"] for d in cd),
        cell_prbs=prbs,
        cell_bandwidth_mhz=bandwidth,
        cell_max_tx_w=_f32(d["max_tx_w"] for d in cd),
        cell_tilt_deg=_f32(d["tilt_deg"] for d in cd),
        cell_azimuth_deg=_f32(d["azimuth_deg"] for d in cd),
        cell_x_km=_f32(d["x_km"] for d in cd),
        cell_y_km=_f32(d["y_km"] for d in cd),
        cell_prb_bits_dl=bits_dl.astype(np.float32),
        cell_prb_bits_ul=bits_ul.astype(np.float32),
        cell_capacity_dl_mbps=cap_dl.astype(np.float32),
        cell_capacity_ul_mbps=cap_ul.astype(np.float32),
        nbr_ptr=nbr_ptr,
        nbr_idx=nbr_idx,
        nbr_overlap=nbr_overlap,
        site_ids=site_ids,
        site_index=site_index,
        site_area=np.fromiter((AREA_CODES[d["area"]] for d in sd), np.int8, len(sd)),
        site_router=site_router,
        site_cell_ptr=site_cell_ptr,
        site_cell_idx=order,
        tnode_ids=tnode_ids,
        tnode_index=tnode_index,
        link_ids=link_ids,
        link_index={lid: i for i, lid in enumerate(link_ids)},
        link_u=link_u,
        link_v=link_v,
        link_capacity_mbps=link_cap,
        link_latency_ms=link_lat,
        path_ptr=path_ptr,
        path_idx=path_idx,
        site_upf=site_upf,
        upf_ids=upf_ids,
        upf_index={u: i for i, u in enumerate(upf_ids)},
        upf_dc=upf_dc,
        upf_capacity_mbps=_f32(G.nodes[n]["capacity_mbps"] for n in upfs),
        upf_instances=np.fromiter((G.nodes[n]["instances"] for n in upfs), np.int32, len(upfs)),
        upf_tier=upf_tier,
        **_layer_arrays(cd, cell_index),
    )


def _layer_arrays(cd: list[dict[str, Any]], cell_index: dict[str, int]) -> dict[str, Any]:
    """Demand split of dual-layer sectors (``demand_share``, ``partner``); empty if none."""
    if not any("demand_share" in d for d in cd):
        return {}
    share = _f32(d.get("demand_share", 1.0) for d in cd)
    of = np.arange(len(cd), dtype=np.int32)
    for i, d in enumerate(cd):
        if d.get("layer") == "coverage":  # one per-sector draw: the capacity cell's
            of[i] = cell_index[str(d["partner"])]
    return {"cell_demand_share": share, "cell_demand_of": of}


def route_sites(
    n_tnodes: int,
    link_u: NDArray[np.int32],
    link_v: NDArray[np.int32],
    link_latency_ms: NDArray[np.float32],
    upf_dc: NDArray[np.int32],
    upf_tier: NDArray[np.int8],
    site_router: NDArray[np.int32],
) -> tuple[NDArray[np.int32], NDArray[np.int64], NDArray[np.int32], NDArray[np.bool_]]:
    """Home every site on the UPF nearest by latency and find its backhaul path.

    The one routing rule of the twin, shared by :func:`compile_topology` and the transport
    dimensioning: lowest-latency path over the links from the site's access router to the
    data centre of the nearest UPF (an edge UPF wins a tie).

    Args:
        n_tnodes: Transport nodes (routers and data centres), indexed ``0..n_tnodes-1``.
        link_u: One end of each link (transport-node index).
        link_v: The other end.
        link_latency_ms: One-way latency of each link.
        upf_dc: Transport-node index of each UPF's data centre.
        upf_tier: Tier code of each UPF (``UPF_TIERS``: central 0, edge 1).
        site_router: Transport-node index of each site's access router.

    Returns:
        ``(site_upf, path_ptr, path_idx, reachable)``: the UPF of each site, its path as CSR of
        link indices (access end first) and whether any UPF is reachable (``False``: empty path).
    """
    weights = csr_matrix(
        (
            np.concatenate([link_latency_ms, link_latency_ms]).astype(np.float64) + _EPS_MS,
            (np.concatenate([link_u, link_v]), np.concatenate([link_v, link_u])),
        ),
        shape=(n_tnodes, n_tnodes),
    )
    n_sites = len(site_router)
    if len(upf_dc) == 0:
        empty = np.zeros(n_sites, np.int32)
        return empty, np.zeros(n_sites + 1, np.int64), np.zeros(0, np.int32), empty > 0
    dcs = np.unique(upf_dc)
    dist, pred = dijkstra(weights, directed=False, indices=dcs, return_predecessors=True)
    dist_to_upf = dist[np.searchsorted(dcs, upf_dc)][:, site_router]  # (n_upfs, n_sites)
    # Nearest UPF by latency; an edge UPF wins a tie (rank: distance, then central=0 < edge=1).
    score = dist_to_upf - 1e-9 * upf_tier[:, None]
    site_upf = np.argmin(score, axis=0).astype(np.int32)
    reachable = np.isfinite(dist_to_upf.min(axis=0))
    link_of = _link_lookup(link_u, link_v)
    row_of = np.searchsorted(dcs, upf_dc)
    path_ptr = np.zeros(n_sites + 1, dtype=np.int64)
    chunks: list[list[int]] = []
    for s in range(n_sites):
        hops = _walk(pred[row_of[site_upf[s]]], int(site_router[s]), link_of)
        chunks.append(hops)
        path_ptr[s + 1] = path_ptr[s] + len(hops)
    path_idx = np.fromiter((h for c in chunks for h in c), np.int32, int(path_ptr[-1]))
    return site_upf, path_ptr, path_idx, reachable


def _neighbours(
    edges: list[tuple[Any, Any, float, Any]], cell_index: dict[str, int]
) -> tuple[NDArray[np.int64], NDArray[np.int32], NDArray[np.float32]]:
    """Symmetric neighbour CSR; an edge's ``overlap_from`` ({cell: share}) sets that row."""
    n, m = len(cell_index), len(edges)
    a = np.fromiter((cell_index[str(u)] for u, _, _, _ in edges), np.int64, m)
    b = np.fromiter((cell_index[str(v)] for _, v, _, _ in edges), np.int64, m)
    w = np.fromiter((o for _, _, o, _ in edges), np.float32, m)
    wb = w
    if any(f for *_, f in edges):
        w = np.fromiter(((f or {}).get(u, o) for u, _, o, f in edges), np.float32, m)
        wb = np.fromiter(((f or {}).get(v, o) for _, v, o, f in edges), np.float32, m)
    rows, cols, vals = np.concatenate([a, b]), np.concatenate([b, a]), np.concatenate([w, wb])
    order = np.lexsort((cols, rows))
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=ptr[1:])
    return ptr, cols[order].astype(np.int32), vals[order]


def _link_lookup(
    link_u: NDArray[np.int32], link_v: NDArray[np.int32]
) -> dict[tuple[int, int], int]:
    out: dict[tuple[int, int], int] = {}
    for i, (u, v) in enumerate(zip(link_u.tolist(), link_v.tolist(), strict=True)):
        key = (min(u, v), max(u, v))
        # parallel links cannot exist in a simple Graph; keep the first for safety
        out.setdefault(key, i)
    return out


def _walk(pred_row: NDArray, start: int, link_of: dict[tuple[int, int], int]) -> list[int]:
    """Links from ``start`` towards the Dijkstra source along ``pred_row``."""
    hops: list[int] = []
    node = start
    while pred_row[node] >= 0:
        nxt = int(pred_row[node])
        hops.append(link_of[(min(node, nxt), max(node, nxt))])
        node = nxt
    return hops


def shortest_link_path(
    topo: CompiledTopology,
    src: int,
    dst: int,
    *,
    link_up: NDArray[np.bool_] | None = None,
    avoid: Iterable[int] = (),
) -> NDArray[np.int32]:
    """Lowest-latency path between transport nodes as link indices (``src`` end first).

    Args:
        topo: The compiled topology.
        src: Transport-node index to start from (e.g. ``topo.site_router[s]``).
        dst: Transport-node index to reach (e.g. ``topo.upf_dc[u]``).
        link_up: Only links that are up are used (default: all).
        avoid: Link indices not to use.

    Raises:
        LookupError: No path exists over the usable links.
    """
    usable = np.ones(topo.n_links, dtype=np.bool_) if link_up is None else link_up.copy()
    for i in avoid:
        usable[int(i)] = False
    u, v = topo.link_u[usable], topo.link_v[usable]
    lat = topo.link_latency_ms[usable].astype(np.float64) + _EPS_MS
    n_t = len(topo.tnode_ids)
    w = csr_matrix(
        (np.concatenate([lat, lat]), (np.concatenate([u, v]), np.concatenate([v, u]))),
        shape=(n_t, n_t),
    )
    dist, pred = dijkstra(w, directed=False, indices=dst, return_predecessors=True)
    if not np.isfinite(dist[src]):
        raise LookupError(
            f"no transport path from {topo.tnode_ids[src]!r} to {topo.tnode_ids[dst]!r} "
            "over the links that are up"
        )
    full = np.flatnonzero(usable)
    hops = _walk(pred, src, _link_lookup(u, v))
    return full[np.asarray(hops, dtype=np.intp)].astype(np.int32)
