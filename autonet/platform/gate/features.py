"""Features of the embedded router: query cues (Stage I) and query/card pair features (Stage II)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from autonet.platform.gate.cards import AgentCard
from autonet.platform.gate.completion import property_kinds
from autonet.platform.gate.retrieval import tokens
from autonet.platform.gate.slots import Slot

__all__ = [
    "CUE_NAMES",
    "PAIR_NAMES",
    "SEMANTIC_NAMES",
    "CardTerms",
    "QueryTerms",
    "card_terms",
    "cue_features",
    "pair_features",
    "pair_rows",
    "query_terms",
]

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
    [
        "the",
        "a",
        "an",
        "of",
        "for",
        "to",
        "on",
        "in",
        "at",
        "by",
        "and",
        "or",
        "is",
        "are",
        "was",
        "be",
        "me",
        "my",
        "our",
        "its",
        "it",
        "this",
        "that",
        "there",
        "what",
        "how",
        "why",
        "which",
        "who",
        "when",
        "where",
        "with",
        "from",
        "over",
        "please",
        "pls",
        "plz",
        "any",
        "all",
        "can",
        "you",
        "i",
        "we",
        "do",
        "does",
        "did",
        "get",
        "show",
        "give",
        "let",
        "us",
        "need",
        "want",
        "now",
        "some",
    ]
)

_SALIENT = _ID_KINDS | _VALUE_KINDS | {"region", "place", "slice_type", "model"}

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
)


def cue_features(
    *,
    sequential: bool,
    sensitive: bool,
    text: str,
    slots: Sequence[Slot],
    relevance: Sequence[float],
    segment_relevance: Sequence[float],
) -> np.ndarray:
    """Handcrafted Stage I cues (see CUE_NAMES)."""
    rel = [*sorted(relevance, reverse=True), 0.0, 0.0]
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
        ]
    )


PAIR_NAMES: tuple[str, ...] = (
    "cosine",
    "cosine_margin",
    "is_top",
    "keyword_hits",
    "name_hits",
    "content_overlap",
    "prefix_overlap",
    "required_fillable",
    "slots_absorbed",
    "prior",
    "prior_known",
)


SEMANTIC_NAMES: tuple[str, ...] = ("emb_cosine", "emb_margin", "name_cover")


def _stems(words: Sequence[str]) -> frozenset[str]:
    return frozenset(w[:5] for w in words if len(w) > 2 and w not in _STOP)


@dataclass(frozen=True)
class CardTerms:
    """What the pair features need of a card, computed once per card."""

    keywords: tuple[str, ...]
    names: frozenset[str]
    desc: frozenset[str]
    required: tuple[tuple[frozenset[str], tuple[str, ...]], ...]  # (slot kinds, enum words)
    kinds: frozenset[str]
    prefixes: frozenset[str]

    @property
    def padded_keywords(self) -> tuple[str, ...]:
        """The non-empty keyword phrases with a space either side (matched in ``joined``)."""
        padded: tuple[str, ...] | None = self.__dict__.get("_padded")
        if padded is None:
            padded = tuple(f" {k} " for k in self.keywords if k)
            object.__setattr__(self, "_padded", padded)
        return padded


def card_terms(card: AgentCard) -> CardTerms:
    """A card's keyword phrases, name and description stems, and argument slot kinds."""
    required = []
    for prop in card.required:
        schema = card.properties.get(prop, {})
        enum = schema.get("enum") or ()
        words = tuple(" " + str(v).lower().replace("_", " ") + " " for v in enum)
        required.append((frozenset(property_kinds(prop, schema)[0]), words))
    kinds: set[str] = set()
    for prop, schema in card.properties.items():
        kinds.update(property_kinds(prop, schema)[0])
    return CardTerms(
        keywords=tuple(" ".join(tokens(k)) for k in card.keywords),
        names=frozenset(_stems(tokens(card.name))),
        desc=frozenset(_stems(tokens(f"{card.description} {' '.join(card.keywords)} {card.name}"))),
        required=tuple(required),
        kinds=frozenset(kinds),
        prefixes=frozenset(
            w[:n]
            for w in tokens(f"{card.name} {card.description} {' '.join(card.keywords)}")
            if w not in _STOP
            for n in range(3, len(w) + 1)
        ),
    )


@dataclass(frozen=True)
class QueryTerms:
    """What the pair features need of a query, computed once for all its candidates."""

    joined: str
    stems: frozenset[str]
    content: tuple[str, ...]
    kinds: frozenset[str]
    salient: frozenset[str]


def query_terms(text_tokens: Sequence[str], slots: Sequence[Slot]) -> QueryTerms:
    """The query side of the pair features."""
    kinds = frozenset(s.kind for s in slots)
    return QueryTerms(
        joined=" " + " ".join(text_tokens) + " ",
        stems=_stems(text_tokens),
        content=tuple(
            w for w in text_tokens if len(w) > 2 and w not in _STOP and not w[0].isdigit()
        ),
        kinds=kinds,
        salient=kinds & _SALIENT,
    )


def pair_features(
    query: QueryTerms,
    terms: CardTerms,
    *,
    cosine: float,
    best_other: float,
    prior: float | None,
) -> list[float]:
    """Features of one (query, card) pair (see PAIR_NAMES); ``prior`` None: unknown agent."""
    return pair_rows(query, (terms,), (cosine,), (best_other,), (prior,))[0]


def pair_rows(
    query: QueryTerms,
    cards: Sequence[CardTerms],
    cosines: Sequence[float],
    best_others: Sequence[float],
    priors: Sequence[float | None],
) -> list[list[float]]:
    """``pair_features`` of ``query`` with each card (rows in ``cards`` order), the query side
    computed once."""
    joined = query.joined
    contains = joined.__contains__
    stems = query.stems
    n_stems = max(len(stems), 1)
    content = query.content
    n_content = max(len(content), 1)
    kinds = query.kinds
    salient = query.salient
    n_salient = len(salient)
    rows = []
    for terms, cosine, best_other, prior in zip(cards, cosines, best_others, priors, strict=True):
        kw_hits = sum(map(contains, terms.padded_keywords))
        name_hits = len(terms.names & stems) / max(len(terms.names), 1)
        overlap = len(stems & terms.desc) / n_stems
        prefix = sum(map(terms.prefixes.__contains__, content)) / n_content
        fillable = sum(
            1 for prop_kinds, enum in terms.required
            if not prop_kinds.isdisjoint(kinds) or any(w in joined for w in enum)
        )  # fmt: skip
        absorbed = len(salient & terms.kinds) / n_salient if n_salient else 0.5
        n_required = len(terms.required)
        rows.append(
            [
                cosine,
                cosine - best_other,
                float(cosine >= best_other),
                min(kw_hits, 3) / 3.0,
                name_hits,
                overlap,
                prefix,
                fillable / n_required if n_required else 1.0,
                absorbed,
                prior if prior is not None else 0.0,
                float(prior is not None),
            ]
        )
    return rows
