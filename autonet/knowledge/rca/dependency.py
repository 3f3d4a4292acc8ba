"""What depends on what in a topology: backhaul paths, sites behind links, sites per UPF."""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field

import networkx as nx

from autonet.knowledge.rca.hypothesis import RCAInputError
from autonet.twin.schema import NODE_KINDS

__all__ = ["DependencyIndex", "build_index", "is_twin_graph", "link_id_of"]

#: A neighbour sharing at least this overlap takes a visible share of a failed cell's users
#: (the twin's injectors raise NEIGHBOUR_OVERLOAD on exactly those).
TAKER_MIN_OVERLAP = 0.1
_EPS_MS = 1e-6  # per hop, as the twin's compiler: of two equal-latency paths, fewer hops win


def link_id_of(G: nx.Graph, u: Hashable, v: Hashable) -> str:
    """The link id of the edge ``u - v`` (its ``link_id``, else ``"u~v"`` sorted)."""
    lid = G.edges[u, v].get("link_id")
    if lid is not None:
        return str(lid)
    a, b = sorted((str(u), str(v)))
    return f"{a}~{b}"


def is_twin_graph(G: nx.Graph) -> bool:
    """True when every node carries a ``kind`` of the twin schema (``schema.NODE_KINDS``)."""
    return G.number_of_nodes() > 0 and all(
        d.get("kind") in NODE_KINDS for _, d in G.nodes(data=True)
    )


@dataclass(slots=True)
class DependencyIndex:
    """The dependency structure of a twin topology, as plain dicts keyed by element id.

    Elements are node ids plus the link ids of ``relation="link"`` edges.
    """

    kind: dict[str, str] = field(default_factory=dict)  # element -> site/cell/router/dc/nf/link
    link_ends: dict[str, tuple[str, str]] = field(default_factory=dict)
    site_of_cell: dict[str, str] = field(default_factory=dict)
    cells_of_site: dict[str, list[str]] = field(default_factory=dict)
    neighbours: dict[str, list[str]] = field(default_factory=dict)  # cell -> neighbour cells
    takers: dict[str, list[str]] = field(default_factory=dict)  # cell -> big-overlap neighbours
    site_path: dict[str, list[str]] = field(default_factory=dict)  # site -> link ids to its UPF
    site_upf: dict[str, str] = field(default_factory=dict)
    behind: dict[str, set[str]] = field(default_factory=dict)  # link id -> sites behind it
    served: dict[str, set[str]] = field(default_factory=dict)  # UPF -> sites it serves
    links_at: dict[str, list[str]] = field(default_factory=dict)  # router/dc/site -> link ids
    smfs: list[str] = field(default_factory=list)  # SMFs (they see PDU session failures)
    upf_domain: dict[str, str] = field(default_factory=dict)  # UPF -> "edge" / "core"

    def site_of(self, element: str) -> str | None:
        """The site of a site or cell element, else None."""
        if self.kind.get(element) == "site":
            return element
        return self.site_of_cell.get(element)


def build_index(
    G: nx.Graph,
    *,
    site_paths: Mapping[str, Sequence[str]] | None = None,
    site_upf: Mapping[str, str] | None = None,
) -> DependencyIndex:
    """Index a twin-schema topology for root-cause localisation.

    A site's backhaul path is the latency-shortest path over ``link`` edges from the site (or
    its access router, the site's ``router`` attribute) to the data centre of its UPF; a site is
    served by the UPF whose data centre is nearest that way (a site attribute ``upf`` wins).

    Args:
        G: a graph in the schema of ``autonet.twin.schema``; never mutated.
        site_paths: optional override, site -> link ids of its current backhaul path (e.g. after
            a reroute, from the twin's routing state).
        site_upf: optional override, site -> the UPF that serves it.

    Raises:
        RCAInputError: a site, cell, data centre or UPF refers to a node that does not exist.
    """
    idx = DependencyIndex()
    for n, d in G.nodes(data=True):
        idx.kind[str(n)] = str(d["kind"])
    links = nx.Graph()
    for u, v, d in G.edges(data=True):
        rel = d.get("relation")
        if rel == "link":
            lid = link_id_of(G, u, v)
            idx.link_ends[lid] = (str(u), str(v))
            idx.kind[lid] = "link"
            w = float(d.get("latency_ms", 1.0)) + _EPS_MS
            links.add_edge(str(u), str(v), link_id=lid, w=w)
            idx.links_at.setdefault(str(u), []).append(lid)
            idx.links_at.setdefault(str(v), []).append(lid)
        elif rel == "neighbour":
            a, b = str(u), str(v)
            idx.neighbours.setdefault(a, []).append(b)
            idx.neighbours.setdefault(b, []).append(a)
            if float(d.get("overlap", 0.0)) >= TAKER_MIN_OVERLAP:
                idx.takers.setdefault(a, []).append(b)
                idx.takers.setdefault(b, []).append(a)
    for n, d in G.nodes(data=True):
        if d["kind"] == "cell":
            site = str(d.get("site", ""))
            if idx.kind.get(site) != "site":
                raise RCAInputError(f"cell {n!r}: its site {site!r} is not a site of the topology")
            idx.site_of_cell[str(n)] = site
            idx.cells_of_site.setdefault(site, []).append(str(n))
    for cells in idx.cells_of_site.values():
        cells.sort()
    idx.smfs = sorted(
        str(n)
        for n, d in G.nodes(data=True)
        if d["kind"] == "nf" and str(d.get("nf_type", "")).upper() == "SMF"
    )
    _index_paths(G, idx, links, site_paths, site_upf)
    return idx


