"""Helpers of the engine tests: the canonical 3-cell twin with flat, noise-free traffic."""

from __future__ import annotations

import math

from autonet.twin.builder import three_cell_topology
from autonet.twin.engine import Twin
from autonet.twin.radio import RadioModel
from autonet.twin.traffic import TrafficModel

# Demand set by hand: users (100, 80, 40) x DL per user (2, 1.5, 1) -> DL (200, 120, 40) Mbit/s,
# UL = 0.1 x DL. Cells in index order: S1-C1 (urban), S2-C1 (suburban), S3-C1 (rural).
USERS = (100.0, 80.0, 40.0)
DL = (200.0, 120.0, 40.0)
UL = (20.0, 12.0, 4.0)


def flat_traffic() -> TrafficModel:
    """Always the busy hour, every cell alike within its area, no noise."""
    return TrafficModel(
        profile="flat",
        users_busy_hour=USERS,
        dl_per_user_mbps=(2.0, 1.5, 1.0),
        ul_dl_ratio=0.1,
        scale_sigma=0.0,
        noise_sigma=0.0,
    )


def hand_capacity_dl(cell: str, sinr_db: float | None = None) -> float:
    """DL capacity of a 3-cell-twin cell from first principles (radio.py's documented model).

    n78 (S1, S2): 273 PRBs x 12 x 30 kHz, TDD DL share 0.74; n28 (S3): 106 PRBs x 12 x 15 kHz,
    FDD. 2 layers, 14 % overhead, SE = min(0.75 log2(1 + SINR), 7.4), nominal SINR 14/16/18 dB.
    """
    prbs, prb_hz, share, sinr0 = {
        "S1-C1": (273, 360e3, 0.74, 14.0),
        "S2-C1": (273, 360e3, 0.74, 16.0),
        "S3-C1": (106, 180e3, 1.0, 18.0),
    }[cell]
    sinr = sinr0 if sinr_db is None else sinr_db
    se = min(0.75 * math.log2(1.0 + 10.0 ** (sinr / 10.0)), 7.4)
    return prbs * prb_hz * 2.0 * share * 0.86 * se / 1e6


def make_twin(*, coupling: float = 0.0, **kwargs: object) -> Twin:
    """The 3-cell twin with flat traffic; coupling 0 (default) keeps capacities nominal."""
    return Twin(
        three_cell_topology(),
        traffic=flat_traffic(),
        radio=RadioModel(coupling=coupling),
        **kwargs,  # type: ignore[arg-type]
    )
