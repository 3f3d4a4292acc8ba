"""Static embeddings: WordPiece, the numpy embedder, the artefact loader, the suitability model."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from autonet.platform.gate import embeddings
from autonet.platform.gate.cards import AgentCard, AgentRegistry, Risk
from autonet.platform.gate.decision import RouteAction
from autonet.platform.gate.embedded import EmbeddedBackend
from autonet.platform.gate.embeddings import (
    STATIC_PATH,
    EmbeddingError,
    StaticEmbedder,
    WordPiece,
    default_embedder,
    default_scorer,
)
from autonet.platform.gate.model import Suitability
from autonet.platform.gate.router import AgentGate
from autonet.platform.gate.suitability import fit_suitability

VOCAB = ["[PAD]", "[UNK]", "un", "##aff", "##able", "play", "##ing", ",", "cafe"]


def test_wordpiece_greedy_longest_match() -> None:
    wp = WordPiece(VOCAB)
    # unaffable -> un ##aff ##able; "," is split off; playing -> play ##ing; "!" unknown.
    assert wp.encode("Unaffable, playing!") == [2, 3, 4, 7, 5, 6, 1]
    assert wp.encode("Café") == [8]  # lower-cased, accent stripped
    assert wp.encode("   ") == []


def _tiny(tmp_path: Path, **override: np.ndarray) -> Path:
    arrays = {
        "vocab": np.frombuffer(b"[UNK]\na\nb", dtype=np.uint8),
        "vectors": np.array([[0, 0], [127, 0], [0, 127]], dtype=np.int8),
        "scales": np.array([1.0, 1 / 127, 1 / 127], dtype=np.float16),
        "weights": np.array([0.0, 1.0, 1.0], dtype=np.float16),
    }
    arrays.update(override)
    path = tmp_path / "tiny.npz"
    np.savez_compressed(path, **arrays)  # type: ignore[arg-type]
    return path


def test_embedder_weighted_mean_and_cosine(tmp_path: Path) -> None:
    emb = StaticEmbedder.load(_tiny(tmp_path))
    assert emb.embed("a") == pytest.approx([1.0, 0.0], abs=1e-3)
    assert emb.cosine("a", "a b") == pytest.approx(1 / np.sqrt(2), abs=1e-3)
    assert emb.cosine("a", "b") == pytest.approx(0.0, abs=1e-3)
    assert not emb.embed("zzz").any()  # only [UNK], weight 0: the zero vector


def test_missing_artefact_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EmbeddingError, match="missing"):
        StaticEmbedder.load(tmp_path / "absent.npz")


def test_corrupt_artefact_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(EmbeddingError, match="cannot read"):
        StaticEmbedder.load(bad)


def test_incomplete_or_inconsistent_artefact(tmp_path: Path) -> None:
    path = tmp_path / "partial.npz"
    np.savez_compressed(path, vectors=np.zeros((2, 2), dtype=np.int8))
    with pytest.raises(EmbeddingError, match="lacks"):
        StaticEmbedder.load(path)
    with pytest.raises(EmbeddingError, match="inconsistent"):
        StaticEmbedder.load(_tiny(tmp_path, scales=np.ones(2, dtype=np.float16)))


def test_default_embedder_falls_back_to_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(embeddings, "STATIC_PATH", tmp_path / "absent.npz")
    default_embedder.cache_clear()
    default_scorer.cache_clear()
    try:
        with caplog.at_level(logging.WARNING):
            assert default_embedder() is None
            assert default_scorer() is None
        assert "static embeddings unavailable" in caplog.text
    finally:
        default_embedder.cache_clear()
        default_scorer.cache_clear()


def test_shipped_artefact_is_small_and_meaningful() -> None:
    assert STATIC_PATH.stat().st_size < 2_000_000
    emb = default_embedder()
    assert emb is not None and emb.dim == 64
    query = "show me the downlink throughput of the cell"
    assert emb.cosine(query, "read KPI measurements of a cell") > emb.cosine(
        query, "weather forecast for a city"
    )


def test_suitability_is_a_logistic_model() -> None:
    model = Suitability(columns=(0, 2), coef=np.array([2.0, 1.0]), intercept=-1.0, threshold=0.5)
    # z = 2 * 0.5 + 1 * 0 - 1 = 0 -> 0.5; the middle column is ignored.
    assert model(np.array([0.5, 9.0, 0.0])) == pytest.approx(0.5)
    assert model(np.array([1.0, 0.0, 1.0])) == pytest.approx(1 / (1 + np.exp(-2.0)))


def test_fit_suitability_bad_input(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="simple_python"):
        fit_suitability(tmp_path)
    (tmp_path / "BFCL_v4_simple_python.json").write_text('{"id": 1}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=":1: not a BFCL question"):
        fit_suitability(tmp_path)


def _bmi_card() -> AgentCard:
    return AgentCard(
        name="determine_body_mass_index",
        description="Calculate body mass index given weight and height.",
        parameters={
            "type": "object",
            "properties": {"weight": {"type": "number"}, "height": {"type": "number"}},
            "required": ["weight", "height"],
        },
        domain="external",
        risk=Risk.READ,
        roles=frozenset({"operator"}),
        provider="test",
    )


def test_suitability_is_off_by_default() -> None:
    gate = AgentGate(AgentRegistry([_bmi_card()]), backend=EmbeddedBackend())
    decision = gate.route("Who composed the opera The Magic Flute?")
    assert "unfamiliar candidates" not in decision.rationale


def test_unfamiliar_registry_decides_whether_anything_fits() -> None:
    backend = EmbeddedBackend(unfamiliar_suitability=True)
    assert backend.model.suitability is not None
    gate = AgentGate(AgentRegistry([_bmi_card()]), backend=backend)
    fits = gate.route("What is the body mass index of someone weighing 70 kg, 1.75 m tall?")
    assert fits.action is RouteAction.CALL_AGENT
    assert fits.agent == "determine_body_mass_index"
    unrelated = gate.route("Who composed the opera The Magic Flute?")
    assert unrelated.action is RouteAction.DIRECT_ANSWER
    assert "unfamiliar candidates" in unrelated.rationale


def test_fit_suitability_on_real_calibration_slice(shared_data: Path) -> None:
    fitted = fit_suitability(shared_data / "routing" / "bfcl")
    # Both features are similarities: more similar must mean more likely to fit.
    assert fitted.coef.shape == (2,) and (fitted.coef > 0).all()
    assert 0.05 <= fitted.threshold <= 0.95
