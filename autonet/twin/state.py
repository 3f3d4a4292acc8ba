"""The twin's data: the frozen compiled topology and the mutable per-step state arrays.

Two objects carry everything the engine computes with:

* :class:`CompiledTopology` is built once from the networkx graph by
  :func:`autonet.twin.compile.compile_topology`. It is immutable (numpy arrays are made
  read-only) and shared between a twin and all its clones.
* :class:`TwinState` holds what faults and actions change. ``Twin.clone()`` copies it with
  :meth:`TwinState.copy`; faults and actions mutate it in place (or replace whole arrays, e.g. a
  reroute replaces ``path_ptr``/``path_idx``) and remember the old values so they can restore them.

Index conventions: every ``*_index`` dict maps a node id (or ``link_id``) to its position in the
matching ``*_ids`` list, and every integer array that refers to another object holds such a
position. Transport nodes (routers and data centres) share one index, ``tnode_ids``; links join two
transport nodes (``link_u``/``link_v``). Each site's backhaul path is the ordered list of link
indices from its access router to the data centre of the UPF serving it, stored as CSR:
``path_idx[path_ptr[s]:path_ptr[s + 1]]``.

UPF capacity is *per instance*: a UPF carries at most ``upf_capacity_mbps * upf_instances``
(plus nothing of ``upf_background_mbps``, which is load from outside the modelled RAN).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Final

import networkx as nx
import numpy as np
from numpy.typing import NDArray

__all__ = [
    "AREA_CODES",
    "UPF_TIERS",
    "CompiledTopology",
    "TwinState",
]

#: Area type -> code used in ``cell_area`` / ``site_area``.
AREA_CODES: Final[dict[str, int]] = {"urban": 0, "suburban": 1, "rural": 2}
#: UPF tier -> code used in ``upf_tier``.
UPF_TIERS: Final[dict[str, int]] = {"central": 0, "edge": 1}

I32 = NDArray[np.int32]
I64 = NDArray[np.int64]
F32 = NDArray[np.float32]
I8 = NDArray[np.int8]
B = NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class CompiledTopology:
    """The topology as flat, read-only numpy arrays (built by ``compile_topology``).

    Attributes:
        graph: The source graph in the schema of :mod:`autonet.twin.schema`; never mutated.
        cell_ids: Cell node ids, in index order.
        cell_index: Cell id -> index.
        cell_site: ``int32[n_cells]`` index of the cell's site.
        cell_area: ``int8[n_cells]`` area code (0 urban, 1 suburban, 2 rural).
        cell_sector: ``int8[n_cells]`` sector number (1..3).
        cell_band: Band name per cell (e.g. ``"n78"``).
        cell_tdd: ``bool[n_cells]`` True for a TDD band (DL/UL share one carrier).
        cell_freq_mhz: ``float32[n_cells]`` carrier centre frequency.
        cell_prbs: ``int32[n_cells]`` planned PRBs.
        cell_bandwidth_mhz: ``float32[n_cells]`` channel bandwidth.
        cell_max_tx_w: ``float32[n_cells]`` maximum (planned) transmit power.
        cell_tilt_deg: ``float32[n_cells]`` planned electrical downtilt.
        cell_azimuth_deg: ``float32[n_cells]`` sector azimuth (0 = north, clockwise).
        cell_x_km: ``float32[n_cells]`` position east of the origin.
        cell_y_km: ``float32[n_cells]`` position north of the origin.
        cell_prb_bits_dl: ``float32[n_cells]`` DL bit/s one PRB carries per (bit/s/Hz) of
            spectral efficiency (PRB bandwidth x layers x DL time share x (1 - overhead)).
        cell_prb_bits_ul: ``float32[n_cells]`` the same for UL.
        cell_capacity_dl_mbps: ``float32[n_cells]`` DL capacity at full PRB use and nominal
            SINR (no neighbour interference, planned tilt and power).
        cell_capacity_ul_mbps: ``float32[n_cells]`` the same for UL.
        nbr_ptr: ``int64[n_cells + 1]`` CSR row pointers of the (symmetric) neighbour relation.
        nbr_idx: ``int32[n_nbr]`` neighbour cell indices.
        nbr_overlap: ``float32[n_nbr]`` share (0..1) of the row cell's users the neighbour can
            serve.
        site_ids: Site node ids.
        site_index: Site id -> index.
        site_area: ``int8[n_sites]`` area code.
        site_router: ``int32[n_sites]`` transport-node index of the site's access router.
        site_cell_ptr: ``int64[n_sites + 1]`` CSR pointers of cells per site.
        site_cell_idx: ``int32[n_cells]`` cell indices grouped by site.
        tnode_ids: Transport node ids (routers and data centres).
        tnode_index: Transport node id -> index.
        link_ids: ``link_id`` of every transport link.
        link_index: ``link_id`` -> index.
        link_u: ``int32[n_links]`` transport-node index of one end.
        link_v: ``int32[n_links]`` transport-node index of the other end.
        link_capacity_mbps: ``float32[n_links]`` planned capacity.
        link_latency_ms: ``float32[n_links]`` one-way latency.
        path_ptr: ``int64[n_sites + 1]`` planned backhaul path CSR pointers.
        path_idx: ``int32[n_path]`` link indices of each site's path, access router first.
        site_upf: ``int32[n_sites]`` index of the UPF serving the site (nearest by latency).
        upf_ids: UPF node ids.
        upf_index: UPF id -> index.
        upf_dc: ``int32[n_upfs]`` transport-node index of the UPF's data centre.
        upf_capacity_mbps: ``float32[n_upfs]`` user-plane capacity per instance.
        upf_instances: ``int32[n_upfs]`` planned instance count.
        upf_tier: ``int8[n_upfs]`` tier code (0 central, 1 edge).
        cell_demand_share: ``float32[n_cells]`` share of its sector's demand a cell carries
            (dual-layer topologies, :mod:`autonet.twin.layers`); None = every cell its own.
        cell_demand_of: ``int32[n_cells]`` cell whose per-cell traffic scale a cell shares
            (a coverage cell: its capacity partner); None with ``cell_demand_share``.
    """

    graph: nx.Graph
    cell_ids: list[str]
    cell_index: dict[str, int]
    cell_site: I32
    cell_area: I8
    cell_sector: I8
    cell_band: list[str]
    cell_tdd: B
    cell_freq_mhz: F32
    cell_prbs: I32
    cell_bandwidth_mhz: F32
    cell_max_tx_w: F32
    cell_tilt_deg: F32
    cell_azimuth_deg: F32
    cell_x_km: F32
    cell_y_km: F32
    cell_prb_bits_dl: F32
    cell_prb_bits_ul: F32
    cell_capacity_dl_mbps: F32
    cell_capacity_ul_mbps: F32
    nbr_ptr: I64
    nbr_idx: I32
    nbr_overlap: F32
    site_ids: list[str]
    site_index: dict[str, int]
    site_area: I8
    site_router: I32
    site_cell_ptr: I64
    site_cell_idx: I32
    tnode_ids: list[str]
    tnode_index: dict[str, int]
    link_ids: list[str]
    link_index: dict[str, int]
    link_u: I32
    link_v: I32
    link_capacity_mbps: F32
    link_latency_ms: F32
    path_ptr: I64
    path_idx: I32
    site_upf: I32
    upf_ids: list[str]
    upf_index: dict[str, int]
    upf_dc: I32
    upf_capacity_mbps: F32
    upf_instances: I32
    upf_tier: I8
    cell_demand_share: F32 | None = None
    cell_demand_of: I32 | None = None

    def __post_init__(self) -> None:
        for value in self.__dict__.values():
            if isinstance(value, np.ndarray):
                value.setflags(write=False)

    @property
    def n_cells(self) -> int:
        """Number of cells."""
        return len(self.cell_ids)

    @property
    def n_sites(self) -> int:
        """Number of sites."""
        return len(self.site_ids)

    @property
    def n_links(self) -> int:
        """Number of transport links."""
        return len(self.link_ids)

    @property
    def n_upfs(self) -> int:
        """Number of UPFs."""
        return len(self.upf_ids)

    def cells_of_site(self, site: int) -> I32:
        """Cell indices of site index ``site``."""
        return self.site_cell_idx[self.site_cell_ptr[site] : self.site_cell_ptr[site + 1]]

    def neighbours_of(self, cell: int) -> tuple[I32, F32]:
        """Neighbour indices and overlaps of cell index ``cell``."""
        lo, hi = self.nbr_ptr[cell], self.nbr_ptr[cell + 1]
        return self.nbr_idx[lo:hi], self.nbr_overlap[lo:hi]

    def sites_using_link(
        self, link: int, path_ptr: I64 | None = None, path_idx: I32 | None = None
    ) -> I32:
        """Site indices whose backhaul path contains link index ``link``.

        Args:
            link: Link index.
            path_ptr: Path pointers to use (e.g. ``TwinState.path_ptr``); planned if None.
            path_idx: Path link indices matching ``path_ptr``.
        """
        ptr = self.path_ptr if path_ptr is None else path_ptr
        idx = self.path_idx if path_idx is None else path_idx
        owner = np.repeat(np.arange(len(ptr) - 1, dtype=np.int32), np.diff(ptr))
        return np.unique(owner[idx == link]).astype(np.int32)


@dataclass(eq=False)
class TwinState:
    """Everything faults and actions change; deep-copied by ``Twin.clone()``.

    Attributes:
        cell_on: False = out of service (a fault).
        cell_asleep: True = put to sleep by an energy-saving action (draws sleep power).
        cell_tx_w: Transmit power setting (W), at most ``cell_max_tx_w``.
        cell_tilt_deg: Electrical downtilt setting.
        cell_prbs: Usable PRBs (a capacity boost raises it).
        cell_offload: Share (0..0.9) of the cell's users/demand handed to neighbours.
        cell_interference_db: Extra interference (dB of SINR lost) from a fault.
        cell_wake_left: Steps a woken cell still needs before serving (engine-managed).
        cell_prev_asleep: ``cell_asleep`` as of the last step (engine-managed, detects wake-ups).
        site_powered: False = mains and battery gone (site power failure).
        link_up: False = link down (fibre cut).
        link_capacity_mbps: Current capacity of each link.
        link_background_mbps: Load from outside the modelled RAN (congestion fault).
        path_ptr: Current backhaul path CSR pointers. A reroute *replaces* both path arrays;
            never change them in place (the engine caches by identity and marks them read-only).
        path_idx: Current backhaul path link indices.
        upf_capacity_mbps: Current capacity per UPF instance.
        upf_instances: Current instance count (scale-out raises it).
        upf_background_mbps: Load on the UPF from outside the modelled RAN (overload fault).
        site_upf: UPF serving each site.
        slices: Slice name -> ``SliceState`` (defined in :mod:`autonet.twin.slices`).
    """

    cell_on: B
    cell_asleep: B
    cell_tx_w: F32
    cell_tilt_deg: F32
    cell_prbs: I32
    cell_offload: F32
    cell_interference_db: F32
    cell_wake_left: NDArray[np.int16]
    cell_prev_asleep: B
    site_powered: B
    link_up: B
    link_capacity_mbps: F32
    link_background_mbps: F32
    path_ptr: I64
    path_idx: I32
    upf_capacity_mbps: F32
    upf_instances: I32
    upf_background_mbps: F32
    site_upf: I32
    slices: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def initial(cls, topo: CompiledTopology) -> TwinState:
        """The planned state of ``topo``: everything on, awake, at planned settings."""
        n, s, m, u = topo.n_cells, topo.n_sites, topo.n_links, topo.n_upfs
        return cls(
            cell_on=np.ones(n, dtype=np.bool_),
            cell_asleep=np.zeros(n, dtype=np.bool_),
            cell_tx_w=topo.cell_max_tx_w.astype(np.float32, copy=True),
            cell_tilt_deg=topo.cell_tilt_deg.astype(np.float32, copy=True),
            cell_prbs=topo.cell_prbs.astype(np.int32, copy=True),
            cell_offload=np.zeros(n, dtype=np.float32),
            cell_interference_db=np.zeros(n, dtype=np.float32),
            cell_wake_left=np.zeros(n, dtype=np.int16),
            cell_prev_asleep=np.zeros(n, dtype=np.bool_),
            site_powered=np.ones(s, dtype=np.bool_),
            link_up=np.ones(m, dtype=np.bool_),
            link_capacity_mbps=topo.link_capacity_mbps.astype(np.float32, copy=True),
            link_background_mbps=np.zeros(m, dtype=np.float32),
            path_ptr=topo.path_ptr.astype(np.int64, copy=True),
            path_idx=topo.path_idx.astype(np.int32, copy=True),
            upf_capacity_mbps=topo.upf_capacity_mbps.astype(np.float32, copy=True),
            upf_instances=topo.upf_instances.astype(np.int32, copy=True),
            upf_background_mbps=np.zeros(u, dtype=np.float32),
            site_upf=topo.site_upf.astype(np.int32, copy=True),
        )

    def copy(self) -> TwinState:
        """An independent copy: every array copied, ``slices`` deep-copied."""
        values: dict[str, Any] = {}
        for name, value in self.__dict__.items():
            if isinstance(value, np.ndarray):
                values[name] = value.copy()
            else:
                values[name] = copy.deepcopy(value)
        return TwinState(**values)

    def equals(self, other: TwinState) -> bool:
        """True when every array and the slices of ``other`` equal this state's."""
        for name, value in self.__dict__.items():
            theirs = getattr(other, name)
            if isinstance(value, np.ndarray):
                if value.shape != theirs.shape or not np.array_equal(value, theirs):
                    return False
            elif value != theirs:
                return False
        return True
