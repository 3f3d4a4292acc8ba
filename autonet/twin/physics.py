"""One vectorised time step of the twin: users, capacity, transport, UPF, latency and power.

A pure function of the compiled topology, the current state, the step's demand and the previous
step's utilisation (which sets the interference neighbours cause). Every operation is a numpy
array operation over cells, sites, links or UPFs, or a sparse product over the neighbour CSR.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix

from autonet.twin.energy import PowerModel
from autonet.twin.kpis import CELL_COUNTERS
from autonet.twin.radio import RadioModel
from autonet.twin.state import CompiledTopology, TwinState

__all__ = ["CELL_ROW", "StepOutput", "neighbour_matrix", "step_physics"]

#: Counter name -> row of the per-step cell KPI matrix.
CELL_ROW: dict[str, int] = {c.name: i for i, c in enumerate(CELL_COUNTERS)}

F64 = NDArray[np.float64]


@dataclass(frozen=True)
class StepOutput:
    """What one step produced (arrays owned by the caller)."""

    cell: NDArray[np.float32]  # (n_cell_counters, n_cells) in CELL_COUNTERS order
    link_util: NDArray[np.float32]  # % per link
    upf_load: NDArray[np.float32]  # % per UPF
    util_dl: F64  # 0..1, feeds next step's interference


def neighbour_matrix(topo: CompiledTopology) -> csr_matrix:
    """The symmetric overlap matrix ``nbr[i, j]`` as CSR (float64)."""
    n = topo.n_cells
    return csr_matrix(
        (topo.nbr_overlap.astype(np.float64), topo.nbr_idx, topo.nbr_ptr), shape=(n, n)
    )


def _move_users(
    nbr: csr_matrix,
    avail: NDArray[np.bool_],
    coverage: F64,
    offload: F64,
    demand: F64,
) -> tuple[F64, F64]:
    """Move users (and their load) off unavailable/offloading/shrunk cells onto neighbours.

    ``demand`` is (3, n): users, DL, UL. Returns (demand after moves, lost share per cell).
    A cell's users it cannot keep (down, or outside its shrunk coverage) go to available
    neighbours in proportion to overlap; the share ``1 - min(1, sum_j overlap_ij avail_j)`` no
    neighbour covers is lost. Offloaded users move only as far as neighbours cover; the rest stay.
    """
    a = avail.astype(np.float64)
    forced = 1.0 - a * coverage  # must leave: cell down or outside its coverage
    voluntary = a * coverage * offload
    n = len(a)
    lost = np.zeros(n)
    if not (forced.any() or voluntary.any()):
        return demand, lost
    rowsum = nbr @ a
    cover = np.minimum(rowsum, 1.0)
    move = (forced + voluntary) * cover
    stay = a * coverage * (1.0 - offload) + voluntary * (1.0 - cover)
    lost = forced * (1.0 - cover)
    per_weight = np.where(rowsum > 0, move / np.where(rowsum > 0, rowsum, 1.0), 0.0)
    received = (nbr @ (demand * per_weight).T).T * a
    return demand * stay + received, lost


def step_physics(
    topo: CompiledTopology,
    nbr: csr_matrix,
    st: TwinState,
    demand: F64,
    prev_util: F64,
    *,
    radio: RadioModel,
    power: PowerModel,
    step_minutes: float,
    reserved: tuple[F64, F64, F64] | None = None,
) -> StepOutput:
    """Compute one step's KPIs; mutates nothing.

    Args:
        topo: Compiled topology.
        nbr: ``neighbour_matrix(topo)``.
        st: Current state (read only here; wake bookkeeping is the caller's).
        demand: (3, n_cells) users, offered DL and UL Mbit/s before users move.
        prev_util: Previous step's DL utilisation (0..1) per cell.
        radio: Radio constants.
        power: Power model.
        step_minutes: Step length.
        reserved: Slice reservations in force ``(PRB share per cell, Mbit/s per link, Mbit/s per
            UPF)``: the PRB share is withheld from best-effort traffic and counted as used, the
            transport and UPF reservations are carried with priority.
    """
    n_sites = topo.n_sites
    path_site = np.repeat(np.arange(n_sites, dtype=np.int32), np.diff(st.path_ptr))
    link_ok = st.link_up & (st.link_capacity_mbps > 0)
    bh_ok = np.bincount(path_site[~link_ok[st.path_idx]], minlength=n_sites) == 0
    site_ok = st.site_powered & bh_ok
    avail = st.cell_on & ~st.cell_asleep & (st.cell_wake_left <= 0) & site_ok[topo.cell_site]

    tilt_dev = (st.cell_tilt_deg - topo.cell_tilt_deg).astype(np.float64)
    tx_ratio = np.maximum(st.cell_tx_w, 1e-3) / topo.cell_max_tx_w
    tx_db = 10.0 * np.log10(tx_ratio)
    coverage = np.clip(
        np.power(tx_ratio, 2.0 / radio.path_loss_exponent)
        * (1.0 - radio.downtilt_coverage_loss * np.maximum(tilt_dev, 0.0)),
        0.0,
        1.0,
    )
    offload = st.cell_offload.astype(np.float64)
    moved, lost_share = _move_users(nbr, avail, coverage, offload, demand)
    users, dl, ul = moved[0], moved[1], moved[2]
    lost_users = demand[0] * lost_share

    emission = tx_ratio * (1.0 + radio.uptilt_emission_gain * np.maximum(-tilt_dev, 0.0))
    interf = nbr @ (prev_util * emission * avail)
    sinr = (
        radio.nominal_sinr_db(topo.cell_area)
        + radio.tx_sinr_gain * tx_db
        + np.minimum(radio.downtilt_sinr_gain_db * np.maximum(tilt_dev, 0.0), 3.0)
        - 10.0 * np.log10(1.0 + radio.coupling * interf)
        - st.cell_interference_db
    )
    prbs = np.where(avail, st.cell_prbs, 0)
    cap_dl = prbs * topo.cell_prb_bits_dl * radio.spectral_efficiency(sinr) / 1e6
    cap_ul = (
        prbs
        * topo.cell_prb_bits_ul
        * radio.spectral_efficiency(sinr + radio.ul_sinr_offset_db)
        / 1e6
    )
    share = np.zeros(1) if reserved is None else np.clip(reserved[0], 0.0, 1.0) * avail
    cap_dl = cap_dl * (1.0 - share)
    with np.errstate(divide="ignore", invalid="ignore"):
        util_dl = np.where(cap_dl > 0, np.minimum(dl / cap_dl, 1.0), 0.0)
        util_ul = np.where(cap_ul > 0, np.minimum(ul / cap_ul, 1.0), 0.0)
    served_dl = np.minimum(dl, cap_dl)
    served_ul = np.minimum(ul, cap_ul)
    if reserved is not None:
        util_dl = util_dl * (1.0 - share) + share

    # transport: site traffic onto the links of its path; congested links throttle it
    site_traffic = np.bincount(topo.cell_site, weights=served_dl + served_ul, minlength=n_sites)
    link_load = (
        np.bincount(st.path_idx, weights=site_traffic[path_site], minlength=topo.n_links)
        + st.link_background_mbps
        + (0.0 if reserved is None else reserved[1])
    )
    link_cap = np.where(link_ok, st.link_capacity_mbps, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        link_util = np.where(link_cap > 0, link_load / link_cap, 0.0)
    link_thr = np.where(link_util > 1.0, 1.0 / np.maximum(link_util, 1e-12), 1.0)
    site_thr = np.ones(n_sites)
    lengths = np.diff(st.path_ptr)
    nonempty = lengths > 0
    if st.path_idx.size:
        site_thr[nonempty] = np.minimum.reduceat(link_thr[st.path_idx], st.path_ptr[:-1][nonempty])
    # UPF: load of the sites it serves; overload throttles them too
    upf_load = (
        np.bincount(st.site_upf, weights=site_traffic * site_thr, minlength=topo.n_upfs)
        + st.upf_background_mbps
        + (0.0 if reserved is None else reserved[2])
    )
    upf_cap = st.upf_capacity_mbps.astype(np.float64) * st.upf_instances
    upf_util = np.where(upf_cap > 0, upf_load / np.maximum(upf_cap, 1e-12), np.inf)
    upf_thr = np.where(upf_util > 1.0, 1.0 / upf_util, 1.0)
    thr = (site_thr * upf_thr[st.site_upf])[topo.cell_site]
    served_dl = served_dl * thr
    served_ul = served_ul * thr

    queue_ms = 0.5 * np.minimum(link_util, 0.98) / (1.0 - np.minimum(link_util, 0.98))
    hop_ms = topo.link_latency_ms + queue_ms
    site_tn_ms = np.bincount(path_site, weights=hop_ms[st.path_idx], minlength=n_sites)
    u_upf = np.minimum(upf_util, 0.99)
    upf_ms = 0.5 + u_upf / (1.0 - u_upf)
    ran_ms = 4.0 + 2.0 * util_dl / (1.0 - 0.95 * util_dl)
    latency = ran_ms + (site_tn_ms + upf_ms[st.site_upf])[topo.cell_site]

    with np.errstate(divide="ignore", invalid="ignore"):
        blocked_share = np.where(dl > 0, 1.0 - served_dl / dl, 0.0)
    drop = np.clip(0.2 + 1.5 * np.maximum(3.0 - sinr, 0.0) + 5.0 * blocked_share, 0.0, 100.0)
    p_w = power.power_w(
        util_dl,
        st.cell_tx_w,
        serving=avail,
        asleep=st.cell_asleep,
        powered=st.site_powered[topo.cell_site],
    )
    nan = np.float64(np.nan)
    out = np.empty((len(CELL_COUNTERS), topo.n_cells), dtype=np.float32)
    out[CELL_ROW["RRU.PrbUsedDl"]] = util_dl * 100.0
    out[CELL_ROW["RRU.PrbUsedUl"]] = util_ul * 100.0
    out[CELL_ROW["RRC.ConnMean"]] = np.where(avail, users, 0.0)
    out[CELL_ROW["DRB.UEThpDl"]] = np.where(
        avail, cap_dl * np.maximum(1 - util_dl, 0.02) * thr, nan
    )
    out[CELL_ROW["DRB.UEThpUl"]] = np.where(
        avail, cap_ul * np.maximum(1 - util_ul, 0.02) * thr, nan
    )
    out[CELL_ROW["PEE.AvgPower"]] = p_w
    out[CELL_ROW["PEE.Energy"]] = power.energy_wh(p_w, step_minutes)
    out[CELL_ROW["KQI.DropRate"]] = np.where(avail, drop, nan)
    out[CELL_ROW["KQI.BlockedUsers"]] = np.where(avail, users * blocked_share, 0.0)
    out[CELL_ROW["KQI.LatencyMs"]] = np.where(avail, latency, nan)
    out[CELL_ROW["KQI.LostUsers"]] = lost_users
    out[CELL_ROW["KQI.OfferedDlMbps"]] = np.where(avail, dl, 0.0)
    out[CELL_ROW["KQI.ServedDlMbps"]] = served_dl
    out[CELL_ROW["KQI.SinrDb"]] = np.where(avail, sinr, nan)
    out[CELL_ROW["KQI.Available"]] = avail
    return StepOutput(
        cell=out,
        link_util=(link_util * 100.0).astype(np.float32),
        upf_load=(np.where(np.isfinite(upf_util), upf_util, 0.0) * 100.0).astype(np.float32),
        util_dl=util_dl,
    )
