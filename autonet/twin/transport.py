"""Synthetic transport layer: access chains, aggregation rings, core mesh, data centres."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from autonet.twin.builder import FORWARDING_MS, link_latency_ms

__all__ = [
    "CAPACITY_MBPS",
    "CHAIN_LENGTH",
    "SITES_PER_AGGREGATION",
    "TransportPlan",
    "microwave_latency_ms",
    "plan_transport",
]

MICROWAVE_MS_PER_KM: Final[float] = 1.0 / 299.79  # radio in air: ~3.34 us per km
UPF_INSTANCE_MBPS: Final[float] = 50_000.0  # user-plane capacity of one UPF instance
BUSY_HOUR_MBPS_PER_CELL: Final[float] = 60.0  # dimensioning load per cell, 1.5x headroom on top
CAPACITY_MBPS: Final[dict[str, float]] = {
    "access_fibre": 10_000.0,
    "access_microwave": 2_000.0,
    "aggregation": 100_000.0,
    "core": 400_000.0,
    "dc": 400_000.0,
}
SITES_PER_AGGREGATION: Final[dict[int, int]] = {0: 48, 1: 32, 2: 16}  # by area code
CHAIN_LENGTH: Final[dict[int, tuple[int, int]]] = {0: (1, 2), 1: (2, 3), 2: (3, 4)}
RING_SIZE: Final[int] = 6  # aggregation routers per ring


def microwave_latency_ms(distance_km: float) -> float:
    """One-way latency of a microwave hop: propagation in air plus one forwarding hop."""
    return MICROWAVE_MS_PER_KM * distance_km + FORWARDING_MS


@dataclass
class TransportPlan:
    """Routers, links and data centres of a synthetic transport network (ids and attributes)."""

    routers: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    links: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    dcs: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    nfs: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    site_router: list[str] = field(default_factory=list)

    def add_link(self, u: str, v: str, pos: Mapping[str, NDArray[np.float64]], kind: str) -> None:
        """Add a link of ``kind`` (a key of ``CAPACITY_MBPS``) with latency from distance."""
        d = float(np.hypot(*(pos[u] - pos[v])))
        micro = kind == "access_microwave"
        self.links.append(
            (
                u,
                v,
                {
                    "relation": "link",
                    "capacity_mbps": CAPACITY_MBPS[kind],
                    "latency_ms": round(
                        microwave_latency_ms(d) if micro else link_latency_ms(d), 5
                    ),
                    "medium": "microwave" if micro else "fibre",
                    "link_id": f"{u}--{v}",
                },
            )
        )


def _bearing_order(xy: NDArray[np.float64], centre: NDArray[np.float64]) -> NDArray[np.intp]:
    d = xy - centre
    return np.lexsort((np.hypot(d[:, 0], d[:, 1]), np.arctan2(d[:, 0], d[:, 1])))


def _aggregation_tiles(
    xy: NDArray[np.float64], area: NDArray[np.int8], isd: Mapping[int, float]
) -> tuple[NDArray[np.intp], NDArray[np.float64], NDArray[np.int8]]:
    """Group sites into aggregation domains: square tiles sized to ~N sites of the area type."""
    side = np.array([isd[a] * math.sqrt(SITES_PER_AGGREGATION[a]) for a in (0, 1, 2)])[area]
    keys = np.column_stack([area, np.floor(xy[:, 0] / side), np.floor(xy[:, 1] / side)])
    uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    count = np.bincount(inverse)
    pos = np.column_stack(
        [np.bincount(inverse, xy[:, 0]) / count, np.bincount(inverse, xy[:, 1]) / count]
    )
    return inverse, pos, uniq[:, 0].astype(np.int8)


def _dimension_upfs(
    plan: TransportPlan, pos: Mapping[str, NDArray[np.float64]], cells: Mapping[str, int]
) -> None:
    """Size each UPF for the cells nearest to it by latency (per-instance capacity fixed)."""
    names = [r for r, _ in plan.routers] + [d for d, _ in plan.dcs]
    index = {n: i for i, n in enumerate(names)}
    u = np.array([index[a] for a, _, _ in plan.links])
    v = np.array([index[b] for _, b, _ in plan.links])
    lat = np.array([d["latency_ms"] for _, _, d in plan.links]) + 1e-6
    graph = csr_matrix((np.r_[lat, lat], (np.r_[u, v], np.r_[v, u])), shape=(len(names),) * 2)
    upf_dcs = [d["dc"] for _, d in plan.nfs if d["nf_type"] == "UPF"]
    dist = dijkstra(graph, directed=False, indices=[index[d] for d in upf_dcs])
    load = np.zeros(len(upf_dcs))
    for router, n_cells in cells.items():
        load[int(np.argmin(dist[:, index[router]]))] += n_cells
    k = 0
    for _, attrs in plan.nfs:
        if attrs["nf_type"] == "UPF":
            need = 1.5 * BUSY_HOUR_MBPS_PER_CELL * load[k]
            attrs["instances"] = max(1, math.ceil(need / UPF_INSTANCE_MBPS))
            k += 1


def plan_transport(
    xy: NDArray[np.float64],
    area: NDArray[np.int8],
    site_ids: Sequence[str],
    *,
    rng: np.random.Generator,
    isd: Mapping[int, float],
    cores: Sequence[tuple[str, dict[str, Any]]] | None = None,
    core_links: Sequence[tuple[str, str, dict[str, Any]]] = (),
    n_core: int | None = None,
    n_edge_dcs: int | None = None,
    cells_per_site: int = 3,
) -> TransportPlan:
    """Plan the transport network for sites at ``xy``.

    One access router per site; sites are grouped into aggregation domains (square tiles of
    ~48 urban / 32 suburban / 16 rural sites); inside a domain, sites sorted by bearing form
    access chains of 1-2 (urban), 2-3 (suburban) or 3-4 (rural) sites, fibre except rural
    microwave, the nearest site of each chain linked to the aggregation router. Aggregation
    routers hang in rings of up to 6 closing on their core router: the nearest backbone node
    when ``cores`` is given (with ``core_links``), else ``n_core`` synthetic core routers in a
    meshed ring. A central DC (AMF, SMF, UPF) sits on the best-connected core router; edge DCs
    with a UPF sit at the busiest aggregation router of up to ``n_edge_dcs`` other core domains.
    """
    plan = TransportPlan()
    pos: dict[str, NDArray[np.float64]] = {}
    agg_of_site, agg_xy, agg_area = _aggregation_tiles(xy, area, isd)
    agg_ids = [f"AGG{i + 1:0{max(3, len(str(len(agg_xy))))}d}" for i in range(len(agg_xy))]

    # core layer
    centroid = xy.mean(axis=0)
    if cores is None:
        k = n_core or int(np.clip(round(len(agg_xy) / 12), 1, 8))
        k = min(k, len(agg_xy))
        groups = np.array_split(_bearing_order(agg_xy, centroid), k)
        core_ids = [f"CR{i + 1:02d}" for i in range(k)]
        core_xy = np.array([0.5 * agg_xy[g].mean(axis=0) + 0.5 * centroid for g in groups])
        agg_core = np.empty(len(agg_xy), dtype=np.intp)
        for c, g in enumerate(groups):
            agg_core[g] = c
        for cid, cxy in zip(core_ids, core_xy, strict=True):
            plan.routers.append(
                (
                    cid,
                    {
                        "kind": "router",
                        "role": "core",
                        "x_km": float(cxy[0]),
                        "y_km": float(cxy[1]),
                    },
                )
            )
            pos[cid] = cxy
        pairs = {(i, (i + 1) % k) for i in range(k)} | {(i, (i + k // 2) % k) for i in range(k)}
        for i, j in sorted({(min(p), max(p)) for p in pairs if p[0] != p[1]}):
            plan.add_link(core_ids[i], core_ids[j], pos, "core")
        degree = np.zeros(k)
    else:
        core_ids = [c for c, _ in cores]
        core_xy = np.array([[d["x_km"], d["y_km"]] for _, d in cores], dtype=np.float64)
        for cid, attrs in cores:
            plan.routers.append((cid, dict(attrs)))
            pos[cid] = np.array([attrs["x_km"], attrs["y_km"]], dtype=np.float64)
        index = {c: i for i, c in enumerate(core_ids)}
        degree = np.zeros(len(core_ids))
        for u, v, attrs in core_links:
            plan.links.append((u, v, dict(attrs)))
            degree[index[u]] += 1
            degree[index[v]] += 1
        _, agg_core = cKDTree(core_xy).query(agg_xy)
        agg_core = np.asarray(agg_core, dtype=np.intp)

    # aggregation rings
    for aid, axy in zip(agg_ids, agg_xy, strict=True):
        plan.routers.append(
            (
                aid,
                {
                    "kind": "router",
                    "role": "aggregation",
                    "x_km": float(axy[0]),
                    "y_km": float(axy[1]),
                },
            )
        )
        pos[aid] = axy
    for c, cid in enumerate(core_ids):
        members = np.flatnonzero(agg_core == c)
        if len(members) == 0:
            continue
        ordered = members[_bearing_order(agg_xy[members], core_xy[c])]
        for ring in np.array_split(ordered, math.ceil(len(ordered) / RING_SIZE)):
            hops = [cid, *(agg_ids[a] for a in ring)] + ([cid] if len(ring) > 1 else [])
            for u, v in itertools.pairwise(hops):
                plan.add_link(u, v, pos, "aggregation")

    # access chains
    plan.site_router = [f"AR{s[1:]}" if s.startswith("S") else f"AR-{s}" for s in site_ids]
    for rid, sxy in zip(plan.site_router, xy, strict=True):
        plan.routers.append(
            (
                rid,
                {"kind": "router", "role": "access", "x_km": float(sxy[0]), "y_km": float(sxy[1])},
            )
        )
        pos[rid] = sxy
    rel = xy - agg_xy[agg_of_site]
    order = np.lexsort((np.arctan2(rel[:, 0], rel[:, 1]), agg_of_site))
    bounds = np.flatnonzero(np.diff(agg_of_site[order])) + 1
    for members in np.split(order, bounds):
        a = int(agg_of_site[members[0]])
        lo, hi = CHAIN_LENGTH[int(agg_area[a])]
        start = 0
        while start < len(members):
            length = int(rng.integers(lo, hi + 1))
            chain = members[start : start + length]
            start += length
            d = np.hypot(*(xy[chain] - agg_xy[a]).T)
            hops = [agg_ids[a], *(plan.site_router[s] for s in chain[np.argsort(d, kind="stable")])]
            medium = "access_microwave" if agg_area[a] == 2 else "access_fibre"
            for u, v in itertools.pairwise(hops):
                plan.add_link(u, v, pos, medium)

    # data centres and network functions
    central = int(np.lexsort((np.hypot(*(core_xy - centroid).T), -degree))[0])
    _add_dc(plan, pos, "DC-C", core_ids[central], "central")
    plan.nfs += [
        (
            "AMF-1",
            {
                "kind": "nf",
                "nf_type": "AMF",
                "dc": "DC-C",
                "capacity_mbps": 100_000.0,
                "instances": 2,
            },
        ),
        (
            "SMF-1",
            {
                "kind": "nf",
                "nf_type": "SMF",
                "dc": "DC-C",
                "capacity_mbps": 100_000.0,
                "instances": 2,
            },
        ),
        (
            "UPF-C",
            {
                "kind": "nf",
                "nf_type": "UPF",
                "dc": "DC-C",
                "capacity_mbps": UPF_INSTANCE_MBPS,
                "instances": 1,
            },
        ),
    ]
    sites_per_agg = np.bincount(agg_of_site, minlength=len(agg_xy))
    sites_per_core = np.bincount(agg_core, weights=sites_per_agg, minlength=len(core_ids))
    sites_per_core[central] = -1.0
    limit = min(len(core_ids) - 1, 8) if n_edge_dcs is None else n_edge_dcs
    for rank, c in enumerate(np.argsort(-sites_per_core, kind="stable")[:limit], start=1):
        members = np.flatnonzero(agg_core == c)
        if sites_per_core[c] <= 0 or len(members) == 0:
            continue
        busiest = agg_ids[int(members[np.argmax(sites_per_agg[members])])]
        dc_id = f"DC-E{rank:02d}"
        _add_dc(plan, pos, dc_id, busiest, "edge")
        plan.nfs.append(
            (
                f"UPF-E{rank:02d}",
                {
                    "kind": "nf",
                    "nf_type": "UPF",
                    "dc": dc_id,
                    "capacity_mbps": UPF_INSTANCE_MBPS,
                    "instances": 1,
                },
            )
        )
    cells = dict.fromkeys(plan.site_router, cells_per_site)
    _dimension_upfs(plan, pos, cells)
    return plan


def _add_dc(
    plan: TransportPlan, pos: dict[str, NDArray[np.float64]], dc_id: str, router: str, tier: str
) -> None:
    rxy = pos[router]
    plan.dcs.append(
        (
            dc_id,
            {
                "kind": "dc",
                "tier": tier,
                "router": router,
                "x_km": float(rxy[0]),
                "y_km": float(rxy[1]),
            },
        )
    )
    pos[dc_id] = rxy
    plan.add_link(router, dc_id, pos, "dc")
