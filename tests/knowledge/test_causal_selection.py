"""Penalty selection by held-out likelihood, and the EM's likelihood, on synthetic logs."""

from __future__ import annotations

import numpy as np
import pytest

from autonet.knowledge.causal import TopologicalHawkes, excitation_features, load_alarm_log
from autonet.knowledge.causal.em import fit_effects, log_likelihood
from autonet.knowledge.causal.selection import PENALTY_GRID, SPLITS, select_penalty
from tests.knowledge.test_causal_thp import RING, _synthetic_log


def test_auto_penalty_drops_the_spurious_edge_bic_keeps() -> None:
    # On this seed plain BIC keeps a noise edge next to the true 0 -> 1; held-out likelihood
    # finds that the extra edge does not predict the future and picks a sparser penalty.
    frame = _synthetic_log(seed=10)
    bic = TopologicalHawkes(penalty=1.0).fit(frame, RING)
    assert bic.causal_matrix_.sum() == 2 and bic.penalty_scores_ is None
    auto = TopologicalHawkes().fit(frame, RING)
    expected = np.zeros((4, 4), dtype=np.int8)
    expected[0, 1] = 1
    np.testing.assert_array_equal(auto.causal_matrix_, expected)
    assert auto.penalty_ in PENALTY_GRID and auto.penalty_ > 1.0
    assert auto.penalty_scores_ is not None and auto.penalty_scores_.shape == (len(PENALTY_GRID),)


def test_tolerance_picks_the_sparsest_candidate_within_reach() -> None:
    log = load_alarm_log(_synthetic_log(seed=3, hours=12.0), RING)
    exc = excitation_features(log, max_hop=2, window=600.0, decay=0.01, tie_weight=0.0)
    allowed, required = np.ones((4, 4), dtype=bool), np.zeros((4, 4), dtype=bool)
    kwargs = dict(window=600.0, decay=0.01, tie_weight=0.0, min_explained=2.0, max_iter=300)
    best, scores = select_penalty(log, exc, allowed, required, tol=1e-7, tolerance=0.0, **kwargs)
    assert scores[PENALTY_GRID.index(best)] == scores.max()
    # Any score is within an unbounded tolerance: the largest penalty is taken.
    loose, _ = select_penalty(log, exc, allowed, required, tol=1e-7, tolerance=1e9, **kwargs)
    assert loose == max(PENALTY_GRID)
    assert len(SPLITS) == 4


def test_log_likelihood_agrees_with_the_em_fit() -> None:
    # Two code paths (per-type EM bookkeeping vs. one vectorised evaluation) give one number.
    log = load_alarm_log(_synthetic_log(seed=3, hours=12.0), RING)
    exc = excitation_features(log, max_hop=1, window=600.0, decay=0.01, tie_weight=0.0)
    fit = fit_effects(exc, log, np.ones((4, 4), dtype=bool), max_iter=300, tol=1e-9)
    assert log_likelihood(exc, log, fit.alpha, fit.baseline) == pytest.approx(fit.loglik, rel=1e-9)


def test_unknown_penalty_word_is_refused() -> None:
    with pytest.raises(ValueError, match=r"penalty='bic'.*'auto'"):
        TopologicalHawkes(penalty="bic").fit(_synthetic_log(hours=2.0), RING)
