"""How each twin fault type shows itself: its root alarm, then symptoms on what depends on it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

__all__ = ["FAULT_SIGNATURES", "KPI_ANOMALY", "Expectation", "FaultSignature", "Scope"]

KPI_ANOMALY: Final = "KPI_ANOMALY"

RootKind = Literal["cell", "site", "link", "upf"]
Scope = Literal[
    "self",
    "own_cells",
    "sites_behind",
    "cells_behind",
    "served_sites",
    "served_cells",
    "smfs",
    "takers",
]


@dataclass(frozen=True, slots=True)
class Expectation:
    """Each node in ``scope`` of the root element shows one of ``types`` with probability ``p``.

    Scopes: the root element itself; the cells of the root site; the sites whose backhaul path
    crosses the root link / their cells; the sites a UPF serves / their cells; the SMFs (which
    count the PDU session failures of every UPF); the radio neighbours of the root cell that
    overlap it enough to take its users (``dependency.TAKER_MIN_OVERLAP``).
    """

    scope: Scope
    types: frozenset[str]
    p: float


@dataclass(frozen=True, slots=True)
class FaultSignature:
    """What a fault of one type at one root element is expected to raise.

    Attributes:
        fault_type: a name of ``events.FAULT_TYPES``.
        domain: the domain of ``schema.DOMAINS`` of the root element (a UPF in an edge data
            centre is ``edge``).
        root_kind: which elements can be its root (``upf`` = a UPF network function).
        root_types: alarm types raised on the root element (on each end of a root link).
        expect: the symptoms expected on the elements that depend on the root.
        optional_types: alarm types that may appear on the root cell, the impacted sites and
            cells and their radio neighbours (traffic shifted onto them); never expected, so
            silence costs nothing. KPI anomalies are always accepted there.
        precursor_types: root alarms that come before the outage (a battery discharging):
            while only they are seen, no symptom is expected yet.
    """

    fault_type: str
    domain: str
    root_kind: RootKind
    root_types: frozenset[str]
    expect: tuple[Expectation, ...]
    optional_types: frozenset[str]
    precursor_types: frozenset[str] = frozenset()


def _sig(
    fault_type: str,
    domain: str,
    root_kind: RootKind,
    root_types: tuple[str, ...],
    expect: tuple[tuple[Scope, str, float], ...],
    optional_types: tuple[str, ...],
    precursor_types: tuple[str, ...] = (),
) -> FaultSignature:
    return FaultSignature(
        fault_type,
        domain,
        root_kind,
        frozenset(root_types),
        tuple(Expectation(scope, frozenset((t, KPI_ANOMALY)), p) for scope, t, p in expect),
        frozenset((*optional_types, KPI_ANOMALY)),
        frozenset(precursor_types),
    )


_SHIFT = ("NEIGHBOUR_OVERLOAD", "KPI_DEGRADATION")

# The propagation of the twin's fault injectors (autonet.twin.faults): root alarm(s) on the
# faulty element within seconds, symptoms on what depends on it within ~90 s, each symptom
# lost with a small probability; a power failure warns (BATTERY_LOW) before the site goes dark.
FAULT_SIGNATURES: Final[dict[str, FaultSignature]] = {
    s.fault_type: s
    for s in (
        _sig(
            "cell_outage",
            "ran",
            "cell",
            ("CELL_UNAVAILABLE",),
            (("takers", "NEIGHBOUR_OVERLOAD", 0.8),),
            _SHIFT,
        ),
        _sig(
            "site_power_failure",
            "ran",
            "site",
            ("SITE_POWER_FAILURE", "BATTERY_LOW"),
            (("self", "GNB_DISCONNECTED", 0.9), ("own_cells", "CELL_UNAVAILABLE", 0.9)),
            _SHIFT,
            precursor_types=("BATTERY_LOW",),
        ),
        _sig(
            "fibre_cut",
            "transport",
            "link",
            ("LINK_DOWN",),
            (
                ("sites_behind", "GNB_DISCONNECTED", 0.9),
                ("cells_behind", "CELL_UNAVAILABLE", 0.9),
            ),
            _SHIFT,
        ),
        _sig(
            "link_congestion",
            "transport",
            "link",
            ("LINK_CONGESTION", "ETH_LINK_DEGRADED"),
            (("sites_behind", "KPI_DEGRADATION", 0.8),),
            ("KPI_DEGRADATION",),
        ),
        _sig(
            "interference",
            "ran",
            "cell",
            ("HIGH_INTERFERENCE",),
            (("self", "KPI_DEGRADATION", 0.9),),
            ("KPI_DEGRADATION",),
        ),
        _sig(
            "upf_overload",
            "core",
            "upf",
            ("UPF_OVERLOAD",),
            (("smfs", "PDU_SESSION_FAILURES", 0.9), ("served_sites", "KPI_DEGRADATION", 0.8)),
            ("KPI_DEGRADATION",),
        ),
        _sig(
            "misconfiguration",
            "ran",
            "cell",
            ("CONFIG_MISMATCH",),
            (("self", "KPI_DEGRADATION", 0.9), ("takers", "NEIGHBOUR_OVERLOAD", 0.8)),
            _SHIFT,
        ),
    )
}
