"""Decayed excitation statistics of a topological Hawkes process, precomputed once per log."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import shortest_path

from autonet.knowledge.causal.data import AlarmLog

__all__ = ["Excitation", "excitation_features", "hop_distances"]


@dataclass(frozen=True)
class Excitation:
    """What the EM needs, for every event and every (cause type, hop) pair.

    Feature ``f = j * (max_hop + 1) + k`` stands for "earlier events of type ``j`` on devices
    exactly ``k`` hops away".

    Attributes:
        features: ``n_events x n_features`` CSR matrix: for event ``e`` the kernel-weighted count
            of earlier events of each (type, hop), ``sum exp(-decay * (t_e - t'))``.
        compensator: ``n_features`` vector: the kernel's integral summed over every source event
            and every device at that hop (the expected-count term of the log-likelihood).
        span: Observation length in seconds (the baseline's exposure per device).
        max_hop: Largest topological distance considered.
    """

    features: sparse.csr_matrix
    compensator: np.ndarray
    span: float
    max_hop: int


def hop_distances(topology: np.ndarray, max_hop: int) -> np.ndarray:
    """Hop distance between devices, with ``max_hop + 1`` standing for "farther or unreachable"."""
    graph = sparse.csr_matrix(topology > 0)
    dist = shortest_path(graph, method="D", directed=False, unweighted=True)
    dist[~np.isfinite(dist) | (dist > max_hop)] = max_hop + 1
    return dist.astype(np.int64)


def excitation_features(
    log: AlarmLog,
    *,
    max_hop: int,
    window: float,
    decay: float,
    tie_weight: float,
) -> Excitation:
    """Compute the excitation of every event by earlier events on devices within ``max_hop``.

    Args:
        log: The validated alarm log.
        max_hop: Largest topological distance (0 = same device only).
        window: Kernel truncation in seconds: older events excite nothing.
        decay: Rate of the exponential kernel ``exp(-decay * dt)`` (1/seconds).
        tie_weight: Weight of an event at exactly the same timestamp (its order is unknown).

    Returns:
        The features and compensator of the topological Hawkes likelihood.
    """
    n_types, hops = log.n_types, max_hop + 1
    n_features = n_types * hops
    order = np.lexsort((log.times, log.devices))
    times, devices, types = log.times[order], log.devices[order], log.types[order]
    dist = hop_distances(log.topology, max_hop)
    starts = np.searchsorted(devices, np.arange(log.n_devices + 1))
    active = np.flatnonzero(np.diff(starts) > 0)
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    sub = dist[np.ix_(active, active)]
    for a, b in zip(*np.nonzero(sub <= max_hop), strict=True):
        src_dev, tgt_dev = active[a], active[b]
        s0, s1 = starts[src_dev], starts[src_dev + 1]
        t0, t1 = starts[tgt_dev], starts[tgt_dev + 1]
        src_t, tgt_t = times[s0:s1], times[t0:t1]
        lo = np.searchsorted(src_t, tgt_t - window, "left")
        hi = np.searchsorted(src_t, tgt_t, "right")
        count = hi - lo
        total = int(count.sum())
        if total == 0:
            continue
        tgt = np.repeat(np.arange(t0, t1), count)
        offsets = np.arange(total) - np.repeat(np.cumsum(count) - count, count)
        src = np.repeat(lo + s0, count) + offsets
        keep = src != tgt
        tgt, src = tgt[keep], src[keep]
        dt = times[tgt] - times[src]
        weight = np.exp(-decay * dt)
        weight[dt == 0] *= tie_weight
        rows.append(tgt)
        cols.append(types[src] * hops + int(dist[src_dev, tgt_dev]))
        vals.append(weight)
    n_events = log.n_events
    if rows:
        feats = sparse.coo_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
            shape=(n_events, n_features),
        ).tocsr()
    else:
        feats = sparse.csr_matrix((n_events, n_features))
    # Back to the log's own event order, so row e is event e of ``log``.
    inverse = np.empty_like(order)
    inverse[order] = np.arange(n_events)
    feats = feats[inverse]
    feats.sum_duplicates()

    end = float(times.max())
    remaining = np.minimum(end - times, window)
    integral = -np.expm1(-decay * remaining) / decay
    at_hop = np.stack([(dist == k).sum(axis=1) for k in range(hops)], axis=1)  # devices x hops
    compensator = np.zeros(n_features)
    for k in range(hops):
        np.add.at(compensator, types * hops + k, integral * at_hop[devices, k])
    span = max(float(times.max() - times.min()), 1.0)
    return Excitation(features=feats, compensator=compensator, span=span, max_hop=max_hop)
