"""Gate targets on the twin: ``S0012-C2``, ``S0012``, ``L0042``, link/UPF ids, regions."""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from autonet.platform.capabilities.context import CapabilityError

if TYPE_CHECKING:
    from autonet.twin import Twin

__all__ = [
    "REGIONS",
    "check_kpi_target",
    "classify",
    "kpi_level",
    "resolve_target",
    "series",
    "steps_of",
]

REGIONS: Final = ("north", "south", "east", "west", "centre")


def _unknown(twin: Twin, target: str) -> CapabilityError:
    n = len(twin.compiled.link_ids)
    return CapabilityError(
        f"unknown target {target!r}: expected a cell (S0001-C1), a site (S0001), a link "
        f"(L0001..L{n:04d}), a UPF or a region {list(REGIONS)}"
    )


def classify(twin: Twin, target: str) -> tuple[str, str]:
    """``(kind, id)`` of a gate target: ``cell``, ``site``, ``link`` (``L0042`` -> the twin's
    42nd link id), ``upf`` or ``region``.

    Raises:
        CapabilityError: The network has no such object.
    """
    topo = twin.compiled
    if target in topo.cell_index:
        return "cell", target
    if target in topo.site_index:
        return "site", target
    if target in topo.link_index:
        return "link", target
    if target in topo.upf_index:
        return "upf", target
    if m := re.fullmatch(r"L(\d{4})", target):
        n = int(m.group(1))
        if 1 <= n <= len(topo.link_ids):
            return "link", topo.link_ids[n - 1]
    if target in REGIONS:
        return "region", target
    raise _unknown(twin, target)


def resolve_target(twin: Twin, target: str) -> tuple[str, list[str]]:
    """``(level, object ids)`` of a gate target: cell, site (its cells), ``L0042`` (the 42nd
    link), a link/UPF id of the twin, or a region (its cells).

    Raises:
        CapabilityError: The network has no such object.
    """
    kind, ident = classify(twin, target)
    topo = twin.compiled
    if kind == "site":
        cells = [c for c in topo.cell_ids if c.startswith(f"{ident}-")]
        if not cells:
            raise _unknown(twin, target)
        return "cell", cells
    if kind == "region":
        G = topo.graph
        cells = [c for c in topo.cell_ids if G.nodes[G.nodes[c]["site"]].get("region") == ident]
        return "cell", cells
    return kind, [ident]


def steps_of(twin: Twin, minutes: Any, default: int = 60) -> int:
    """Twin steps covering ``minutes`` (``default`` when None).

    Raises:
        CapabilityError: Not a number of minutes >= 1.
    """
    minutes = default if minutes is None else minutes
    if isinstance(minutes, bool) or not isinstance(minutes, int | float) or minutes < 1:
        raise CapabilityError(f"period/horizon must be >= 1 minute, got {minutes!r}")
    return max(1, math.ceil(minutes / twin.step_minutes))


def kpi_level(kpi: str) -> str:
    """The level a counter is recorded at: ``link`` (TN.*), ``upf`` (UPF.*) or ``cell``."""
    return "link" if kpi.startswith("TN.") else "upf" if kpi.startswith("UPF.") else "cell"


def series(twin: Twin, kpi: str, level: str, ids: list[str]) -> np.ndarray:
    """``(steps, len(ids))`` recorded values of ``kpi`` on ``ids``.

    Raises:
        CapabilityError: The twin does not record the counter, or recorded no step yet.
    """
    topo = twin.compiled
    index = {"cell": topo.cell_index, "link": topo.link_index, "upf": topo.upf_index}[level]
    try:
        values = twin.kpi_array(kpi, level)  # type: ignore[arg-type]
    except (KeyError, ValueError) as exc:
        raise CapabilityError(f"the twin has no recorded {level} counter {kpi!r} ({exc})") from None
    if len(values) == 0:
        raise CapabilityError("the twin has recorded no step yet")
    return np.asarray(values[:, [index[i] for i in ids]])


def check_kpi_target(twin: Twin, kpi: str, target: str) -> tuple[str, list[str]]:
    """``resolve_target`` of a target that must carry ``kpi``'s level.

    Raises:
        CapabilityError: Unknown target, or a counter of another level.
    """
    level, ids = resolve_target(twin, target)
    if kpi_level(kpi) != level:
        raise CapabilityError(f"{kpi} is a {kpi_level(kpi)} counter; {target} is a {level} target")
    return level, ids
