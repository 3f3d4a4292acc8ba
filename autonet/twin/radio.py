"""Radio link abstraction: SINR -> spectral efficiency -> PRB bit rate, and antenna effects.

The model is the attenuated, truncated Shannon bound of Mogensen et al. ("LTE capacity compared
to the Shannon bound", VTC 2007), used in 3GPP system-level studies (TR 36.942 annex A.2):
``SE = min(alpha * log2(1 + SINR), SE_max)``. A cell's bit rate is
``PRBs x PRB bandwidth x layers x duplex time share x (1 - overhead) x SE``; overheads follow
TS 38.306 section 4.1.2 (FR1: 0.14 DL, 0.08 UL).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "TDD_BANDS",
    "RadioModel",
    "prb_bandwidth_hz",
]

#: NR bands operated in TDD (the rest of the bands the twin uses are FDD).
TDD_BANDS: Final[frozenset[str]] = frozenset(
    {"n34", "n38", "n39", "n40", "n41", "n46", "n48", "n77", "n78", "n79", "n257", "n258"}
)


def prb_bandwidth_hz(bandwidth_mhz: NDArray[np.floating], prbs: NDArray[np.integer]) -> NDArray:
    """Bandwidth of one PRB (12 subcarriers) for the numerology the PRB count implies.

    The subcarrier spacing is the smallest of 15/30/60/120 kHz at which ``prbs`` PRBs fill at
    least 85 % of the channel (TS 38.101-1 table 5.3.2-1: 273 PRBs in 100 MHz -> 30 kHz,
    106 PRBs in 20 MHz -> 15 kHz). Where none fits, the channel is shared evenly.
    """
    bw = np.asarray(bandwidth_mhz, dtype=np.float64) * 1e6
    n = np.asarray(prbs, dtype=np.float64)
    out = np.where(n > 0, 0.95 * bw / np.maximum(n, 1.0), 0.0)
    for scs_khz in (120.0, 60.0, 30.0, 15.0):  # smallest fitting SCS wins: assign it last
        prb = 12.0 * scs_khz * 1e3
        fits = (n * prb >= 0.85 * bw) & (n * prb <= bw)
        out = np.where(fits, prb, out)
    return out


@dataclass(frozen=True)
class RadioModel:
    """Constants of the radio abstraction (all overridable for experiments and tests).

    Attributes:
        sinr0_db: Nominal DL SINR (no neighbour load, planned tilt and power) per area code
            (urban, suburban, rural).
        ul_sinr_offset_db: UL SINR relative to DL (UE power is lower).
        alpha: Shannon attenuation factor.
        se_max: Spectral efficiency ceiling (bit/s/Hz per layer; 256QAM, TS 38.214).
        layers_dl: Mean DL MIMO rank.
        layers_ul: Mean UL MIMO rank.
        overhead_dl: DL overhead share (TS 38.306).
        overhead_ul: UL overhead share (TS 38.306).
        tdd_dl_share: Share of time a TDD carrier spends in DL (DDDSU ~ 0.74).
        tdd_ul_share: Share of time a TDD carrier spends in UL.
        coupling: Interference coupling K: SINR loses ``10 log10(1 + K * I)`` dB, where
            ``I = sum_j overlap_ij * util_j * emission_j`` over neighbours j.
        tx_sinr_gain: dB of own SINR per dB of TX power change.
        downtilt_sinr_gain_db: dB of SINR gained per degree of downtilt beyond plan (less
            interference received and caused); capped at 3 dB.
        downtilt_coverage_loss: Share of the cell's area lost per degree of downtilt beyond plan.
        uptilt_emission_gain: Extra interference caused per degree of uptilt before plan.
        path_loss_exponent: Coverage area scales as ``P_tx ** (2 / exponent)``.
    """

    sinr0_db: tuple[float, float, float] = (14.0, 16.0, 18.0)
    ul_sinr_offset_db: float = -3.0
    alpha: float = 0.75
    se_max: float = 7.4
    layers_dl: float = 2.0
    layers_ul: float = 1.0
    overhead_dl: float = 0.14
    overhead_ul: float = 0.08
    tdd_dl_share: float = 0.74
    tdd_ul_share: float = 0.23
    coupling: float = 3.0
    tx_sinr_gain: float = 0.7
    downtilt_sinr_gain_db: float = 0.3
    downtilt_coverage_loss: float = 0.06
    uptilt_emission_gain: float = 0.1
    path_loss_exponent: float = 3.5

    def spectral_efficiency(self, sinr_db: NDArray) -> NDArray:
        """Bit/s/Hz per layer: ``min(alpha * log2(1 + SINR), se_max)``, 0 below -10 dB."""
        lin = np.power(10.0, np.asarray(sinr_db, dtype=np.float64) / 10.0)
        se = np.minimum(self.alpha * np.log2(1.0 + lin), self.se_max)
        return np.where(np.asarray(sinr_db) < -10.0, 0.0, se)

    def prb_bits(
        self, bandwidth_mhz: NDArray, prbs: NDArray, tdd: NDArray[np.bool_]
    ) -> tuple[NDArray, NDArray]:
        """DL and UL bit/s one PRB carries per bit/s/Hz of spectral efficiency."""
        prb_hz = prb_bandwidth_hz(bandwidth_mhz, prbs)
        dl_share = np.where(tdd, self.tdd_dl_share, 1.0)
        ul_share = np.where(tdd, self.tdd_ul_share, 1.0)
        dl = prb_hz * self.layers_dl * dl_share * (1.0 - self.overhead_dl)
        ul = prb_hz * self.layers_ul * ul_share * (1.0 - self.overhead_ul)
        return dl, ul

    def nominal_sinr_db(self, area: NDArray[np.integer]) -> NDArray:
        """Nominal DL SINR of each cell from its area code."""
        return np.asarray(self.sinr0_db, dtype=np.float64)[np.asarray(area, dtype=np.intp)]
