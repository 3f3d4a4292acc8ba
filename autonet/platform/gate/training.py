"""Train the embedded router on the routing dataset: deterministic, seconds, calibrated on val."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from threadpoolctl import threadpool_limits

from autonet.platform.gate.cards import AgentRegistry
from autonet.platform.gate.features import PAIR_NAMES, cue_features
from autonet.platform.gate.model import ACTIONS, EmbeddedModel, Isotonic
from autonet.platform.gate.retrieval import CandidateRetriever, NgramFeaturizer
from autonet.platform.gate.safeguards import sensitive_hits, split_sequence
from autonet.platform.gate.suitability import default_suitability

__all__ = ["expected_calibration_error", "stage1_label", "train_model"]

logger = logging.getLogger(__name__)
Record = dict[str, Any]
_PRIOR_COLS = [PAIR_NAMES.index("prior"), PAIR_NAMES.index("prior_known")]


def stage1_label(record: Record) -> str:
    """Stage I's target: the gold action, except that a role violation is judged on content.

    Authorisation is a deterministic rule applied after grounding, so the classifier learns
    what the request asks for (a call), not who asks.
    """
    if "role_violation" in record.get("tags", ()):
        return "CALL_AGENT"
    return str(record["gold"]["action"])


def _grounding_samples(records: Sequence[Record]) -> list[tuple[str, str | None, list[str]]]:
    """(text, gold agent or None, candidates) for the candidate scorer."""
    out: list[tuple[str, str | None, list[str]]] = []
    for r in records:
        gold, cands = r["gold"], list(r["candidates"])
        if gold["action"] == "CALL_AGENT":
            out.append((r["query"], gold["agent"], cands))
        elif gold["action"] == "MULTI_AGENT_PLAN":
            segs = split_sequence(r["query"], force=True)
            if len(segs) == len(gold["plan"]):
                out += [
                    (s, step["agent"], cands) for s, step in zip(segs, gold["plan"], strict=True)
                ]
        elif "no_suitable_agent" in r.get("tags", ()) or "out_of_scope" in r.get("tags", ()):
            out.append((r["query"], None, cands))
    return out


def expected_calibration_error(conf: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    """ECE: the bin-weighted gap between confidence and accuracy (equal-width bins)."""
    if len(conf) == 0:
        return 0.0
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(conf, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            total += mask.mean() * abs(conf[mask].mean() - correct[mask].mean())
    return float(total)


def _isotonic(x: np.ndarray, y: np.ndarray) -> Isotonic:
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(x, y)
    return Isotonic(np.asarray(iso.X_thresholds_), np.asarray(iso.y_thresholds_))


def train_model(
    train: Sequence[Record] | None = None,
    val: Sequence[Record] | None = None,
    registry: AgentRegistry | None = None,
    *,
    random_state: int = 0,
    suitability: bool = True,
) -> EmbeddedModel:
    """Fit the embedded router (defaults: the lead's dataset and the default registry).

    ``suitability`` fits the unfamiliar-candidate suitability model (``suitability.py``) when
    its calibration data is available.
    """
    # One BLAS thread: small problems, where thread start-up and contention dominate.
    with threadpool_limits(1):
        model = _train(train, val, registry, random_state=random_state)
    if suitability:
        model.suitability = default_suitability()
        if model.suitability is not None:
            model.report.update(
                suitability_threshold=model.suitability.threshold,
                suitability_coef=[round(float(c), 4) for c in model.suitability.coef],
            )
    return model


def _train(
    train: Sequence[Record] | None,
    val: Sequence[Record] | None,
    registry: AgentRegistry | None,
    *,
    random_state: int,
) -> EmbeddedModel:
    from autonet.platform.gate.embedded import EmbeddedBackend, candidate_matrix

    started = time.perf_counter()
    if train is None or val is None:
        from autonet.platform.gate.dataset import load_split

        train = load_split("train") if train is None else train
        val = load_split("val") if val is None else val
    if registry is None:
        from autonet.platform.gate.catalog import benchmark_registry

        registry = benchmark_registry()  # trained with the benchmark's distractor cards
    retriever = CandidateRetriever(registry)
    samples = _grounding_samples(train)
    featurizer = NgramFeaturizer(min_df=2).fit(
        [r["query"] for r in train] + [s[0] for s in samples]
    )
    X_text = featurizer.transform([r["query"] for r in train])

    # Agent prior p(agent | text), with out-of-fold probabilities for the scorer's training.
    pos = [s for s in samples if s[1] is not None]
    X_pos = featurizer.transform([s[0] for s in pos])
    y_pos = np.array([s[1] for s in pos])
    prior_lr = LogisticRegression(C=10.0, max_iter=3000)
    smallest = min(Counter(y_pos.tolist()).values())
    prior_lr.fit(X_pos, y_pos)
    if smallest >= 2:
        folds = StratifiedKFold(min(5, smallest), shuffle=True, random_state=random_state)
        oof = cross_val_predict(prior_lr, X_pos, y_pos, cv=folds, method="predict_proba")
    else:  # too few examples per agent for out-of-fold estimates (tiny training sets)
        oof = prior_lr.predict_proba(X_pos)
    agents = [str(a) for a in prior_lr.classes_]

    model = EmbeddedModel(
        featurizer=featurizer,
        action_coef=np.zeros((len(ACTIONS), 1)),
        action_intercept=np.zeros(len(ACTIONS)),
        agent_names=agents,
        agent_coef=prior_lr.coef_.astype(np.float32),
        agent_intercept=prior_lr.intercept_.astype(np.float64),
        pair_coef=np.zeros(len(PAIR_NAMES)),
        pair_intercept=0.0,
        action_calibration=Isotonic(np.zeros(0), np.zeros(0)),
        grounding_calibration=Isotonic(np.zeros(0), np.zeros(0)),
        relevance_threshold=0.0,
    )

    # Candidate scorer on (text, card) pairs; half of the texts without the prior, so the scorer
    # also ranks agents it never saw (new registry entries, BFCL functions).
    oof_of = {id(s): dict(zip(agents, row, strict=True)) for s, row in zip(pos, oof, strict=True)}
    rows, labels = [], []
    for i, (text, gold, cands) in enumerate(samples):
        if i % 10 < 5:
            prior = None
        elif gold is None:
            prior = model.agent_prior(model.text_vector(featurizer.analyze(text)))
        else:
            prior = oof_of[id(samples[i])]
        rows.append(candidate_matrix(model, retriever, registry, text, cands, prior=prior))
        labels += [float(c == gold) for c in cands]
    X_pair = np.vstack(rows)
    pair_lr = LogisticRegression(C=1.0, max_iter=2000).fit(X_pair, np.array(labels))
    model.pair_coef = pair_lr.coef_[0].astype(np.float64)
    model.pair_intercept = float(pair_lr.intercept_[0])

    # Stage I: text n-grams + cues (relevance from the scorer without the prior).
    backend = EmbeddedBackend(model)
    cues = [_cues(backend, retriever, r) for r in train]
    y_action = [stage1_label(r) for r in train]
    # The same requests with C_sub retrieved from the whole registry (no candidate list given).
    extra = [_retrieved(r, retriever) for r in train]
    kept = [(i, r) for i, r in enumerate(extra) if r is not None]
    cues += [_cues(backend, retriever, r) for _, r in kept]
    y_action += [stage1_label(r) for _, r in kept]
    X_all = sparse.vstack([X_text, X_text[[i for i, _ in kept]]])
    action_lr = LogisticRegression(C=10.0, max_iter=3000)
    action_lr.fit(sparse.hstack([X_all, sparse.csr_matrix(np.vstack(cues))]).tocsr(), y_action)
    order = [list(action_lr.classes_).index(a) for a in ACTIONS]
    model.action_coef = action_lr.coef_[order].astype(np.float32)
    model.action_intercept = action_lr.intercept_[order].astype(np.float64)

    _calibrate(model, backend, retriever, registry, val)
    model.report.update(
        train_records=len(train),
        val_records=len(val),
        pair_samples=len(labels),
        vocabulary=len(featurizer.vocabulary_),
        seconds=round(time.perf_counter() - started, 2),
    )
    logger.info("trained the embedded router: %s", model.report)
    return model


def _retrieved(r: Record, retriever: CandidateRetriever, k: int = 5) -> Record | None:
    """``r`` with its candidates replaced by the top-k retrieved from the whole registry.

    None for records whose label would be unknown: a request with no suitable agent among its
    own candidates may well have one in the registry.
    """
    if "no_suitable_agent" in r.get("tags", ()):
        return None
    names = [c.name for c in retriever.retrieve(r["query"], k=k)]
    gold = r["gold"]
    agents = [gold["agent"]] if gold.get("agent") else [s["agent"] for s in gold["plan"]]
    out = dict(r, candidates=names)
    if agents and not set(agents) <= set(names):
        out["gold"] = {"action": "DIRECT_ANSWER", "agent": None, "arguments": {}, "plan": []}
        out["tags"] = [t for t in r.get("tags", ()) if t != "role_violation"]
    return out


def _request(retriever: CandidateRetriever, r: Record) -> Any:
    from autonet.platform.gate.router import build_request

    return build_request(
        r["query"], retriever, list(r["candidates"]), role=r["role"], context=r["context"]
    )


def _cues(backend: Any, retriever: CandidateRetriever, r: Record) -> Any:
    req = _request(retriever, r)
    a = backend._analysis(req)
    return cue_features(
        sequential=req.sequential,
        sensitive=bool(sensitive_hits(req.text)),
        text=req.text,
        slots=req.slots,
        relevance=list(a["blind"]),
        segment_relevance=[float(p.max()) for p in a["seg_blind"] if len(p)],
    )


def _calibrate(
    model: EmbeddedModel,
    backend: Any,
    retriever: CandidateRetriever,
    registry: AgentRegistry,
    val: Sequence[Record],
) -> None:
    """Isotonic confidence maps and the relevance threshold, fitted on the validation split."""
    from autonet.platform.gate.embedded import score_candidates

    top, correct, best_rel, labels = [], [], [], []
    for r in val:
        proba, suitability = backend.raw_stage1(_request(retriever, r))
        k = int(np.argmax(proba))
        top.append(float(proba[k]))
        labels.append((ACTIONS[k], stage1_label(r)))
        correct.append(float(ACTIONS[k] == stage1_label(r)))
        best_rel.append(suitability)
    top_a, correct_a, rel_a = np.array(top), np.array(correct), np.array(best_rel)

    # Threshold: the value that maximises Stage I accuracy on val once applied.
    def accuracy(thr: float) -> float:
        hits = 0
        for (pred, gold), rel in zip(labels, rel_a, strict=True):
            if pred != "ESCALATE" and rel < thr:
                pred = "DIRECT_ANSWER"
            hits += pred == gold
        return hits / max(len(labels), 1)

    grid = np.round(np.arange(0.0, 0.61, 0.02), 2)
    scores = [accuracy(t) for t in grid]
    best = max(scores)
    plateau = [t for t, s in zip(grid, scores, strict=True) if s >= best - 1e-9]
    model.relevance_threshold = float(np.median(plateau))
    model.action_calibration = _isotonic(top_a, correct_a)

    g_conf, g_ok = [], []
    for r in val:
        if r["gold"]["action"] != "CALL_AGENT":
            continue
        probs, _ = score_candidates(model, retriever, registry, r["query"], list(r["candidates"]))
        k = int(np.argmax(probs))
        g_conf.append(float(probs[k]))
        g_ok.append(float(r["candidates"][k] == r["gold"]["agent"]))
    g_conf_a, g_ok_a = np.array(g_conf), np.array(g_ok)
    model.grounding_calibration = _isotonic(g_conf_a, g_ok_a)
    calibrated = np.array([model.action_calibration(c) for c in top_a])
    model.report.update(
        val_stage1_accuracy=round(float(correct_a.mean()), 4),
        val_stage1_accuracy_thresholded=round(best, 4),
        relevance_threshold=model.relevance_threshold,
        val_grounding_accuracy=round(float(g_ok_a.mean()), 4) if len(g_ok_a) else None,
        ece_stage1_raw=round(expected_calibration_error(top_a, correct_a), 4),
        ece_stage1_calibrated_in_sample=round(expected_calibration_error(calibrated, correct_a), 4),
        ece_stage2_raw=round(expected_calibration_error(g_conf_a, g_ok_a), 4),
    )
