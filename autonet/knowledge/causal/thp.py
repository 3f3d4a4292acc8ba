"""Topological Hawkes learner of the causal graph between alarm types (THP, Cai et al. 2022)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import networkx as nx
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from autonet.knowledge.causal.data import AlarmLog, load_alarm_log
from autonet.knowledge.causal.em import edge_rule, fit_effects
from autonet.knowledge.causal.excitation import excitation_features
from autonet.knowledge.causal.selection import select_penalty

__all__ = ["TopologicalHawkes"]

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int], None]


class TopologicalHawkes(BaseEstimator):
    """Learn which alarm types cause which, from an alarm log on a device topology.

    The model is a topological Hawkes process: the intensity of alarm type ``i`` on device ``v``
    is a per-device baseline plus, for every earlier event of type ``j`` on a device ``k`` hops
    away (``k <= max_hop``), ``alpha[k, j, i] * exp(-decay * dt)``. The log-likelihood splits
    by effect type, so each type's parents are fitted on their own by EM (the problem is concave:
    EM reaches the maximum likelihood). An edge ``j -> i`` is kept when cause ``j`` explains at
    least ``min_explained`` events of ``i`` and its likelihood-ratio statistic
    ``2 * (logL - logL_without_j)`` (the other parameters held at their fitted values, an upper
    bound of the refitted ratio) pays ``penalty * (max_hop + 1) * ln(n_i)``, with ``n_i`` the
    number of events of ``i`` (``penalty=1`` is BIC). With ``penalty="auto"`` (the default) the
    multiplier is chosen among ``0.125 .. 8`` by held-out likelihood: fitted on the first 50, 60,
    70 and 80 % of the span, each candidate's edge set is refitted and scored on the rest of the
    log, and the sparsest graph within 1 nat per split of the best wins (no ground truth used).
    A prior forces required edges in and removes forbidden ones from the model before
    fitting.

    Matrices are indexed ``[cause, effect]`` (row = cause, column = effect), as in gCastle and
    the Huawei data sets.

    Args:
        max_hop: Largest topological distance at which one event excites another.
        window: Kernel truncation in seconds.
        decay: Exponential kernel rate (1/s); the mean delay is ``1 / decay``.
        tie_weight: Excitation weight of an event with exactly the same timestamp (0: a cause
            must strictly precede its effect, as in gCastle's TTPM).
        min_explained: Minimum expected number of effect events attributed to the cause.
        penalty: Multiplier of the BIC penalty an edge must pay (1 = BIC; smaller = denser), or
            ``"auto"`` to choose it by held-out likelihood on time splits of the log.
        acyclic: Break cycles by dropping their weakest non-required edge (a DAG out).
        max_iter: EM iterations per effect type.
        tol: EM stops when the relative log-likelihood gain falls below it.

    Attributes:
        causal_matrix_: ``int8`` ``n_types x n_types``, 1 where row causes column.
        edge_strengths_: Share of the effect's events attributed to the cause, on the edges.
        scores_: The same share for every pair (a ranking of candidate edges).
        explained_events_: Expected number of effect events attributed to the cause.
        likelihood_ratio_: Likelihood-ratio statistic of each candidate edge.
        alpha_: Excitation per (hop, cause, effect), in events per cause event per device.
        baseline_: Background rate per (type, device), events per second.
        log_likelihood_: Log-likelihood of the fitted model.
        labels_: Alarm-type labels in matrix order.
        penalty_: The penalty multiplier used (the chosen one with ``"auto"``).
        penalty_scores_: With ``"auto"``, the summed held-out log-likelihood of each candidate
            of ``selection.PENALTY_GRID``; else ``None``.
    """

    def __init__(
        self,
        *,
        max_hop: int = 2,
        window: float = 600.0,
        decay: float = 0.01,
        tie_weight: float = 0.0,
        min_explained: float = 2.0,
        penalty: float | str = "auto",
        acyclic: bool = False,
        max_iter: int = 300,
        tol: float = 1e-7,
    ) -> None:
        self.max_hop = max_hop
        self.window = window
        self.decay = decay
        self.tie_weight = tie_weight
        self.min_explained = min_explained
        self.penalty = penalty
        self.acyclic = acyclic
        self.max_iter = max_iter
        self.tol = tol

    def _check_params(self) -> None:
        checks = {
            "max_hop": isinstance(self.max_hop, int | np.integer) and 0 <= self.max_hop <= 10,
            "window": self.window > 0,
            "decay": self.decay > 0,
            "tie_weight": 0 <= self.tie_weight <= 1,
            "min_explained": self.min_explained >= 0,
            "penalty": self.penalty == "auto"
            if isinstance(self.penalty, str)
            else float(self.penalty) >= 0,
            "max_iter": isinstance(self.max_iter, int | np.integer) and self.max_iter >= 1,
            "tol": self.tol > 0,
        }
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            name = bad[0]
            raise ValueError(
                f"TopologicalHawkes: invalid {name}={getattr(self, name)!r}; expected "
                + {
                    "max_hop": "an integer in 0..10",
                    "tie_weight": "a number in [0, 1]",
                    "max_iter": "an integer >= 1",
                    "penalty": "a number >= 0 or 'auto'",
                }.get(name, "a positive number" if name in ("window", "decay", "tol") else ">= 0")
            )

    def fit(
        self,
        events: AlarmLog | pd.DataFrame,
        topology: np.ndarray | None = None,
        prior: np.ndarray | None = None,
        *,
        progress: ProgressCallback | None = None,
    ) -> TopologicalHawkes:
        """Learn the causal graph.

        Args:
            events: A validated :class:`AlarmLog`, or a frame with columns ``alarm_id``,
                ``device_id`` and ``start_timestamp`` (then ``topology`` is required).
            topology: Device adjacency matrix (ignored when ``events`` is an ``AlarmLog``).
            prior: Optional ``n_types x n_types`` matrix, 1 required / 0 forbidden / -1 unknown
                (overrides the log's own prior).
            progress: Called with ``(done, total)`` after each effect type is fitted.

        Returns:
            The fitted estimator.
        """
        self._check_params()
        if isinstance(events, AlarmLog):
            log = events
            if prior is not None:
                log = load_alarm_log(_frame(log), log.topology, prior)
        else:
            if topology is None:
                raise ValueError("TopologicalHawkes.fit: a topology matrix is required")
            log = load_alarm_log(events, topology, prior)
        n = log.n_types
        hops = self.max_hop + 1
        allowed = np.ones((n, n), dtype=bool)
        if log.prior is not None:
            allowed &= log.prior != 0
            np.fill_diagonal(allowed, True)  # self-excitation is part of the model, not an edge
        exc = excitation_features(
            log,
            max_hop=self.max_hop,
            window=self.window,
            decay=self.decay,
            tie_weight=self.tie_weight,
        )
        required = log.prior == 1 if log.prior is not None else np.zeros((n, n), dtype=bool)
        np.fill_diagonal(required, False)
        penalty_scores = None
        if isinstance(self.penalty, str):
            penalty, penalty_scores = select_penalty(
                log,
                exc,
                allowed,
                required,
                window=self.window,
                decay=self.decay,
                tie_weight=self.tie_weight,
                min_explained=self.min_explained,
                max_iter=self.max_iter,
                tol=self.tol,
            )
        else:
            penalty = float(self.penalty)
        fit = fit_effects(
            exc, log, allowed, max_iter=self.max_iter, tol=self.tol, progress=progress
        )
        counts = np.bincount(log.types, minlength=n).astype(float)
        strengths = fit.explained / np.maximum(counts, 1.0)[None, :]
        causal = edge_rule(
            fit, counts, penalty=penalty, min_explained=self.min_explained, hops=hops
        )
        causal = (causal & allowed) | required
        if self.acyclic:
            causal = _break_cycles(causal, strengths, log.prior)
        self.causal_matrix_ = causal.astype(np.int8)
        self.edge_strengths_ = np.where(causal, strengths, 0.0)
        self.scores_ = strengths
        self.explained_events_ = fit.explained
        self.likelihood_ratio_ = fit.ratio
        self.alpha_ = fit.alpha
        self.baseline_ = fit.baseline
        self.log_likelihood_ = fit.loglik
        self.penalty_ = penalty
        self.penalty_scores_ = penalty_scores
        self.labels_ = log.labels
        self.n_types_ = n
        self.n_events_ = log.n_events
        logger.info("THP: %d edges among %d alarm types", int(causal.sum()), n)
        return self

    def edges(self) -> list[tuple[str, str, float]]:
        """The learned edges as ``(cause, effect, strength)``, strongest first."""
        check_is_fitted(self, "causal_matrix_")
        pairs = np.argwhere(self.causal_matrix_ == 1)
        out = [
            (self.labels_[j], self.labels_[i], float(self.edge_strengths_[j, i])) for j, i in pairs
        ]
        return sorted(out, key=lambda e: (-e[2], e[0], e[1]))


def _break_cycles(
    causal: np.ndarray, strengths: np.ndarray, prior: np.ndarray | None
) -> np.ndarray:
    """Drop the weakest non-required edge of each cycle until the graph is a DAG."""
    out = causal.copy()
    required = prior == 1 if prior is not None else np.zeros_like(out)
    graph = nx.DiGraph([(int(j), int(i)) for j, i in np.argwhere(out)])
    while True:
        try:
            cycle = nx.find_cycle(graph)
        except nx.NetworkXNoCycle:
            return out
        candidates = [(strengths[u, v], u, v) for u, v in cycle if not required[u, v]]
        if not candidates:
            raise ValueError("the prior's required edges form a cycle")
        _, u, v = min(candidates)
        graph.remove_edge(u, v)
        out[u, v] = False


def _frame(log: AlarmLog) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "alarm_id": np.asarray(log.labels, dtype=object)[log.types],
            "device_id": log.devices,
            "start_timestamp": log.times,
        }
    )
