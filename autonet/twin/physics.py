"""One vectorised time step of the twin: users, capacity, transport, UPF, latency and power.

A function of the compiled topology, the current state, the step's demand and the previous
step's utilisation (which sets the interference neighbours cause). Every operation is a float32
numpy operation over cells, sites, links or UPFs, or a sparse product over the neighbour or
path-incidence CSR. Quantities that only change when a fault or an action changes the state
(coverage and SINR offsets from tilt/TX power, path incidence) are cached and recomputed when
the state arrays they come from differ from the cached copies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix

from autonet.twin.energy import CellPowerModel, PowerModel
from autonet.twin.kpis import CELL_COUNTERS
from autonet.twin.state import TwinState
from autonet.twin.stepcache import StepCache

__all__ = ["CELL_ROW", "StepOutput", "step_physics"]

#: Counter name -> row of the per-step cell KPI matrix.
CELL_ROW: dict[str, int] = {c.name: i for i, c in enumerate(CELL_COUNTERS)}

F32 = NDArray[np.float32]
_f = np.float32


@dataclass(frozen=True)
class StepOutput:
    """What one step produced (arrays owned by the caller)."""

    cell: F32  # (n_cell_counters, n_cells) in CELL_COUNTERS order
    link_util: F32  # % per link
    upf_load: F32  # % per UPF
    util_dl: F32  # 0..1, feeds next step's interference
    cap_dl: F32  # DL capacity (Mbit/s) at usable PRBs and this step's SINR; 0 if not serving
    link_queue_ms: NDArray[np.float64]  # queueing delay per link


def _move_users(
    nbr: csr_matrix,
    avail: NDArray[np.bool_],
    coverage: F32,
    offload: F32,
    demand: list[F32],
    nbr_in: csr_matrix | None = None,
) -> tuple[list[F32], F32]:
    """Move users (and their load) off unavailable/offloading/shrunk cells onto neighbours.

    A cell's users it cannot keep (down, or outside its shrunk coverage) go to available
    neighbours in proportion to overlap; the share ``1 - min(1, sum_j overlap_ij avail_j)`` no
    neighbour covers is lost. Offloaded users move only as far as neighbours cover; the rest stay.
    ``nbr_in`` is the transpose of ``nbr`` (default ``nbr``: symmetric overlaps); row ``i``
    of ``nbr`` says how much of cell ``i``'s users each neighbour covers.
    Returns (users, DL, UL after the moves; lost share per cell).
    """
    a = avail.astype(np.float32)
    kept = a * coverage
    forced = _f(1.0) - kept
    voluntary = kept * offload
    rowsum = nbr @ a
    cover = np.minimum(rowsum, _f(1.0))
    move = (forced + voluntary) * cover
    stay = kept * (_f(1.0) - offload) + voluntary * (_f(1.0) - cover)
    lost = forced * (_f(1.0) - cover)
    per_weight = move / np.maximum(rowsum, _f(1e-12))
    inflow = nbr if nbr_in is None else nbr_in
    out = [d * stay + (inflow @ (d * per_weight)) * a for d in demand]
    return out, lost


def _ratio_capped(num: F32, den: F32) -> F32:
    """float32 ``min(num / max(den, 1e-9), 1)`` into one new array."""
    r = np.maximum(den, _f(1e-9))
    np.divide(num, r, out=r)
    return np.minimum(r, _f(1.0), out=r)


def step_physics(
    cache: StepCache,
    st: TwinState,
    demand: tuple[F32, F32, F32],
    prev_util: F32,
    *,
    power: PowerModel | CellPowerModel,
    step_minutes: float,
    reserved: tuple[NDArray[Any], NDArray[Any], NDArray[Any]] | None = None,
    out: F32 | None = None,
) -> StepOutput:
    """Compute one step's KPIs; mutates nothing but the cache.

    Args:
        cache: The topology's :class:`StepCache`.
        st: Current state (read only here; wake bookkeeping is the caller's).
        demand: Users, offered DL and UL Mbit/s per cell before users move.
        prev_util: Previous step's DL utilisation (0..1) per cell.
        power: Power model.
        step_minutes: Step length.
        reserved: Slice reservations in force ``(PRB share per cell, Mbit/s per link, Mbit/s per
            UPF)``: the PRB share is withheld from best-effort traffic and counted as used, the
            transport and UPF reservations are carried with priority.
        out: Where to write the cell KPIs (``(len(CELL_COUNTERS), n_cells)`` float32, e.g. a
            slot of the KPI store); a new array when None.
    """
    topo, radio, site_of = cache.topo, cache.radio, cache.cell_site
    link_ok = st.link_up & (st.link_capacity_mbps > 0)
    link_site, site_link = cache.paths(st)
    site_ok = st.site_powered.copy()
    if not link_ok.all():
        site_ok &= (site_link @ (~link_ok).astype(np.float64)) == 0
    avail = st.cell_on & ~st.cell_asleep & (st.cell_wake_left <= 0)
    if not site_ok.all():
        avail &= site_ok[site_of]
    dead = np.flatnonzero(~avail)
    coverage, emission, sinr_offset, shrunk = cache.antenna(st)
    if out is None:
        out = np.empty((len(CELL_COUNTERS), topo.n_cells), dtype=np.float32)
    row = CELL_ROW
    users, dl, ul = demand
    lost_share: F32 | None = None
    if dead.size or shrunk or st.cell_offload.any():
        (users, dl, ul), lost_share = _move_users(
            cache.nbr, avail, coverage, st.cell_offload, [users, dl, ul], cache.nbr_in
        )

    radiated = prev_util * emission
    if dead.size:  # a cell gone this step no longer interferes
        radiated[dead] = 0.0
    interf = cache.interf @ radiated  # scratch from here on: the ops run in place
    sinr = np.add(cache.sinr0, sinr_offset, out=out[row["KQI.SinrDb"]])
    interf *= _f(radio.coupling)
    interf += _f(1.0)
    np.log10(interf, out=interf)
    interf *= _f(10.0)
    sinr -= interf
    sinr -= st.cell_interference_db
    bits_dl, bits_ul = cache.prb_bits(st)
    cap_dl = bits_dl * cache.spectral_efficiency(sinr)
    cap_ul = bits_ul * cache.spectral_efficiency(sinr + _f(radio.ul_sinr_offset_db))
    if dead.size:
        cap_dl[dead] = 0.0
        cap_ul[dead] = 0.0
    cap_total = cap_dl
    share: Any = 0.0
    if reserved is not None:
        share = (np.clip(reserved[0], 0.0, 1.0) * avail).astype(np.float32)
        cap_dl = cap_dl * (_f(1.0) - share)
    util_dl = _ratio_capped(dl, cap_dl)
    util_ul = _ratio_capped(ul, cap_ul)
    served_dl = np.minimum(dl, cap_dl, out=out[row["KQI.ServedDlMbps"]])
    served_ul = np.minimum(ul, cap_ul)
    if reserved is not None:
        util_dl = util_dl * (_f(1.0) - share) + share

    # transport: site traffic onto the links of its path; congested links throttle it
    site_traffic = np.bincount(site_of, weights=served_dl + served_ul, minlength=topo.n_sites)
    link_load = link_site @ site_traffic + st.link_background_mbps
    if reserved is not None:
        link_load = link_load + reserved[1]
    link_cap = np.where(link_ok, st.link_capacity_mbps, 0.0)
    link_util = link_load / np.maximum(link_cap, 1e-9) * link_ok
    site_thr = np.ones(topo.n_sites)
    congested = np.flatnonzero(link_util > 1.0)
    if congested.size:  # each site is throttled by the worst congested link on its path
        ptr = link_site.indptr
        counts = ptr[congested + 1] - ptr[congested]
        first = np.repeat(ptr[congested] - np.cumsum(counts) + counts, counts)
        on = link_site.indices[first + np.arange(int(counts.sum()))]
        np.minimum.at(site_thr, on, np.repeat(1.0 / link_util[congested], counts))
    upf_load: NDArray[np.float64] = np.bincount(
        st.site_upf, weights=site_traffic * site_thr, minlength=topo.n_upfs
    ).astype(np.float64)
    upf_load += st.upf_background_mbps
    if reserved is not None:
        upf_load += reserved[2]
    upf_cap = st.upf_capacity_mbps.astype(np.float64) * st.upf_instances
    upf_util = upf_load / np.maximum(upf_cap, 1e-9)
    upf_thr = np.minimum(1.0, 1.0 / np.maximum(upf_util, 1e-12))
    site_thr *= upf_thr[st.site_upf]

    lu = np.minimum(link_util, 0.98)
    queue_ms = 0.5 * lu / (1.0 - lu)
    hop_ms = topo.link_latency_ms + queue_ms
    u_upf = np.minimum(upf_util, 0.99)
    upf_ms = 0.5 + u_upf / (1.0 - u_upf)
    site_ms = (site_link @ hop_ms + upf_ms[st.site_upf]).astype(np.float32)
    latency = np.multiply(util_dl, _f(0.95), out=out[row["KQI.LatencyMs"]])
    np.subtract(_f(1.0), latency, out=latency)
    np.divide(util_dl, latency, out=latency)
    latency *= _f(2.0)  # 2 u / (1 - 0.95 u): the power of two scales exactly
    latency += _f(4.0)
    latency += site_ms[site_of]
    throttled = bool((site_thr < 1.0).any())
    thr = site_thr.astype(np.float32)[site_of] if throttled else _f(1.0)
    if throttled:
        served_dl *= thr
        served_ul = served_ul * thr

    short = throttled or bool((dl > cap_dl).any())
    blocked: Any = _f(0.0)
    if short:  # some demand not carried: the blocked share of each cell's offered DL
        blocked = np.maximum(_f(1.0) - served_dl / np.maximum(dl, _f(1e-9)), _f(0.0))
    np.multiply(util_dl, 100.0, out=out[row["RRU.PrbUsedDl"]])
    np.multiply(util_ul, 100.0, out=out[row["RRU.PrbUsedUl"]])
    out[row["RRC.ConnMean"]] = users
    for thp_row, cap, util in (("DRB.UEThpDl", cap_dl, util_dl), ("DRB.UEThpUl", cap_ul, util_ul)):
        thp = np.subtract(_f(1.0), util, out=out[row[thp_row]])
        np.maximum(thp, _f(0.02), out=thp)
        np.multiply(cap, thp, out=thp)
        if throttled:
            thp *= thr
    # ``powered`` is read at non-serving cells only: skip the gather when every cell serves
    powered = st.site_powered[site_of] if dead.size else np.ones(0, np.bool_)
    p_w = power.power_w(
        util_dl, st.cell_tx_w, serving=avail, asleep=st.cell_asleep, powered=powered
    )
    out[row["PEE.AvgPower"]] = p_w
    drop = out[row["KQI.DropRate"]]
    np.subtract(_f(3.0), sinr, out=drop)
    np.maximum(drop, 0.0, out=drop)
    drop *= _f(1.5)
    drop += _f(0.2)
    if short:
        drop += _f(5.0) * blocked
    np.minimum(drop, 100.0, out=drop)
    if short:
        np.multiply(users, blocked, out=out[row["KQI.BlockedUsers"]])
    else:
        out[row["KQI.BlockedUsers"]] = 0.0
    out[row["KQI.LostUsers"]] = 0.0 if lost_share is None else demand[0] * lost_share
    out[row["KQI.OfferedDlMbps"]] = dl
    out[row["KQI.Available"]] = avail
    if dead.size:
        nan_rows = [row[k] for k in ("DRB.UEThpDl", "DRB.UEThpUl", "KQI.DropRate",
                                     "KQI.LatencyMs", "KQI.SinrDb")]  # fmt: skip
        out[np.ix_(np.asarray(nan_rows, dtype=np.intp), dead)] = np.nan
    out[row["PEE.Energy"]] = power.energy_wh(p_w, step_minutes)
    return StepOutput(
        cell=out,
        link_util=(link_util * 100.0).astype(np.float32),
        upf_load=(upf_util * 100.0).astype(np.float32),
        util_dl=util_dl,
        cap_dl=cap_total,
        link_queue_ms=queue_ms,
    )
