"""Topology-aware partial credit: how many hops a predicted root is from the true one."""

from __future__ import annotations

import networkx as nx

from autonet.knowledge.rca.dependency import link_id_of

__all__ = ["topology_distance"]


def _anchors(G: nx.Graph, element: str) -> dict[str, float] | None:
    """Where an element sits: a node at distance 0, a link halfway between its two ends."""
    if element in G:
        return {element: 0.0}
    for u, v, d in G.edges(data=True):
        if d.get("relation", "link") == "link" and element in (
            d.get("link_id"),
            link_id_of(G, u, v),
        ):
            return {str(u): 0.5, str(v): 0.5}
    return None


def topology_distance(G: nx.Graph, predicted: str, true: str) -> float:
    """Hop distance between a predicted and a true root element (0 when they are the same).

    Elements are node ids or link ids (``link_id`` of a ``relation="link"`` edge); a link sits
    halfway between its two end nodes, so a link and one of its ends are 0.5 apart. Radio
    ``neighbour`` relations are not paths (they are not dependencies) and are not walked.
    ``G`` is never mutated.

    Returns:
        The distance in hops; ``inf`` when the two are not connected.

    Raises:
        KeyError: an element is neither a node nor a link id of ``G`` (named).
    """
    if predicted == true:
        return 0.0
    src, dst = _anchors(G, predicted), _anchors(G, true)
    for name, found in (("predicted", src), ("true", dst)):
        if found is None:
            element = predicted if name == "predicted" else true
            raise KeyError(f"{name} root {element!r} is neither a node nor a link id of the graph")
    if src is None or dst is None:  # unreachable: raised above; narrows the types
        return float("inf")
    walk = nx.subgraph_view(
        G, filter_edge=lambda u, v: G.edges[u, v].get("relation") != "neighbour"
    )
    best = float("inf")
    for s, ds in src.items():
        lengths = nx.single_source_shortest_path_length(walk, s)
        for t, dt in dst.items():
            if t in lengths:
                best = min(best, ds + lengths[t] + dt)
    return best
