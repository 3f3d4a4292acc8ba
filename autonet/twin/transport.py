"""Synthetic transport layer: access chains, aggregation rings, core mesh, data centres."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from autonet.twin.builder import FORWARDING_MS, link_latency_ms
from autonet.twin.dimensioning import MIN_CAPACITY_MBPS, UPF_INSTANCE_MBPS, dimension
from autonet.twin.traffic import TrafficModel

__all__ = [
    "CHAIN_LENGTH",
    "SITES_PER_AGGREGATION",
    "TransportPlan",
    "microwave_latency_ms",
    "plan_transport",
]

MICROWAVE_MS_PER_KM: Final[float] = 1.0 / 299.79  # radio in air: ~3.34 us per km
SITES_PER_AGGREGATION: Final[dict[int, int]] = {0: 48, 1: 32, 2: 16}  # by area code
CHAIN_LENGTH: Final[dict[int, tuple[int, int]]] = {0: (1, 2), 1: (2, 3), 2: (3, 4)}
RING_SIZE: Final[int] = 6  # aggregation routers per ring


def microwave_latency_ms(distance_km: float) -> float:
    """One-way latency of a microwave hop: propagation in air plus one forwarding hop."""
    return MICROWAVE_MS_PER_KM * distance_km + FORWARDING_MS


@dataclass
class TransportPlan:
    """Routers, links, data centres and NFs of a synthetic transport network, with positions."""

    routers: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    links: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    dcs: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    nfs: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    site_router: list[str] = field(default_factory=list)
    pos: dict[str, NDArray[np.float64]] = field(default_factory=dict)
    link_floor: list[float] = field(default_factory=list)  # smallest capacity per link
    link_fixed: list[bool] = field(default_factory=list)  # capacity given, not dimensioned

    def router(self, router_id: str, role: str, xy: NDArray[np.float64]) -> None:
        """Add a router at ``xy`` (km)."""
        attrs = {"kind": "router", "role": role, "x_km": float(xy[0]), "y_km": float(xy[1])}
        self.routers.append((router_id, attrs))
        self.pos[router_id] = xy

    def dc(self, dc_id: str, router: str, tier: str) -> None:
        """Add a data centre at ``router``, joined to it by a DC link."""
        xy = self.pos[router]
        attrs = {
            "kind": "dc",
            "tier": tier,
            "router": router,
            "x_km": float(xy[0]),
            "y_km": float(xy[1]),
        }
        self.dcs.append((dc_id, attrs))
        self.pos[dc_id] = xy
        self.add_link(router, dc_id, "dc")

    def nf(self, nf_id: str, nf_type: str, dc: str, capacity_mbps: float, instances: int) -> None:
        """Add a network function hosted on ``dc``."""
        attrs = {
            "kind": "nf",
            "nf_type": nf_type,
            "dc": dc,
            "capacity_mbps": capacity_mbps,
            "instances": instances,
        }
        self.nfs.append((nf_id, attrs))

    def add_link(self, u: str, v: str, kind: str) -> None:
        """Add a link of ``kind`` (a key of ``MIN_CAPACITY_MBPS``), latency from distance.

        Its capacity is the kind's minimum until :func:`plan_transport` dimensions it.
        """
        d = float(np.hypot(*(self.pos[u] - self.pos[v])))
        micro = kind == "access_microwave"
        latency = microwave_latency_ms(d) if micro else link_latency_ms(d)
        attrs = {
            "relation": "link",
            "capacity_mbps": MIN_CAPACITY_MBPS[kind],
            "latency_ms": round(latency, 5),
            "medium": "microwave" if micro else "fibre",
            "link_id": f"{u}--{v}",
        }
        self.links.append((u, v, attrs))
        self.link_floor.append(MIN_CAPACITY_MBPS[kind])
        self.link_fixed.append(False)


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
    traffic: TrafficModel | None = None,
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

    Dimensioning (:func:`autonet.twin.dimensioning.dimension`): every link and UPF is sized
    for the busy-hour load of ``traffic`` (default ``TrafficModel()``) of the sites routed over
    it, ``(mean + 3 sigma) / 0.7``, links rounded up to standard sizes and at least their
    kind's minimum (``MIN_CAPACITY_MBPS``), UPFs in whole instances of ``UPF_INSTANCE_MBPS``.
    Backbone links keep a larger capacity from their file; one raised is marked
    ``capacity_source="dimensioned"``; an ``"override"`` capacity is kept as given.
    """
    plan = TransportPlan()
    agg_of_site, agg_xy, agg_area = _aggregation_tiles(xy, area, isd)
    agg_ids = [f"AGG{i + 1:0{max(3, len(str(len(agg_xy))))}d}" for i in range(len(agg_xy))]
    centroid = xy.mean(axis=0)
    if cores is None:
        core_ids, core_xy, agg_core, degree = _synthetic_core(plan, agg_xy, centroid, n_core)
    else:
        core_ids, core_xy, agg_core, degree = _backbone_core(plan, agg_xy, cores, core_links)
    for aid, axy in zip(agg_ids, agg_xy, strict=True):
        plan.router(aid, "aggregation", axy)
    for c, cid in enumerate(core_ids):
        members = np.flatnonzero(agg_core == c)
        if len(members) == 0:
            continue
        ordered = members[_bearing_order(agg_xy[members], core_xy[c])]
        for ring in np.array_split(ordered, math.ceil(len(ordered) / RING_SIZE)):
            hops = [cid, *(agg_ids[a] for a in ring)] + ([cid] if len(ring) > 1 else [])
            for u, v in itertools.pairwise(hops):
                plan.add_link(u, v, "aggregation")
    _access_chains(plan, xy, site_ids, agg_of_site, agg_xy, agg_area, agg_ids, rng)

    central = int(np.lexsort((np.hypot(*(core_xy - centroid).T), -degree))[0])
    plan.dc("DC-C", core_ids[central], "central")
    plan.nf("AMF-1", "AMF", "DC-C", 100_000.0, 2)
    plan.nf("SMF-1", "SMF", "DC-C", 100_000.0, 2)
    plan.nf("UPF-C", "UPF", "DC-C", UPF_INSTANCE_MBPS, 1)
    sites_per_agg = np.bincount(agg_of_site, minlength=len(agg_xy))
    sites_per_core = np.bincount(agg_core, weights=sites_per_agg, minlength=len(core_ids))
    sites_per_core[central] = -1.0
    limit = min(len(core_ids) - 1, 8) if n_edge_dcs is None else n_edge_dcs
    for rank, c in enumerate(np.argsort(-sites_per_core, kind="stable")[:limit], start=1):
        members = np.flatnonzero(agg_core == c)
        if sites_per_core[c] <= 0 or len(members) == 0:
            continue
        busiest = agg_ids[int(members[np.argmax(sites_per_agg[members])])]
        plan.dc(f"DC-E{rank:02d}", busiest, "edge")
        plan.nf(f"UPF-E{rank:02d}", "UPF", f"DC-E{rank:02d}", UPF_INSTANCE_MBPS, 1)
    dimension(plan, area, traffic or TrafficModel(), cells_per_site)
    return plan


