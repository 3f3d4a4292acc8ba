"""Hand-built topologies: a fluent builder and the tiny canonical networks the tests use."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final, Literal

import networkx as nx

from autonet.twin.schema import AreaType
from autonet.twin.validate import TopologyError, validate_topology

__all__ = [
    "BANDS",
    "FIBRE_MS_PER_KM",
    "FORWARDING_MS",
    "BandProfile",
    "TopologyBuilder",
    "chain_topology",
    "link_latency_ms",
    "three_cell_topology",
]

FIBRE_MS_PER_KM: Final[float] = 0.005  # light in glass: ~5 us per km
FORWARDING_MS: Final[float] = 0.05  # per hop: serialisation + switching of one router


@dataclass(frozen=True, slots=True)
class BandProfile:
    """A carrier configuration: 3GPP band, centre frequency, channel bandwidth and its PRBs."""

    band: str
    freq_mhz: float
    bandwidth_mhz: float
    prbs: int  # TS 38.101-1 table 5.3.2-1 for the numerology below
    scs_khz: int


# Capacity layer (n78, 30 kHz SCS: 273 PRBs in 100 MHz) and coverage layer (n28, 15 kHz SCS:
# 106 PRBs in 20 MHz), plus two mid bands used for refarmed LTE spectrum.
BANDS: Final[dict[str, BandProfile]] = {
    "n78": BandProfile("n78", 3500.0, 100.0, 273, 30),
    "n28": BandProfile("n28", 763.0, 20.0, 106, 15),
    "n1": BandProfile("n1", 2140.0, 20.0, 106, 15),
    "n3": BandProfile("n3", 1842.5, 20.0, 106, 15),
}


def link_latency_ms(distance_km: float) -> float:
    """One-way latency of a link: propagation in fibre plus one forwarding hop."""
    return FIBRE_MS_PER_KM * distance_km + FORWARDING_MS


class TopologyBuilder:
    """Build a small topology node by node, checking references as it goes.

    Conventions: a cell is ``part_of`` its site, a site is ``part_of`` its access router (its
    backhaul attachment), a data centre is joined to its router by a transport ``link``, a
    network function is ``hosted_on`` its data centre. ``build()`` validates the whole graph.

    Example:
        >>> b = TopologyBuilder()
        >>> _ = b.router("CR1", role="core").dc("DC1", router="CR1").nf("UPF1", "UPF", dc="DC1")
        >>> _ = b.router("AR1", role="access").link("AR1", "CR1")
        >>> _ = b.site("S1", 0.0, 0.0, router="AR1").cell("S1-C1", "S1")
        >>> b.build().number_of_nodes()
        6
    """

    def __init__(self) -> None:
        self._G = nx.Graph()

    # -- helpers -------------------------------------------------------------------------------
    def _new(self, node: str, **attrs: Any) -> None:
        if not isinstance(node, str) or not node:
            raise TopologyError(f"node id must be a non-empty string, got {node!r}")
        if node in self._G:
            raise TopologyError(f"node {node!r} already exists (a {self._G.nodes[node]['kind']})")
        self._G.add_node(node, **attrs)

    def _need(self, node: str, kind: str, what: str) -> dict[str, Any]:
        if node not in self._G:
            raise TopologyError(f"{what}: unknown {kind} {node!r}; add it first")
        data: dict[str, Any] = self._G.nodes[node]
        if data["kind"] != kind:
            raise TopologyError(f"{what}: {node!r} is a {data['kind']}, expected a {kind}")
        return data

    def _pos(self, node: str) -> tuple[float, float]:
        data = self._G.nodes[node]
        return float(data["x_km"]), float(data["y_km"])

    # -- nodes ---------------------------------------------------------------------------------
    def router(
        self,
        router_id: str,
        *,
        role: Literal["access", "aggregation", "core"] = "access",
        x_km: float = 0.0,
        y_km: float = 0.0,
    ) -> TopologyBuilder:
        """Add a transport router."""
        self._new(router_id, kind="router", role=role, x_km=float(x_km), y_km=float(y_km))
        return self

    def site(
        self,
        site_id: str,
        x_km: float,
        y_km: float,
        *,
        router: str,
        area: AreaType = "urban",
        region: str = "centre",
    ) -> TopologyBuilder:
        """Add a radio site backhauled by ``router`` (which must exist)."""
        self._need(router, "router", f"site {site_id!r}")
        self._new(
            site_id,
            kind="site",
            x_km=float(x_km),
            y_km=float(y_km),
            area=area,
            region=region,
            router=router,
        )
        self._G.add_edge(site_id, router, relation="part_of")
        return self

    def cell(
        self,
        cell_id: str | None,
        site: str,
        *,
        sector: int | None = None,
        azimuth_deg: float | None = None,
        band: str = "n78",
        bandwidth_mhz: float | None = None,
        prbs: int | None = None,
        freq_mhz: float | None = None,
        max_tx_w: float = 20.0,
        tilt_deg: float = 6.0,
    ) -> TopologyBuilder:
        """Add a cell on ``site``.

        Defaults: the next sector number of the site, azimuth ``(sector - 1) * 120``, the band's
        bandwidth/PRBs/frequency from ``BANDS`` (n78: 100 MHz, 273 PRBs), 20 W (EARTH macro),
        6 degrees downtilt, the site's position and area. ``cell_id=None`` names it
        ``"<site>-C<sector>"``.
        """
        site_data = self._need(site, "site", f"cell {cell_id!r}")
        if sector is None:
            sector = 1 + sum(
                1 for n in self._G.neighbors(site) if self._G.nodes[n]["kind"] == "cell"
            )
        profile = BANDS.get(band)
        if profile is None:
            if bandwidth_mhz is None or prbs is None or freq_mhz is None:
                raise TopologyError(
                    f"cell on {site!r}: band {band!r} has no default profile (known: "
                    f"{sorted(BANDS)}); give bandwidth_mhz, prbs and freq_mhz"
                )
            profile = BandProfile(band, freq_mhz, bandwidth_mhz, prbs, 30)
        cid = cell_id if cell_id is not None else f"{site}-C{sector}"
        self._new(
            cid,
            kind="cell",
            site=site,
            sector=int(sector),
            azimuth_deg=float((sector - 1) * 120.0 if azimuth_deg is None else azimuth_deg),
            band=band,
            freq_mhz=float(profile.freq_mhz if freq_mhz is None else freq_mhz),
            bandwidth_mhz=float(profile.bandwidth_mhz if bandwidth_mhz is None else bandwidth_mhz),
            prbs=int(profile.prbs if prbs is None else prbs),
            max_tx_w=float(max_tx_w),
            tilt_deg=float(tilt_deg),
            area=site_data["area"],
            x_km=float(site_data["x_km"]),
            y_km=float(site_data["y_km"]),
        )
        self._G.add_edge(cid, site, relation="part_of")
        return self

    def dc(
        self,
        dc_id: str,
        *,
        router: str,
        tier: Literal["central", "edge"] = "central",
        capacity_mbps: float = 400_000.0,
        latency_ms: float = FORWARDING_MS,
    ) -> TopologyBuilder:
        """Add a data centre at ``router``'s position, joined to it by a fibre link."""
        self._need(router, "router", f"dc {dc_id!r}")
        x, y = self._pos(router)
        self._new(dc_id, kind="dc", tier=tier, router=router, x_km=x, y_km=y)
        self.link(router, dc_id, capacity_mbps=capacity_mbps, latency_ms=latency_ms)
        return self

    def nf(
        self,
        nf_id: str,
        nf_type: Literal["AMF", "SMF", "UPF"],
        *,
        dc: str,
        capacity_mbps: float = 100_000.0,
        instances: int = 1,
    ) -> TopologyBuilder:
        """Add a core network function hosted on data centre ``dc``."""
        self._need(dc, "dc", f"nf {nf_id!r}")
        self._new(
            nf_id,
            kind="nf",
            nf_type=nf_type,
            dc=dc,
            capacity_mbps=float(capacity_mbps),
            instances=int(instances),
        )
        self._G.add_edge(nf_id, dc, relation="hosted_on")
        return self

    # -- edges ---------------------------------------------------------------------------------
    def link(
        self,
        u: str,
        v: str,
        *,
        capacity_mbps: float = 10_000.0,
        latency_ms: float | None = None,
        medium: Literal["fibre", "microwave"] = "fibre",
        link_id: str | None = None,
    ) -> TopologyBuilder:
        """Add a transport link; latency defaults to ``link_latency_ms(distance)``."""
        for end in (u, v):
            if end not in self._G or self._G.nodes[end]["kind"] not in ("router", "dc"):
                raise TopologyError(f"link ({u!r}, {v!r}): {end!r} is not a router or dc node")
        if self._G.has_edge(u, v):
            raise TopologyError(f"link ({u!r}, {v!r}): the two nodes are already joined")
        if latency_ms is None:
            (xu, yu), (xv, yv) = self._pos(u), self._pos(v)
            latency_ms = link_latency_ms(math.hypot(xu - xv, yu - yv))
        self._G.add_edge(
            u,
            v,
            relation="link",
            capacity_mbps=float(capacity_mbps),
            latency_ms=float(latency_ms),
            medium=medium,
            link_id=link_id if link_id is not None else f"{u}--{v}",
        )
        return self

    def neighbour(
        self, a: str, b: str, *, overlap: float = 0.2, distance_km: float | None = None
    ) -> TopologyBuilder:
        """Add a (symmetric) neighbour relation between two cells."""
        for end in (a, b):
            self._need(end, "cell", f"neighbour ({a!r}, {b!r})")
        if a == b:
            raise TopologyError(f"neighbour ({a!r}, {b!r}): a cell cannot neighbour itself")
        if distance_km is None:
            (xa, ya), (xb, yb) = self._pos(a), self._pos(b)
            distance_km = math.hypot(xa - xb, ya - yb)
        self._G.add_edge(
            a, b, relation="neighbour", overlap=float(overlap), distance_km=float(distance_km)
        )
        return self

    def build(self, *, validate: bool = True) -> nx.Graph:
        """A copy of the graph built so far, validated with ``validate_topology``."""
        G = self._G.copy()
        if validate:
            validate_topology(G)
        return G


