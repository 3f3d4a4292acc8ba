"""Features of the embedded router: query cues (Stage I) and query/card pair features (Stage II)."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from autonet.platform.gate.cards import AgentCard
from autonet.platform.gate.completion import property_kinds
from autonet.platform.gate.retrieval import tokens
from autonet.platform.gate.slots import Slot

__all__ = ["CUE_NAMES", "PAIR_NAMES", "cue_features", "pair_features"]

_QUESTION = re.compile(
    r"^\W*(?:(?:pls|plz|hey|quick one|noc here)\W+)*(?:what|how|why|which|who|when|where|is|are|"
    r"does|do|define|explain what|can you explain|tell me about)\b",
    re.IGNORECASE,
)
_ID_KINDS = frozenset({"cell", "site", "link", "slice", "change", "intent", "ticket"})
_VALUE_KINDS = frozenset(
    {"throughput_mbps", "latency_ms", "reliability_pct", "window", "days", "duration_min", "kpi"}
)
_STOP = frozenset(
    "the a an of for to on in at by and or is are was be me my our its it this that there what "
    "how why which who when where with from over please pls plz any all can you i we do does "
    "did get show give let us need want now some".split()
)

CUE_NAMES: tuple[str, ...] = (
    "sequential",
    "sensitive",
    "question",
    "n_ids",
    "n_values",
    "best_relevance",
    "second_relevance",
    "n_relevant_segments",
    "n_segments",
    "unauthorised_best",
)


def cue_features(
    *,
    sequential: bool,
    sensitive: bool,
    text: str,
    slots: Sequence[Slot],
    relevance: Sequence[float],
    segment_relevance: Sequence[float],
    unauthorised_best: bool,
) -> np.ndarray:
    """Handcrafted Stage I cues (see CUE_NAMES)."""
    rel = sorted(relevance, reverse=True) + [0.0, 0.0]
    n_ids = sum(1 for s in slots if s.kind in _ID_KINDS)
    n_values = sum(1 for s in slots if s.kind in _VALUE_KINDS)
    return np.array(
        [
            float(sequential),
            float(sensitive),
            float(bool(_QUESTION.search(text))),
            min(n_ids, 3) / 3.0,
            min(n_values, 3) / 3.0,
            rel[0],
            rel[1],
            min(sum(1 for r in segment_relevance if r >= 0.5), 3) / 3.0,
            min(len(segment_relevance), 3) / 3.0,
            float(unauthorised_best),
        ]
    )


PAIR_NAMES: tuple[str, ...] = (
    "cosine",
    "cosine_margin",
    "is_top",
    "keyword_hits",
    "name_hits",
    "content_overlap",
    "required_fillable",
    "slots_absorbed",
    "prior",
    "prior_known",
)


def _stems(words: Sequence[str]) -> set[str]:
    return {w[:5] for w in words if len(w) > 2 and w not in _STOP}


def card_terms(card: AgentCard) -> tuple[list[str], set[str], set[str]]:
    """A card's keyword phrases, name stems and description stems (pre-computed per card)."""
    keywords = [" ".join(tokens(k)) for k in card.keywords]
    names = _stems(tokens(card.name))
    desc = _stems(tokens(f"{card.description} {' '.join(card.keywords)} {card.name}"))
    return keywords, names, desc


def pair_features(
    *,
    text_tokens: Sequence[str],
    slots: Sequence[Slot],
    card: AgentCard,
    terms: tuple[list[str], set[str], set[str]],
    cosine: float,
    best_other: float,
    prior: float | None,
) -> np.ndarray:
    """Features of one (query, card) pair (see PAIR_NAMES); ``prior`` None: unknown agent."""
    keywords, names, desc = terms
    joined = " " + " ".join(text_tokens) + " "
    kw_hits = sum(1 for k in keywords if k and f" {k} " in joined)
    query_stems = _stems(text_tokens)
    name_hits = len(names & query_stems) / max(len(names), 1)
    overlap = len(query_stems & desc) / max(len(query_stems), 1)
    kinds = {s.kind for s in slots}
    props = card.properties
    required = card.required
    fillable = 0
    for prop in required:
        prop_kinds, _ = property_kinds(prop, props.get(prop, {}))
        enum = props.get(prop, {}).get("enum")
        if kinds.intersection(prop_kinds) or (
            enum and any(str(v).lower().replace("_", " ") in joined for v in enum)
        ):
            fillable += 1
    card_kinds: set[str] = set()
    for prop, schema in props.items():
        card_kinds.update(property_kinds(prop, schema)[0])
    salient = kinds & (_ID_KINDS | _VALUE_KINDS | {"region", "place", "slice_type", "model"})
    absorbed = len(salient & card_kinds) / max(len(salient), 1) if salient else 0.5
    return np.array(
        [
            cosine,
            cosine - best_other,
            float(cosine >= best_other),
            min(kw_hits, 3) / 3.0,
            name_hits,
            overlap,
            fillable / len(required) if required else 1.0,
            absorbed,
            prior if prior is not None else 0.0,
            float(prior is not None),
        ]
    )
