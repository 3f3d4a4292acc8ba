"""The embedded learned backend: no GPU, no network, no download; trained in seconds, shipped."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import joblib
import numpy as np

from autonet.platform.gate.backend import RouterBackend, RouteRequest, StageOne, StageTwo
from autonet.platform.gate.cards import AgentCard, AgentRegistry
from autonet.platform.gate.completion import complete_arguments, fill_arguments
from autonet.platform.gate.decision import PlanStep, RouteAction
from autonet.platform.gate.embeddings import semantic_matrix
from autonet.platform.gate.features import (
    PAIR_NAMES,
    CardTerms,
    card_terms,
    cue_features,
    pair_rows,
    query_terms,
)
from autonet.platform.gate.model import ACTIONS, EmbeddedModel
from autonet.platform.gate.retrieval import CandidateRetriever, tokens
from autonet.platform.gate.safeguards import sensitive_hits, split_sequence
from autonet.platform.gate.slots import Slot, extract_slots

__all__ = [
    "MODEL_PATH",
    "EmbeddedBackend",
    "candidate_matrix",
    "ground_arguments",
    "load_model",
    "main",
    "score_candidates",
]

logger = logging.getLogger(__name__)
MODEL_PATH = Path(__file__).with_name("models") / "embedded_router.joblib"
_PRIOR_COLS = [PAIR_NAMES.index("prior"), PAIR_NAMES.index("prior_known")]
#: The agent prior's share above which a request is taken to be for its top agent: when that
#: agent is not in the registry (it has no backend here), the request has no agent.
_ABSENT_PRIOR = 0.5


_TERMS: dict[int, tuple[AgentCard, CardTerms]] = {}


def _terms(card: AgentCard) -> CardTerms:
    # Cards are frozen but hold dicts (unhashable): cache by identity, keeping the card alive.
    hit = _TERMS.get(id(card))
    if hit is None or hit[0] is not card:
        if len(_TERMS) > 4096:
            _TERMS.clear()
        hit = (card, card_terms(card))
        _TERMS[id(card)] = hit
    return hit[1]


def candidate_matrix(
    model: EmbeddedModel,
    retriever: CandidateRetriever,
    registry: AgentRegistry,
    text: str,
    candidates: Sequence[str],
    *,
    slots: Sequence[Slot] | None = None,
    cosines: Mapping[str, float] | None = None,
    prior: Mapping[str, float] | None = None,
) -> np.ndarray:
    """Pair features (rows: candidates) of ``text``; ``prior`` None: no agent prior."""
    if cosines is None:
        all_scores = retriever.scores_text(text)
        cosines = {n: float(all_scores[retriever.position[n]]) for n in candidates}
    slots = extract_slots(text) if slots is None else slots
    query = query_terms(tokens(text), slots)
    cos = [cosines.get(n, 0.0) for n in candidates]
    if not cos:
        return np.zeros((0, len(PAIR_NAMES)))
    top = [*sorted(cos, reverse=True), 0.0, 0.0]
    best_other = [top[1] if c == top[0] else top[0] for c in cos]
    get = registry.get
    cards = [_terms(get(name)) for name in candidates]
    priors = [None] * len(cos) if prior is None else [prior.get(n) for n in candidates]
    return np.array(pair_rows(query, cards, cos, best_other, priors))


def score_candidates(
    model: EmbeddedModel,
    retriever: CandidateRetriever,
    registry: AgentRegistry,
    text: str,
    candidates: Sequence[str],
    *,
    slots: Sequence[Slot] | None = None,
    cosines: Mapping[str, float] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """p(candidate can serve ``text``) with and without the agent prior (Stage II, Stage I)."""
    if not candidates:
        return np.zeros(0), np.zeros(0)
    prior = model.agent_prior(model.text_vector(None, text), candidates)
    X = candidate_matrix(
        model, retriever, registry, text, candidates, slots=slots, cosines=cosines, prior=prior
    )
    n = len(X)
    both = np.concatenate((X, X))
    both[n:, _PRIOR_COLS] = 0.0  # Stage I: the same rows without the agent prior
    p = model.pair_proba(both)
    return p[:n], p[n:]


def ground_arguments(
    card: AgentCard,
    text: str,
    slots: Sequence[Slot],
    *,
    context: Mapping[str, Any],
    all_slots: Sequence[Slot] = (),
    full_text: str = "",
    carry: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Arguments for ``card`` from a (step) text: its slots, carried target, then Eq. 18."""
    args = fill_arguments(card, slots, text, context=context)
    if carry and "target" in card.properties and "target" not in args and "target" in carry:
        args["target"] = carry["target"]
    if any(p not in args for p in card.required):
        args, _ = complete_arguments(card, args, all_slots, full_text or text, context)
    return args


