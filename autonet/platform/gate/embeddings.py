"""Static sentence embeddings distilled from all-MiniLM-L6-v2: numpy only, shipped, no download.

The artefact (``models/static_minilm.npz``, written by ``benchmarks/gate_distill.py``) holds the
model's WordPiece vocabulary and one int8 vector per token (with a per-token scale and a weight
that down-weights frequent tokens). A text's embedding is the weighted mean of its tokens'
vectors, L2-normalised; the cosine of two texts is their dot product.
"""

from __future__ import annotations

import logging
import unicodedata
import zipfile
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from autonet.platform.gate.features import SEMANTIC_NAMES

if TYPE_CHECKING:
    from autonet.platform.gate.cards import AgentRegistry

__all__ = [
    "STATIC_PATH",
    "EmbeddingError",
    "SemanticScorer",
    "StaticEmbedder",
    "WordPiece",
    "default_embedder",
    "default_scorer",
    "semantic_matrix",
]

logger = logging.getLogger(__name__)
STATIC_PATH = Path(__file__).with_name("models") / "static_minilm.npz"
_KEYS = ("vocab", "vectors", "scales", "weights")


class EmbeddingError(ValueError):
    """The static embedding artefact is missing, unreadable or inconsistent."""


class WordPiece:
    """BERT's uncased WordPiece tokenizer (basic split + greedy longest-match sub-words).

    Args:
        vocab: Tokens in id order (sub-word continuations start with ``##``).
        max_chars: Words longer than this map to ``[UNK]``, as in BERT.
    """

    def __init__(self, vocab: Sequence[str], *, max_chars: int = 100) -> None:
        self.ids = {tok: i for i, tok in enumerate(vocab)}
        self.unk = self.ids.get("[UNK]", -1)
        self.max_chars = max_chars
        self._word_cache: dict[str, tuple[int, ...]] = {}

    @staticmethod
    def basic_split(text: str) -> list[str]:
        """Lower-case, strip accents, split on whitespace and around punctuation."""
        text = unicodedata.normalize("NFD", text.lower())
        out: list[str] = []
        word: list[str] = []
        for ch in text:
            cat = unicodedata.category(ch)
            if cat == "Mn":
                continue
            if ch.isspace() or cat.startswith("C"):
                if word:
                    out.append("".join(word))
                    word = []
            elif cat.startswith("P") or (ch.isascii() and not ch.isalnum()):
                if word:
                    out.append("".join(word))
                    word = []
                out.append(ch)
            else:
                word.append(ch)
        if word:
            out.append("".join(word))
        return out

    def word_ids(self, word: str) -> tuple[int, ...]:
        """Token ids of one basic word (greedy longest match; ``[UNK]`` if it cannot split)."""
        hit = self._word_cache.get(word)
        if hit is not None:
            return hit
        ids: list[int] = []
        if len(word) > self.max_chars:
            ids = [self.unk]
        else:
            start = 0
            while start < len(word):
                end = len(word)
                found = -1
                while start < end:
                    piece = word[start:end] if start == 0 else "##" + word[start:end]
                    found = self.ids.get(piece, -1)
                    if found >= 0:
                        break
                    end -= 1
                if found < 0:
                    ids = [self.unk]
                    break
                ids.append(found)
                start = end
        out = tuple(i for i in ids if i >= 0)
        if len(self._word_cache) > 50_000:
            self._word_cache.clear()
        self._word_cache[word] = out
        return out

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text`` (no special tokens)."""
        return [i for w in self.basic_split(text) for i in self.word_ids(w)]


class StaticEmbedder:
    """Text embeddings as the weighted mean of distilled static token vectors.

    Args:
        vocab: Tokens in id order.
        vectors: (n_tokens, dim) int8 quantised vectors.
        scales: (n_tokens,) de-quantisation scale of each row.
        weights: (n_tokens,) token weights (0 for tokens to ignore).

    Raises:
        EmbeddingError: If the arrays disagree in shape or type.
    """

    def __init__(
        self,
        vocab: Sequence[str],
        vectors: np.ndarray,
        scales: np.ndarray,
        weights: np.ndarray,
    ) -> None:
        n = len(vocab)
        if vectors.ndim != 2 or vectors.shape[0] != n or scales.shape != (n,):
            raise EmbeddingError(
                f"inconsistent static embeddings: {n} tokens, vectors {vectors.shape}, "
                f"scales {scales.shape}"
            )
        if weights.shape != (n,):
            raise EmbeddingError(f"weights have shape {weights.shape}, expected ({n},)")
        table = vectors.astype(np.float32) * scales.astype(np.float32)[:, None]
        self.table = table * weights.astype(np.float32)[:, None]
        self.weights = weights.astype(np.float32)
        self.tokenizer = WordPiece(vocab)
        self.dim = int(vectors.shape[1])
        self._cache: dict[str, np.ndarray] = {}

    @classmethod
    def load(cls, path: Path | None = None) -> StaticEmbedder:
        """Read the artefact (default: the shipped one).

        Raises:
            EmbeddingError: If the file is missing, unreadable or lacks an array.
        """
        path = path or STATIC_PATH
        if not path.is_file():
            raise EmbeddingError(
                f"static embedding file {path} is missing; rebuild it with "
                "'python benchmarks/gate_distill.py' (needs the 'embeddings' extra)"
            )
        try:
            with path.open("rb") as fh, np.load(fh, allow_pickle=False) as data:
                missing = [k for k in _KEYS if k not in getattr(data, "files", ())]
                if missing:
                    raise EmbeddingError(f"{path} lacks the arrays {missing}")
                arrays = {k: data[k] for k in _KEYS}
        except EmbeddingError:
            raise
        except (OSError, ValueError, TypeError, zipfile.BadZipFile, EOFError) as exc:
            raise EmbeddingError(f"cannot read static embeddings {path}: {exc}") from exc
        vocab = bytes(arrays["vocab"].astype(np.uint8)).decode("utf-8").split("\n")
        return cls(vocab, arrays["vectors"], arrays["scales"], arrays["weights"])

    def embed(self, text: str) -> np.ndarray:
        """The L2-normalised embedding of ``text`` (zeros if no token is known)."""
        hit = self._cache.get(text)
        if hit is not None:
            return hit
        ids = self.tokenizer.encode(text)
        if ids:
            total = float(self.weights[ids].sum())
            vec = self.table[ids].sum(axis=0) / max(total, 1e-6)
            norm = float(np.linalg.norm(vec))
            vec = vec / norm if norm > 0 else vec
        else:
            vec = np.zeros(self.dim, dtype=np.float32)
        if len(self._cache) > 4096:
            self._cache.clear()
        self._cache[text] = vec
        return vec

    def cosine(self, a: str, b: str) -> float:
        """Cosine similarity of two texts' embeddings."""
        return float(self.embed(a) @ self.embed(b))


