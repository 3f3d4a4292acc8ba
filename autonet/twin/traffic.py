"""Per-cell traffic: connected users and offered DL/UL load with daily/weekly profiles and events.

Every array is over cells and computed in one vectorised pass per step. The random parts are
deterministic: the per-cell scale comes from the twin's seed, and each step's noise from
``(seed, step index)``, so a rerun or a clone stepping the same index sees the same demand.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Literal

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix

from autonet.twin.state import CompiledTopology

__all__ = ["PROFILES", "TrafficEvent", "TrafficModel", "TrafficSample"]

# Hourly activity (share of the busy hour) per area type, weekday and weekend. Urban cores peak
# in business hours, suburbs in the evening, rural cells are flatter; weekends move urban
# traffic out of offices and raise suburban daytime traffic.
PROFILES: Final[dict[tuple[str, bool], tuple[float, ...]]] = {
    ("urban", False): (0.18, 0.12, 0.09, 0.08, 0.08, 0.12, 0.25, 0.50, 0.80, 0.95, 1.00, 1.00,
                       0.97, 0.98, 1.00, 0.98, 0.92, 0.80, 0.65, 0.55, 0.50, 0.45, 0.35, 0.25),
    ("urban", True): (0.25, 0.18, 0.12, 0.10, 0.08, 0.08, 0.10, 0.15, 0.25, 0.40, 0.50, 0.58,
                      0.62, 0.62, 0.60, 0.58, 0.56, 0.55, 0.55, 0.55, 0.50, 0.45, 0.38, 0.30),
    ("suburban", False): (0.25, 0.15, 0.10, 0.08, 0.08, 0.12, 0.30, 0.50, 0.45, 0.40, 0.40,
                          0.42, 0.45, 0.45, 0.45, 0.50, 0.60, 0.72, 0.85, 0.95, 1.00, 0.95,
                          0.75, 0.45),
    ("suburban", True): (0.30, 0.20, 0.12, 0.10, 0.08, 0.08, 0.12, 0.22, 0.40, 0.60, 0.72, 0.78,
                         0.80, 0.80, 0.78, 0.78, 0.80, 0.85, 0.92, 0.98, 1.00, 0.92, 0.72, 0.48),
    ("rural", False): (0.35, 0.30, 0.28, 0.27, 0.27, 0.32, 0.45, 0.60, 0.68, 0.70, 0.72, 0.74,
                       0.76, 0.74, 0.72, 0.72, 0.76, 0.82, 0.90, 0.95, 0.95, 0.88, 0.70, 0.50),
    ("rural", True): (0.40, 0.33, 0.30, 0.28, 0.27, 0.28, 0.35, 0.45, 0.58, 0.68, 0.74, 0.78,
                      0.80, 0.78, 0.76, 0.76, 0.78, 0.84, 0.90, 0.95, 0.95, 0.88, 0.72, 0.52),
}  # fmt: skip
_AREAS: Final[tuple[str, ...]] = ("urban", "suburban", "rural")


@dataclass(frozen=True)
class TrafficSample:
    """One step's demand per cell (before outages and offload move it)."""

    users: NDArray[np.float32]  # connected users (mean over the step)
    dl_mbps: NDArray[np.float32]  # offered DL load
    ul_mbps: NDArray[np.float32]  # offered UL load


@dataclass(frozen=True)
class TrafficEvent:
    """A surge over a cluster of cells (stadium, concert): users x ``multiplier``, ramped."""

    name: str
    cells: NDArray[np.int32]
    start: datetime
    end: datetime
    multiplier: float
    ramp: timedelta

    def factor(self, when: datetime) -> float:
        """Multiplier in force at ``when``: 1 outside, linear ramps in and out of the plateau."""
        if when < self.start - self.ramp or when > self.end + self.ramp:
            return 1.0
        ramp_s = max(self.ramp.total_seconds(), 1e-9)
        up = min(1.0, max(0.0, (when - (self.start - self.ramp)).total_seconds() / ramp_s))
        down = min(1.0, max(0.0, ((self.end + self.ramp) - when).total_seconds() / ramp_s))
        return 1.0 + (self.multiplier - 1.0) * min(up, down)