class EmbeddedBackend(RouterBackend):
    """Stage I: calibrated linear classifier; Stage II: pairwise candidate scorer + slots.

    Args:
        model: The trained model; None loads the shipped artefact (training it if missing).
        unfamiliar_suitability: When no candidate is known to the agent prior, let the
            model's semantic suitability model (static embeddings) decide whether any fits.
            Off by default: it raises BFCL's irrelevance DIRECT rate (0.74 -> 0.83) but lowers
            IBN's single-intent accuracy (0.53 -> 0.21); see docs/bench/gate-accuracy.md.
    """

    name = "embedded"

    def __init__(
        self, model: EmbeddedModel | None = None, *, unfamiliar_suitability: bool = False
    ) -> None:
        self.model = model if model is not None else load_model()
        self.unfamiliar_suitability = unfamiliar_suitability

    def _analysis(self, req: RouteRequest) -> dict[str, Any]:
        cached = req.cache.get("embedded")
        if cached is not None:
            return dict(cached)
        model = self.model
        probs, blind = score_candidates(
            model, req.retriever, req.registry, req.text, req.candidates,
            slots=req.slots, cosines=req.relevance,
        )  # fmt: skip
        segments = split_sequence(req.text, force=True)
        seg_probs: list[np.ndarray] = []
        seg_blind: list[np.ndarray] = []
        if len(segments) > 1:
            for seg in segments:
                p, b = score_candidates(model, req.retriever, req.registry, seg, req.candidates)
                seg_probs.append(p)
                seg_blind.append(b)
        out = {
            "probs": probs,
            "blind": blind,
            "segments": segments,
            "seg_probs": seg_probs,
            "seg_blind": seg_blind,
        }
        req.cache["embedded"] = out
        return out

    def relevance(self, req: RouteRequest) -> dict[str, float]:
        """p(candidate can serve the request) from the pairwise scorer."""
        probs = self._analysis(req)["probs"]
        return {n: float(p) for n, p in zip(req.candidates, probs, strict=True)}

    def raw_stage1(self, req: RouteRequest) -> tuple[np.ndarray, float]:
        """Stage I class probabilities (ACTIONS order) and the suitability of the top action.

        Suitability is the best candidate's probability (with or without the agent prior);
        for a plan, the second-best step's, since a plan needs two servable steps.
        """
        a = self._analysis(req)
        cues = cue_features(
            sequential=req.sequential,
            sensitive=bool(sensitive_hits(req.text)),
            text=req.text,
            slots=req.slots,
            relevance=list(a["blind"]),
            segment_relevance=[float(p.max()) for p in a["seg_blind"] if len(p)],
        )
        proba = self.model.action_proba(self.model.text_vector(None, req.text), cues)
        best = max(float(max(a["probs"], default=0.0)), float(max(a["blind"], default=0.0)))
        if ACTIONS[int(np.argmax(proba))] == "MULTI_AGENT_PLAN" and a["seg_probs"]:
            seg_best = sorted(
                (max(float(p.max()), float(b.max())) for p, b in zip(
                    a["seg_probs"], a["seg_blind"], strict=True) if len(p)),
                reverse=True,
            )  # fmt: skip
            best = seg_best[1] if len(seg_best) > 1 else 0.0
        return proba, best

    def unfamiliar_fit(self, req: RouteRequest) -> float | None:
        """p(the best candidate fits) when no candidate is known to the agent prior and the
        suitability model is enabled, else None."""
        suitability = self.model.suitability
        if not self.unfamiliar_suitability or suitability is None or not req.candidates:
            return None
        if any(self.model.knows(n) for n in req.candidates):
            return None
        k = int(np.argmax(self._analysis(req)["probs"]))
        return suitability(semantic_matrix(req.registry, req.text, req.candidates)[k])

    def absent_agent(self, req: RouteRequest) -> tuple[str, float] | None:
        """``(agent, prior)`` when the request is for an agent the model knows that is not in
        this registry of known agents (e.g. weather outside the benchmark), else None.

        Registries of only unfamiliar agents (external benchmarks) are never judged so.
        """
        names = set(req.registry.names())
        if not any(self.model.knows(n) for n in names):
            return None
        prior = self.model.agent_prior(self.model.text_vector(None, req.text))
        if not prior:
            return None
        agent, p = max(prior.items(), key=lambda kv: kv[1])
        return (agent, p) if p >= _ABSENT_PRIOR and agent not in names else None

    def stage1(self, req: RouteRequest) -> StageOne:
        """Stage I: the action with its calibrated confidence."""
        proba, best = self.raw_stage1(req)
        k = int(np.argmax(proba))
        action = RouteAction(ACTIONS[k])
        rationale = f"stage I: {action.value} (p={proba[k]:.2f}); best candidate p={best:.2f}"
        absent = self.absent_agent(req) if action is not RouteAction.ESCALATE else None
        if absent is not None:
            rationale += (f"; no agent for this: it asks for {absent[0]} (prior "
                          f"{absent[1]:.2f}), which this platform does not run")  # fmt: skip
            return StageOne(RouteAction.DIRECT_ANSWER, absent[1], rationale)
        fit = self.unfamiliar_fit(req)
        if fit is not None and action is not RouteAction.ESCALATE:
            # No candidate is known to the prior: the domain-independent suitability model
            # decides whether any fits (Stage I's text cues are our domain's phrasing).
            threshold = self.model.suitability.threshold  # type: ignore[union-attr]
            rationale += f"; unfamiliar candidates, best fits with p={fit:.2f}"
            if fit < threshold:
                action = RouteAction.DIRECT_ANSWER
                rationale += f" < {threshold:.2f}: no candidate is suitable"
            elif action is RouteAction.DIRECT_ANSWER:
                action = RouteAction.CALL_AGENT
            return StageOne(action, max(fit, 1.0 - fit), rationale)
        if action is not RouteAction.ESCALATE and best < self.model.relevance_threshold:
            if action in (RouteAction.CALL_AGENT, RouteAction.MULTI_AGENT_PLAN):
                rationale += "; no candidate is suitable"
            action = RouteAction.DIRECT_ANSWER
            return StageOne(action, self.model.action_calibration(1.0 - best), rationale)
        return StageOne(action, self.model.action_calibration(float(proba[k])), rationale)

    def stage2(self, req: RouteRequest, action: RouteAction) -> StageTwo:
        """Stage II: the best candidate and its arguments, or the ordered plan."""
        a = self._analysis(req)
        if not req.candidates:
            return StageTwo(confidence=0.0, rationale="no candidates")
        calib = self.model.grounding_calibration
        if action is RouteAction.MULTI_AGENT_PLAN and len(a["segments"]) > 1:
            steps: list[PlanStep] = []
            carry: dict[str, Any] = {}
            scores = []
            for seg, probs in zip(a["segments"], a["seg_probs"], strict=True):
                k = int(np.argmax(probs))
                card = req.registry.get(req.candidates[k])
                args = ground_arguments(
                    card, seg, extract_slots(seg), context=req.context,
                    all_slots=req.slots, full_text=req.text, carry=carry,
                )  # fmt: skip
                if "target" in args:
                    carry = {"target": args["target"]}
                steps.append(PlanStep(agent=card.name, arguments=args))
                scores.append(float(probs[k]))
            return StageTwo(
                plan=steps,
                confidence=calib(min(scores)),
                rationale=f"plan of {len(steps)} steps from sequential segments",
            )
        probs = a["probs"]
        k = int(np.argmax(probs))
        card = req.registry.get(req.candidates[k])
        args = ground_arguments(card, req.text, req.slots, context=req.context, all_slots=req.slots)
        return StageTwo(
            agent=card.name,
            arguments=args,
            confidence=calib(float(probs[k])),
            rationale=f"{card.name} scores {probs[k]:.2f} among {len(req.candidates)} candidates",
        )


