"""The embedded router's learned parameters and their fast inference (no scikit-learn needed)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autonet.platform.gate.retrieval import NgramFeaturizer

__all__ = ["ACTIONS", "EmbeddedModel", "Isotonic", "Suitability", "softmax"]

ACTIONS: tuple[str, ...] = ("CALL_AGENT", "MULTI_AGENT_PLAN", "DIRECT_ANSWER", "ESCALATE")


def softmax(z: np.ndarray) -> np.ndarray:
    """Numerically stable softmax of a vector."""
    e = np.exp(z - z.max())
    return np.asarray(e / e.sum())


@dataclass
class Isotonic:
    """A fitted isotonic calibration map, evaluated by linear interpolation."""

    x: np.ndarray
    y: np.ndarray

    def __call__(self, value: float) -> float:
        if len(self.x) == 0:
            return float(value)
        return float(np.interp(value, self.x, self.y))


@dataclass
class Suitability:
    """Whether the best of a set of unfamiliar candidates fits the query at all.

    A logistic model over domain-independent semantic features (``features.SEMANTIC_NAMES``
    columns ``columns``), used when no candidate is known to the agent prior.
    """

    columns: tuple[int, ...]
    coef: np.ndarray
    intercept: float
    threshold: float

    def __call__(self, semantic: np.ndarray) -> float:
        """p(fits) of one candidate's SEMANTIC_NAMES row."""
        z = float(semantic[list(self.columns)] @ self.coef) + self.intercept
        return 1.0 / (1.0 + float(np.exp(-z)))


@dataclass
class EmbeddedModel:
    """Learned state of the embedded router (what ``embedded.train_model`` fits and ships).

    Attributes:
        featurizer: Query n-gram TF-IDF (vocabulary from the training queries).
        action_coef: (4, n_features + n_cues) weights of the Stage I classifier.
        action_intercept: (4,) intercepts; classes in ACTIONS order.
        agent_names: Agents the prior classifier knows.
        agent_coef: (n_agents, n_features) weights of the agent prior p(agent | query).
        agent_intercept: (n_agents,) intercepts.
        pair_coef: Weights of the candidate scorer over PAIR_NAMES features.
        pair_intercept: Its intercept.
        action_calibration: Isotonic map of Stage I's top probability to accuracy.
        grounding_calibration: Isotonic map of Stage II's score to accuracy.
        relevance_threshold: Below it, no candidate is suitable (DIRECT).
        report: Training report (sizes, validation accuracy, expected calibration errors).
        suitability: Decides whether any candidate fits when none is known to the agent prior
            (unfamiliar registries); None: the relevance threshold decides for all.
    """

    featurizer: NgramFeaturizer
    action_coef: np.ndarray
    action_intercept: np.ndarray
    agent_names: list[str]
    agent_coef: np.ndarray
    agent_intercept: np.ndarray
    pair_coef: np.ndarray
    pair_intercept: float
    action_calibration: Isotonic
    grounding_calibration: Isotonic
    relevance_threshold: float
    report: dict[str, Any] = field(default_factory=dict)
    suitability: Suitability | None = None

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_memo", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state.setdefault("suitability", None)  # artefacts written before the suitability model
        self.__dict__.update(state)

    def __post_init__(self) -> None:
        self._agent_pos = {name: i for i, name in enumerate(self.agent_names)}
        self._n_text = len(self.featurizer.vocabulary_)

    def knows(self, agent: str) -> bool:
        """Whether the agent prior was trained on ``agent``."""
        return agent in self._agent_pos

    def text_vector(
        self, counts: Counter[str] | None, text: str | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The query's sparse TF-IDF vector in the model's vocabulary (memoised by ``text``).

        With ``text``, the vector is that of ``text`` (``counts``, its n-gram counts, may
        be None then).
        """
        if text is None:
            if counts is None:
                raise ValueError("text_vector needs the query's n-gram counts or its text")
            return self.featurizer.vectorize(counts)
        memo = self.__dict__.setdefault("_memo", {})
        hit = memo.get(text)
        if hit is None:
            if len(memo) > 2048:
                memo.clear()
            hit = memo[text] = self.featurizer.vectorize_text(text)
        return hit

    def action_proba(self, vec: tuple[np.ndarray, np.ndarray], cues: np.ndarray) -> np.ndarray:
        """Stage I class probabilities (ACTIONS order)."""
        idx, val = vec
        z = self.action_intercept + self.action_coef[:, self._n_text :] @ cues
        if len(idx):
            z = z + self.action_coef[:, idx] @ val
        return softmax(z)

    def agent_prior(
        self, vec: tuple[np.ndarray, np.ndarray], names: Iterable[str] | None = None
    ) -> dict[str, float]:
        """p(agent | query) over the agents the model knows; only those in ``names`` if given."""
        idx, val = vec
        z = self.agent_intercept
        if len(idx):
            z = z + self.agent_coef[:, idx] @ val
        p = softmax(z).tolist()
        if names is None:
            return dict(zip(self.agent_names, p, strict=True))
        pos = self._agent_pos
        return {n: p[pos[n]] for n in names if n in pos}

    def pair_proba(self, features: np.ndarray) -> np.ndarray:
        """Probability that each candidate (rows of ``features``) can serve the query."""
        z = features @ self.pair_coef + self.pair_intercept
        return np.asarray(1.0 / (1.0 + np.exp(-z)))