def _synthetic_core(
    plan: TransportPlan, agg_xy: NDArray[np.float64], centroid: NDArray[np.float64], n: int | None
) -> tuple[list[str], NDArray[np.float64], NDArray[np.intp], NDArray[np.float64]]:
    """Core routers over angular sectors of the aggregation layer, in a ring with chords."""
    k = min(n or int(np.clip(round(len(agg_xy) / 12), 1, 8)), len(agg_xy))
    groups = np.array_split(_bearing_order(agg_xy, centroid), k)
    core_ids = [f"CR{i + 1:02d}" for i in range(k)]
    core_xy = np.array([0.5 * agg_xy[g].mean(axis=0) + 0.5 * centroid for g in groups])
    agg_core = np.empty(len(agg_xy), dtype=np.intp)
    for c, g in enumerate(groups):
        agg_core[g] = c
    for cid, cxy in zip(core_ids, core_xy, strict=True):
        plan.router(cid, "core", cxy)
    pairs = {(i, (i + 1) % k) for i in range(k)} | {(i, (i + k // 2) % k) for i in range(k)}
    for i, j in sorted({(min(p), max(p)) for p in pairs if p[0] != p[1]}):
        plan.add_link(core_ids[i], core_ids[j], "core")
    return core_ids, core_xy, agg_core, np.zeros(k)


def _backbone_core(
    plan: TransportPlan,
    agg_xy: NDArray[np.float64],
    cores: Sequence[tuple[str, dict[str, Any]]],
    core_links: Sequence[tuple[str, str, dict[str, Any]]],
) -> tuple[list[str], NDArray[np.float64], NDArray[np.intp], NDArray[np.float64]]:
    """The backbone's routers and links; each aggregation router homes on the nearest one."""
    core_ids = [c for c, _ in cores]
    core_xy = np.array([[d["x_km"], d["y_km"]] for _, d in cores], dtype=np.float64)
    for (cid, attrs), cxy in zip(cores, core_xy, strict=True):
        plan.routers.append((cid, dict(attrs)))
        plan.pos[cid] = cxy
    index = {c: i for i, c in enumerate(core_ids)}
    degree = np.zeros(len(core_ids))
    for u, v, attrs in core_links:
        plan.links.append((u, v, dict(attrs)))
        plan.link_floor.append(float(attrs["capacity_mbps"]))
        plan.link_fixed.append(attrs.get("capacity_source") == "override")
        degree[index[u]] += 1
        degree[index[v]] += 1
    _, agg_core = cKDTree(core_xy).query(agg_xy)
    return core_ids, core_xy, np.asarray(agg_core, dtype=np.intp), degree


def _access_chains(
    plan: TransportPlan,
    xy: NDArray[np.float64],
    site_ids: Sequence[str],
    agg_of_site: NDArray[np.intp],
    agg_xy: NDArray[np.float64],
    agg_area: NDArray[np.int8],
    agg_ids: Sequence[str],
    rng: np.random.Generator,
) -> None:
    """One access router per site; chains of sites, by bearing, off each aggregation router."""
    plan.site_router = [f"AR{s[1:]}" if s.startswith("S") else f"AR-{s}" for s in site_ids]
    for rid, sxy in zip(plan.site_router, xy, strict=True):
        plan.router(rid, "access", sxy)
    rel = xy - agg_xy[agg_of_site]
    order = np.lexsort((np.arctan2(rel[:, 0], rel[:, 1]), agg_of_site))
    bounds = np.flatnonzero(np.diff(agg_of_site[order])) + 1
    for members in np.split(order, bounds):
        a = int(agg_of_site[members[0]])
        lo, hi = CHAIN_LENGTH[int(agg_area[a])]
        medium = "access_microwave" if agg_area[a] == 2 else "access_fibre"
        start = 0
        while start < len(members):
            length = int(rng.integers(lo, hi + 1))
            chain = members[start : start + length]
            start += length
            d = np.hypot(*(xy[chain] - agg_xy[a]).T)
            hops = [agg_ids[a], *(plan.site_router[s] for s in chain[np.argsort(d, kind="stable")])]
            for u, v in itertools.pairwise(hops):
                plan.add_link(u, v, medium)
