"""Directed-edge metrics on hand-computed 3x3 graphs."""

from __future__ import annotations

import numpy as np
import pytest

from autonet.knowledge.causal import edge_scores, f1_directed, g_score, shd

# True: 0->1, 1->2.  Predicted: 0->1 (hit), 2->1 (reversed 1->2), 0->2 (extra).
TRUE = np.array([[0, 1, 0], [0, 0, 1], [0, 0, 0]])
PRED = np.array([[0, 1, 1], [0, 0, 0], [0, 1, 0]])


def test_hand_computed_scores() -> None:
    s = edge_scores(PRED, TRUE)
    assert (s["tp"], s["fp"], s["fn"]) == (1, 2, 1)
    assert s["precision"] == pytest.approx(1 / 3)
    assert s["recall"] == pytest.approx(1 / 2)
    assert s["f1"] == pytest.approx(2 * (1 / 3) * (1 / 2) / (1 / 3 + 1 / 2))  # 0.4
    assert s["g_score"] == 0.0  # max(0, 1 - 2) / 2
    assert s["shd"] == 2  # the reversed pair (1,2) and the extra 0-2
    assert f1_directed(PRED, TRUE) == pytest.approx(0.4)


def test_perfect_and_empty() -> None:
    assert f1_directed(TRUE, TRUE) == 1.0
    assert g_score(TRUE, TRUE) == 1.0
    assert shd(TRUE, TRUE) == 0
    empty = np.zeros((3, 3))
    assert f1_directed(empty, TRUE) == 0.0
    assert edge_scores(empty, TRUE)["fn"] == 2
    assert shd(empty, TRUE) == 2


def test_diagonal_is_ignored() -> None:
    assert f1_directed(TRUE + np.eye(3, dtype=int), TRUE) == 1.0


def test_g_score_counts_false_positives() -> None:
    pred = np.array([[0, 1, 0], [0, 0, 1], [1, 0, 0]])  # both true edges and one extra
    assert g_score(pred, TRUE) == pytest.approx((2 - 1) / 2)


def test_shape_mismatch_is_refused() -> None:
    with pytest.raises(
        ValueError, match=r"predicted graph is \(2, 2\) but the true graph is \(3, 3\)"
    ):
        edge_scores(np.zeros((2, 2)), TRUE)
    with pytest.raises(ValueError, match="predicted: expected a square"):
        edge_scores(np.zeros((2, 3)), TRUE)
