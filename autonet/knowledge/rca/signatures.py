"""How each twin fault type shows itself: its root alarm, then symptoms on what depends on it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

__all__ = ["FAULT_SIGNATURES", "KPI_ANOMALY", "Expectation", "FaultSignature", "Scope"]

KPI_ANOMALY: Final = "KPI_ANOMALY"

RootKind = Literal["cell", "site", "link", "upf"]
Scope = Literal[
    "own_site", "own_cells", "sites_behind", "cells_behind", "served_sites", "served_cells"
]


@dataclass(frozen=True, slots=True)
class Expectation:
    """Each node in ``scope`` of the root element shows one of ``types`` with probability ``p``.

    Scopes: the root site itself / its cells; the sites whose backhaul path crosses the root
    link / their cells; the sites a UPF serves / their cells.
    """

    scope: Scope
    types: frozenset[str]
    p: float


@dataclass(frozen=True, slots=True)
class FaultSignature:
    """What a fault of one type at one root element is expected to raise.

    Attributes:
        fault_type: a name of ``events.FAULT_TYPES``.
        domain: the domain of ``schema.DOMAINS`` the root element belongs to.
        root_kind: which elements can be its root (``upf`` = a UPF network function).
        root_types: alarm types raised on the root element itself (or a link's end points).
        expect: the symptoms expected on the elements that depend on the root.
        optional_types: alarm types that may appear on the root cell, the impacted cells and
            their radio neighbours (traffic shifted onto them); never expected, so silence
            costs nothing. KPI anomalies are always accepted there.
    """

    fault_type: str
    domain: str
    root_kind: RootKind
    root_types: frozenset[str]
    expect: tuple[Expectation, ...]
    optional_types: frozenset[str]


def _sig(
    fault_type: str,
    domain: str,
    root_kind: RootKind,
    root_types: tuple[str, ...],
    expect: tuple[tuple[Scope, tuple[str, ...], float], ...],
    optional_types: tuple[str, ...],
) -> FaultSignature:
    return FaultSignature(
        fault_type,
        domain,
        root_kind,
        frozenset(root_types),
        tuple(Expectation(scope, frozenset((*types, KPI_ANOMALY)), p) for scope, types, p in expect),
        frozenset((*optional_types, KPI_ANOMALY)),
    )


_OUT = ("CELL_UNAVAILABLE",)
_SHIFT = ("NEIGHBOUR_OVERLOAD", "KPI_DEGRADATION")

# The propagation of the twin's fault injectors (autonet.twin.faults): a root alarm on the
# faulty element, then, seconds later, symptoms on what depends on it.
FAULT_SIGNATURES: Final[dict[str, FaultSignature]] = {
    s.fault_type: s
    for s in (
        _sig("cell_outage", "ran", "cell", ("CELL_UNAVAILABLE",), (), _SHIFT),
        _sig(
            "site_power_failure",
            "ran",
            "site",
            ("SITE_POWER_FAILURE",),
            (("own_cells", _OUT, 0.9),),
            ("BATTERY_LOW", "GNB_DISCONNECTED", *_SHIFT),
        ),
        _sig(
            "fibre_cut",
            "transport",
            "link",
            ("LINK_DOWN",),
            (("sites_behind", ("GNB_DISCONNECTED",), 0.9), ("cells_behind", _OUT, 0.9)),
            _SHIFT,
        ),
        _sig(
            "link_congestion",
            "transport",
            "link",
            ("LINK_CONGESTION", "ETH_LINK_DEGRADED"),
            (("cells_behind", ("KPI_DEGRADATION",), 0.5),),
            ("ETH_LINK_DEGRADED",),
        ),
        _sig("interference", "ran", "cell", ("HIGH_INTERFERENCE",), (), ("KPI_DEGRADATION",)),
        _sig(
            "upf_overload",
            "core",
            "upf",
            ("UPF_OVERLOAD",),
            (("served_sites", ("PDU_SESSION_FAILURES",), 0.7),),
            ("KPI_DEGRADATION",),
        ),
        _sig(
            "misconfiguration", "ran", "cell", ("CONFIG_MISMATCH",), (), ("KPI_DEGRADATION", *_SHIFT)
        ),
    )
}
