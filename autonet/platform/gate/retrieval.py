"""Candidate retrieval: word + character n-gram TF-IDF relevance of a query to agent cards."""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from autonet.platform.gate.cards import AgentCard, AgentRegistry

if TYPE_CHECKING:
    from scipy import sparse

__all__ = [
    "CandidateRetriever",
    "NgramFeaturizer",
    "ScoredCandidate",
    "card_text",
    "tokens",
]

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_TOKEN = re.compile(r"[a-z0-9]+")


def tokens(text: str) -> list[str]:
    """Lower-case word tokens; camelCase, snake_case and dotted names are split into words."""
    return list(_tokens(text))


@lru_cache(maxsize=8192)
def _tokens(text: str) -> tuple[str, ...]:
    # The same text is tokenised by several featurisers per route: memoised, read-only.
    return tuple(_TOKEN.findall(_CAMEL.sub(" ", text).lower()))


def card_text(card: AgentCard) -> str:
    """The text a card is matched on: name, description, keywords, domain and argument names."""
    props = " ".join(card.properties)
    return " ".join(
        (
            card.name,
            card.description,
            " ".join(card.keywords),
            card.domain.replace("_", " "),
            props,
        )
    )


@lru_cache(maxsize=16384)
def _char_grams(word: str, lo: int, hi: int) -> tuple[str, ...]:
    # In-word character n-grams of one word (words recur across queries: memoised).
    padded = " " + word + " "
    size = len(padded)
    return tuple(
        padded[i : i + n] for n in range(lo, min(hi, size) + 1) for i in range(size - n + 1)
    )


@lru_cache(maxsize=4096)
def _analyze(text: str, char_range: tuple[int, int]) -> Counter[str]:
    words = _tokens(text)
    grams: list[str] = ["w " + w for w in words]
    grams += ["b " + a + " " + b for a, b in itertools.pairwise(words)]
    lo, hi = char_range
    for w in words:
        grams += _char_grams(w, lo, hi)
    return Counter(grams)


