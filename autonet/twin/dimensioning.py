"""Dimensioning: size transport links and UPFs for the busy-hour load of the sites behind them."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from autonet.twin.compile import route_sites
from autonet.twin.state import UPF_TIERS
from autonet.twin.traffic import TrafficModel

if TYPE_CHECKING:
    from autonet.twin.transport import TransportPlan

__all__ = [
    "MIN_CAPACITY_MBPS",
    "PLANNING_SIGMAS",
    "PLANNING_UTILISATION",
    "STANDARD_CAPACITIES_MBPS",
    "UPF_INSTANCE_MBPS",
    "dimension",
    "required_capacity_mbps",
    "standard_capacity_mbps",
]

UPF_INSTANCE_MBPS: Final[float] = 50_000.0  # user-plane capacity of one UPF instance
# Standard port/wavelength sizes links are bought in; above the largest, bundles of it.
STANDARD_CAPACITIES_MBPS: Final[tuple[float, ...]] = (1_000.0, 10_000.0, 25_000.0, 100_000.0,
                                                      400_000.0)  # fmt: skip
# Smallest size deployed per link kind, whatever the traffic (10G fibre to a 5G site, ...).
MIN_CAPACITY_MBPS: Final[dict[str, float]] = {
    "access_fibre": 10_000.0,
    "access_microwave": 1_000.0,
    "aggregation": 10_000.0,
    "core": 100_000.0,
    "dc": 100_000.0,
}
# Planning rule: the busy-hour load (mean + PLANNING_SIGMAS standard deviations over the cells
# behind a link or UPF) fills at most PLANNING_UTILISATION of it, before rounding up.
PLANNING_UTILISATION: Final[float] = 0.7
PLANNING_SIGMAS: Final[float] = 3.0


def standard_capacity_mbps(need_mbps: float) -> float:
    """The smallest standard size (1/10/25/100/400 Gbit/s, then n x 400G) >= ``need_mbps``."""
    for size in STANDARD_CAPACITIES_MBPS:
        if need_mbps <= size:
            return size
    top = STANDARD_CAPACITIES_MBPS[-1]
    return top * math.ceil(need_mbps / top)


def required_capacity_mbps(mean_mbps: ArrayLike, var_mbps2: ArrayLike) -> NDArray[np.float64]:
    """Capacity a busy-hour load of ``mean`` and ``variance`` needs under the planning rule.

    ``(mean + PLANNING_SIGMAS x sqrt(variance)) / PLANNING_UTILISATION``: a few cells vary a lot
    around their mean (the sigma term dominates), thousands hardly (the utilisation target does).
    """
    mean = np.asarray(mean_mbps, dtype=np.float64)
    planned = mean + PLANNING_SIGMAS * np.sqrt(np.asarray(var_mbps2, dtype=np.float64))
    out: NDArray[np.float64] = planned / PLANNING_UTILISATION
    return out


def dimension(
    plan: TransportPlan, site_area: NDArray[np.int8], traffic: TrafficModel, cells_per_site: int
) -> None:
    """Size every link and UPF for the busy-hour load of the sites routed over it.

    Sites are homed and routed exactly as the engine does (:func:`route_sites` over the nodes
    and links in :func:`compile_topology`'s order). A site's busy-hour load is its cells' area
    mean (:meth:`TrafficModel.busy_hour_cell_mbps`) with per-cell variance ``(mean x cv)^2``;
    each area counted at its own peak, which also covers the hours they overlap.

    Args:
        plan: The transport plan; its links' ``capacity_mbps`` (and a backbone link's
            ``capacity_source``) and its UPFs' ``instances`` are set in place. Links marked
            ``link_fixed`` keep their capacity; none gets less than its ``link_floor``.
        site_area: Area code of each site, in ``plan.site_router`` order.
        traffic: The traffic model to plan for.
        cells_per_site: Cells of every site.
    """
    tnodes = sorted((r for r, _ in plan.routers), key=str) + sorted(
        (d for d, _ in plan.dcs), key=str
    )
    index = {n: i for i, n in enumerate(tnodes)}
    order = sorted(range(len(plan.links)), key=lambda i: str(plan.links[i][2]["link_id"]))
    link_u = np.array([index[plan.links[i][0]] for i in order], dtype=np.int32)
    link_v = np.array([index[plan.links[i][1]] for i in order], dtype=np.int32)
    lat = np.array([plan.links[i][2]["latency_ms"] for i in order], dtype=np.float32)
    upfs = sorted((a for a in plan.nfs if a[1]["nf_type"] == "UPF"), key=lambda a: str(a[0]))
    tier = {d: UPF_TIERS[a["tier"]] for d, a in plan.dcs}
    upf_dc = np.array([index[a["dc"]] for _, a in upfs], dtype=np.int32)
    upf_tier = np.array([tier[a["dc"]] for _, a in upfs], dtype=np.int8)
    site_router = np.array([index[r] for r in plan.site_router], dtype=np.int32)
    site_upf, path_ptr, path_idx, _ = route_sites(
        len(tnodes), link_u, link_v, lat, upf_dc, upf_tier, site_router
    )
    cell_mean = traffic.busy_hour_cell_mbps()[site_area.astype(np.intp)]
    mean = cells_per_site * cell_mean
    var = cells_per_site * (cell_mean * traffic.cell_cv) ** 2
    on_path = np.repeat(np.arange(len(site_router)), np.diff(path_ptr))
    n = len(order)
    need = required_capacity_mbps(
        np.bincount(path_idx, weights=mean[on_path], minlength=n),
        np.bincount(path_idx, weights=var[on_path], minlength=n),
    )
    for j, i in enumerate(order):
        if plan.link_fixed[i]:
            continue
        attrs = plan.links[i][2]
        size = max(plan.link_floor[i], standard_capacity_mbps(float(need[j])))
        if size > attrs["capacity_mbps"] and attrs.get("capacity_source") in ("file", "default"):
            attrs["capacity_source"] = "dimensioned"
        attrs["capacity_mbps"] = size
    k = len(upfs)
    upf_need = required_capacity_mbps(
        np.bincount(site_upf, weights=mean, minlength=k),
        np.bincount(site_upf, weights=var, minlength=k),
    )
    for (_, attrs), want in zip(upfs, upf_need.tolist(), strict=True):
        attrs["instances"] = max(1, math.ceil(want / attrs["capacity_mbps"]))
