"""Validation of a topology graph against the twin's schema (``autonet.twin.schema``)."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

import networkx as nx

from autonet.errors import BadInputError
from autonet.twin.schema import AREA_TYPES, NODE_KINDS, RELATIONS

__all__ = ["TopologyError", "upf_reachability", "validate_backbone", "validate_topology"]


class TopologyError(BadInputError):
    """A topology graph breaks the schema; the message names the node/edge and attribute."""


_Check = Callable[[Any], bool]


def _num(lo: float | None = None, hi: float | None = None, *, lo_open: bool = False) -> _Check:
    def check(v: Any) -> bool:
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            return False
        if lo is not None and (v <= lo if lo_open else v < lo):
            return False
        return hi is None or v <= hi

    return check


def _int(lo: int) -> _Check:
    return lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= lo


def _one_of(options: Iterable[str]) -> _Check:
    allowed = frozenset(options)
    return lambda v: isinstance(v, str) and v in allowed


def _text(v: Any) -> bool:
    return isinstance(v, str) and v != ""


# attribute -> (check, description of what is expected), per node kind / edge relation
_Spec = Mapping[str, tuple[_Check, str]]
_AREA = (_one_of(AREA_TYPES), f"one of {list(AREA_TYPES)}")
_X = (_num(), "a finite number (km)")
NODE_SPECS: Final[dict[str, _Spec]] = {
    "site": {
        "x_km": _X,
        "y_km": _X,
        "area": _AREA,
        "region": (_text, "a non-empty string"),
        "router": (_text, "the id of its access router"),
    },
    "cell": {
        "site": (_text, "the id of its site"),
        "sector": (_int(1), "an integer >= 1"),
        "azimuth_deg": (_num(0.0, 360.0), "a number in [0, 360] degrees"),
        "band": (_text, "a 3GPP band name such as 'n78'"),
        "freq_mhz": (_num(0.0, lo_open=True), "a number > 0 (MHz)"),
        "bandwidth_mhz": (_num(0.0, 400.0, lo_open=True), "a number in (0, 400] MHz"),
        "prbs": (_int(1), "an integer >= 1"),
        "max_tx_w": (_num(0.0, 200.0, lo_open=True), "a number in (0, 200] W"),
        "tilt_deg": (_num(-10.0, 20.0), "a number in [-10, 20] degrees"),
        "area": _AREA,
        "x_km": _X,
        "y_km": _X,
    },
    "router": {
        "role": (_one_of(("access", "aggregation", "core")), "one of access/aggregation/core"),
        "x_km": _X,
        "y_km": _X,
    },
    "dc": {
        "tier": (_one_of(("central", "edge")), "one of central/edge"),
        "router": (_text, "the id of the router it attaches to"),
        "x_km": _X,
        "y_km": _X,
    },
    "nf": {
        "nf_type": (_one_of(("AMF", "SMF", "UPF")), "one of AMF/SMF/UPF"),
        "dc": (_text, "the id of its data centre"),
        "capacity_mbps": (_num(0.0, lo_open=True), "a number > 0 (Mbit/s)"),
        "instances": (_int(1), "an integer >= 1"),
    },
}
EDGE_SPECS: Final[dict[str, _Spec]] = {
    "link": {
        "capacity_mbps": (_num(0.0, lo_open=True), "a number > 0 (Mbit/s)"),
        "latency_ms": (_num(0.0), "a number >= 0 (ms)"),
        "medium": (_one_of(("fibre", "microwave")), "one of fibre/microwave"),
        "link_id": (_text, "a non-empty unique string"),
    },
    "neighbour": {
        "overlap": (_num(0.0, 1.0), "a number in [0, 1]"),
        "distance_km": (_num(0.0), "a number >= 0 (km)"),
    },
    "part_of": {},
    "hosted_on": {},
}
# Which node kinds each relation may join (unordered pairs).
EDGE_ENDS: Final[dict[str, frozenset[frozenset[str]]]] = {
    "link": frozenset({frozenset({"router"}), frozenset({"router", "dc"})}),
    "neighbour": frozenset({frozenset({"cell"})}),
    "part_of": frozenset({frozenset({"cell", "site"}), frozenset({"site", "router"})}),
    "hosted_on": frozenset({frozenset({"nf", "dc"})}),
}


_EDGE_PAIRS: Final[dict[str, frozenset[tuple[str, str]]]] = {
    rel: frozenset((a, b) for pair in ends for a in pair for b in pair if {a, b} == pair)
    for rel, ends in EDGE_ENDS.items()
}


def _bad_attr(data: Mapping[str, Any], spec: _Spec) -> str | None:
    """What is wrong with ``data`` under ``spec`` (None when fine); messages built lazily."""
    for attr, (check, expected) in spec.items():
        if attr not in data:
            return f"missing attribute {attr!r} (expected {expected})"
        if not check(data[attr]):
            return f"attribute {attr!r} = {data[attr]!r} is invalid (expected {expected})"
    return None


def _ref(G: nx.Graph, node: Any, attr: str, kind: str, relation: str) -> None:
    nodes = G.nodes
    target = nodes[node][attr]
    if target not in nodes or nodes[target].get("kind") != kind:
        found = "no such node" if target not in G else f"a {nodes[target].get('kind')!r} node"
        raise TopologyError(
            f"{nodes[node]['kind']} {node!r}: {attr}={target!r} must name a {kind} node, "
            f"found {found}"
        )
    edge = G.adj[node].get(target)
    if edge is None or edge.get("relation") != relation:
        raise TopologyError(
            f"{nodes[node]['kind']} {node!r}: expected a {relation!r} edge to its {attr} {target!r}"
        )


def upf_reachability(G: nx.Graph) -> set[Any]:
    """Nodes of the transport layer (routers, DCs) that reach a UPF-hosting DC over links."""
    nodes = G.nodes
    upf_dcs = {
        d["dc"] for _, d in nodes(data=True) if d.get("kind") == "nf" and d.get("nf_type") == "UPF"
    }
    seen = {dc for dc in upf_dcs if dc in nodes}
    queue = deque(seen)
    adj = G.adj
    while queue:
        node = queue.popleft()
        for nxt, edge in adj[node].items():
            if nxt not in seen and edge.get("relation") == "link":
                seen.add(nxt)
                queue.append(nxt)
    return seen


def validate_topology(G: nx.Graph) -> None:
    """Check a topology graph against the schema; raise on the first problem found.

    Checks every node's ``kind`` and typed attributes, every edge's ``relation``, its attributes
    and the kinds it joins, references (cell -> site, site -> router, DC -> router, NF -> DC),
    unique ``link_id``s, at least one UPF, and that every site's router reaches a data centre
    hosting a UPF over transport links.

    Args:
        G: The topology graph. It is never modified.

    Raises:
        TopologyError: Naming the node or edge, the attribute and what is expected.
    """
    if not isinstance(G, nx.Graph) or G.is_directed() or G.is_multigraph():
        raise TopologyError(
            f"topology must be an undirected networkx.Graph, got {type(G).__name__}"
        )
    if G.number_of_nodes() == 0:
        raise TopologyError("topology is empty: expected sites, cells, routers, a DC and a UPF")
    kinds: dict[Any, str] = {}
    for node, data in G.nodes(data=True):
        kind = data.get("kind")
        if kind is None:
            raise TopologyError(
                f"node {node!r}: missing attribute 'kind' (one of {list(NODE_KINDS)})"
            )
        if kind not in NODE_SPECS:
            raise TopologyError(
                f"node {node!r}: unknown kind {kind!r} (expected one of {list(NODE_KINDS)})"
            )
        problem = _bad_attr(data, NODE_SPECS[kind])
        if problem:
            raise TopologyError(f"{kind} {node!r}: {problem}")
        kinds[node] = kind
    link_ids: dict[str, tuple[Any, Any]] = {}
    for u, v, data in G.edges(data=True):
        rel = data.get("relation")
        if rel not in EDGE_SPECS:
            raise TopologyError(
                f"edge ({u!r}, {v!r}): relation {rel!r} is "
                f"{'missing' if rel is None else 'unknown'} (expected one of {list(RELATIONS)})"
            )
        if (kinds[u], kinds[v]) not in _EDGE_PAIRS[rel]:
            allowed = sorted("-".join(sorted(p) * (3 - len(p))) for p in EDGE_ENDS[rel])
            raise TopologyError(
                f"edge ({u!r}, {v!r}): a {rel!r} edge cannot join a {kinds[u]} and a {kinds[v]} "
                f"(allowed: {', '.join(allowed)})"
            )
        problem = _bad_attr(data, EDGE_SPECS[rel])
        if problem:
            label = f"link {data['link_id']!r}" if "link_id" in data else rel
            raise TopologyError(f"{label} edge ({u!r}, {v!r}): {problem}")
        if rel == "link":
            lid = data["link_id"]
            if lid in link_ids:
                raise TopologyError(
                    f"edge ({u!r}, {v!r}): link_id {lid!r} is already used by edge {link_ids[lid]}"
                )
            link_ids[lid] = (u, v)
    _check_references(G, kinds)
    _check_upf_reachability(G, kinds)


def validate_backbone(G: nx.Graph) -> None:
    """Check a backbone graph (as :func:`autonet.twin.backbone.load_backbone` returns).

    Every node must be a ``kind="router"`` with its attributes (``role``, ``x_km``, ``y_km``),
    every edge a ``relation="link"`` with its attributes (``capacity_mbps`` > 0, ...).

    Raises:
        TopologyError: Naming the node or edge, the attribute and what is expected.
    """
    if not isinstance(G, nx.Graph) or G.is_directed() or G.is_multigraph():
        raise TopologyError(
            f"backbone must be an undirected networkx.Graph, got {type(G).__name__}"
        )
    if G.number_of_nodes() == 0:
        raise TopologyError("backbone is empty: expected at least one router node")
    for node, data in G.nodes(data=True):
        if data.get("kind") != "router":
            raise TopologyError(
                f"backbone node {node!r}: kind {data.get('kind')!r}, expected 'router'"
            )
        problem = _bad_attr(data, NODE_SPECS["router"])
        if problem:
            raise TopologyError(f"backbone router {node!r}: {problem}")
    for u, v, data in G.edges(data=True):
        if data.get("relation") != "link":
            raise TopologyError(
                f"backbone edge ({u!r}, {v!r}): relation {data.get('relation')!r}, expected 'link'"
            )
        problem = _bad_attr(data, EDGE_SPECS["link"])
        if problem:
            raise TopologyError(f"backbone link ({u!r}, {v!r}): {problem}")


def _check_references(G: nx.Graph, kinds: Mapping[Any, str]) -> None:
    sites = 0
    for node, kind in kinds.items():
        if kind == "cell":
            _ref(G, node, "site", "site", "part_of")
        elif kind == "site":
            sites += 1
            _ref(G, node, "router", "router", "part_of")
        elif kind == "dc":
            _ref(G, node, "router", "router", "link")
        elif kind == "nf":
            _ref(G, node, "dc", "dc", "hosted_on")
    if sites == 0:
        raise TopologyError("topology has no site: expected at least one node of kind 'site'")


def _check_upf_reachability(G: nx.Graph, kinds: Mapping[Any, str]) -> None:
    if not any(kinds[n] == "nf" and G.nodes[n]["nf_type"] == "UPF" for n in kinds):
        raise TopologyError("topology has no UPF: expected at least one nf node with nf_type 'UPF'")
    reach = upf_reachability(G)
    for node, kind in kinds.items():
        if kind == "site" and G.nodes[node]["router"] not in reach:
            raise TopologyError(
                f"site {node!r}: its router {G.nodes[node]['router']!r} has no path of transport "
                "links to a data centre hosting a UPF"
            )