def _attach(G: nx.Graph, node: str, links: nx.Graph, what: str) -> str:
    if node in links:
        return node
    router = G.nodes[node].get("router")
    if router is None or str(router) not in links:
        raise RCAInputError(
            f"{what} {node!r} has no transport link and its 'router' attribute ({router!r}) is "
            "not a router with links"
        )
    return str(router)


def _anchors(G: nx.Graph, idx: DependencyIndex, links: nx.Graph) -> dict[str, str]:
    """Where backhaul paths end: UPF -> its DC's attachment; else DCs, core, aggregation."""
    upfs = sorted(
        str(n)
        for n, d in G.nodes(data=True)
        if d["kind"] == "nf" and str(d.get("nf_type", "")).upper() == "UPF"
    )
    anchors: dict[str, str] = {}
    for upf in upfs:
        dc = str(G.nodes[upf].get("dc", ""))
        if idx.kind.get(dc) != "dc":
            raise RCAInputError(f"UPF {upf!r}: its dc {dc!r} is not a data centre of the topology")
        anchors[upf] = _attach(G, dc, links, "data centre")
        idx.served[upf] = set()
        idx.upf_domain[upf] = "edge" if G.nodes[dc].get("tier") == "edge" else "core"
    if anchors:
        return anchors
    # No UPF in a hand-built network: paths end at the data centres, else the core routers.
    dcs = sorted(n for n, k in idx.kind.items() if k == "dc")
    if dcs:
        return {dc: _attach(G, dc, links, "data centre") for dc in dcs}
    for role in ("core", "aggregation"):
        found = sorted(
            str(n) for n, d in G.nodes(data=True) if d.get("role") == role and str(n) in links
        )
        if found:
            return {n: n for n in found}
    return {}


def _tier(G: nx.Graph, anchor: str) -> str:
    dc = G.nodes[anchor].get("dc") if G.nodes[anchor].get("kind") == "nf" else None
    return str(G.nodes[dc].get("tier", "")) if dc in G else ""


def _index_paths(
    G: nx.Graph,
    idx: DependencyIndex,
    links: nx.Graph,
    site_paths: Mapping[str, Sequence[str]] | None,
    site_upf: Mapping[str, str] | None,
) -> None:
    sites = sorted(n for n, k in idx.kind.items() if k == "site")
    anchors = _anchors(G, idx, links) if links.number_of_nodes() else {}
    dist: dict[str, dict[str, float]] = {}
    paths: dict[str, dict[str, list[str]]] = {}
    for anchor, target in anchors.items():
        dist[anchor], paths[anchor] = nx.single_source_dijkstra(links, target, weight="w")
    for site in sites:
        start = _attach(G, site, links, "site") if anchors else None
        chosen = (site_upf or {}).get(site) or G.nodes[site].get("upf")
        if chosen is not None:
            chosen = str(chosen)
            if chosen not in idx.served:
                raise RCAInputError(
                    f"site {site!r}: its UPF {chosen!r} is not a UPF of the topology"
                )
        elif start is not None:
            # Nearest by latency; an edge-tier UPF wins a tie (as the twin's compiler decides).
            reach = [
                (dist[a][start] - 1e-9 * (_tier(G, a) == "edge"), a)
                for a in anchors
                if start in dist[a]
            ]
            chosen = min(reach)[1] if reach else None
        if chosen in idx.served:
            idx.site_upf[site] = chosen
            idx.served[chosen].add(site)
        if site_paths is not None and site in site_paths:
            path = [str(lid) for lid in site_paths[site]]
            unknown = [lid for lid in path if lid not in idx.link_ends]
            if unknown:
                raise RCAInputError(f"site {site!r}: unknown link ids in its path: {unknown}")
        elif (
            chosen is not None and start is not None and chosen in paths and start in paths[chosen]
        ):
            nodes = paths[chosen][start][::-1]
            path = [links.edges[a, b]["link_id"] for a, b in itertools.pairwise(nodes)]
        else:
            path = []
        idx.site_path[site] = path
        for lid in path:
            idx.behind.setdefault(lid, set()).add(site)
