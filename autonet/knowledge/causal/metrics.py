"""Scores of a learned causal graph against a true one (directed edges, row = cause)."""

from __future__ import annotations

from typing import TypedDict

import numpy as np

__all__ = ["EdgeScores", "edge_scores", "f1_directed", "g_score", "shd"]


class EdgeScores(TypedDict):
    """Directed-edge confusion counts and scores (the diagonal is ignored)."""

    tp: int
    fp: int
    fn: int
    precision: float
    recall: float
    f1: float
    g_score: float
    shd: int
    n_predicted: int
    n_true: int


def _as_edges(matrix: np.ndarray, name: str) -> np.ndarray:
    array = np.asarray(matrix)
    if array.ndim != 2 or array.shape[0] != array.shape[1]:
        raise ValueError(f"{name}: expected a square adjacency matrix, got shape {array.shape}")
    edges = array != 0
    np.fill_diagonal(edges, False)
    return edges


def _pair(predicted: np.ndarray, true: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pred, truth = _as_edges(predicted, "predicted"), _as_edges(true, "true")
    if pred.shape != truth.shape:
        raise ValueError(f"predicted graph is {pred.shape} but the true graph is {truth.shape}")
    return pred, truth


def edge_scores(predicted: np.ndarray, true: np.ndarray) -> EdgeScores:
    """Directed-edge precision, recall, F1, g-score and SHD of ``predicted`` against ``true``.

    An edge ``i -> j`` is ``matrix[i, j] != 0``. A reversed edge counts as one false positive
    and one false negative for F1 (as in gCastle's ``MetricsDAG``) and as one error for SHD.
    """
    pred, truth = _pair(predicted, true)
    tp = int((pred & truth).sum())
    fp = int((pred & ~truth).sum())
    fn = int((~pred & truth).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return EdgeScores(
        tp=tp,
        fp=fp,
        fn=fn,
        precision=precision,
        recall=recall,
        f1=f1,
        g_score=max(0, tp - fp) / (tp + fn) if tp + fn else 0.0,
        shd=shd(pred, truth),
        n_predicted=tp + fp,
        n_true=tp + fn,
    )


def f1_directed(predicted: np.ndarray, true: np.ndarray) -> float:
    """Directed-edge F1 (0 when nothing is predicted or nothing is true)."""
    return edge_scores(predicted, true)["f1"]


def g_score(predicted: np.ndarray, true: np.ndarray) -> float:
    """The NeurIPS 2023 competition's g-score: ``max(0, TP - FP) / (TP + FN)``."""
    return edge_scores(predicted, true)["g_score"]


def shd(predicted: np.ndarray, true: np.ndarray) -> int:
    """Structural Hamming distance: missing, extra and reversed edges, a reversal counting once."""
    pred, truth = _pair(predicted, true)
    diff = pred != truth
    # A pair (i, j) that differs in either direction is one error.
    pair_diff = np.triu(diff | diff.T, k=1)
    return int(pair_diff.sum())
