"""Inventory from the topology: what a cell, site, link, UPF or region is made of.

Everything comes from the twin's graph and its live state (planned vs current PRBs, tilt,
power); the topology records no vendor, hardware model, software version or installation
date, so the answer says so rather than inventing them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from autonet.agents.trace import plain
from autonet.platform.capabilities.context import CapabilityContext
from autonet.platform.capabilities.targets import classify

if TYPE_CHECKING:
    from autonet.twin import Twin

__all__ = ["NOT_RECORDED", "inventory"]

#: Inventory fields an operator's estate has and the twin's topology does not record.
NOT_RECORDED: Final[tuple[str, ...]] = ("vendor", "hardware", "software_version", "installed_on")
_SHOWN: Final = 20


def _cell(twin: Twin, cell: str) -> dict[str, Any]:
    topo, st = twin.compiled, twin.state
    c = topo.cell_index[cell]
    node = topo.graph.nodes[cell]
    site = node["site"]
    nbrs, overlap = topo.neighbours_of(c)
    return {
        "kind": "cell", "id": cell, "site": site,
        "region": topo.graph.nodes[site].get("region"), "area": node.get("area"),
        "sector": node.get("sector"), "azimuth_deg": node.get("azimuth_deg"),
        "band": node.get("band"), "freq_mhz": node.get("freq_mhz"),
        "bandwidth_mhz": node.get("bandwidth_mhz"),
        "prbs": {"planned": int(topo.cell_prbs[c]), "now": int(st.cell_prbs[c])},
        "tilt_deg": {"planned": float(topo.cell_tilt_deg[c]), "now": float(st.cell_tilt_deg[c])},
        "max_tx_w": float(topo.cell_max_tx_w[c]),
        "state": "off" if not st.cell_on[c] else "asleep" if st.cell_asleep[c] else "on",
        "neighbours": [
            {"cell": topo.cell_ids[int(j)], "overlap": float(o)}
            for j, o in zip(nbrs.tolist(), overlap.tolist(), strict=True)
        ],
    }  # fmt: skip


def _site(twin: Twin, site: str) -> dict[str, Any]:
    topo, st = twin.compiled, twin.state
    s = topo.site_index[site]
    node = topo.graph.nodes[site]
    cells = [topo.cell_ids[int(c)] for c in topo.cells_of_site(s)]
    router = node.get("router")
    backhaul = sorted(
        link for i, link in enumerate(topo.link_ids)
        if router in (topo.tnode_ids[int(topo.link_u[i])], topo.tnode_ids[int(topo.link_v[i])])
    )  # fmt: skip
    return {
        "kind": "site", "id": site, "region": node.get("region"), "area": node.get("area"),
        "position_km": {"x": node.get("x_km"), "y": node.get("y_km")},
        "powered": bool(st.site_powered[s]), "router": router, "backhaul_links": backhaul,
        "upf": topo.upf_ids[int(st.site_upf[s])],
        # a site's cells without their neighbour lists (ask for the cell for those)
        "cells": [{k: v for k, v in _cell(twin, c).items() if k != "neighbours"} for c in cells],
    }  # fmt: skip


def _link(twin: Twin, link: str) -> dict[str, Any]:
    topo, st = twin.compiled, twin.state
    i = topo.link_index[link]
    u, v = topo.tnode_ids[int(topo.link_u[i])], topo.tnode_ids[int(topo.link_v[i])]
    data = topo.graph.edges[u, v] if topo.graph.has_edge(u, v) else {}
    return {
        "kind": "link", "id": link, "ends": [u, v], "medium": data.get("medium"),
        "capacity_mbps": {"planned": float(topo.link_capacity_mbps[i]),
                          "now": float(st.link_capacity_mbps[i])},
        "latency_ms": float(topo.link_latency_ms[i]), "up": bool(st.link_up[i]),
        "sites_behind": int(topo.sites_using_link(i).size),
    }  # fmt: skip


def _upf(twin: Twin, upf: str) -> dict[str, Any]:
    topo, st = twin.compiled, twin.state
    u = topo.upf_index[upf]
    return {
        "kind": "upf", "id": upf, "dc": topo.graph.nodes[upf].get("dc"),
        "capacity_mbps": float(st.upf_capacity_mbps[u]), "instances": int(st.upf_instances[u]),
        "sites_served": int((st.site_upf == u).sum()),
    }  # fmt: skip


def _region(twin: Twin, region: str) -> dict[str, Any]:
    topo = twin.compiled
    G = topo.graph
    sites = [s for s in topo.site_ids if G.nodes[s].get("region") == region]
    cells = [topo.cell_ids[int(c)] for s in sites for c in topo.cells_of_site(topo.site_index[s])]
    return {
        "kind": "region", "id": region, "sites": len(sites), "cells": len(cells),
        "bands": dict(sorted(Counter(str(G.nodes[c].get("band")) for c in cells).items())),
        "areas": dict(sorted(Counter(str(G.nodes[s].get("area")) for s in sites).items())),
        "site_ids": sites[:_SHOWN],
    }  # fmt: skip


def inventory(ctx: CapabilityContext, args: Mapping[str, Any]) -> dict[str, Any]:
    """The topology's record of a cell, site, link, UPF or region (see the module docstring)."""
    kind, ident = classify(ctx.twin, str(args["target"]))
    record = {"cell": _cell, "site": _site, "link": _link, "upf": _upf, "region": _region}[kind](
        ctx.twin, ident
    )
    return plain({"target": args["target"], **record, "not_recorded": list(NOT_RECORDED)})
