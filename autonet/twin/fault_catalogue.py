"""The fault catalogue: target kinds, parameters, alarm severities and each fault's plan."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from autonet.errors import BadInputError
from autonet.twin.events import Severity

if TYPE_CHECKING:
    from autonet.twin.engine import Twin

__all__ = [
    "COMMON_PARAMS",
    "FAULT_PARAMS",
    "FAULT_TARGETS",
    "SEVERITY",
    "STACKABLE",
    "Change",
    "FaultError",
    "FaultPlan",
    "check_params",
    "plan_fault",
    "resolve_target",
    "site_nodes",
]

#: The kind of target each fault type takes.
FAULT_TARGETS: Final[dict[str, str]] = {
    "cell_outage": "cell",
    "site_power_failure": "site",
    "fibre_cut": "link",
    "link_congestion": "link",
    "interference": "cell",
    "upf_overload": "upf",
    "misconfiguration": "cell",
}
#: Parameters per fault type: name -> (default, low, high) (inclusive range).
FAULT_PARAMS: Final[dict[str, dict[str, tuple[float, float, float]]]] = {
    "cell_outage": {},
    "site_power_failure": {"battery_minutes": (60.0, 0.0, 1440.0)},
    "fibre_cut": {},
    "link_congestion": {"load_share": (0.95, 0.01, 5.0)},
    "interference": {"extra_db": (10.0, 0.1, 40.0)},
    "upf_overload": {"load_share": (1.1, 0.01, 5.0)},
    "misconfiguration": {"tilt_deg": (15.0, -10.0, 20.0)},
}
COMMON_PARAMS: Final[dict[str, tuple[float, float, float]]] = {"missing_prob": (0.05, 0.0, 1.0)}
SEVERITY: Final[dict[str, Severity]] = {
    "CELL_UNAVAILABLE": "major",
    "SITE_POWER_FAILURE": "critical",
    "BATTERY_LOW": "major",
    "GNB_DISCONNECTED": "critical",
    "LINK_DOWN": "critical",
    "ETH_LINK_DEGRADED": "minor",
    "LINK_CONGESTION": "major",
    "HIGH_INTERFERENCE": "major",
    "KPI_DEGRADATION": "minor",
    "UPF_OVERLOAD": "critical",
    "PDU_SESSION_FAILURES": "major",
    "CONFIG_MISMATCH": "minor",
    "NEIGHBOUR_OVERLOAD": "warning",
}
#: Faults that add load or interference: several may be active on one target at once.
STACKABLE: Final[frozenset[str]] = frozenset({"link_congestion", "interference", "upf_overload"})
NEIGHBOUR_ALARM_OVERLAP: Final[float] = 0.1  # neighbours taking at least this share alarm


class FaultError(BadInputError):
    """A fault request is invalid (type, target or parameter); nothing was changed."""


@dataclass
class Change:
    """One change to a ``TwinState`` array, with what to restore."""

    array: str  # TwinState attribute
    idx: list[int]
    old: list[Any]
    new: list[Any]  # value set ("set") or amount added ("add")
    mode: str = "set"


@dataclass
class FaultPlan:
    """What a fault changes, the alarms it raises and its ground truth."""

    changes: list[Change] = field(default_factory=list)
    roots: list[tuple[str, str]] = field(default_factory=list)  # (alarm type, node)
    symptoms: list[tuple[str, str]] = field(default_factory=list)
    affected: tuple[str, ...] = ()
    root_node: str = ""
    domain: str = "ran"


def check_params(fault_type: str, given: dict[str, Any]) -> dict[str, float]:
    """The fault's parameters with defaults filled in; FaultError when one is bad."""
    spec = {**FAULT_PARAMS[fault_type], **COMMON_PARAMS}
    unknown = sorted(set(given) - set(spec))
    if unknown:
        raise FaultError(
            f"fault {fault_type!r}: unknown parameter(s) {unknown}; accepted: {sorted(spec)}"
        )
    out: dict[str, float] = {}
    for name, (default, lo, hi) in spec.items():
        value = given.get(name, default)
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok or not math.isfinite(value) or not lo <= value <= hi:
            raise FaultError(
                f"fault {fault_type!r}: parameter {name}={value!r} must be a number in "
                f"[{lo:g}, {hi:g}]"
            )
        out[name] = float(value)
    return out


def resolve_target(twin: Twin, fault_type: str, target: Any) -> int:
    """Index of ``target`` among the objects of the kind the fault takes."""
    topo = twin.compiled
    kind = FAULT_TARGETS[fault_type]
    index: dict[str, int] = {
        "cell": topo.cell_index,
        "site": topo.site_index,
        "link": topo.link_index,
        "upf": topo.upf_index,
    }[kind]
    if isinstance(target, str) and target in index:
        return index[target]
    if kind == "link" and isinstance(target, str) and "--" in target:
        u, v = target.split("--", 1)
        if f"{v}--{u}" in index:
            return index[f"{v}--{u}"]
    example = next(iter(index), "")
    raise FaultError(
        f"fault {fault_type!r} targets a {kind} ({'link_id' if kind == 'link' else kind + ' id'} "
        f"such as {example!r}); {target!r} is not one"
    )


