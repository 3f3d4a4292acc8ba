"""Arrays the step needs that change only with the topology or with faults and actions.

Static arrays (neighbour overlap CSR, nominal SINR) are built once per compiled topology and
shared by clones; state-derived ones (coverage and SINR offsets from tilt/TX power, PRB bit
rates, path incidence) are recomputed when the state arrays they come from change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix

from autonet.twin.radio import RadioModel
from autonet.twin.state import CompiledTopology, TwinState

__all__ = ["StepCache"]

F32 = NDArray[np.float32]
_f = np.float32
_LN10_10 = _f(np.log(10.0) / 10.0)


@dataclass
class StepCache:
    """Static arrays of a topology plus state-derived arrays recomputed on change."""

    topo: CompiledTopology
    radio: RadioModel
    nbr: csr_matrix = field(init=False)
    nbr_in: csr_matrix = field(init=False)
    interf: csr_matrix = field(init=False)
    cell_site: NDArray[np.intp] = field(init=False)
    sinr0: F32 = field(init=False)
    _keys: dict[str, tuple[NDArray[Any], ...]] = field(default_factory=dict, init=False)
    _vals: dict[str, Any] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        t = self.topo
        self.nbr = csr_matrix(
            (t.nbr_overlap.astype(np.float32), t.nbr_idx, t.nbr_ptr), shape=(t.n_cells,) * 2
        )
        self.cell_site = t.cell_site.astype(np.intp)
        # Users moving off cell j spread by j's row: the inflow is nbr^T (nbr when symmetric).
        self.nbr_in = self.nbr if (self.nbr != self.nbr.T).nnz == 0 else self.nbr.T.tocsr()
        # Co-sited carriers on different bands of a dual-layer topology do not interfere.
        rows = np.repeat(np.arange(t.n_cells), np.diff(t.nbr_ptr))
        band = np.asarray(t.cell_band)
        cross = (t.cell_site[rows] == t.cell_site[t.nbr_idx]) & (band[rows] != band[t.nbr_idx])
        self.interf = self.nbr
        if t.cell_demand_share is not None and cross.any():
            w = np.where(cross, np.float32(0.0), t.nbr_overlap).astype(np.float32)
            self.interf = csr_matrix((w, t.nbr_idx, t.nbr_ptr), shape=(t.n_cells,) * 2)
        self.sinr0 = self.radio.nominal_sinr_db(t.cell_area).astype(np.float32)

    def fresh(self) -> StepCache:
        """A cache sharing the static arrays, with no state-derived entries (for clones)."""
        out = object.__new__(StepCache)
        out.__dict__.update(self.__dict__)
        out._keys, out._vals = {}, {}
        return out

    def _get(self, name: str, *arrays: NDArray[Any]) -> Any | None:
        key = self._keys.get(name)
        if key is not None and all(
            a.shape == b.shape and np.array_equal(a, b) for a, b in zip(key, arrays, strict=True)
        ):
            return self._vals[name]
        return None

    def _put(self, name: str, arrays: tuple[NDArray[Any], ...], value: Any) -> Any:
        self._keys[name] = tuple(a.copy() for a in arrays)
        self._vals[name] = value
        return value

    def antenna(self, st: TwinState) -> tuple[F32, F32, F32, bool]:
        """(coverage 0..1, emission factor, SINR offset dB, any coverage < 1) from TX and tilt."""
        hit = self._get("antenna", st.cell_tx_w, st.cell_tilt_deg)
        if hit is not None:
            return hit
        r, t = self.radio, self.topo
        dev = (st.cell_tilt_deg - t.cell_tilt_deg).astype(np.float32)
        ratio = (np.maximum(st.cell_tx_w, 1e-3) / t.cell_max_tx_w).astype(np.float32)
        coverage = np.clip(
            np.power(ratio, 2.0 / r.path_loss_exponent)
            * (1.0 - r.downtilt_coverage_loss * np.maximum(dev, 0.0)),
            0.0,
            1.0,
        ).astype(np.float32)
        emission = (ratio * (1.0 + r.uptilt_emission_gain * np.maximum(-dev, 0.0))).astype(
            np.float32
        )
        offset = (
            r.tx_sinr_gain * 10.0 * np.log10(ratio)
            + np.minimum(r.downtilt_sinr_gain_db * np.maximum(dev, 0.0), 3.0)
        ).astype(np.float32)
        value = (coverage, emission, offset, bool((coverage < 1.0).any()))
        return self._put("antenna", (st.cell_tx_w, st.cell_tilt_deg), value)

    def prb_bits(self, st: TwinState) -> tuple[F32, F32]:
        """DL and UL bit/s per unit of spectral efficiency at the usable PRBs."""
        hit = self._get("prbs", st.cell_prbs)
        if hit is not None:
            return hit
        t = self.topo
        dl = (st.cell_prbs * t.cell_prb_bits_dl / 1e6).astype(np.float32)
        ul = (st.cell_prbs * t.cell_prb_bits_ul / 1e6).astype(np.float32)
        return self._put("prbs", (st.cell_prbs,), (dl, ul))

    def paths(self, st: TwinState) -> tuple[csr_matrix, csr_matrix]:
        """Path incidence: ``A`` (links x sites) and its transpose (sites x links), float64.

        Cached by identity of ``st.path_ptr``/``st.path_idx``, which are made read-only here: a
        reroute replaces both arrays (it cannot change them in place by mistake).
        """
        key = self._keys.get("paths")
        if key is not None and key[0] is st.path_ptr and key[1] is st.path_idx:
            return self._vals["paths"]
        st.path_ptr.setflags(write=False)
        st.path_idx.setflags(write=False)
        t = self.topo
        ones = np.ones(len(st.path_idx), dtype=np.float64)
        site_link = csr_matrix((ones, st.path_idx, st.path_ptr), shape=(t.n_sites, t.n_links))
        self._keys["paths"] = (st.path_ptr, st.path_idx)
        self._vals["paths"] = (site_link.T.tocsr(), site_link)
        return self._vals["paths"]

    def spectral_efficiency(self, sinr_db: F32) -> F32:
        """float32 ``min(alpha log2(1 + 10^(SINR/10)), se_max)``."""
        se = np.multiply(sinr_db, _LN10_10)
        np.exp(se, out=se)
        se += _f(1.0)
        np.log2(se, out=se)
        se *= _f(self.radio.alpha)
        return np.minimum(se, _f(self.radio.se_max), out=se)
