"""Candidate retrieval over the registry: n-gram TF-IDF, ranking, restriction, refit."""

from __future__ import annotations

import numpy as np
import pytest

from autonet.platform.gate.catalog import benchmark_registry
from autonet.platform.gate.retrieval import CandidateRetriever, NgramFeaturizer, tokens


def test_tokens_split_names() -> None:
    assert tokens("kpiReader rca_locator math.triangle_area") == [
        "kpi", "reader", "rca", "locator", "math", "triangle", "area",
    ]  # fmt: skip


def test_featurizer_by_hand() -> None:
    f = NgramFeaturizer(char_range=(3, 3)).fit(["ab cd", "ab"])
    # "ab": word "w ab", char " ab", "ab "; the bigram "b ab cd" occurs in the first text only
    idx, val = f.transform_one("ab")
    assert pytest.approx(float(val @ val)) == 1.0
    names = {g for g, j in f.vocabulary_.items() if j in set(idx.tolist())}
    assert names == {"w ab", " ab", "ab "}
    assert np.allclose(val, val[0])  # equal tf and idf (both documents contain each)
    assert len(f.transform_one("zzz")[0]) == 0
    assert f.transform(["ab", "cd"]).shape == (2, len(f.vocabulary_))


@pytest.mark.parametrize(
    ("query", "best"),
    [
        ("weather forecast for the stadium", "weather"),
        ("roll back change CHG-0042", "change_rollback"),
        ("dispatch a field technician to S0012", "field_dispatch"),
        ("retrain the anomaly detector model", "model_retrainer"),
    ],
)
def test_retrieval_ranks_the_right_card_first(query: str, best: str) -> None:
    top = CandidateRetriever(benchmark_registry()).retrieve(query, k=3)
    assert top[0].name == best
    assert top[0].score >= top[1].score >= top[2].score


def test_restrict_and_k() -> None:
    retriever = CandidateRetriever(benchmark_registry())
    got = retriever.retrieve("open a ticket", k=5, restrict=["weather", "ticketing"])
    assert [c.name for c in got] == ["ticketing", "weather"]
    with pytest.raises(ValueError, match="positive"):
        retriever.retrieve("x", k=0)


def test_refit_on_registry_change() -> None:
    small = benchmark_registry().subset(["weather", "billing"])
    retriever = CandidateRetriever(small)
    assert retriever.version == small.version
    assert [c.name for c in retriever.retrieve("invoices of the port", k=2)] == [
        "billing",
        "weather",
    ]
