"""A searchable knowledge base over KPI definitions, fault playbooks and the glossary."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from autonet.knowledge.domain.catalog import (
    GlossaryTerm,
    KpiDefinition,
    Playbook,
    load_glossary,
    load_kpis,
    load_playbooks,
)

__all__ = ["Answer", "Document", "Hit", "KnowledgeBase", "default_knowledge_base"]

_WORD = re.compile(r"[a-z0-9][a-z0-9.\-]*[a-z0-9]|[a-z0-9]")
# Words that say "explain this to me": stripped before matching names.
_STOP = frozenset((
    "what", "is", "are", "a", "an", "the", "of", "does", "do", "mean", "means", "meaning",
    "define", "definition", "explain", "tell", "me", "about", "how", "to", "i", "we", "fix",
    "handle", "resolve", "deal", "with", "on", "in", "for", "please", "can", "you",
))  # fmt: skip
# Words that ask what to do about something: playbooks answer those.
_REMEDY = frozenset(("fix", "repair", "handle", "resolve", "remediate", "troubleshoot", "heal",
                     "playbook", "do"))  # fmt: skip


@dataclass(frozen=True)
class Document:
    """One searchable entry: a KPI, a playbook or a glossary term."""

    id: str  # "kpi:<name>", "playbook:<fault_type>" or "term:<term>"
    kind: str  # "kpi", "playbook" or "term"
    title: str
    text: str  # what is searched
    answer: str  # what a direct answer says
    names: tuple[str, ...]  # exact names (counter, fault type, term, expansion, aliases)


@dataclass(frozen=True)
class Hit:
    """A search result, best first."""

    id: str
    kind: str
    title: str
    score: float  # 0..1, higher is better
    snippet: str


@dataclass(frozen=True)
class Answer:
    """A direct answer from the knowledge base, with its source and the runners-up."""

    text: str
    source: str  # document id
    kind: str
    title: str
    score: float
    related: tuple[Hit, ...] = ()


_SPELLING = {"fiber": "fibre", "utilization": "utilisation", "optimization": "optimisation",
             "neighbor": "neighbour", "neighbors": "neighbours", "center": "centre"}  # fmt: skip


def _norm(text: str) -> str:
    words = _WORD.findall(text.lower().replace("_", " "))
    return " ".join(_SPELLING.get(w, w) for w in words)


def _kpi_doc(k: KpiDefinition) -> Document:
    answer = (
        f"{k.name} - {k.title} ({k.unit}, per {k.level}; {k.standard}). {k.definition} "
        f"Computed as: {k.formula}. Good: {k.good}. Watch: {k.watch}."
    )
    text = (
        f"{k.name} {k.title} {k.unit} {k.level} {k.standard} {k.definition} {k.formula} {k.watch}"
    )
    return Document(f"kpi:{k.name}", "kpi", k.title, text, answer, (k.name, k.title))


def _playbook_doc(p: Playbook) -> Document:
    steps = "; ".join(f"{a.action} ({a.why})" for a in p.remediation)
    answer = (
        f"{p.title} ({p.domain}): {p.summary} Root alarms: {', '.join(p.root_alarms)}; "
        f"symptoms: {', '.join(p.symptom_alarms) or 'none'}. KPI signature: {p.kpi_signature}. "
        f"Diagnose: {' '.join(p.diagnosis)} Remediate: {steps}. Verify: {p.verification}. "
        f"Escalate: {p.escalation}."
    )
    text = (
        f"{p.title} {p.fault_type.replace('_', ' ')} fault playbook fix heal remediate "
        f"{p.summary} {' '.join(p.root_alarms + p.symptom_alarms)} {p.kpi_signature} "
        f"{' '.join(p.diagnosis)} {steps}"
    )
    names = (p.fault_type, p.fault_type.replace("_", " "), p.title, *p.root_alarms)
    return Document(f"playbook:{p.fault_type}", "playbook", p.title, text, answer, names)


def _term_doc(t: GlossaryTerm) -> Document:
    head = f"{t.term} ({t.expansion})" if t.expansion else t.term
    text = f"{t.term} {t.expansion} {' '.join(t.aliases)} {t.definition}"
    names = (t.term, *((t.expansion,) if t.expansion else ()), *t.aliases)
    return Document(f"term:{t.term}", "term", t.term, text, f"{head}: {t.definition}", names)


class KnowledgeBase:
    """TF-IDF search (character n-grams for typos, plus words) with exact-name boosts.

    Args:
        documents: What to index; :func:`default_knowledge_base` indexes the packaged data.
        min_score: Below it, :meth:`answer` returns None (the question is not about our domain).
    """

    def __init__(self, documents: Sequence[Document], *, min_score: float = 0.3) -> None:
        if not documents:
            raise ValueError("KnowledgeBase: no documents to index")
        self.documents = tuple(documents)
        self.min_score = min_score
        texts = [_norm(f"{d.title} {' '.join(d.names)} {d.text}") for d in self.documents]
        self._chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
        self._words = TfidfVectorizer(analyzer="word", token_pattern=r"\S+", sublinear_tf=True)
        self._char_matrix = self._chars.fit_transform(texts)
        self._word_matrix = self._words.fit_transform(texts)
        self._by_id = {d.id: d for d in self.documents}
        self._names = [{_norm(n) for n in d.names} for d in self.documents]

    @classmethod
    def from_records(
        cls,
        kpis: Sequence[KpiDefinition] = (),
        playbooks: Sequence[Playbook] = (),
        glossary: Sequence[GlossaryTerm] = (),
        *,
        min_score: float = 0.3,
    ) -> KnowledgeBase:
        """Index typed records (e.g. an operator's own KPI file next to ours)."""
        docs = [_kpi_doc(k) for k in kpis] + [_playbook_doc(p) for p in playbooks]
        docs += [_term_doc(t) for t in glossary]
        return cls(docs, min_score=min_score)

    def get(self, doc_id: str) -> Document:
        """The document with this id (e.g. ``"playbook:fibre_cut"``)."""
        try:
            return self._by_id[doc_id]
        except KeyError:
            raise LookupError(f"no knowledge entry {doc_id!r}") from None

    def _scores(self, query: str) -> tuple[np.ndarray, np.ndarray]:
        """Scores in 0..1 and ranking keys (scores plus a playbook boost for "how to fix")."""
        text = _norm(query)
        if not text:
            zero = np.zeros(len(self.documents))
            return zero, zero
        chars = self._char_matrix @ self._chars.transform([text]).T
        words = self._word_matrix @ self._words.transform([text]).T
        score = 0.65 * _dense(chars) + 0.35 * _dense(words)
        words_in = set(text.split())
        content = " ".join(w for w in text.split() if w not in _STOP)
        for i, names in enumerate(self._names):
            if content in names:
                score[i] += 0.6  # the question is exactly a name: "what is a UPF"
            else:
                # A name inside the question: the longer the name, the more specific the match.
                found = [
                    n for n in names if len(n) > 2 and re.search(rf"(^| ){re.escape(n)}( |$)", text)
                ]
                if found and content:
                    score[i] += 0.4 * min(1.0, max(map(len, found)) / len(content))
        score = np.minimum(score, 1.0)
        rank = score.copy()
        if words_in & _REMEDY:
            rank[[d.kind == "playbook" for d in self.documents]] += 0.3
        return score, rank

    def search(self, query: str, k: int = 5) -> list[Hit]:
        """The ``k`` entries best matching ``query``, best first.

        Raises:
            TypeError: ``query`` is not a string.
            ValueError: ``query`` is blank or ``k`` is not a positive integer.
        """
        if not isinstance(query, str):
            raise TypeError(f"query: expected a string, got {type(query).__name__}")
        if not query.strip():
            raise ValueError("query: expected a question or keywords, got an empty string")
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ValueError(f"k: expected a positive integer, got {k!r}")
        scores, rank = self._scores(query)
        order = np.lexsort((np.arange(len(scores)), -rank))[:k]
        return [
            Hit(
                id=self.documents[i].id,
                kind=self.documents[i].kind,
                title=self.documents[i].title,
                score=round(float(scores[i]), 4),
                snippet=self.documents[i].answer[:200],
            )
            for i in order
            if scores[i] > 0
        ]

    def answer(self, query: str) -> Answer | None:
        """A direct answer when one entry clearly matches ``query``, else None."""
        hits = self.search(query, k=4)
        if not hits or hits[0].score < self.min_score:
            return None
        best = self._by_id[hits[0].id]
        return Answer(
            text=best.answer,
            source=best.id,
            kind=best.kind,
            title=best.title,
            score=hits[0].score,
            related=tuple(hits[1:]),
        )


def _dense(column: Any) -> np.ndarray:
    if sparse.issparse(column):
        column = column.toarray()
    return np.asarray(column, dtype=float).ravel()


@lru_cache(maxsize=1)
def default_knowledge_base() -> KnowledgeBase:
    """The knowledge base over the packaged KPI definitions, playbooks and glossary (cached)."""
    return KnowledgeBase.from_records(load_kpis(), load_playbooks(), load_glossary())
