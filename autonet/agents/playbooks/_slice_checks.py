"""Slice feasibility on the twin (PRB, transport, latency, UPF, and transport availability).

The twin's admission check (``autonet.twin.slice_feasibility``) covers PRB share, transport path
capacity and latency, and edge-UPF placement. It does not look at the reliability target, so the
playbook adds one check: the availability of each slice site's backhaul path. A link that is a
bridge of the transport graph (no alternative path around it) is unprotected and counts with its
medium's availability (:data:`HOP_AVAILABILITY`); a link on a ring is protected (the twin
reroutes around it) and counts as 1. A site's availability is the product over its path; the
slice's is the worst site's, and a reliability target above it is infeasible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import networkx as nx
import numpy as np

from autonet.twin import RAN_LATENCY_MS, link_graph, slice_feasibility

if TYPE_CHECKING:
    from autonet.twin import Twin

__all__ = [
    "HOP_AVAILABILITY",
    "THROUGHPUT_BOUND",
    "SliceCheck",
    "check_slice",
    "max_throughput",
    "path_availability",
    "slice_sla",
]

#: Availability of one unprotected transport hop by medium (ITU-R style design objectives:
#: fibre about 5 min a year, microwave about 53 min a year).
HOP_AVAILABILITY: Final[dict[str, float]] = {"fibre": 0.99999, "microwave": 0.9999}
_TOL: Final[float] = 1e-9


@dataclass(frozen=True)
class SliceCheck:
    """The feasibility of one slice request.

    Attributes:
        ok: Every check passes.
        reasons: Why not, one line each, prefixed ``PRB:``, ``transport:``, ``latency:``,
            ``UPF:``, ``coverage:`` or ``reliability:``.
        cells: Cell ids the slice covers.
        upf: The edge UPF anchoring a low-latency slice, else None.
        max_prb_share: The largest PRB share a covered cell must reserve.
        max_path_latency_ms: The worst transport latency to the anchoring UPF.
        availability_pct: The worst site's backhaul availability, percent.
    """

    ok: bool
    reasons: tuple[str, ...]
    cells: tuple[str, ...]
    upf: str | None
    max_prb_share: float
    max_path_latency_ms: float
    availability_pct: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (for the analysis message)."""
        return {
            "ok": self.ok,
            "reasons": list(self.reasons),
            "n_cells": len(self.cells),
            "upf": self.upf,
            "max_prb_share": self.max_prb_share,
            "max_path_latency_ms": self.max_path_latency_ms,
            "availability_pct": self.availability_pct,
        }


def _medium(twin: Twin) -> list[str]:
    topo = twin.compiled
    G, ids = topo.graph, topo.tnode_ids
    return [
        str(G.edges[ids[int(u)], ids[int(v)]].get("medium", "fibre"))
        for u, v in zip(topo.link_u.tolist(), topo.link_v.tolist(), strict=True)
    ]


def _unprotected(twin: Twin, cache: dict[str, Any] | None = None) -> tuple[set[int], list[str]]:
    """Links that are bridges of the live transport graph, and every link's medium.

    ``cache`` (e.g. ``LoopContext.models``) keeps the answer while the topology and the set of
    links that are up do not change (finding bridges costs ~0.5 s at 9k cells).
    """
    key = (id(twin.compiled), twin.state.link_up.tobytes())
    hit = (cache or {}).get("slice:unprotected")
    if hit is not None and hit[0] == key:
        return hit[1]
    LG = link_graph(twin.compiled, twin.state.link_up)
    out = {int(LG.edges[a, b]["link"]) for a, b in nx.bridges(LG)}, _medium(twin)
    if cache is not None:
        cache["slice:unprotected"] = (key, out)
    return out


def path_availability(
    twin: Twin, site: str, path: list[int], unprotected: tuple[set[int], list[str]] | None = None
) -> tuple[float, str]:
    """Availability of ``site``'s backhaul ``path`` (link indices) and a one-line account.

    ``unprotected`` (bridges, media) may be passed in to check many sites at once.
    """
    bridges, medium = unprotected or _unprotected(twin)
    hops = [medium[i] for i in path if i in bridges]
    avail = math.prod(HOP_AVAILABILITY.get(m, HOP_AVAILABILITY["microwave"]) for m in hops)
    counts = ", ".join(f"{hops.count(m)} {m}" for m in sorted(set(hops))) or "none"
    return avail, f"site {site!r} backhaul has {len(hops)} unprotected link(s) ({counts})"


def _site_paths(twin: Twin, feas: Any, cells: list[str]) -> dict[str, list[int]]:
    topo, st = twin.compiled, twin.state
    if feas.slice_state is not None:
        sl = feas.slice_state
        return {
            topo.site_ids[int(s)]: sl.path_idx[sl.path_ptr[k] : sl.path_ptr[k + 1]].tolist()
            for k, s in enumerate(sl.sites.tolist())
        }
    sites = sorted({int(topo.cell_site[topo.cell_index[c]]) for c in cells})
    return {
        topo.site_ids[s]: st.path_idx[st.path_ptr[s] : st.path_ptr[s + 1]].tolist() for s in sites
    }


