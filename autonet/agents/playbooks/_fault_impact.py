"""User impact of faults: impacted users per cell from the twin's KPIs, and the area a fault hits.

**Impacted users** of a cell in one step (what the fault playbook scores and verifies, and what
the fault-healing scenario integrates into user-impact minutes)::

    KQI.LostUsers                       users no cell serves (outage not covered by neighbours)
  + KQI.BlockedUsers                    users whose demand is not carried (capacity, transport, UPF)
  + (RRC.ConnMean - KQI.BlockedUsers)   the served users of an available cell whose DL user
      if DRB.UEThpDl < sla_mbps         throughput is below the SLA floor (default 5 Mbit/s)

All three come from the step's recorded cell KPIs (``autonet.twin.physics``); a cell out of
service has no served users (they moved to neighbours or are lost) and a NaN throughput.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Final

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from autonet.twin import Twin

__all__ = [
    "IMPACT_COUNTERS",
    "SLA_THP_MBPS",
    "area_cells",
    "cell_indices",
    "impacted_users",
    "kpi_at",
    "kpi_tail",
]

#: Default SLA floor of the DL user throughput (Mbit/s).
SLA_THP_MBPS: Final[float] = 5.0
IMPACT_COUNTERS: Final[tuple[str, ...]] = (
    "KQI.LostUsers",
    "KQI.BlockedUsers",
    "RRC.ConnMean",
    "DRB.UEThpDl",
    "KQI.Available",
)

F32 = NDArray[np.float32]


def kpi_tail(twin: Twin, steps: int, counters: Iterable[str] = IMPACT_COUNTERS) -> dict[str, F32]:
    """The last ``steps`` recorded steps of some cell counters, ``(k, n_cells)`` each (k <= steps).

    Reads only the tail of the twin's KPI store (``kpi_array`` copies the whole history).

    Raises:
        ValueError: The twin does not record one of the counters.
    """
    names = twin.kpi_counters("cell")
    rows = {}
    for c in counters:
        if c not in names:
            raise ValueError(f"the twin does not record cell counter {c!r} (recorded: {names})")
        rows[c] = names.index(c)
    cube = twin.recent_kpis("cell", last=max(steps, 0))
    return {c: cube[:, r, :] for c, r in rows.items()}


def kpi_at(
    twin: Twin, steps_ago: int, counters: Iterable[str] = IMPACT_COUNTERS
) -> dict[str, F32] | None:
    """One recorded step ``steps_ago`` steps back (0 = the latest) as ``(1, n_cells)`` arrays,
    or None when the history is shorter."""
    if steps_ago < 0 or steps_ago >= len(twin.kpi_times(last=steps_ago + 1)):
        return None
    names = twin.kpi_counters("cell")
    block = twin.recent_kpis("cell", last=steps_ago + 1)[0]
    return {c: block[names.index(c)][None, :] for c in counters}


def impacted_users(tail: dict[str, F32], sla_mbps: float = SLA_THP_MBPS) -> F32:
    """Impacted users per step and cell (see the module docstring), ``(k, n_cells)``."""
    lost, blocked = tail["KQI.LostUsers"], tail["KQI.BlockedUsers"]
    served = np.maximum(tail["RRC.ConnMean"] - blocked, 0.0)
    thp = tail["DRB.UEThpDl"]
    slow = (tail["KQI.Available"] > 0) & (np.nan_to_num(thp, nan=np.inf) < sla_mbps)
    return (lost + blocked + served * slow).astype(np.float32)


def cell_indices(twin: Twin, cells: Iterable[str]) -> NDArray[np.intp]:
    """Indices of cell ids (unknown ids skipped), sorted."""
    index = twin.compiled.cell_index
    return np.asarray(sorted({index[c] for c in cells if c in index}), dtype=np.intp)


def _with_neighbours(twin: Twin, cells: Iterable[int]) -> set[int]:
    topo = twin.compiled
    out = set(cells)
    for c in list(out):
        out.update(int(j) for j in topo.neighbours_of(c)[0])
    return out


def _site_cells(twin: Twin, sites: Iterable[int]) -> list[int]:
    topo = twin.compiled
    return [int(c) for s in sites for c in topo.cells_of_site(int(s))]


def area_cells(twin: Twin, node: str, *, neighbours: bool = True) -> list[str]:
    """Cells a fault on ``node`` affects now (its core), with their neighbours (which absorb
    its users) unless ``neighbours`` is False.

    A cell -> itself; a site -> its cells; a link -> the cells of the sites whose current
    backhaul path uses it; a UPF -> the cells of the sites it serves; a router -> the sites
    behind its links. Unknown nodes give an empty list.
    """
    topo, st = twin.compiled, twin.state
    core: list[int] = []
    if node in topo.cell_index:
        core = [topo.cell_index[node]]
    elif node in topo.site_index:
        core = _site_cells(twin, [topo.site_index[node]])
    elif node in topo.link_index:
        behind = topo.sites_using_link(topo.link_index[node], st.path_ptr, st.path_idx)
        core = _site_cells(twin, behind.tolist())
    elif node in topo.upf_index:
        core = _site_cells(twin, np.flatnonzero(st.site_upf == topo.upf_index[node]).tolist())
    elif node in topo.tnode_index:
        t = topo.tnode_index[node]
        links = np.flatnonzero((topo.link_u == t) | (topo.link_v == t))
        sites: set[int] = set()
        for link in links.tolist():
            sites.update(topo.sites_using_link(link, st.path_ptr, st.path_idx).tolist())
        core = _site_cells(twin, sorted(sites))
    cells = _with_neighbours(twin, core) if neighbours else set(core)
    return [topo.cell_ids[c] for c in sorted(cells)]
