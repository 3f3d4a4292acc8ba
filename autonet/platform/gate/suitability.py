"""Fit the suitability model: does the best of a set of unfamiliar candidates fit the query at all?

Our routing dataset cannot teach this: its requests name the platform's agents in the platform's
words. The model is fitted instead on a held-out slice of BFCL that the evaluation never scores,
``BFCL_v4_simple_python`` (one function per question): positives pair a question with its own
function, negatives with another question's function (half the nearest question by embedding,
a hard near-miss; half an arbitrary one). Two semantic features, a logistic model, and the
threshold of best accuracy on that slice. The evaluated BFCL files (``multiple``,
``parallel_multiple``, ``irrelevance``) are not read.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from autonet.platform.gate.cards import AgentRegistry
from autonet.platform.gate.features import SEMANTIC_NAMES
from autonet.platform.gate.model import Suitability

__all__ = ["CALIBRATION_FILE", "SUITABILITY_COLUMNS", "default_suitability", "fit_suitability"]

logger = logging.getLogger(__name__)
CALIBRATION_FILE = "BFCL_v4_simple_python.json"
SUITABILITY_COLUMNS = (SEMANTIC_NAMES.index("emb_cosine"), SEMANTIC_NAMES.index("name_cover"))


def _pairs(folder: Path) -> tuple[list[str], list[dict[str, Any]]]:
    from autonet.platform.gate.external import _bfcl_question

    path = folder / CALIBRATION_FILE
    questions, functions = [], []
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                questions.append(_bfcl_question(item))
                functions.append(item["function"][0])
            except (json.JSONDecodeError, KeyError, IndexError, TypeError) as exc:
                raise ValueError(f"{path}:{number}: not a BFCL question ({exc})") from exc
    return questions, functions


def fit_suitability(folder: Path) -> Suitability:
    """Fit on ``folder/BFCL_v4_simple_python.json`` (see the module docstring).

    Raises:
        FileNotFoundError: If the calibration file is missing.
        ValueError: If it is malformed or the static embeddings are unavailable.
    """
    from autonet.platform.gate.embeddings import default_embedder, semantic_matrix
    from autonet.platform.gate.external import bfcl_card

    if not (folder / CALIBRATION_FILE).is_file():
        raise FileNotFoundError(f"{folder / CALIBRATION_FILE} is missing (BFCL v4 simple_python)")
    embedder = default_embedder()
    if embedder is None:
        raise ValueError("the static embeddings are unavailable; see the log")
    questions, functions = _pairs(folder)
    if len(questions) < 20:
        raise ValueError(f"{folder / CALIBRATION_FILE}: {len(questions)} questions, need >= 20")
    emb = np.array([embedder.embed(q) for q in questions])
    sim = emb @ emb.T
    np.fill_diagonal(sim, -np.inf)
    rows, labels = [], []
    for i, question in enumerate(questions):
        j = int(np.argmax(sim[i])) if i % 2 == 0 else (i * 7919 + 13) % len(questions)
        pairs = [(functions[i], 1.0)]
        if functions[j]["name"] != functions[i]["name"]:
            pairs.append((functions[j], 0.0))
        for function, label in pairs:
            card = bfcl_card(function)
            rows.append(semantic_matrix(AgentRegistry([card]), question, [card.name])[0])
            labels.append(label)
    X = np.array(rows)[:, list(SUITABILITY_COLUMNS)]
    y = np.array(labels)
    lr = LogisticRegression(C=1.0).fit(X, y)
    p = lr.predict_proba(X)[:, 1]
    grid = np.round(np.arange(0.05, 0.96, 0.01), 2)
    accuracy = [float(np.mean((p >= t) == (y == 1.0))) for t in grid]
    best = max(accuracy)
    plateau = [t for t, a in zip(grid, accuracy, strict=True) if a >= best - 1e-9]
    threshold = float(np.median(plateau))
    logger.info(
        "suitability on %d calibration pairs: accuracy %.3f at threshold %.2f",
        len(y),
        best,
        threshold,
    )
    return Suitability(
        columns=SUITABILITY_COLUMNS,
        coef=lr.coef_[0].astype(np.float64),
        intercept=float(lr.intercept_[0]),
        threshold=threshold,
    )


def default_suitability() -> Suitability | None:
    """Fit on the shared BFCL folder; None (logged) if it or the embeddings are unavailable."""
    from autonet.platform.config import shared_data_dir

    root = shared_data_dir()
    if root is None:
        logger.warning("no shared data folder: training without the suitability model")
        return None
    try:
        return fit_suitability(root / "routing" / "bfcl")
    except (OSError, ValueError) as exc:
        logger.warning("training without the suitability model: %s", exc)
        return None
