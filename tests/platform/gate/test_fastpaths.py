"""The router's latency fast paths give exactly what the plain computations give."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autonet.platform.gate.catalog import default_registry
from autonet.platform.gate.retrieval import CandidateRetriever, NgramFeaturizer, tokens
from autonet.platform.gate.safeguards import (
    _FIRST_THEN,
    _LEAD,
    _SEQ,
    _SPLIT,
    frozen_value,
    has_sequential_marker,
    split_sequence,
    validate_step,
)
from autonet.platform.gate.slots import extract_slots
from autonet.platform.gate.typos import correct_cues

TEXTS = [
    "show prb usage at S0012 for the last hour",
    "SHOW PRB USAGE AT S0012 FOR THE LAST HOUR, THEN OPEN A TICKET",
    "Forecast traffic at the Stadium next-hour; 20k fans expected on Mon-Fri",
    "reroute link L0042 and also check latency under 5 ms at 99.999% reliability",
    "Köln: 5 Mbps on monday",  # non-ASCII: every pattern is scanned
    "",
    "zzz qqq",  # no known n-gram
]


@pytest.mark.parametrize("text", TEXTS)
def test_vectorize_text_equals_vectorize_of_the_analysis(text: str) -> None:
    retriever = CandidateRetriever(default_registry())
    feat = retriever.featurizer
    fast, plain = feat.vectorize_text(text), feat.vectorize(feat.analyze(text))
    assert np.array_equal(fast[0], plain[0])
    assert np.array_equal(fast[1], plain[1])  # bit for bit: same entries, same order
    assert np.array_equal(retriever.scores_text(text), retriever.scores(feat.analyze(text)))


def test_vectorize_text_by_hand() -> None:
    # Two documents; "aa" occurs in both (idf 1), "bb" in one (idf 1 + ln(3/2)).
    feat = NgramFeaturizer(char_range=(9, 9)).fit(["aa bb", "aa"])
    index, values = feat.vectorize_text("aa aa bb")
    tf = {"w aa": 1 + math.log(2), "w bb": 1.0, "b aa bb": 1.0}  # "b aa aa": not in vocabulary
    idf = {"w aa": 1.0, "w bb": 1 + math.log(1.5), "b aa bb": 1 + math.log(1.5)}
    expected = {g: tf[g] * idf[g] for g in idf}
    norm = math.sqrt(sum(v * v for v in expected.values()))
    got = {
        g: v
        for g, j in feat.vocabulary_.items()
        for i, v in zip(index, values, strict=True)
        if i == j
    }
    assert got == pytest.approx({g: v / norm for g, v in expected.items()})
    # Reading order of first occurrence: unigrams, then bigrams.
    assert [feat.vocabulary_["w aa"], feat.vocabulary_["w bb"]] == list(index[:2])


def test_slot_prefilters_keep_every_match() -> None:
    # Upper case everywhere: the prefilters look at the lower-cased text.
    slots = extract_slots("20K FANS at the STADIUM on MON-FRI, 5 MB/s, TT 12, 3 percent loss")
    assert [(s.kind, s.value, s.hint) for s in slots] == [
        ("attendance", 20000, ""),
        ("place", "stadium", ""),
        ("days", ["mon", "tue", "wed", "thu", "fri"], ""),
        ("throughput_mbps", 40.0, ""),  # 5 MB/s = 40 Mbit/s
        ("ticket", "TT-00012", ""),
        ("percent", 3.0, "loss"),
    ]
    nonascii = [(s.kind, s.value) for s in extract_slots("Köln: 5 Mbps on monday")]
    assert nonascii == [("throughput_mbps", 5.0), ("days", ["mon"])]


@pytest.mark.parametrize(
    "text",
    [
        "check S0012",
        "Check S0012, THEN open a ticket",
        "step 1) check S0012 2) open a ticket",
        "first check S0012 then open a ticket",
        "check S0012 plus open a ticket",
        "check S0012; next, open a ticket",
        "check the köln site then open a ticket",
    ],
)
def test_sequence_prefilters_agree_with_the_full_scans(text: str) -> None:
    corrected = correct_cues(text)
    assert has_sequential_marker(text) == bool(
        _SEQ.search(corrected) or _FIRST_THEN.search(corrected)
    )
    parts = [_LEAD.sub(r"\g<pre>", p, count=1).strip(" ,;.") for p in _SPLIT.split(corrected)]
    assert split_sequence(text, force=True) == [p for p in parts if tokens(p)]


def test_frozen_value_is_exact() -> None:
    assert frozen_value(1) != frozen_value(1.0) != frozen_value(True)
    assert frozen_value({"a": 1, "b": 2}) != frozen_value({"b": 2, "a": 1})
    assert frozen_value({"w": {"start": "08:00"}}) == frozen_value({"w": {"start": "08:00"}})
    with pytest.raises(TypeError, match="set"):
        frozen_value({"x": {1, 2}})


def test_validate_step_memo_returns_fresh_lists() -> None:
    card = next(c for c in default_registry() if c.required)
    missing = f"{card.name}.(arguments): '{card.required[0]}' is a required property"
    errors = validate_step(card, {})
    assert missing in errors
    errors.append("caller's own note")
    assert validate_step(card, {}) == errors[:-1]  # the memo is not the caller's list
    # A value with no exact hashable form is validated without the memo, same answer.
    assert missing in validate_step(card, {"__unknown__": {1, 2}})


def test_control_characters_are_refused_exactly_as_specified() -> None:
    from autonet.platform.gate.safeguards import sanitize_query

    for code in range(0x80):
        ch = chr(code)
        refused = sanitize_query(f"check S0012{ch}now")[1] is not None
        assert refused == (code < 32 and ch not in "\t\n\r"), repr(ch)
