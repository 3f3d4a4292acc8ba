"""Maximum-likelihood fit of a topological Hawkes process by EM, one effect type at a time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from autonet.knowledge.causal.data import AlarmLog
from autonet.knowledge.causal.excitation import Excitation

__all__ = ["HawkesFit", "edge_rule", "fit_effects", "log_likelihood"]


@dataclass(frozen=True)
class HawkesFit:
    """The fitted parameters and per-edge statistics of every effect type.

    Attributes:
        alpha: Excitation per (hop, cause, effect).
        baseline: Background rate per (type, device), events per second.
        explained: Expected number of effect events attributed to each cause (diagonal 0).
        ratio: Likelihood-ratio statistic of each candidate edge (diagonal 0).
        loglik: Log-likelihood of the fitted model.
    """

    alpha: np.ndarray
    baseline: np.ndarray
    explained: np.ndarray
    ratio: np.ndarray
    loglik: float


def fit_effects(
    exc: Excitation,
    log: AlarmLog,
    allowed: np.ndarray,
    *,
    max_iter: int,
    tol: float,
    progress: Callable[[int, int], None] | None = None,
) -> HawkesFit:
    """Fit every effect type's baselines and excitations (the log-likelihood separates by type).

    Args:
        exc: Excitation statistics of ``log``.
        log: The alarm log.
        allowed: ``n x n`` boolean, ``[cause, effect]`` pairs that may excite.
        max_iter: EM iterations per effect type.
        tol: Relative log-likelihood gain below which EM stops.
        progress: Called with ``(done, total)`` after each effect type.

    Returns:
        The fitted model.
    """
    n, hops = log.n_types, exc.max_hop + 1
    alpha = np.zeros((hops, n, n))
    baseline = np.zeros((n, log.n_devices))
    explained = np.zeros((n, n))
    ratio = np.zeros((n, n))
    loglik = 0.0
    for i in range(n):
        rows = np.flatnonzero(log.types == i)
        if rows.size:
            a, mu, devs, expl, rat, ll = _fit_effect(
                exc, rows, log.devices[rows], allowed[:, i], hops, max_iter, tol
            )
            alpha[:, :, i] = a.reshape(n, hops).T
            baseline[i, devs] = mu
            explained[:, i], ratio[:, i] = expl, rat
            loglik += ll
        if progress is not None:
            progress(i + 1, n)
    np.fill_diagonal(explained, 0.0)
    np.fill_diagonal(ratio, 0.0)
    return HawkesFit(alpha, baseline, explained, ratio, loglik)


def edge_rule(
    fit: HawkesFit,
    counts: np.ndarray,
    *,
    penalty: float,
    min_explained: float,
    hops: int,
) -> np.ndarray:
    """Edges whose cause explains ``min_explained`` events and whose ratio pays the BIC price."""
    bic = penalty * hops * np.log(np.maximum(counts, 2.0))
    causal = (fit.explained >= min_explained) & (fit.ratio >= bic[None, :])
    np.fill_diagonal(causal, False)
    return causal


def log_likelihood(
    exc: Excitation,
    log: AlarmLog,
    alpha: np.ndarray,
    baseline: np.ndarray,
    *,
    smoothing: float = 0.0,
) -> float:
    """Log-likelihood of ``log`` under given parameters.

    Args:
        exc: Excitation statistics of ``log``.
        log: The alarm log.
        alpha: Excitation per (hop, cause, effect).
        baseline: Background rate per (type, device).
        smoothing: Lower bound of every background rate (events per second per device). Rates
            fitted on one part of a log can be ~0 where that part had no unexplained event; a
            held-out score needs a floor, or one such event decides it.

    Returns:
        The log-likelihood in nats.
    """
    n, hops = log.n_types, exc.max_hop + 1
    weights = alpha.transpose(1, 0, 2).reshape(n * hops, n)  # feature j*hops+k -> effect
    feats = exc.features.tocsr()
    row = np.repeat(np.arange(feats.shape[0]), np.diff(feats.indptr))
    excited = np.bincount(
        row, weights=feats.data * weights[feats.indices, log.types[row]], minlength=feats.shape[0]
    )
    base = np.maximum(baseline, smoothing)
    lam = base[log.types, log.devices] + excited
    return float(
        np.log(lam).sum() - base.sum() * exc.span - (weights * exc.compensator[:, None]).sum()
    )


def _fit_effect(
    exc: Excitation,
    rows: np.ndarray,
    devices: np.ndarray,
    allowed_causes: np.ndarray,
    hops: int,
    max_iter: int,
    tol: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """EM for one effect type: per-device baselines and non-negative excitations."""
    n_types = allowed_causes.shape[0]
    feats = exc.features[rows]
    present = np.zeros(n_types * hops, dtype=bool)
    present[np.unique(feats.indices)] = True
    present &= np.repeat(allowed_causes, hops)
    present &= exc.compensator > 0
    cols = np.flatnonzero(present)
    x = feats[:, cols].tocsr()
    comp = exc.compensator[cols]
    uniq, dev_index = np.unique(devices, return_inverse=True)
    mu = np.bincount(dev_index).astype(float) / exc.span * 0.5
    a = np.full(cols.size, 0.5 * rows.size / max(comp.sum(), 1e-12))
    previous = -np.inf
    for _ in range(max_iter):
        lam = mu[dev_index] + x @ a
        loglik = float(np.log(lam).sum() - mu.sum() * exc.span - a @ comp)
        if loglik - previous <= tol * abs(loglik):
            break
        previous = loglik
        inv = 1.0 / lam
        a = a * (x.T @ inv) / comp
        mu = mu * np.bincount(dev_index, weights=inv) / exc.span
    lam = mu[dev_index] + x @ a
    loglik = float(np.log(lam).sum() - mu.sum() * exc.span - a @ comp)
    # Contribution of each cause type (all its hops) to each event's intensity.
    cause = cols // hops
    to_cause = sparse.csr_matrix(
        (np.ones(cols.size), (np.arange(cols.size), cause)), shape=(cols.size, n_types)
    )
    contrib = (x @ sparse.diags(a) @ to_cause).toarray()  # events x cause types
    explained = (contrib / lam[:, None]).sum(axis=0)
    rest = np.maximum(lam[:, None] - contrib, 1e-300)
    cost = np.bincount(cause, weights=a * comp, minlength=n_types)
    ratio = 2.0 * (np.log(lam)[:, None] - np.log(rest)).sum(axis=0) - 2.0 * cost
    alpha = np.zeros(n_types * hops)
    alpha[cols] = a
    return alpha, mu, uniq, explained, np.maximum(ratio, 0.0), loglik
