"""Real backbones: Topology Zoo GraphML and SNDlib JSON networks as the core router layer."""

from __future__ import annotations

import json
import logging
import math
import os
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import networkx as nx

from autonet.twin.builder import link_latency_ms
from autonet.twin.validate import TopologyError

__all__ = [
    "BACKBONE_DEFAULT_CAPACITY_MBPS",
    "EARTH_RADIUS_KM",
    "great_circle_km",
    "load_backbone",
    "resolve_backbone",
]

logger = logging.getLogger(__name__)

EARTH_RADIUS_KM: Final[float] = 6371.0
# Used where the file gives no capacity (or gives it in unknown units): a 100G core wavelength.
BACKBONE_DEFAULT_CAPACITY_MBPS: Final[float] = 100_000.0
PREFIX: Final[str] = "BB-"


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in km between two points given in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2.0 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def resolve_backbone(source: str | Path, data_dir: Path | None = None) -> Path:
    """Turn a file path or a bare network name (``"Geant2012"``, ``"germany50"``) into a file.

    Bare names are looked up, case-insensitively, in ``<data_dir>/topology/zoo/*.graphml`` and
    ``<data_dir>/topology/sndlib/*.json``. ``data_dir`` defaults to ``$AUTONET_SHARED_DATA`` or
    ``../shared/data`` (next to the project, or to the working directory); the twin imports
    nothing of the platform, so callers holding settings pass ``shared_data_dir()`` explicitly.
    """
    path = Path(source)
    if path.suffix.lower() in (".graphml", ".json") or path.exists():
        if not path.is_file():
            raise TopologyError(f"backbone file {str(path)!r} does not exist")
        return path
    data_dir = data_dir or _default_data_dir()
    if data_dir is None:
        raise TopologyError(
            f"backbone {str(source)!r} is not a file and the shared data folder (../shared/data "
            "or $AUTONET_SHARED_DATA) is absent; give a .graphml or .json path"
        )
    wanted = str(source).lower()
    folders = (data_dir / "topology" / "zoo", data_dir / "topology" / "sndlib")
    candidates = sorted(p for folder in folders if folder.is_dir() for p in folder.iterdir())
    usable = [p for p in candidates if p.suffix in (".graphml", ".json")]
    # An exact-case match wins ("Abilene" is the Zoo file, "abilene" the SNDlib one).
    for match in (lambda p: p.stem == str(source), lambda p: p.stem.lower() == wanted):
        found = [p for p in usable if match(p)]
        if found:
            return found[0]
    examples = ", ".join(p.stem for p in candidates[:8])
    raise TopologyError(
        f"unknown backbone {str(source)!r}: no {wanted}.graphml or {wanted}.json in "
        f"{', '.join(str(f) for f in folders)} (available include: {examples}, ...)"
    )


def _default_data_dir() -> Path | None:
    env = os.environ.get("AUTONET_SHARED_DATA")
    candidates = [Path(env)] if env else []
    candidates += [
        Path(__file__).resolve().parents[2].parent / "shared" / "data",
        Path.cwd().parent / "shared" / "data",
    ]
    return next((c for c in candidates if c.is_dir()), None)


def _coord(where: str, value: Any, name: str, limit: float) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise TopologyError(f"{where}: {name} {value!r} is not a number") from None
    if not math.isfinite(x) or abs(x) > limit:
        raise TopologyError(f"{where}: {name} {x} is outside [-{limit:g}, {limit:g}] degrees")
    return x