class NgramFeaturizer:
    """TF-IDF over word uni/bigrams and in-word character 3-5-grams, fast on one short text.

    A small re-implementation of scikit-learn's word + ``char_wb`` TfidfVectorizer pair: the
    same sublinear tf * smooth idf, L2-normalised; a single query is featurised in tens of
    microseconds (no sparse-matrix construction), which the router's latency budget needs.

    Args:
        char_range: Lengths of the character n-grams (inclusive).
        min_df: Minimum number of documents an n-gram must occur in to enter the vocabulary.
    """

    def __init__(self, *, char_range: tuple[int, int] = (3, 5), min_df: int = 1) -> None:
        self.char_range = char_range
        self.min_df = min_df

    def analyze(self, text: str) -> Counter[str]:
        """Raw n-gram counts of ``text`` (memoised: treat the result as read-only)."""
        return _analyze(text, self.char_range)

    def fit(self, texts: Iterable[str]) -> NgramFeaturizer:
        """Learn the vocabulary and the inverse document frequencies."""
        df: Counter[str] = Counter()
        n_docs = 0
        for text in texts:
            df.update(self.analyze(text).keys())
            n_docs += 1
        kept = sorted(g for g, count in df.items() if count >= self.min_df)
        self.vocabulary_ = {g: i for i, g in enumerate(kept)}
        self.idf_ = np.array(
            [math.log((1 + n_docs) / (1 + df[g])) + 1.0 for g in kept], dtype=np.float64
        )
        self.n_docs_ = n_docs
        return self

    def vectorize(self, counts: Counter[str]) -> tuple[np.ndarray, np.ndarray]:
        """Sparse TF-IDF vector of pre-analysed counts as (indices, L2-normalised values)."""
        get = self.vocabulary_.get
        cols: list[int] = []
        tfs: list[int] = []
        for gram, count in counts.items():
            j = get(gram)
            if j is not None:
                cols.append(j)
                tfs.append(count)
        return self._weights(cols, tfs)

    def vectorize_text(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """``vectorize(analyze(text))``, the same numbers, without a per-n-gram Python loop.

        The vocabulary columns of each word's character n-grams are memoised per word (words
        recur across queries); the columns are then counted in the n-grams' reading order, so
        the vector's entries come in the same order as ``vectorize``'s.
        """
        words = _tokens(text)
        get = self.vocabulary_.get
        memo: dict[str, tuple[int, ...]] = self.__dict__.setdefault("_word_cols", {})
        cols: list[int | None] = [get("w " + w) for w in words]
        cols += [get("b " + a + " " + b) for a, b in itertools.pairwise(words)]
        lo, hi = self.char_range
        for w in words:
            hit = memo.get(w)
            if hit is None:
                if len(memo) > 50_000:
                    memo.clear()
                grams = map(get, _char_grams(w, lo, hi))
                hit = memo[w] = tuple(j for j in grams if j is not None)
            cols += hit
        counts = Counter(cols)
        counts.pop(None, None)
        return self._weights(counts.keys(), counts.values())

    def _weights(
        self, cols: Iterable[int | None], tfs: Iterable[int]
    ) -> tuple[np.ndarray, np.ndarray]:
        # Sublinear tf * idf, L2-normalised, over the (column, count) pairs in their order.
        index = np.fromiter(cols, dtype=np.int64)
        if len(index) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        values = (1.0 + np.log(np.fromiter(tfs, dtype=np.float64))) * self.idf_[index]
        values /= math.sqrt(float(values @ values))
        return index, values

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state.pop("_word_cols", None)  # a cache, rebuilt on use
        return state

    def transform_one(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Sparse TF-IDF vector of one text."""
        return self.vectorize(self.analyze(text))

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """TF-IDF matrix (rows: texts) in the vocabulary's column space."""
        from scipy import sparse  # training-time only: keeps the router's cold start short

        indptr = [0]
        cols: list[np.ndarray] = []
        vals: list[np.ndarray] = []
        for text in texts:
            index, values = self.transform_one(text)
            cols.append(index)
            vals.append(values)
            indptr.append(indptr[-1] + len(index))
        data = np.concatenate(vals) if vals else np.zeros(0)
        col = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
        return sparse.csr_matrix(
            (data, col, np.asarray(indptr)), shape=(len(texts), len(self.vocabulary_))
        )


@dataclass(frozen=True, slots=True)
class ScoredCandidate:
    """A card and its relevance to the query (cosine similarity in [0, 1])."""

    name: str
    score: float


class CandidateRetriever:
    """Top-k candidate retrieval C_sub over a registry, refitted when the registry changes.

    Args:
        registry: The agent registry to index.
    """

    def __init__(self, registry: AgentRegistry) -> None:
        self.registry = registry
        self.names = registry.names()
        texts = [card_text(card) for card in registry]
        self.featurizer = NgramFeaturizer().fit(texts)
        # Dense card matrix (cards x vocabulary): registries are small (tens to hundreds of
        # cards), so a dense column gather beats sparse products for one query.
        dense = np.zeros((len(self.featurizer.vocabulary_), len(texts)))
        for col, text in enumerate(texts):
            index, values = self.featurizer.transform_one(text)
            dense[index, col] = values
        self.matrix_ = dense
        self.position = {name: i for i, name in enumerate(self.names)}

    @property
    def version(self) -> int:
        """The indexed registry's fingerprint."""
        return self.registry.version

    def scores(self, counts: Counter[str]) -> np.ndarray:
        """Cosine relevance of pre-analysed query counts to every card (registry order)."""
        return self._cosines(self.featurizer.vectorize(counts))

    def scores_text(self, text: str) -> np.ndarray:
        """``scores(featurizer.analyze(text))``, computed faster (``vectorize_text``)."""
        return self._cosines(self.featurizer.vectorize_text(text))

    def _cosines(self, vec: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        index, values = vec
        if len(index) == 0:
            return np.zeros(len(self.names))
        return np.asarray(values @ self.matrix_[index])

    def retrieve(
        self,
        query: str,
        *,
        k: int = 5,
        restrict: Sequence[str] | None = None,
    ) -> list[ScoredCandidate]:
        """The ``k`` most relevant cards for ``query`` (best first), optionally within ``restrict``.

        Raises:
            ValueError: If ``k`` is not positive.
        """
        if k < 1:
            raise ValueError(f"k must be a positive number of candidates, got {k}")
        scores = self.scores_text(query)
        if restrict is not None:
            pos = [self.position[name] for name in restrict if name in self.position]
        else:
            pos = list(range(len(self.names)))
        ranked = sorted(pos, key=lambda i: (-scores[i], i))[:k]
        return [ScoredCandidate(self.names[i], float(scores[i])) for i in ranked]