def _core(b: TopologyBuilder, upf_capacity_mbps: float) -> None:
    b.router("CR1", role="core", x_km=0.0, y_km=-10.0)
    b.dc("DC1", router="CR1", tier="central")
    b.nf("AMF1", "AMF", dc="DC1").nf("SMF1", "SMF", dc="DC1")
    b.nf("UPF1", "UPF", dc="DC1", capacity_mbps=upf_capacity_mbps)
    b.router("AGG1", role="aggregation", x_km=0.0, y_km=-2.0)
    b.link("AGG1", "CR1", capacity_mbps=100_000.0)


def three_cell_topology() -> nx.Graph:
    """Three sites in a row, one cell each: the canonical hand-checkable twin.

    Hand values:
        - ``S1-C1``: urban, (0, 0) km, n78 100 MHz, 273 PRBs, 20 W, azimuth 90 (east), tilt 6.
        - ``S2-C1``: suburban, (1, 0) km, n78 100 MHz, 273 PRBs, 20 W, azimuth 270 (west).
        - ``S3-C1``: rural, (4, 0) km, n28 20 MHz, 106 PRBs, 20 W, azimuth 270 (west).
        - Neighbours: S1-C1 ~ S2-C1 overlap 0.3 (1 km); S2-C1 ~ S3-C1 overlap 0.2 (3 km);
          S1-C1 and S3-C1 are not neighbours. So an outage of S2-C1 can hand 0.3 of its users
          to S1-C1 and 0.2 to S3-C1 (0.5 are lost); an outage of S1-C1 hands 0.3 to S2-C1.
        - Transport: access routers AR1..AR3 (one per site) each on its own 10 Gbit/s fibre
          to AGG1; AGG1 - CR1 100 Gbit/s; central DC1 at CR1 with AMF1, SMF1 and UPF1
          (20 Gbit/s, 1 instance).
    """
    b = TopologyBuilder()
    _core(b, upf_capacity_mbps=20_000.0)
    layout: tuple[tuple[str, float, AreaType, str, float], ...] = (
        ("S1", 0.0, "urban", "n78", 90.0),
        ("S2", 1.0, "suburban", "n78", 270.0),
        ("S3", 4.0, "rural", "n28", 270.0),
    )
    for i, (site, x, area, band, azimuth) in enumerate(layout, start=1):
        b.router(f"AR{i}", role="access", x_km=x, y_km=0.0)
        b.link(f"AR{i}", "AGG1", capacity_mbps=10_000.0)
        b.site(site, x, 0.0, router=f"AR{i}", area=area)
        b.cell(None, site, band=band, azimuth_deg=azimuth)
    b.neighbour("S1-C1", "S2-C1", overlap=0.3)
    b.neighbour("S2-C1", "S3-C1", overlap=0.2)
    return b.build()


