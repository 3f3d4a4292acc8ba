"""The typed schema of the twin's topology graph: node kinds, node and edge attributes.

The topology is one ``networkx.Graph``. Every node has a ``kind``; every edge a ``relation``.
The attributes each kind carries are the ``TypedDict``s below (units in the names). Builders
(synthetic layouts, real backbones) produce graphs in this schema; the engine compiles them into
flat numpy arrays; analytics read them without mutating them.
"""

from __future__ import annotations

from typing import Final, Literal, TypedDict

__all__ = [
    "AREA_TYPES",
    "DOMAINS",
    "NODE_KINDS",
    "RELATIONS",
    "AreaType",
    "CellAttrs",
    "DataCentreAttrs",
    "Domain",
    "LinkAttrs",
    "NeighbourAttrs",
    "NetworkFunctionAttrs",
    "NodeKind",
    "Relation",
    "RouterAttrs",
    "SiteAttrs",
]

NodeKind = Literal["site", "cell", "router", "dc", "nf"]
Relation = Literal["part_of", "link", "neighbour", "hosted_on"]
AreaType = Literal["urban", "suburban", "rural"]
Domain = Literal["ran", "transport", "core", "edge"]

NODE_KINDS: Final[tuple[str, ...]] = ("site", "cell", "router", "dc", "nf")
RELATIONS: Final[tuple[str, ...]] = ("part_of", "link", "neighbour", "hosted_on")
AREA_TYPES: Final[tuple[str, ...]] = ("urban", "suburban", "rural")
DOMAINS: Final[tuple[str, ...]] = ("ran", "transport", "core", "edge")


class SiteAttrs(TypedDict):
    """A radio site (one gNB): node id like ``"S0001"``."""

    kind: Literal["site"]
    x_km: float  # east of the layout origin
    y_km: float  # north of the layout origin
    area: AreaType
    region: str  # operator-facing cluster name, e.g. "north"
    router: str  # node id of the cell-site (access) router that backhauls it


class CellAttrs(TypedDict):
    """A sector carrier (NR cell): node id like ``"S0001-C1"``."""

    kind: Literal["cell"]
    site: str
    sector: int  # 1..3
    azimuth_deg: float  # 0 = north, clockwise
    band: str  # 3GPP band name, e.g. "n78"
    freq_mhz: float  # carrier centre frequency
    bandwidth_mhz: float
    prbs: int  # physical resource blocks at that bandwidth and numerology
    max_tx_w: float  # maximum transmit power
    tilt_deg: float  # electrical downtilt
    area: AreaType
    x_km: float
    y_km: float


class RouterAttrs(TypedDict):
    """A transport router: cell-site (access), aggregation or core."""

    kind: Literal["router"]
    role: Literal["access", "aggregation", "core"]
    x_km: float
    y_km: float


class DataCentreAttrs(TypedDict):
    """A data centre hosting core network functions."""

    kind: Literal["dc"]
    tier: Literal["central", "edge"]
    router: str  # the router it attaches to
    x_km: float
    y_km: float


class NetworkFunctionAttrs(TypedDict):
    """A 5G core network function instance (AMF, SMF or UPF)."""

    kind: Literal["nf"]
    nf_type: Literal["AMF", "SMF", "UPF"]
    dc: str
    capacity_mbps: float  # user-plane capacity (UPF); signalling capacity otherwise
    instances: int


class LinkAttrs(TypedDict):
    """A transport link between routers (or router and data centre)."""

    relation: Literal["link"]
    capacity_mbps: float
    latency_ms: float  # one-way propagation and forwarding
    medium: Literal["fibre", "microwave"]
    link_id: str


class NeighbourAttrs(TypedDict):
    """A neighbour relation between two cells (from geometry)."""

    relation: Literal["neighbour"]
    overlap: float  # 0..1: share of either cell's users the other can serve
    distance_km: float