class TrafficModel:
    """Per-cell users and offered load.

    ``users = base[area] x scale_cell x profile[area](time) x noise x events`` and
    ``DL = users x dl_per_user[area] x noise'``, ``UL = DL x ul_dl_ratio``. ``scale_cell`` is
    lognormal with mean 1 (hot and cold cells); noise is lognormal with mean 1 per cell per step,
    read from a per-seed bank of ``4 x n_cells`` draws at offsets drawn from ``(seed, step)``.

    Args:
        profile: ``"typical"`` (the ``PROFILES`` table) or ``"flat"`` (always the busy hour).
        users_busy_hour: Mean connected users per cell in the busy hour (urban, suburban, rural).
        dl_per_user_mbps: Mean offered DL load per connected user (urban, suburban, rural).
        ul_dl_ratio: Offered UL load as a share of DL.
        scale_sigma: Sigma of the per-cell lognormal scale (0: every cell alike).
        noise_sigma: Sigma of the per-step lognormal noise (0: none).
        mobility: Share (0..0.5) of each cell's users camped on its neighbours at any time,
            spread by overlap (users are conserved).

    Raises:
        ValueError: A parameter outside its range (the message names it).
    """

    def __init__(
        self,
        *,
        profile: Literal["typical", "flat"] = "typical",
        users_busy_hour: Sequence[float] = (120.0, 90.0, 35.0),
        dl_per_user_mbps: Sequence[float] = (1.5, 1.5, 1.2),
        ul_dl_ratio: float = 0.12,
        scale_sigma: float = 0.4,
        noise_sigma: float = 0.08,
        mobility: float = 0.0,
    ) -> None:
        if profile not in ("typical", "flat"):
            raise ValueError(f"profile must be 'typical' or 'flat', got {profile!r}")
        for name, triple in (("users_busy_hour", users_busy_hour),
                             ("dl_per_user_mbps", dl_per_user_mbps)):  # fmt: skip
            if len(triple) != 3 or any(not np.isfinite(v) or v < 0 for v in triple):
                raise ValueError(f"{name} must be 3 finite numbers >= 0 (urban, suburban, "
                                 f"rural), got {tuple(triple)!r}")  # fmt: skip
        for name, value, hi in (("ul_dl_ratio", ul_dl_ratio, 10.0),
                                ("scale_sigma", scale_sigma, 3.0),
                                ("noise_sigma", noise_sigma, 3.0),
                                ("mobility", mobility, 0.5)):  # fmt: skip
            if not np.isfinite(value) or not 0.0 <= value <= hi:
                raise ValueError(f"{name} must be in [0, {hi}], got {value!r}")
        self.profile = profile
        self.users_busy_hour = tuple(float(v) for v in users_busy_hour)
        self.dl_per_user_mbps = tuple(float(v) for v in dl_per_user_mbps)
        self.ul_dl_ratio = float(ul_dl_ratio)
        self.scale_sigma = float(scale_sigma)
        self.noise_sigma = float(noise_sigma)
        self.mobility = float(mobility)
        self.events: list[TrafficEvent] = []
        self._seed = 0
        self._area: NDArray[np.int8] = np.zeros(0, np.int8)
        self._base_users: NDArray[np.float32] = np.zeros(0, np.float32)
        self._dl_per_user: NDArray[np.float32] = np.zeros(0, np.float32)
        self._area_ip: NDArray[np.intp] = np.zeros(0, np.intp)
        self._bank: NDArray[np.float32] = np.ones(1, np.float32)
        self._mix: csr_matrix | None = None
        self._roam: NDArray[np.float32] = np.zeros(0, np.float32)
        self._table = np.asarray(
            [[PROFILES[(a, w)] for a in _AREAS] for w in (False, True)], dtype=np.float64
        )  # (weekend, area, hour)

    @property
    def n_cells(self) -> int:
        """Cells the model is bound to (0 before ``bind``)."""
        return len(self._area)

    def bind(self, topo: CompiledTopology, seed: int) -> None:
        """Draw the per-cell scale for ``topo`` from ``seed``; call once before ``sample``."""
        self._seed = int(seed)
        self._area = np.asarray(topo.cell_area, dtype=np.int8)
        rng = np.random.default_rng((self._seed, 0x5CA1E))
        s = self.scale_sigma
        scale = np.exp(rng.normal(-0.5 * s * s, s, topo.n_cells)) if s > 0 else 1.0
        if topo.cell_demand_share is not None and topo.cell_demand_of is not None:
            # dual layer: both carriers of a sector share one draw and split its demand
            scale = np.broadcast_to(scale, (topo.n_cells,))[topo.cell_demand_of]
            scale = scale * topo.cell_demand_share.astype(np.float64)
        base = np.asarray(self.users_busy_hour, dtype=np.float64)[self._area] * scale
        self._base_users = np.asarray(base, dtype=np.float32)
        self._dl_per_user = np.asarray(self.dl_per_user_mbps, dtype=np.float32)[self._area]
        self._area_ip = self._area.astype(np.intp)
        n_bank = max(4 * topo.n_cells, 1 << 12)
        s = self.noise_sigma
        z = np.random.default_rng((self._seed, 0xBA4C)).standard_normal(n_bank)
        self._bank = np.exp(s * z - 0.5 * s * s).astype(np.float32)
        self._mix = None
        if self.mobility > 0 and len(topo.nbr_idx):
            rows = np.repeat(np.arange(topo.n_cells), np.diff(topo.nbr_ptr))
            w = topo.nbr_overlap.astype(np.float64)
            tot = np.bincount(rows, weights=w, minlength=topo.n_cells)
            share = w / np.where(tot > 0, tot, 1.0)[rows]
            # column j of the mix spreads cell j's roaming users over its neighbours
            self._mix = csr_matrix((share, (topo.nbr_idx, rows)), shape=(topo.n_cells,) * 2)
            self._roam = np.where(tot > 0, self.mobility, 0.0).astype(
                np.float32
            )  # a cell without neighbours keeps its users

    def busy_hour_cell_mbps(self) -> NDArray[np.float64]:
        """Mean offered DL + UL load of a cell at its area's busy hour (urban, suburban, rural).

        ``users_busy_hour x dl_per_user_mbps x (1 + ul_dl_ratio) x peak activity`` per area
        (the peak of the area's weekday and weekend profiles; 1 for ``"flat"``), the mean over
        the per-cell scale and noise (both mean 1). Transport and UPF dimensioning plan on it.
        """
        peak = np.ones(3) if self.profile == "flat" else self._table.max(axis=(0, 2))
        users = np.asarray(self.users_busy_hour, dtype=np.float64)
        per_user = np.asarray(self.dl_per_user_mbps, dtype=np.float64)
        out: NDArray[np.float64] = users * per_user * (1.0 + self.ul_dl_ratio) * peak
        return out

    @property
    def cell_cv(self) -> float:
        """Coefficient of variation of one cell's load around its area mean at a given time.

        The product of three independent lognormals of mean 1: the per-cell scale and the
        per-step noise on users and on load per user, ``sqrt(e^(s^2 + 2 n^2) - 1)``.
        """
        s, n = self.scale_sigma, self.noise_sigma
        return math.sqrt(math.expm1(s * s + 2.0 * n * n))

    def add_event(
        self,
        cells: Sequence[int] | NDArray[np.integer],
        start: datetime,
        end: datetime,
        multiplier: float,
        name: str,
        *,
        ramp: timedelta = timedelta(hours=1),
    ) -> TrafficEvent:
        """Surge the users of ``cells`` (indices) by ``multiplier`` from ``start`` to ``end``.

        Raises:
            ValueError: No cells, an index out of range, ``end <= start``, a multiplier
                outside (0, 50] or a negative ramp.
        """
        idx = np.asarray(cells, dtype=np.int64).ravel()
        if idx.size == 0:
            raise ValueError(f"event {name!r}: cells must name at least one cell")
        if self.n_cells and (idx.min() < 0 or idx.max() >= self.n_cells):
            raise ValueError(f"event {name!r}: cell index out of range 0..{self.n_cells - 1}")
        if end <= start:
            raise ValueError(f"event {name!r}: end {end} must be after start {start}")
        if not np.isfinite(multiplier) or not 0.0 < multiplier <= 50.0:
            raise ValueError(f"event {name!r}: multiplier must be in (0, 50], got {multiplier!r}")
        if ramp < timedelta(0):
            raise ValueError(f"event {name!r}: ramp must be >= 0, got {ramp}")
        event = TrafficEvent(name, idx.astype(np.int32), start, end, float(multiplier), ramp)
        self.events.append(event)
        return event

    def activity(self, when: datetime) -> NDArray[np.float64]:
        """Share of the busy hour at ``when`` per area code (urban, suburban, rural)."""
        if self.profile == "flat":
            return np.ones(3)
        table = self._table[1 if when.weekday() >= 5 else 0]
        hour = when.hour + when.minute / 60.0 + when.second / 3600.0
        lo = int(hour) % 24
        frac = hour - int(hour)
        out: NDArray[np.float64] = table[:, lo] * (1.0 - frac) + table[:, (lo + 1) % 24] * frac
        return out

    def sample(self, step: int, when: datetime) -> TrafficSample:
        """Demand of every cell at step index ``step`` (time ``when``), float32 arrays."""
        users = self._base_users * np.take(self.activity(when).astype(np.float32), self._area_ip)
        dl_pu = self._dl_per_user
        if self.noise_sigma > 0:
            # Two windows of the per-seed bank at offsets drawn from (seed, step): every value
            # is a lognormal(mean 1) draw, the same for a rerun or a clone at the same step.
            n, bank = self.n_cells, self._bank
            lo, hi = np.random.default_rng((self._seed, 0x7EAF, int(step))).integers(
                0, len(bank) - n + 1, size=2
            )
            users = users * bank[lo : lo + n]
            dl_pu = dl_pu * bank[hi : hi + n]
        for event in self.events:
            f = event.factor(when)
            if f != 1.0:
                users = users.copy() if users is self._base_users else users
                users[event.cells] *= np.float32(f)
        if self._mix is not None:
            roaming = self._roam * users
            users = users - roaming + (self._mix @ roaming).astype(np.float32)
        dl = users * dl_pu
        return TrafficSample(users, dl, dl * np.float32(self.ul_dl_ratio))

    def redrawn(self, salt: int) -> TrafficModel:
        """A copy whose per-step noise is another realisation of the same lognormal: the
        profile, per-cell scale and events stay, the draws differ from this model's (a what-if
        knows how much demand fluctuates, not how it will). Deterministic per ``(seed, salt)``.
        """
        out = self.copy()
        out._seed = int(np.random.default_rng((self._seed, int(salt))).integers(1 << 62))
        return out

    def copy(self) -> TrafficModel:
        """An independent copy (events list copied; bound arrays shared, they are read-only)."""
        out = copy.copy(self)
        out.events = list(self.events)
        return out