@lru_cache(maxsize=1)
def default_embedder() -> StaticEmbedder | None:
    """The shipped embedder, or None (logged) if its artefact cannot be used."""
    try:
        return StaticEmbedder.load()
    except EmbeddingError as exc:
        logger.warning("static embeddings unavailable, routing without them: %s", exc)
        return None


_NAME_STOP = frozenset(
    [
        "get",
        "calculate",
        "find",
        "compute",
        "the",
        "of",
        "a",
        "an",
        "and",
        "for",
        "to",
        "in",
        "on",
        "by",
        "is",
        "with",
        "info",
        "details",
        "data",
        "information",
        "given",
        "specific",
        "based",
        "function",
        "retrieve",
        "fetch",
    ]
)


class SemanticScorer:
    """Query/card similarities from static embeddings (the scorer's semantic features).

    Args:
        embedder: The static embedder.
    """

    def __init__(self, embedder: StaticEmbedder) -> None:
        self.embedder = embedder
        self._cards: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def _card(self, name: str, description: str) -> tuple[np.ndarray, np.ndarray]:
        key = f"{name}\x00{description}"
        hit = self._cards.get(key)
        if hit is None:
            words = WordPiece.basic_split(name.replace("_", " ").replace(".", " "))
            content = [w for w in words if w.isalpha() and w not in _NAME_STOP]
            vecs = [self.embedder.embed(w) for w in content]
            hit = (
                self.embedder.embed(f"{' '.join(words)}: {description}"),
                np.array(vecs) if vecs else np.zeros((0, self.embedder.dim), np.float32),
            )
            if len(self._cards) > 4096:
                self._cards.clear()
            self._cards[key] = hit
        return hit

    def similarities(self, text: str, cards: Sequence[tuple[str, str]]) -> np.ndarray:
        """(n_cards, 2): cosine of ``text`` with each card's name and description, and how
        well the query's words cover the card name's content words (mean best cosine)."""
        query = self.embedder.embed(text)
        words = [w for w in WordPiece.basic_split(text) if w.isalnum()]
        qw = np.array([self.embedder.embed(w) for w in words]) if words else None
        out = np.zeros((len(cards), 2))
        for i, (name, description) in enumerate(cards):
            vec, name_vecs = self._card(name, description)
            out[i, 0] = float(vec @ query)
            if len(name_vecs) == 0:
                out[i, 1] = 1.0
            elif qw is not None:
                out[i, 1] = float((name_vecs @ qw.T).max(axis=1).mean())
        return out


@lru_cache(maxsize=1)
def default_scorer() -> SemanticScorer | None:
    """The semantic scorer over the shipped embeddings, or None if they cannot be used."""
    embedder = default_embedder()
    return None if embedder is None else SemanticScorer(embedder)


def semantic_matrix(registry: AgentRegistry, text: str, candidates: Sequence[str]) -> np.ndarray:
    """The SEMANTIC_NAMES columns (zeros, logged once, if the static embeddings are missing)."""
    scorer = default_scorer()
    out = np.zeros((len(candidates), len(SEMANTIC_NAMES)))
    if scorer is None or not candidates:
        return out
    cards = [registry.get(n) for n in candidates]
    sims = scorer.similarities(text, [(c.name, c.description) for c in cards])
    cos = sims[:, 0]
    order = np.sort(cos)[::-1]
    second = order[1] if len(order) > 1 else 0.0
    out[:, 0] = cos
    out[:, 1] = cos - np.where(cos >= order[0], second, order[0])
    out[:, 2] = sims[:, 1]
    return out
