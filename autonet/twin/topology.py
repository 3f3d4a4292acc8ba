"""Synthetic network topologies: sites, 3-sector cells, neighbours, transport, core and edge."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import networkx as nx
import numpy as np

from autonet.twin.backbone import load_backbone
from autonet.twin.builder import BANDS
from autonet.twin.geometry import (
    DEFAULT_ISD_KM,
    assign_regions,
    layout_sites,
    neighbour_pairs,
    sector_azimuths,
)
from autonet.twin.layers import LAYERS, add_coverage_layer
from autonet.twin.schema import AREA_TYPES
from autonet.twin.traffic import TrafficModel
from autonet.twin.transport import plan_transport
from autonet.twin.validate import TopologyError, validate_backbone, validate_topology

__all__ = ["DEFAULT_AREA_MIX", "MAX_SITES", "TILT_RANGE_DEG", "build_topology"]

logger = logging.getLogger(__name__)

DEFAULT_AREA_MIX: Final[tuple[float, float, float]] = (0.2, 0.4, 0.4)
MAX_SITES: Final[int] = 200_000
# Electrical downtilt drawn per cell: steeper in dense areas (smaller cells).
TILT_RANGE_DEG: Final[dict[str, tuple[float, float]]] = {
    "urban": (6.0, 8.0),
    "suburban": (5.0, 7.0),
    "rural": (4.0, 6.0),
}
# Capacity layer (n78) where sites are dense, coverage layer (n28) in rural areas.
AREA_BAND: Final[dict[str, str]] = {"urban": "n78", "suburban": "n78", "rural": "n28"}
MAX_TX_W: Final[float] = 20.0  # EARTH macro cell


def _split(n: int, mix: Sequence[float]) -> dict[str, int]:
    """Largest-remainder rounding of ``n`` sites over the area mix."""
    share = np.asarray(mix, dtype=np.float64) / float(np.sum(mix))
    raw = share * n
    counts = np.floor(raw).astype(int)
    for i in np.argsort(-(raw - counts), kind="stable")[: n - int(counts.sum())]:
        counts[i] += 1
    return dict(zip(AREA_TYPES, (int(c) for c in counts), strict=True))


def _check_args(n_sites: Any, seed: Any, area_mix: Any, isd: Mapping[str, Any]) -> None:
    if isinstance(n_sites, bool) or not isinstance(n_sites, int) or not 1 <= n_sites <= MAX_SITES:
        raise TopologyError(f"n_sites must be an integer in 1..{MAX_SITES}, got {n_sites!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise TopologyError(f"seed must be a non-negative integer, got {seed!r}")
    try:
        mix = [float(x) for x in area_mix]
    except (TypeError, ValueError):
        raise TopologyError(
            f"area_mix must be 3 numbers (urban, suburban, rural shares), got {area_mix!r}"
        ) from None
    if len(mix) != 3 or not all(math.isfinite(x) and x >= 0 for x in mix) or sum(mix) <= 0:
        raise TopologyError(
            "area_mix must be 3 non-negative finite shares (urban, suburban, rural) with a "
            f"positive sum, got {area_mix!r}"
        )
    for area in AREA_TYPES:
        value = isd.get(area)
        if (
            not isinstance(value, int | float)
            or not math.isfinite(value)
            or not 0.05 <= value <= 50
        ):
            raise TopologyError(
                f"isd_km[{area!r}] must be a number in [0.05, 50] km, got {value!r}"
            )


def build_topology(
    *,
    n_sites: int,
    seed: int = 7,
    backbone: nx.Graph | str | Path | None = None,
    area_mix: Sequence[float] = DEFAULT_AREA_MIX,
    isd_km: Mapping[str, float] | None = None,
    n_core: int | None = None,
    n_edge_dcs: int | None = None,
    traffic: TrafficModel | None = None,
    validate: bool = True,
    layers: str = "single",
) -> nx.Graph:
    """Build a synthetic mobile network in the schema of :mod:`autonet.twin.schema`.

    Radio: ``n_sites`` sites on jittered hex grids, urban core (ISD 0.5 km), suburban ring
    (1.5 km) and rural (5 km) in the proportions of ``area_mix``; 3 sectors per site (azimuths
    0/120/240 plus a random site rotation); urban and suburban cells on n78 (3.5 GHz, 100 MHz,
    273 PRBs), rural on n28 (700 MHz, 20 MHz, 106 PRBs); 20 W max TX; downtilt 4-8 degrees;
    neighbours and overlaps from geometry (:func:`autonet.twin.geometry.neighbour_pairs`);
    regions centre/north/east/south/west. Transport, core and edge as in
    :func:`autonet.twin.transport.plan_transport`.

    With ``backbone`` (a graph from :func:`load_backbone`, a file path, or a name such as
    ``"Geant2012"`` or ``"germany50"``), every backbone node is a core router and a city centre:
    urban clusters grow around the backbone nodes (bigger around better-connected nodes),
    suburban and rural sites around and between them, and each aggregation domain hangs off the
    geographically nearest backbone node.

    Args:
        n_sites: Number of sites (cells = 3 * n_sites), 1..200,000.
        seed: Random seed; the same arguments and seed give an identical graph.
        backbone: Optional real aggregation/core layer.
        area_mix: Shares of urban, suburban, rural sites.
        isd_km: Inter-site distance per area type (default 0.5 / 1.5 / 5 km).
        n_core: Synthetic core routers (default ~ one per 12 aggregation routers, 1..8).
        n_edge_dcs: Edge data centres with a UPF (default: up to 8, one per core domain).
        traffic: Traffic the links and UPFs are dimensioned for (default ``TrafficModel()``,
            the twin's default): no link or UPF above ~80 % at an ordinary busy hour.
        validate: Validate the result with :func:`validate_topology`.
        layers: ``"single"`` (default: one carrier per cell as above) or ``"dual"``: every
            urban/suburban n78 sector also gets a co-located n28 coverage cell (sectors 4-6 =
            coverage layer of sectors 1-3, ids ``<site>-C4..C6``) that covers all the n78
            cell's users, with the sector's demand split between the layers and per-band
            power models; see :mod:`autonet.twin.layers`.

    Raises:
        TopologyError: Bad arguments (naming the argument and the accepted range) or a
            backbone that cannot be loaded.
    """
    if layers not in LAYERS:
        raise TopologyError(f"layers must be one of {list(LAYERS)}, got {layers!r}")
    isd = dict(DEFAULT_ISD_KM if isd_km is None else isd_km)
    _check_args(n_sites, seed, area_mix, isd)
    for name, value in (("n_core", n_core), ("n_edge_dcs", n_edge_dcs)):
        if value is not None and (
            not isinstance(value, int)
            or isinstance(value, bool)
            or value < (1 if name == "n_core" else 0)
        ):
            raise TopologyError(
                f"{name} must be a {'positive' if name == 'n_core' else 'non-negative'} "
                f"integer, got {value!r}"
            )
    if traffic is not None and not isinstance(traffic, TrafficModel):
        raise TopologyError(
            f"traffic must be a TrafficModel (what to dimension for), got {type(traffic).__name__}"
        )
    bb = load_backbone(backbone) if isinstance(backbone, str | Path) else backbone
    if bb is not None:
        validate_backbone(bb)
    rng = np.random.default_rng(seed)
    counts = _split(n_sites, area_mix)

    cores: list[tuple[str, dict[str, Any]]] | None = None
    core_links: list[tuple[str, str, dict[str, Any]]] = []
    centres = weights = None
    if bb is not None:
        cores = [(str(n), dict(d)) for n, d in sorted(bb.nodes(data=True), key=lambda t: str(t[0]))]
        core_links = [(str(u), str(v), dict(d)) for u, v, d in bb.edges(data=True)]
        centres = np.array([[d["x_km"], d["y_km"]] for _, d in cores], dtype=np.float64)
        weights = np.array([bb.degree(n) + 1.0 for n, _ in cores])
    xy, area = layout_sites(counts, rng=rng, centres=centres, weights=weights, isd_km=isd)
    width = max(4, len(str(n_sites)))
    site_ids = [f"S{i + 1:0{width}d}" for i in range(n_sites)]
    area_names: list[str] = np.array(AREA_TYPES)[area].tolist()  # plain str, not numpy str_
    regions = assign_regions(xy)
    azimuth = sector_azimuths(n_sites, rng)
    lo = np.array([TILT_RANGE_DEG[a][0] for a in AREA_TYPES])[area]
    hi = np.array([TILT_RANGE_DEG[a][1] for a in AREA_TYPES])[area]
    tilt = np.round(rng.uniform(lo[:, None], hi[:, None], (n_sites, 3)) * 2.0) / 2.0
    isd_code = {code: float(isd[a]) for code, a in enumerate(AREA_TYPES)}
    plan = plan_transport(
        xy,
        area,
        site_ids,
        rng=rng,
        isd=isd_code,
        cores=cores,
        core_links=core_links,
        n_core=n_core,
        n_edge_dcs=n_edge_dcs,
        traffic=traffic,
    )

    G = nx.Graph()
    G.add_nodes_from(plan.routers)
    G.add_nodes_from(plan.dcs)
    G.add_nodes_from(plan.nfs)
    G.add_edges_from(plan.links)
    G.add_edges_from((n, d["dc"], {"relation": "hosted_on"}) for n, d in plan.nfs)
    xs, ys = xy[:, 0].tolist(), xy[:, 1].tolist()
    G.add_nodes_from(
        (sid, {"kind": "site", "x_km": x, "y_km": y, "area": a, "region": r, "router": rt})
        for sid, x, y, a, r, rt in zip(
            site_ids, xs, ys, area_names, regions, plan.site_router, strict=True
        )
    )
    G.add_edges_from(
        (sid, rt, {"relation": "part_of"})
        for sid, rt in zip(site_ids, plan.site_router, strict=True)
    )
    cell_ids = [f"{sid}-C{k}" for sid in site_ids for k in (1, 2, 3)]
    profiles = {a: BANDS[AREA_BAND[a]] for a in AREA_TYPES}
    az, tl = azimuth.ravel().tolist(), tilt.ravel().tolist()
    cells = []
    for i, cid in enumerate(cell_ids):
        s = i // 3
        a = area_names[s]
        p = profiles[a]
        cells.append(
            (
                cid,
                {
                    "kind": "cell",
                    "site": site_ids[s],
                    "sector": i % 3 + 1,
                    "azimuth_deg": az[i],
                    "band": p.band,
                    "freq_mhz": p.freq_mhz,
                    "bandwidth_mhz": p.bandwidth_mhz,
                    "prbs": p.prbs,
                    "max_tx_w": MAX_TX_W,
                    "tilt_deg": tl[i],
                    "area": a,
                    "x_km": xs[s],
                    "y_km": ys[s],
                },
            )
        )
    G.add_nodes_from(cells)
    G.add_edges_from(
        (cid, site_ids[i // 3], {"relation": "part_of"}) for i, cid in enumerate(cell_ids)
    )
    na, nb, overlap, dist = neighbour_pairs(xy, np.array([isd_code[int(c)] for c in area]), azimuth)
    G.add_edges_from(
        (cell_ids[a], cell_ids[b], {"relation": "neighbour", "overlap": o, "distance_km": d})
        for a, b, o, d in zip(
            na.tolist(), nb.tolist(), overlap.tolist(), dist.tolist(), strict=True
        )
    )
    if layers == "dual":
        n_cov = add_coverage_layer(G, cells)
        G.graph["layers"] = "dual"
    G.graph.update(
        {
            "generator": "autonet.twin.build_topology",
            "seed": seed,
            "n_sites": n_sites,
            "backbone": None if bb is None else bb.graph.get("name"),
        }
    )
    n_cells = len(cells) + (n_cov if layers == "dual" else 0)
    logger.info("built topology: %d sites, %d cells, %d nodes", n_sites, n_cells, len(G))
    if validate:
        validate_topology(G)
    return G