def load_model(
    path: Path | None = None, *, train: Callable[[], EmbeddedModel] | None = None
) -> EmbeddedModel:
    """Load the shipped model (or ``path``); train (``train``, default: the routing dataset)
    and save it when the file is missing or unreadable."""
    path = path or MODEL_PATH
    if path.is_file():
        try:
            model = joblib.load(path)
        except Exception as exc:
            logger.warning("cannot read %s (%s); retraining", path, exc)
            model = None
        if isinstance(model, EmbeddedModel):
            return model
        logger.warning("%s does not hold an EmbeddedModel; retraining", path)
    if train is None:
        from autonet.platform.gate.training import train_model

        train = train_model
    logger.info("no embedded router model at %s; training one", path)
    model = train()
    try:
        save_model(model, path)
    except OSError as exc:  # a read-only install still routes with the in-memory model
        logger.warning("could not save the embedded router model to %s: %s", path, exc)
    return model


def save_model(model: EmbeddedModel, path: Path | None = None) -> Path:
    """Write ``model`` (compressed joblib) to ``path`` (default: the shipped location)."""
    path = path or MODEL_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, path, compress=("xz", 6))
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m autonet.platform.gate.embedded --train [--out PATH]``."""
    parser = argparse.ArgumentParser(description="Train the embedded AgentGate router.")
    parser.add_argument("--train", action="store_true", help="train and save the model")
    parser.add_argument("--out", type=Path, default=MODEL_PATH, help="where to write it")
    args = parser.parse_args(argv)
    if not args.train:
        parser.print_help()
        return 2
    from autonet.platform.gate.training import train_model

    logging.basicConfig(level=logging.INFO)
    model = train_model()
    path = save_model(model, args.out)
    logger.info("saved %s (%.0f kB): %s", path, path.stat().st_size / 1024, model.report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