def _read_zoo(path: Path) -> tuple[nx.Graph, dict[Any, str]]:
    try:
        raw = nx.read_graphml(path)
    except (ET.ParseError, nx.NetworkXError, KeyError, ValueError) as exc:
        raise TopologyError(f"{path}: not a readable GraphML file ({exc})") from None
    G = nx.Graph(name=raw.graph.get("label") or raw.graph.get("Network") or path.stem)
    labels = [str(d.get("label", n)) for n, d in raw.nodes(data=True)]
    names: dict[Any, str] = {}
    for (node, data), label in zip(raw.nodes(data=True), labels, strict=True):
        names[node] = label if labels.count(label) == 1 else f"{label}-{node}"
        attrs: dict[str, Any] = {"label": label}
        if "Latitude" in data and "Longitude" in data:
            where = f"{path.name}: node {node!r} ({label})"
            attrs["lat"] = _coord(where, data["Latitude"], "Latitude", 90.0)
            attrs["lon"] = _coord(where, data["Longitude"], "Longitude", 180.0)
        G.add_node(node, **attrs)
    for u, v, data in raw.edges(data=True):
        if u == v:
            continue
        speed = data.get("LinkSpeedRaw")
        cap = float(speed) / 1e6 if isinstance(speed, int | float) and speed > 0 else None
        if G.has_edge(u, v):  # parallel links add up
            prev = G.edges[u, v]["capacity_mbps"]
            G.edges[u, v]["capacity_mbps"] = None if prev is None or cap is None else prev + cap
        else:
            G.add_edge(u, v, capacity_mbps=cap)
    return G, names


def _read_sndlib(path: Path) -> tuple[nx.Graph, dict[Any, str]]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TopologyError(f"{path}: not a readable JSON file ({exc})") from None
    if (
        not isinstance(doc, Mapping)
        or not isinstance(doc.get("nodes"), list)
        or not isinstance(doc.get("links"), list)
    ):
        raise TopologyError(
            f"{path}: expected an SNDlib JSON object with 'nodes' and 'links' lists"
        )
    unit = (doc.get("meta") or {}).get("unit")
    G = nx.Graph(name=path.stem)
    for i, node in enumerate(doc["nodes"]):
        if not isinstance(node, Mapping) or "id" not in node:
            raise TopologyError(f"{path}: nodes[{i}] has no 'id'")
        where = f"{path.name}: node {node['id']!r}"
        G.add_node(
            str(node["id"]),
            label=str(node["id"]),
            lat=_coord(where, node.get("latitude"), "latitude", 90.0),
            lon=_coord(where, node.get("longitude"), "longitude", 180.0),
        )
    for i, link in enumerate(doc["links"]):
        lid = link.get("id", i) if isinstance(link, Mapping) else i
        if not isinstance(link, Mapping) or "source" not in link or "target" not in link:
            raise TopologyError(f"{path}: links[{i}] ({lid!r}) needs 'source' and 'target'")
        u, v = str(link["source"]), str(link["target"])
        for end in (u, v):
            if end not in G:
                raise TopologyError(f"{path}: link {lid!r} names unknown node {end!r}")
        cap: float | None = None
        if unit == "MBITPERSEC":  # capacities in other (abstract) units are not Mbit/s
            modules = [float(m.get("module_capacity", 0)) for m in link.get("modules") or []]
            installed = float(link.get("pre_installed_capacity") or 0.0)
            cap = installed if installed > 0 else max(modules, default=0.0) or None
        if u != v:
            prev = G.edges[u, v]["capacity_mbps"] if G.has_edge(u, v) else 0.0
            G.add_edge(u, v, capacity_mbps=None if cap is None or prev is None else prev + cap)
    return G, {n: n for n in G}


def _place_missing(G: nx.Graph, path: Path) -> None:
    """Place nodes lacking coordinates at their located neighbours' mean; drop the rest."""
    missing = [n for n, d in G.nodes(data=True) if "lat" not in d]
    while missing:
        placed = []
        for n in missing:
            known = [m for m in G.neighbors(n) if "lat" in G.nodes[m]]
            if known:
                placed.append(
                    (
                        n,
                        sum(G.nodes[m]["lat"] for m in known) / len(known),
                        sum(G.nodes[m]["lon"] for m in known) / len(known),
                    )
                )
        if not placed:
            break
        for n, lat, lon in placed:
            G.nodes[n].update(lat=lat, lon=lon)
            logger.info(
                "%s: node %r has no coordinates; placed at its neighbours' mean", path.name, n
            )
        missing = [n for n in missing if "lat" not in G.nodes[n]]
    if missing:
        logger.warning(
            "%s: dropped %d node(s) without coordinates or located neighbours: %s",
            path.name,
            len(missing),
            sorted(map(str, missing))[:10],
        )
        G.remove_nodes_from(missing)


