"""From an operator's slice request (AgentGate's ``slice_provisioner`` arguments) to a slice spec.

Areas: a region (``north``, ``south``, ``east``, ``west``, ``centre``) is the twin's site region
(``SiteAttrs.region``); a named place (``port``, ``stadium``, ...; AgentGate's canonical place
names) is a small cluster of sites placed deterministically on the topology: an anchor site of the
place's typical area type, chosen by a stable hash of the place name, plus its nearest sites.

Throughput is the guarantee in *each cell* of the area (the twin's ``guaranteed_dl_mbps``).
Missing targets take the per-type defaults below and are listed as assumptions.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np

from autonet.twin import SLICE_TYPES, CompiledTopology, SliceError, SliceSpec

__all__ = [
    "DAY_NAMES",
    "DEFAULT_LATENCY_MS",
    "DEFAULT_RELIABILITY_PCT",
    "DEFAULT_THROUGHPUT_MBPS",
    "PLACES",
    "REGIONS",
    "SliceRequestSpec",
    "area_cells",
    "slice_name",
    "spec_from_arguments",
    "window_hours",
]

REGIONS: Final[tuple[str, ...]] = ("north", "south", "east", "west", "centre")
#: Named place -> (typical area type of its anchor site, number of sites it spans).
PLACES: Final[dict[str, tuple[str, int]]] = {
    "port": ("suburban", 3),
    "stadium": ("urban", 2),
    "airport": ("suburban", 3),
    "factory": ("rural", 2),
    "campus": ("urban", 2),
    "hospital": ("urban", 1),
    "fairground": ("suburban", 2),
    "old_town": ("urban", 3),
    "station": ("urban", 1),
    "business_park": ("suburban", 2),
}
DAY_NAMES: Final[tuple[str, ...]] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: Per-cell guaranteed DL throughput when the request names none (Mbit/s).
DEFAULT_THROUGHPUT_MBPS: Final[dict[str, float]] = {"eMBB": 20.0, "URLLC": 10.0, "mMTC": 1.0}
#: One-way latency target when the request names none (ms).
DEFAULT_LATENCY_MS: Final[dict[str, float]] = {"eMBB": 50.0, "URLLC": 10.0, "mMTC": 1000.0}
DEFAULT_RELIABILITY_PCT: Final[float] = 99.9


@dataclass(frozen=True)
class SliceRequestSpec:
    """The outcome of mapping one request.

    Attributes:
        params: ``slice_admit`` parameters (None when the request cannot be mapped).
        problems: Why the request cannot be mapped, one line each (empty when ``params`` is set).
        assumptions: Defaults filled in for targets the request did not name.
        area: The area asked for (None when missing).
    """

    params: dict[str, Any] | None
    problems: tuple[str, ...] = ()
    assumptions: tuple[str, ...] = ()
    area: str | None = None
    cells: tuple[str, ...] = field(default_factory=tuple)


def slice_name(incident_id: str) -> str:
    """The slice's name for an incident id (``I00007`` -> ``SL-007``; AgentGate's slice id form)."""
    digits = "".join(ch for ch in incident_id if ch.isdigit())
    return f"SL-{int(digits or 0) % 1000:03d}"


def area_cells(topo: CompiledTopology, place: str) -> tuple[str, ...]:
    """Cell ids of a named place (see the module docstring); sorted.

    Raises:
        KeyError: ``place`` is not one of :data:`PLACES`.
    """
    area_type, n_sites = PLACES[place]
    G = topo.graph
    sites = list(topo.site_ids)
    typed = [s for s in sites if G.nodes[s]["area"] == area_type] or sites
    anchor = typed[zlib.crc32(place.encode()) % len(typed)]
    xy = np.array([[G.nodes[s]["x_km"], G.nodes[s]["y_km"]] for s in sites], dtype=np.float64)
    a = topo.site_index[anchor]
    dist = np.hypot(*(xy - xy[a]).T)
    order = np.lexsort((np.arange(len(sites)), dist))[: min(n_sites, len(sites))]
    chosen = {int(i) for i in order}
    return tuple(topo.cell_ids[c] for c in range(topo.n_cells) if int(topo.cell_site[c]) in chosen)


def _hour(text: Any, *, end: bool) -> int | None:
    """``"HH:MM"`` -> a whole hour covering it (start rounds down, end rounds up); None if bad."""
    if not isinstance(text, str) or len(text) != 5 or text[2] != ":":
        return None
    hh, mm = text[:2], text[3:]
    if not (hh.isdigit() and mm.isdigit()) or int(hh) > 23 or int(mm) > 59:
        return None
    hours = int(hh) + int(mm) / 60.0
    return math.ceil(hours) if end else math.floor(hours)


def window_hours(window: Any, problems: list[str]) -> tuple[int, int]:
    """``{"start": "HH:MM", "end": "HH:MM"}`` -> (start_hour, end_hour); problems appended."""
    if window is None:
        return 0, 24
    if not isinstance(window, Mapping):
        problems.append(
            f"window = {window!r} is invalid (expected {{'start': 'HH:MM', 'end': 'HH:MM'}})"
        )
        return 0, 24
    start, end = _hour(window.get("start"), end=False), _hour(window.get("end"), end=True)
    if start is None or end is None:
        problems.append(
            f"window = {dict(window)!r} is invalid (expected start and end as 'HH:MM', 24 h clock)"
        )
        return 0, 24
    end = 24 if end in (0, 24) else end
    return start, end


def _days(days: Any, problems: list[str]) -> list[int]:
    if days is None:
        return list(range(7))
    if isinstance(days, str) or not isinstance(days, list | tuple) or not days:
        problems.append(
            f"days = {days!r} is invalid (expected a non-empty list of {list(DAY_NAMES)})"
        )
        return list(range(7))
    bad = [d for d in days if d not in DAY_NAMES]
    if bad:
        problems.append(f"days {bad!r} are invalid (expected names from {list(DAY_NAMES)})")
        return list(range(7))
    return sorted({DAY_NAMES.index(d) for d in days})


def _number(
    args: Mapping[str, Any], key: str, default: float, assumed: list[str], unit: str
) -> Any:
    if args.get(key) is None:
        assumed.append(f"{key} not given: assumed {default:g} {unit}")
        return default
    return args[key]


def _area(topo: CompiledTopology, area: Any, problems: list[str]) -> dict[str, Any]:
    if area is None or area == "":
        problems.append(
            "area missing: name a region (north, south, east, west, centre) or a place "
            f"({', '.join(sorted(PLACES))})"
        )
        return {}
    if area in REGIONS:
        regions = {str(topo.graph.nodes[s]["region"]) for s in topo.site_ids}
        if area not in regions:
            problems.append(
                f"area {area!r}: the network has no site in that region ({sorted(regions)})"
            )
            return {}
        return {"region": area}
    if area in PLACES:
        return {"cells": list(area_cells(topo, area))}
    problems.append(
        f"area {area!r} is unknown (expected a region {list(REGIONS)} or a place {sorted(PLACES)})"
    )
    return {}


def spec_from_arguments(
    topo: CompiledTopology, arguments: Mapping[str, Any], name: str
) -> SliceRequestSpec:
    """Map ``slice_provisioner`` arguments to ``slice_admit`` parameters for slice ``name``.

    Never raises for a bad request: every problem (missing area, unknown slice type, a value out
    of the twin's range) is returned as a one-line reason.
    """
    problems: list[str] = []
    assumed: list[str] = []
    if not isinstance(arguments, Mapping):
        return SliceRequestSpec(
            None, (f"arguments = {arguments!r} is invalid (expected a mapping)",)
        )
    stype = arguments.get("slice_type")
    if stype not in SLICE_TYPES:
        problems.append(f"slice_type = {stype!r} is invalid (expected one of {list(SLICE_TYPES)})")
        stype = "eMBB"
    area = arguments.get("area")
    where = _area(topo, area, problems)
    start, end = window_hours(arguments.get("window"), problems)
    weekdays = _days(arguments.get("days"), problems)
    params: dict[str, Any] = {
        "slice_type": stype,
        "guaranteed_dl_mbps": _number(
            arguments, "throughput_mbps", DEFAULT_THROUGHPUT_MBPS[stype], assumed, "Mbit/s"
        ),
        "max_latency_ms": _number(
            arguments, "latency_ms", DEFAULT_LATENCY_MS[stype], assumed, "ms"
        ),
        "reliability_pct": _number(
            arguments, "reliability_pct", DEFAULT_RELIABILITY_PCT, assumed, "%"
        ),
        **where,
        "start_hour": start,
        "end_hour": end,
        "weekdays": weekdays,
    }
    if not problems:
        try:
            SliceSpec(name=name, **params)
        except SliceError as err:
            problems.append(str(err).replace(f"slice {name!r}: ", ""))
    area_s = area if isinstance(area, str) and area else None
    if problems:
        return SliceRequestSpec(None, tuple(problems), tuple(assumed), area_s)
    return SliceRequestSpec(params, (), tuple(assumed), area_s, tuple(params.get("cells", ())))
