"""Choose the edge penalty by held-out likelihood on time splits of the log (no ground truth)."""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np

from autonet.knowledge.causal.data import AlarmLog
from autonet.knowledge.causal.em import edge_rule, fit_effects, log_likelihood
from autonet.knowledge.causal.excitation import Excitation, excitation_features

__all__ = ["PENALTY_GRID", "SPLITS", "select_penalty"]

logger = logging.getLogger(__name__)

PENALTY_GRID = (0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
"""Candidate BIC multipliers, symmetric around BIC (1) on a log scale."""

SPLITS = (0.5, 0.6, 0.7, 0.8)
"""Training shares of the observation span; the rest of the log is held out."""


def select_penalty(
    log: AlarmLog,
    exc: Excitation,
    allowed: np.ndarray,
    required: np.ndarray,
    *,
    window: float,
    decay: float,
    tie_weight: float,
    min_explained: float,
    max_iter: int,
    tol: float,
    grid: tuple[float, ...] = PENALTY_GRID,
    splits: tuple[float, ...] = SPLITS,
    tolerance: float = 1.0,
    floor_events: float = 0.5,
) -> tuple[float, np.ndarray]:
    """Pick the penalty whose edge set best predicts the future of the log.

    For each split, the learner is fitted on the events before the cut; every candidate
    penalty gives an edge set; the model restricted to that edge set is refitted on the same
    events and scored by the log-likelihood of the events after the cut given the whole past
    (``logL(all) - logL(before)`` under the refitted parameters). Scores are summed over the
    splits; background rates are floored at ``floor_events`` per type over the span and
    topology (a rate fitted to ~0 before the cut would otherwise decide). The largest penalty
    (the sparsest graph) within ``tolerance`` nats per split of the best score is returned:
    held-out gains smaller than that are noise.

    Args:
        log: The alarm log.
        exc: Excitation statistics of the whole log.
        allowed: ``[cause, effect]`` pairs the prior allows.
        required: ``[cause, effect]`` pairs the prior requires.
        window: Kernel truncation in seconds.
        decay: Kernel rate (1/s).
        tie_weight: Weight of same-timestamp events.
        min_explained: Minimum expected number of effect events attributed to a cause.
        max_iter: EM iterations per effect type.
        tol: EM relative tolerance.
        grid: Candidate penalties.
        splits: Training shares of the span.
        tolerance: Nats per split a smaller penalty must gain to be preferred.
        floor_events: Background floor, in events per type over the span and topology.

    Returns:
        The chosen penalty and the summed held-out log-likelihood of every candidate.
    """
    hops = exc.max_hop + 1
    scores = np.zeros(len(grid))
    start, end = float(log.times.min()), float(log.times.max())
    floor = floor_events / (max(end - start, 1.0) * log.n_devices)
    for share in splits:
        keep = log.times <= start + share * (end - start)
        train = replace(
            log, types=log.types[keep], devices=log.devices[keep], times=log.times[keep]
        )
        train_exc = excitation_features(
            train, max_hop=exc.max_hop, window=window, decay=decay, tie_weight=tie_weight
        )
        fit = fit_effects(train_exc, train, allowed, max_iter=max_iter, tol=tol)
        counts = np.bincount(train.types, minlength=log.n_types).astype(float)
        cache: dict[bytes, float] = {}
        for g, penalty in enumerate(grid):
            edges = edge_rule(fit, counts, penalty=penalty, min_explained=min_explained, hops=hops)
            edges = (edges & allowed) | required | np.eye(log.n_types, dtype=bool)
            key = np.packbits(edges).tobytes()
            if key not in cache:
                sub = fit_effects(train_exc, train, edges, max_iter=max_iter, tol=tol)
                cache[key] = log_likelihood(
                    exc, log, sub.alpha, sub.baseline, smoothing=floor
                ) - log_likelihood(train_exc, train, sub.alpha, sub.baseline, smoothing=floor)
            scores[g] += cache[key]
    best = scores.max()
    chosen = max(
        p for p, s in zip(grid, scores, strict=True) if s >= best - tolerance * len(splits)
    )
    logger.info("THP penalty %.3g chosen by held-out likelihood %s", chosen, np.round(scores, 1))
    return float(chosen), scores
