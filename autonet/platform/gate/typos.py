"""Typo-tolerant cue matching: map misspelt words to cue words within edit distance one."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

__all__ = ["CUE_WORDS", "TypoCorrector", "correct_cues"]

# Words whose misspelling would hide a safeguard cue (sensitive content, sequence markers).
CUE_WORDS: tuple[str, ...] = (
    "afterwards", "after", "finally", "first", "start", "followed", "subsequently", "then",
    "ignore", "disregard", "forget", "override", "bypass", "previous", "instructions", "prior",
    "rules", "approval", "authorisation", "authorization", "system", "pretend",
    "export", "dump", "download", "extract", "share", "send", "leak", "list", "names",
    "phone", "numbers", "subscriber", "subscribers", "customer", "customers", "users", "msisdns",
    "msisdn", "imsis", "location", "history", "personal", "records", "addresses",
    "disable", "deactivate", "switch", "turn", "encryption", "ciphering", "firewall",
    "security", "authentication", "integrity", "protection", "audit",
    "shutdown", "shut", "power", "every", "sites", "cells", "network", "region", "routers",
    "mass", "whole", "entire", "configuration", "wipe", "delete", "release",
    "password", "passwords", "credentials", "admin", "tokens",
    "offload", "reroute", "sleep", "capacity", "boost", "scale", "unlock", "handover", "margin",
)  # fmt: skip
_WORD = re.compile(r"[A-Za-z]+")


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class TypoCorrector:
    """Symmetric-delete (SymSpell-style) correction of words to a lexicon, distance <= 1.

    A word of at least ``min_len`` letters that is not itself in the lexicon becomes the lexicon
    word it is one insertion, deletion, substitution or adjacent transposition away from, when
    that word is unique.

    Args:
        lexicon: The words to correct towards.
        min_len: Shorter words are left alone (too many accidental neighbours).
    """

    def __init__(self, lexicon: Iterable[str], *, min_len: int = 5) -> None:
        self.lexicon = frozenset(w.lower() for w in lexicon)
        self.min_len = min_len
        index: dict[str, set[str]] = {}
        for word in self.lexicon:
            for key in _deletes(word) | {word}:
                index.setdefault(key, set()).add(word)
        self._index = index
        self._memo: dict[str, str] = {}

    def correct_word(self, word: str) -> str:
        """The lexicon word ``word`` is a typo of, or ``word`` itself."""
        hit = self._memo.get(word)
        if hit is not None:
            return hit
        fixed = self._correct(word)
        if len(self._memo) > 50_000:
            self._memo.clear()
        self._memo[word] = fixed
        return fixed

    def _correct(self, word: str) -> str:
        low = word.lower()
        if len(low) < self.min_len or low in self.lexicon:
            return word
        found: set[str] = set()
        for key in _deletes(low) | {low}:
            for hit in self._index.get(key, ()):
                if abs(len(hit) - len(low)) <= 1 and _distance_one(low, hit):
                    found.add(hit)
        return found.pop() if len(found) == 1 else word

    def correct(self, text: str) -> str:
        """``text`` with every misspelt cue word replaced by the cue word."""
        words = _WORD.findall(text)
        fix = self.correct_word
        if all(fix(w) == w for w in words):  # the usual case: nothing to replace
            return text
        return _WORD.sub(lambda m: fix(m.group(0)), text)


def _distance_one(a: str, b: str) -> bool:
    """Damerau-Levenshtein distance of exactly one (adjacent transposition counts as one)."""
    if a == b:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and (a[diff[1]] == b[diff[0]])
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


@lru_cache(maxsize=1)
def _default() -> TypoCorrector:
    return TypoCorrector(CUE_WORDS)


@lru_cache(maxsize=4096)
def correct_cues(text: str) -> str:
    """Correct misspelt safeguard cue words in ``text`` (other words are left alone)."""
    return _default().correct(text)
