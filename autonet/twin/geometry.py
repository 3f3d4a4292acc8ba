"""Radio geometry: site layout on jittered hex grids, sector azimuths, neighbours from geometry."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Final

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

__all__ = [
    "DEFAULT_ISD_KM",
    "INTRA_SITE_OVERLAP",
    "antenna_gain",
    "assign_regions",
    "layout_sites",
    "neighbour_pairs",
    "sector_azimuths",
]

DEFAULT_ISD_KM: Final[dict[str, float]] = {"urban": 0.5, "suburban": 1.5, "rural": 5.0}
INTRA_SITE_OVERLAP: Final[float] = 0.15  # adjacent sectors of one site share a softer-HO zone
# Overlap between facing cells of two sites one ISD apart, both on boresight.
PEAK_OVERLAP: Final[float] = 0.4
MIN_OVERLAP: Final[float] = 0.02  # pairs below it are not configured as neighbours
JITTER_SHARE: Final[float] = 0.15  # site displacement from its grid point, as a share of ISD
_SQRT3: Final[float] = math.sqrt(3.0)


def antenna_gain(offset_deg: NDArray[np.float64]) -> NDArray[np.float64]:
    """Linear horizontal gain of a 65-degree sector antenna (3GPP TR 36.814 pattern).

    ``A(phi) = -min(12 (phi / 65)^2, 30) dB``; ``offset_deg`` is the angle off boresight.
    """
    phi = np.abs((np.asarray(offset_deg, dtype=np.float64) + 180.0) % 360.0 - 180.0)
    return np.asarray(10.0 ** (-np.minimum(12.0 * (phi / 65.0) ** 2, 30.0) / 10.0))


def _hex_candidates(
    centres: NDArray[np.float64], radii: NDArray[np.float64], isd: float, angle: float
) -> NDArray[np.float64]:
    """Points of one global hex lattice (spacing ``isd``) within ``radii`` of ``centres``.

    One lattice for all centres, so discs that overlap share points (deduplicated).
    """
    cos_a, sin_a = math.cos(angle), math.sin(angle)
    a1 = np.array([cos_a, sin_a]) * isd
    a2 = np.array([0.5 * cos_a - _SQRT3 / 2 * sin_a, 0.5 * sin_a + _SQRT3 / 2 * cos_a]) * isd
    basis_inv = np.linalg.inv(np.column_stack([a1, a2]))
    keys: list[NDArray[np.int64]] = []
    for (cx, cy), r in zip(centres, radii, strict=True):
        ci, cj = basis_inv @ np.array([cx, cy])
        span = math.ceil(r / isd * 2.0 / _SQRT3) + 1
        ii, jj = np.meshgrid(
            np.arange(math.floor(ci) - span, math.ceil(ci) + span + 1),
            np.arange(math.floor(cj) - span, math.ceil(cj) + span + 1),
            indexing="ij",
        )
        ij = np.column_stack([ii.ravel(), jj.ravel()])
        xy = ij @ np.vstack([a1, a2])
        inside = np.hypot(xy[:, 0] - cx, xy[:, 1] - cy) <= r
        keys.append(ij[inside].astype(np.int64))
    ij = np.unique(np.concatenate(keys), axis=0)
    return np.asarray(ij @ np.vstack([a1, a2]), dtype=np.float64)


def layout_sites(
    counts: Mapping[str, int],
    *,
    rng: np.random.Generator,
    centres: NDArray[np.float64] | None = None,
    weights: NDArray[np.float64] | None = None,
    isd_km: Mapping[str, float] = DEFAULT_ISD_KM,
) -> tuple[NDArray[np.float64], NDArray[np.int8]]:
    """Place sites: urban cores around each centre, a suburban ring, rural beyond.

    Each area type is a hex lattice at its inter-site distance (ISD); its sites are the lattice
    points nearest to a centre (distance scaled down by ``sqrt(weight)``, so heavier centres grow
    bigger cities) that are not within 0.6 ISD of a site of an inner area type. Each site is then
    displaced by a random offset of up to 15 % of its ISD.

    Args:
        counts: Sites per area type (keys ``urban``, ``suburban``, ``rural``).
        rng: Random generator (lattice rotation, jitter).
        centres: ``(k, 2)`` city centres in km; default one centre at the origin.
        weights: ``(k,)`` relative city sizes; default equal.
        isd_km: ISD per area type.

    Returns:
        ``(xy, area)``: ``(n, 2)`` positions in km and area codes (0 urban, 1 suburban, 2 rural),
        urban sites first, each area ordered by distance from its centre.
    """
    c = np.zeros((1, 2)) if centres is None else np.asarray(centres, dtype=np.float64)
    w = np.ones(len(c)) if weights is None else np.asarray(weights, dtype=np.float64)
    share = w / w.sum()
    tree = cKDTree(c)
    placed: list[NDArray[np.float64]] = []
    codes: list[NDArray[np.int8]] = []
    area_km2 = 0.0
    for code, area in enumerate(("urban", "suburban", "rural")):
        n = int(counts.get(area, 0))
        isd = float(isd_km[area])
        area_km2 += n * isd * isd * _SQRT3 / 2.0  # hex cell area per site
        if n == 0:
            continue
        angle = float(rng.uniform(0.0, math.pi / 3.0))
        inner = np.concatenate(placed) if placed else np.zeros((0, 2))
        factor = 1.3
        while True:
            radii = np.sqrt(area_km2 * share / math.pi) * factor + 2.0 * isd
            cand = _hex_candidates(c, radii, isd, angle)
            if len(inner):
                d_inner, _ = cKDTree(inner).query(cand, distance_upper_bound=0.6 * isd)
                cand = cand[~np.isfinite(d_inner)]
            if len(cand) >= n:
                break
            factor *= 1.5
        dist, idx = tree.query(cand)
        score = dist / np.sqrt(share[idx] * len(c))
        pick = cand[np.lexsort((cand[:, 1], cand[:, 0], score))[:n]]
        radius = JITTER_SHARE * isd * np.sqrt(rng.uniform(0.0, 1.0, n))
        theta = rng.uniform(0.0, 2.0 * math.pi, n)
        pick = pick + np.column_stack([radius * np.cos(theta), radius * np.sin(theta)])
        placed.append(pick)
        codes.append(np.full(n, code, dtype=np.int8))
    if not placed:
        return np.zeros((0, 2)), np.zeros(0, dtype=np.int8)
    return np.concatenate(placed), np.concatenate(codes)


def assign_regions(xy: NDArray[np.float64], *, centre_share: float = 0.25) -> list[str]:
    """Operator regions: ``centre`` for the share of sites nearest the centroid, else by compass.

    North is +y; a site at bearing 45..135 degrees (clockwise from north) is ``east``, etc.
    """
    if len(xy) == 0:
        return []
    d = xy - xy.mean(axis=0)
    r = np.hypot(d[:, 0], d[:, 1])
    bearing = np.degrees(np.arctan2(d[:, 0], d[:, 1])) % 360.0
    compass = np.array(["north", "east", "south", "west"])[
        ((bearing + 45.0) // 90.0).astype(int) % 4
    ]
    cut = np.quantile(r, centre_share) if len(xy) > 3 else -1.0
    return np.where(r <= cut, "centre", compass).tolist()


def neighbour_pairs(
    xy: NDArray[np.float64],
    isd: NDArray[np.float64],
    azimuth_deg: NDArray[np.float64],
    *,
    k: int = 6,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """Cell neighbour relations from site geometry, vectorised.

    Sites ``i``, ``j`` are candidates when ``j`` is among ``i``'s ``k`` nearest sites (or the
    reverse) within 1.6 times their mean ISD. For cells ``a`` of ``i`` and ``b`` of ``j``::

        overlap = PEAK_OVERLAP * sqrt(G(a -> j) * G(b -> i)) * clip(1.6 - d / isd_ij, 0, 1) / 0.6

    with ``G`` the sector gain toward the other site (:func:`antenna_gain`), so two cells facing
    each other one ISD apart share 0.4 of their users; pairs under ``MIN_OVERLAP`` are dropped.
    The three sectors of one site neighbour each other with ``INTRA_SITE_OVERLAP``.

    Args:
        xy: ``(n_sites, 2)`` site positions in km.
        isd: ``(n_sites,)`` ISD of each site's area type.
        azimuth_deg: ``(n_sites, s)`` azimuth of each site's ``s`` sectors (cell ``i * s + a``).
        k: Nearest sites examined per site.

    Returns:
        ``(a, b, overlap, distance_km)`` cell indices with ``a < b``, each unordered pair once.
    """
    n, s = azimuth_deg.shape
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0), np.zeros(0)
    base = np.arange(n, dtype=np.int64) * s
    ia, ib = np.triu_indices(s, k=1)
    intra_a = (base[:, None] + ia[None, :]).ravel()
    intra_b = (base[:, None] + ib[None, :]).ravel()
    intra = (intra_a, intra_b, np.full(len(intra_a), INTRA_SITE_OVERLAP), np.zeros(len(intra_a)))
    if n == 1:
        return intra
    kk = min(k + 1, n)
    _, nn = cKDTree(xy).query(xy, k=kk)
    i = np.repeat(np.arange(n), kk - 1)
    j = nn[:, 1:].ravel().astype(np.int64)
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    pairs = np.unique(np.column_stack([lo, hi]), axis=0)
    i, j = pairs[:, 0], pairs[:, 1]
    delta = xy[j] - xy[i]
    d = np.hypot(delta[:, 0], delta[:, 1])
    ratio = d / (0.5 * (isd[i] + isd[j]))
    keep = ratio < 1.6
    i, j, delta, d, ratio = i[keep], j[keep], delta[keep], d[keep], ratio[keep]
    bearing_ij = np.degrees(np.arctan2(delta[:, 0], delta[:, 1]))  # clockwise from north
    g_a = antenna_gain(azimuth_deg[i] - bearing_ij[:, None])  # (p, s): cells of i toward j
    g_b = antenna_gain(azimuth_deg[j] - (bearing_ij[:, None] + 180.0))  # cells of j toward i
    dist_factor = np.clip(1.6 - ratio, 0.0, 1.0) / 0.6
    overlap = PEAK_OVERLAP * np.sqrt(g_a[:, :, None] * g_b[:, None, :]) * dist_factor[:, None, None]
    overlap = np.minimum(overlap, 0.5)
    p, a, b = np.nonzero(overlap >= MIN_OVERLAP)
    cells_a = i[p] * s + a
    cells_b = j[p] * s + b
    return (
        np.concatenate([intra[0], cells_a]),
        np.concatenate([intra[1], cells_b]),
        np.concatenate([intra[2], np.round(overlap[p, a, b], 4)]),
        np.concatenate([intra[3], np.round(d[p], 4)]),
    )


def sector_azimuths(
    n_sites: int, rng: np.random.Generator, sectors: int = 3
) -> NDArray[np.float64]:
    """Azimuths ``(n_sites, sectors)``: evenly spaced sectors plus a random site rotation."""
    rotation = np.round(rng.uniform(0.0, 360.0 / sectors, n_sites), 1)
    offsets = np.arange(sectors) * (360.0 / sectors)
    return np.asarray((rotation[:, None] + offsets[None, :]) % 360.0, dtype=np.float64)