def check_slice(
    twin: Twin,
    name: str,
    params: dict[str, Any],
    reliability_pct: float,
    *,
    cache: dict[str, Any] | None = None,
) -> SliceCheck:
    """Feasibility of ``slice_admit`` (``slice_modify`` when ``name`` exists) with ``params``.

    Changes nothing. ``reliability_pct`` is the target the backhaul availability must reach;
    ``cache`` keeps the transport's unprotected links between calls (see ``_unprotected``).

    Raises:
        ActionError: The parameters are malformed (the action would reject them).
    """
    feas = slice_feasibility(twin, name, **params)
    cells = list(feas.prb_share)
    reasons = list(feas.reasons)
    ran = RAN_LATENCY_MS.get(str(params.get("slice_type")), 0.0)
    if float(params.get("max_latency_ms", math.inf)) < ran:
        reasons.insert(
            0,
            f"latency: max_latency_ms {params['max_latency_ms']:g} is below the "
            f"{params['slice_type']} radio budget of {ran:g} ms alone "
            "(no transport path can meet it)",
        )
    worst, worst_why = 1.0, ""
    unprotected = _unprotected(twin, cache)
    for site, path in _site_paths(twin, feas, cells).items():
        avail, why = path_availability(twin, site, path, unprotected)
        if avail < worst:
            worst, worst_why = avail, why
    want = float(reliability_pct) / 100.0
    if want > worst + _TOL:
        reasons.append(
            f"reliability: {worst_why}: availability {100 * worst:.4f}% < reliability_pct "
            f"{100 * want:g}% asked"
        )
    lat = [v for v in feas.path_latency_ms.values() if math.isfinite(v)]
    return SliceCheck(
        ok=not reasons,
        reasons=tuple(reasons),
        cells=tuple(cells),
        upf=feas.upf,
        max_prb_share=float(max(feas.prb_share.values(), default=0.0)),
        max_path_latency_ms=float(max(lat, default=math.nan)),
        availability_pct=100.0 * worst,
    )


def slice_sla(twin: Twin, name: str, since: Any = None) -> dict[str, float]:
    """SLA of slice ``name`` over the recorded steps (from ``since`` on, when given).

    Returns:
        ``active_steps``, ``met_steps``, ``compliance_pct`` (100 when no active step),
        ``worst_latency_ms`` and ``min_delivered_ratio`` over active steps (NaN when none).
    """
    frame = twin.kpis("wide", level="slice")
    out = {
        "active_steps": 0.0,
        "met_steps": 0.0,
        "compliance_pct": 100.0,
        "worst_latency_ms": math.nan,
        "min_delivered_ratio": math.nan,
    }
    if frame.empty or name not in frame.index.get_level_values("slice"):
        return out
    rows = frame.xs(name, level="slice")
    if since is not None:
        rows = rows[rows.index >= since]
    rows = rows[rows["SLICE.Active"] > 0]
    if rows.empty:
        return out
    met = float(np.count_nonzero(rows["SLICE.SlaMet"] > 0))
    ratio = rows["SLICE.DeliveredDlMbps"] / rows["SLICE.GuaranteedDlMbps"].clip(lower=1e-12)
    out.update(
        active_steps=float(len(rows)),
        met_steps=met,
        compliance_pct=100.0 * met / len(rows),
        worst_latency_ms=float(rows["SLICE.LatencyMs"].max()),
        min_delivered_ratio=float(ratio.min()),
    )
    return out


#: Reason prefixes that scale with the guaranteed throughput (a lower guarantee may fit).
THROUGHPUT_BOUND: Final[tuple[str, ...]] = ("PRB:", "transport:", "UPF:")


def max_throughput(twin: Twin, name: str, params: dict[str, Any], *, iters: int = 7) -> float:
    """The largest per-cell guarantee (Mbit/s, 2 significant digits) that passes the twin's
    checks with everything else of ``params`` unchanged; 0 when even 1 % of it does not.

    Every throughput-bound check (PRB share, link and UPF capacity) is monotone in the
    guarantee, so a bisection between 0 and the asked value finds the limit.
    """
    asked = float(params["guaranteed_dl_mbps"])

    def fits(g: float) -> bool:
        return slice_feasibility(twin, name, **{**params, "guaranteed_dl_mbps": g}).ok

    lo, hi = 0.0, asked
    if not fits(0.01 * asked):
        return 0.0
    lo = 0.01 * asked
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if fits(mid) else (lo, mid)
    digits = 1 - math.floor(math.log10(lo))
    rounded = math.floor(lo * 10**digits) / 10**digits
    return rounded if rounded > 0 and fits(rounded) else lo
