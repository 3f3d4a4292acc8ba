"""The twin's counters: names (3GPP TS 28.552 where one exists), units, levels and definitions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

import pandas as pd

__all__ = [
    "CELL_COUNTERS",
    "COUNTERS",
    "LINK_COUNTERS",
    "UPF_COUNTERS",
    "Counter",
    "counter_table",
]


@dataclass(frozen=True, slots=True)
class Counter:
    """One counter the twin reports per object and step."""

    name: str
    unit: str
    level: Literal["cell", "link", "upf"]
    description: str
    standard: str  # where the name comes from


_S = "3GPP TS 28.552"
_D = "autonet (derived KQI)"

#: Cell counters, in the order the engine stores them.
CELL_COUNTERS: Final[tuple[Counter, ...]] = (
    Counter("RRU.PrbUsedDl", "%", "cell",
            "DL PRB utilisation: offered DL load / DL capacity at the step's SINR and usable "
            "PRBs, capped at 100 (reported as a percentage).", _S),
    Counter("RRU.PrbUsedUl", "%", "cell", "UL PRB utilisation, as for DL.", _S),
    Counter("RRC.ConnMean", "users", "cell",
            "Mean connected users over the step, after outages, offload and coverage changes "
            "moved users between cells.", _S),
    Counter("DRB.UEThpDl", "Mbit/s", "cell",
            "Mean DL user throughput while transferring: processor sharing, capacity x "
            "(1 - utilisation), at least capacity x 2 %, scaled by transport/UPF throttling.", _S),
    Counter("DRB.UEThpUl", "Mbit/s", "cell", "Mean UL user throughput, as for DL.", _S),
    Counter("PEE.AvgPower", "W", "cell",
            "Mean input power of the cell's radio over the step (EARTH model, "
            "autonet.twin.energy).", _S),
    Counter("PEE.Energy", "Wh", "cell", "Energy drawn by the cell's radio during the step.", _S),
    Counter("KQI.DropRate", "%", "cell",
            "Share of sessions dropped (%): 0.2 + 1.5 per dB of SINR below 3 dB + 5 x the "
            "blocked share of offered DL load, capped at 100.", _D),
    Counter("KQI.BlockedUsers", "users", "cell",
            "Connected users whose demand could not be served: users x blocked share of the "
            "offered DL load.", _D),
    Counter("KQI.LatencyMs", "ms", "cell",
            "Mean one-way user-plane latency: RAN 4 + 2u / (1 - 0.95u) ms at DL utilisation u, "
            "plus the backhaul path to the UPF (link latencies + 0.5 x x / (1 - x) ms queueing "
            "per link at utilisation x <= 0.98), plus the UPF (0.5 + y / (1 - y) ms at load "
            "y <= 0.99).", _D),
    Counter("KQI.LostUsers", "users", "cell",
            "Users this cell should have served but no available cell covers (outage with no "
            "covering neighbour, coverage shrunk by tilt/power, site or backhaul down).", _D),
    Counter("KQI.OfferedDlMbps", "Mbit/s", "cell",
            "DL load offered to the cell after users moved (own share plus neighbours').", _D),
    Counter("KQI.ServedDlMbps", "Mbit/s", "cell",
            "DL load carried: min(offered, capacity), throttled by congested transport or an "
            "overloaded UPF.", _D),
    Counter("KQI.SinrDb", "dB", "cell",
            "Mean DL SINR: nominal for the area, changed by TX power and tilt, reduced by "
            "neighbours' load (interference) and by fault interference.", _D),
    Counter("KQI.Available", "0/1", "cell",
            "1 when the cell serves: in service, awake (and woken), site powered, backhaul up.",
            _D),
)  # fmt: skip

#: Link counters.
LINK_COUNTERS: Final[tuple[Counter, ...]] = (
    Counter("TN.LinkUtil", "%", "link",
            "Transport link utilisation: (traffic of every site whose backhaul path uses the "
            "link + background load + slice reservations) / capacity; 0 while the link is "
            "down (it carries nothing). Above 100 the link throttles its sites' traffic.", _D),
)  # fmt: skip

#: UPF counters.
UPF_COUNTERS: Final[tuple[Counter, ...]] = (
    Counter("UPF.Load", "%", "upf",
            "UPF user-plane load: (traffic of the sites it serves + background + slice "
            "reservations) / (capacity per instance x instances). Above 100 it throttles.", _D),
)  # fmt: skip

#: All counters by name.
COUNTERS: Final[dict[str, Counter]] = {
    c.name: c for c in CELL_COUNTERS + LINK_COUNTERS + UPF_COUNTERS
}


def counter_table() -> pd.DataFrame:
    """The counter definitions as a table (name, unit, level, description, standard)."""
    return pd.DataFrame(
        [(c.name, c.unit, c.level, c.description, c.standard) for c in COUNTERS.values()],
        columns=["name", "unit", "level", "description", "standard"],
    )