def chain_topology(*, cells_per_site: int = 1) -> nx.Graph:
    """An access chain for fibre-cut tests: what is behind a cut link is known by hand.

    ``AGG1 -- AR1 -- AR2`` is a chain (links ``"AGG1--AR1"`` and ``"AR1--AR2"``) and ``AR3``
    hangs directly off ``AGG1`` (link ``"AGG1--AR3"``). Sites ``S1``, ``S2``, ``S3`` sit behind
    ``AR1``, ``AR2`` and ``AR3``; each has ``cells_per_site`` n78 cells ``S<i>-C<k>``. Cutting
    ``AR1--AR2`` isolates ``S2`` only; cutting ``AGG1--AR1`` isolates ``S1`` and ``S2``;
    ``S3`` is never behind either. Core as in ``three_cell_topology``: AGG1 - CR1 - DC1.
    """
    if not isinstance(cells_per_site, int) or not 1 <= cells_per_site <= 3:
        raise TopologyError(f"cells_per_site must be an integer in 1..3, got {cells_per_site!r}")
    b = TopologyBuilder()
    _core(b, upf_capacity_mbps=20_000.0)
    for i, (x, y) in enumerate(((1.0, -1.0), (2.0, 0.0), (-1.0, -1.0)), start=1):
        b.router(f"AR{i}", role="access", x_km=x, y_km=y)
        b.site(f"S{i}", x, y, router=f"AR{i}", area="urban")
        for _ in range(cells_per_site):
            b.cell(None, f"S{i}")
    b.link("AGG1", "AR1").link("AR1", "AR2").link("AGG1", "AR3")
    return b.build()