def _nbr_cells(twin: Twin, cell: int) -> list[str]:
    idx, overlap = twin.compiled.neighbours_of(cell)
    return [twin.compiled.cell_ids[int(j)] for j in idx[overlap >= NEIGHBOUR_ALARM_OVERLAP]]


def site_nodes(twin: Twin, sites: np.ndarray) -> tuple[list[str], list[str]]:
    """Ids of the sites at indices ``sites`` and of all their cells."""
    topo = twin.compiled
    site_ids = [topo.site_ids[int(s)] for s in sites]
    cells = [topo.cell_ids[int(c)] for s in sites for c in topo.cells_of_site(int(s))]
    return site_ids, cells


def plan_fault(twin: Twin, fault_type: str, i: int, p: dict[str, float]) -> FaultPlan:
    """What ``fault_type`` on object ``i`` changes and raises (state not yet touched)."""
    topo, st = twin.compiled, twin.state
    plan = FaultPlan()
    if fault_type in ("cell_outage", "interference", "misconfiguration"):
        cell = topo.cell_ids[i]
        plan.root_node, plan.affected = cell, (cell,)
        if fault_type == "cell_outage":
            plan.changes.append(Change("cell_on", [i], [bool(st.cell_on[i])], [False]))
            plan.roots = [("CELL_UNAVAILABLE", cell)]
            plan.symptoms = [("NEIGHBOUR_OVERLOAD", n) for n in _nbr_cells(twin, i)]
        elif fault_type == "interference":
            old = float(st.cell_interference_db[i])
            plan.changes.append(Change("cell_interference_db", [i], [old], [p["extra_db"]], "add"))
            plan.roots = [("HIGH_INTERFERENCE", cell)]
            plan.symptoms = [("KPI_DEGRADATION", cell)]
        else:
            old = float(st.cell_tilt_deg[i])
            if math.isclose(old, p["tilt_deg"], abs_tol=1e-3):
                raise FaultError(
                    f"fault 'misconfiguration': cell {cell!r} already has tilt {old:g} deg; "
                    "give a different tilt_deg"
                )
            plan.changes.append(Change("cell_tilt_deg", [i], [old], [p["tilt_deg"]]))
            plan.roots = [("CONFIG_MISMATCH", cell)]
            plan.symptoms = [("KPI_DEGRADATION", cell)] + [
                ("NEIGHBOUR_OVERLOAD", n) for n in _nbr_cells(twin, i)
            ]
    elif fault_type == "site_power_failure":
        site = topo.site_ids[i]
        plan.root_node = site
        plan.roots = [("BATTERY_LOW", site)]
    elif fault_type in ("fibre_cut", "link_congestion"):
        plan.domain = "transport"
        plan.root_node = topo.link_ids[i]
        ends = [topo.tnode_ids[int(topo.link_u[i])], topo.tnode_ids[int(topo.link_v[i])]]
        sites, cells = site_nodes(twin, topo.sites_using_link(i, st.path_ptr, st.path_idx))
        plan.affected = (*sites, *cells)
        if fault_type == "fibre_cut":
            plan.changes.append(Change("link_up", [i], [bool(st.link_up[i])], [False]))
            plan.roots = [("LINK_DOWN", e) for e in ends]
            plan.symptoms = [("GNB_DISCONNECTED", s) for s in sites]
            plan.symptoms += [("CELL_UNAVAILABLE", c) for c in cells]
        else:
            extra = p["load_share"] * float(st.link_capacity_mbps[i])
            old = float(st.link_background_mbps[i])
            plan.changes.append(Change("link_background_mbps", [i], [old], [extra], "add"))
            plan.roots = [("LINK_CONGESTION", ends[0])]
            plan.symptoms = [("ETH_LINK_DEGRADED", ends[1])]
            plan.symptoms += [("KPI_DEGRADATION", s) for s in sites]
    else:  # upf_overload
        upf = topo.upf_ids[i]
        plan.root_node = upf
        plan.domain = "edge" if int(topo.upf_tier[i]) == 1 else "core"
        total = float(st.upf_capacity_mbps[i]) * int(st.upf_instances[i])
        old = float(st.upf_background_mbps[i])
        plan.changes.append(
            Change("upf_background_mbps", [i], [old], [p["load_share"] * total], "add")
        )
        sites, _ = site_nodes(twin, np.flatnonzero(st.site_upf == i))
        plan.affected = tuple(sites)
        smfs = [n for n, d in topo.graph.nodes(data=True) if d.get("nf_type") == "SMF"]
        plan.roots = [("UPF_OVERLOAD", upf)]
        plan.symptoms = [("PDU_SESSION_FAILURES", n) for n in smfs]
        plan.symptoms += [("KPI_DEGRADATION", s) for s in sites]
    return plan
