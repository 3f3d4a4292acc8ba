"""Dual-layer RAN: an n28 coverage cell under every n78 capacity cell (``layers="dual"``).

Real 5G networks with a mid-band (n78, massive MIMO) capacity layer keep a low-band layer on
the same sites for coverage; energy saving switches the capacity carrier off at low load while
the coverage carrier keeps its users. :func:`add_coverage_layer` adds that layer to a graph
built by :func:`autonet.twin.build_topology`:

* Every urban or suburban site's sectors 1-3 (n78) get a co-located n28 cell each, sectors
  4-6, ids ``<site>-C4..C6`` (sector ``k + 3`` covers the same azimuth as sector ``k``).
  Existing cell ids keep their meaning; rural sites (n28 only) are unchanged.
* Neighbours: a capacity cell and its co-sector coverage cell neighbour each other; the
  coverage cell covers **all** the capacity cell's users (overlap 1.0), the capacity cell
  covers ``CAPACITY_COVERS`` of the coverage cell's users (the n78 footprint is smaller: 3.5
  GHz loses about 13 dB more path loss than 700 MHz at the same distance). The edge carries
  ``overlap_from={<coverage cell>: CAPACITY_COVERS}`` for the direction that differs. Every
  geometric neighbour pair of the capacity layer also joins the two sites' coverage-layer
  cells (or the rural n28 cell) with the same overlap: the n28 layer has its own neighbours.
* Demand: the sector's users and load (one draw of the per-cell scale, as a single-layer
  sector) are split ``CAPACITY_SHARE`` on n78 and the rest on n28 (``demand_share``).
  Assumption, not a measurement: operators steer most data traffic of 5G devices to the
  widest carrier; 0.75 on the 100 MHz n78 carrier and 0.25 on the 20 MHz n28 carrier is a
  conservative reading (by bandwidth alone n78 would take 5/6).
* Power: capacity cells are marked ``power_model="mmimo_aau"``, coverage cells
  ``"earth_macro"`` (see :func:`autonet.twin.energy.power_model_for`).

The total demand per sector and per site is the one the single layer carries, so transport
and UPF dimensioning stay as they are.
"""

from __future__ import annotations

from typing import Any, Final

import networkx as nx

from autonet.twin.builder import BANDS

__all__ = ["CAPACITY_COVERS", "CAPACITY_SHARE", "LAYERS", "add_coverage_layer", "coverage_id"]

LAYERS: Final[tuple[str, ...]] = ("single", "dual")
CAPACITY_SHARE: Final[float] = 0.75  # share of a dual-layer sector's demand on n78
CAPACITY_COVERS: Final[float] = 0.7  # share of the n28 cell's users inside the n78 footprint
SECTOR_OFFSET: Final[int] = 3  # coverage sector = capacity sector + 3


def coverage_id(capacity_cell: str, sector: int) -> str:
    """Id of the coverage cell under ``capacity_cell`` (``S0001-C1`` -> ``S0001-C4``)."""
    site = capacity_cell.rsplit("-C", 1)[0]
    return f"{site}-C{sector + SECTOR_OFFSET}"


def add_coverage_layer(G: nx.Graph, cells: list[tuple[str, dict[str, Any]]]) -> int:
    """Add an n28 coverage cell under every n78 cell of ``cells`` (mutates ``G``).

    Args:
        G: The graph, with ``cells`` and their geometric neighbour edges already added.
        cells: ``(id, attributes)`` of the single-layer cells, as added to ``G``.

    Returns:
        Number of coverage cells added.
    """
    n28 = BANDS["n28"]
    cover: dict[str, str] = {}
    new: list[tuple[str, dict[str, Any]]] = []
    for cid, d in cells:
        if d["band"] != "n78":
            cover[cid] = cid  # a rural n28 cell is its own coverage layer
            continue
        kid = coverage_id(cid, int(d["sector"]))
        cover[cid] = kid
        attrs = dict(d, sector=int(d["sector"]) + SECTOR_OFFSET, band=n28.band,
                     freq_mhz=n28.freq_mhz, bandwidth_mhz=n28.bandwidth_mhz, prbs=n28.prbs,
                     layer="coverage", partner=cid, demand_share=1.0 - CAPACITY_SHARE,
                     power_model="earth_macro")  # fmt: skip
        new.append((kid, attrs))
        G.nodes[cid].update(layer="capacity", partner=kid, demand_share=CAPACITY_SHARE,
                            power_model="mmimo_aau")  # fmt: skip
    G.add_nodes_from(new)
    G.add_edges_from((kid, d["site"], {"relation": "part_of"}) for kid, d in new)
    pairs = [(u, v, dict(d)) for u, v, d in G.edges(data=True) if d.get("relation") == "neighbour"]
    edges = []
    for u, v, d in pairs:
        cu, cv = cover.get(u, u), cover.get(v, v)
        if (cu, cv) != (u, v) and not G.has_edge(cu, cv):
            edges.append((cu, cv, d))
    for kid, d in new:
        attrs = {"relation": "neighbour", "overlap": 1.0, "distance_km": 0.0}
        attrs["overlap_from"] = {kid: CAPACITY_COVERS}
        edges.append((d["partner"], kid, attrs))
    G.add_edges_from(edges)
    return len(new)