def load_backbone(
    source: str | Path,
    *,
    data_dir: Path | None = None,
    capacity_mbps: float | None = None,
) -> nx.Graph:
    """Load a real backbone as core routers with positions, capacities and latencies.

    Topology Zoo GraphML (``Latitude``/``Longitude`` per node, ``LinkSpeedRaw`` in bit/s where
    known) or SNDlib JSON (``latitude``/``longitude``; capacity = pre-installed capacity, else
    the largest module, used only when ``meta.unit`` is ``MBITPERSEC``). Missing capacities get
    ``BACKBONE_DEFAULT_CAPACITY_MBPS``. Zoo nodes without coordinates are placed at the mean of
    their located neighbours (or dropped, with a warning, when none is located); parallel links
    are merged (capacities add); only the largest connected component is kept (warning).
    Positions use an equirectangular projection around the mean latitude/longitude; latency is
    5 us per great-circle km plus one forwarding hop.

    Args:
        source: A ``.graphml`` / ``.json`` path or a bare name resolved by :func:`resolve_backbone`.
        data_dir: Shared data folder for bare names (default ``shared_data_dir()``).
        capacity_mbps: Override every link's capacity (e.g. to scale an old backbone up).

    Returns:
        Graph of nodes ``"BB-<label>"`` (kind router, role core, x_km, y_km, lat, lon, label)
        and link edges (capacity_mbps, latency_ms, medium fibre, link_id, capacity_source).

    Raises:
        TopologyError: Unknown name, unreadable file or bad content, naming file and element.
    """
    if capacity_mbps is not None and not (math.isfinite(capacity_mbps) and capacity_mbps > 0):
        raise TopologyError(f"capacity_mbps must be a finite number > 0, got {capacity_mbps!r}")
    path = resolve_backbone(source, data_dir)
    reader = _read_zoo if path.suffix.lower() == ".graphml" else _read_sndlib
    G, names = reader(path)
    _place_missing(G, path)
    if G.number_of_nodes() == 0:
        raise TopologyError(f"{path}: no node with coordinates; cannot place a backbone")
    parts = sorted(nx.connected_components(G), key=len, reverse=True)
    if len(parts) > 1:
        dropped = sorted(str(names[n]) for part in parts[1:] for n in part)
        logger.warning("%s: kept the largest connected component; dropped %s", path.name, dropped)
        G = G.subgraph(parts[0]).copy()
    lat0 = sum(d["lat"] for _, d in G.nodes(data=True)) / G.number_of_nodes()
    lon0 = sum(d["lon"] for _, d in G.nodes(data=True)) / G.number_of_nodes()
    k = math.pi / 180.0 * EARTH_RADIUS_KM
    out = nx.Graph(name=G.graph.get("name", path.stem), source=str(path))
    for n, d in G.nodes(data=True):
        out.add_node(
            PREFIX + names[n],
            kind="router",
            role="core",
            label=d["label"],
            lat=d["lat"],
            lon=d["lon"],
            x_km=round((d["lon"] - lon0) * k * math.cos(math.radians(lat0)), 4),
            y_km=round((d["lat"] - lat0) * k, 4),
        )
    for u, v, d in G.edges(data=True):
        a, b = PREFIX + names[u], PREFIX + names[v]
        km = great_circle_km(
            G.nodes[u]["lat"], G.nodes[u]["lon"], G.nodes[v]["lat"], G.nodes[v]["lon"]
        )
        cap = capacity_mbps or d["capacity_mbps"]
        out.add_edge(
            a,
            b,
            relation="link",
            medium="fibre",
            link_id=f"{a}--{b}",
            capacity_mbps=float(cap or BACKBONE_DEFAULT_CAPACITY_MBPS),
            capacity_source="override" if capacity_mbps else ("file" if cap else "default"),
            latency_ms=round(link_latency_ms(km), 5),
            distance_km=round(km, 3),
        )
    logger.info(
        "backbone %s: %d nodes, %d links", path.name, out.number_of_nodes(), out.number_of_edges()
    )
    return out
