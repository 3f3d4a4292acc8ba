"""The embedded backend: deterministic training on a tiny hand-written set, artefact, loading."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from autonet.platform.gate import RouteAction
from autonet.platform.gate.catalog import benchmark_registry
from autonet.platform.gate.embedded import MODEL_PATH, EmbeddedBackend, load_model, save_model
from autonet.platform.gate.model import EmbeddedModel
from autonet.platform.gate.router import AgentGate
from autonet.platform.gate.training import expected_calibration_error, train_model

NAMES = ["weather", "ticketing", "rca_locator", "kpi_reader"]
_CALLS = {
    "weather": ["weather forecast for the {p}", "is a storm coming to the {p}", "wind at the {p}"],
    "ticketing": ["open a ticket for {s}", "raise a trouble ticket on {s}", "log an incident {s}"],
    "rca_locator": ["find the root cause at {s}", "why is {s} down", "diagnose the fault at {s}"],
    "kpi_reader": ["show prb usage for {s}", "get the dl throughput of {s}", "kpi stats of {s}"],
}
_DIRECT = ["what does prb stand for", "tell me a joke", "hello there", "what is a upf"]
_ESC = ["export all subscriber data", "disable the firewall now", "give me the root password"]


def _records(split: str, n_sites: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def add(query: str, gold: dict[str, Any], tags: list[str]) -> None:
        full = {"action": gold["action"], "agent": None, "arguments": {}, "plan": []} | gold
        out.append({"id": f"{split}-{len(out)}", "query": query, "role": "operator",
                    "context": {}, "candidates": NAMES, "gold": full, "tags": tags})  # fmt: skip

    for i in range(n_sites):
        site = f"S{i + 1:04d}"
        for agent, phrasings in _CALLS.items():
            for text in phrasings:
                query = text.format(p="stadium", s=site)
                add(query, {"action": "CALL_AGENT", "agent": agent}, ["call"])
        add(f"find the root cause at {site}, then open a ticket",
            {"action": "MULTI_AGENT_PLAN", "plan": [
                {"agent": "rca_locator", "arguments": {"target": site}},
                {"agent": "ticketing", "arguments": {"target": site}}]}, ["plan"])  # fmt: skip
    for text in _DIRECT:
        add(text, {"action": "DIRECT_ANSWER"}, ["direct", "out_of_scope"])
    for text in _ESC:
        add(text, {"action": "ESCALATE"}, ["escalate", "sensitive"])
    return out


@pytest.fixture(scope="module")
def tiny() -> EmbeddedModel:
    registry = benchmark_registry().subset(NAMES)
    return train_model(_records("train", 3), _records("val", 2), registry, suitability=False)


def test_training_is_deterministic(tiny: EmbeddedModel) -> None:
    again = train_model(
        _records("train", 3),
        _records("val", 2),
        benchmark_registry().subset(NAMES),
        suitability=False,
    )
    assert np.array_equal(tiny.action_coef, again.action_coef)
    assert np.array_equal(tiny.pair_coef, again.pair_coef)
    assert tiny.relevance_threshold == again.relevance_threshold
    assert tiny.suitability is None  # not requested
    assert {"ece_stage1_raw", "val_stage1_accuracy", "seconds"} <= set(tiny.report)


def test_tiny_model_routes_unseen_sites(tiny: EmbeddedModel) -> None:
    gate = AgentGate(benchmark_registry().subset(NAMES), backend=EmbeddedBackend(tiny))
    d = gate.route("find the root cause at S0099")
    assert (d.action, d.agent, d.arguments) == (RouteAction.CALL_AGENT, "rca_locator",
                                               {"target": "S0099"})  # fmt: skip


def test_save_and_load_round_trip(tmp_path: Path, tiny: EmbeddedModel) -> None:
    path = save_model(tiny, tmp_path / "m.joblib")
    loaded = load_model(path)
    assert np.array_equal(loaded.action_coef, tiny.action_coef)


def test_missing_or_corrupt_artefact_is_retrained(tmp_path: Path, tiny: EmbeddedModel) -> None:
    calls: list[int] = []

    def trainer() -> EmbeddedModel:
        calls.append(1)
        return tiny

    path = tmp_path / "missing.joblib"
    assert load_model(path, train=trainer) is tiny and path.is_file()
    path.write_bytes(b"not a joblib file")
    assert load_model(path, train=trainer) is tiny
    assert len(calls) == 2


def test_shipped_artefact_is_small_and_loads() -> None:
    assert MODEL_PATH.is_file(), "run: python -m autonet.platform.gate.embedded --train"
    assert MODEL_PATH.stat().st_size < 2 * 1024 * 1024
    model = load_model()
    assert len(model.agent_names) == len(benchmark_registry())


def test_expected_calibration_error_by_hand() -> None:
    conf = np.array([0.9, 0.9, 0.6, 0.6])
    correct = np.array([1.0, 0.0, 1.0, 1.0])
    # bin 0.9: |0.9 - 0.5| * 0.5 ; bin 0.6: |0.6 - 1.0| * 0.5  -> 0.2 + 0.2
    assert expected_calibration_error(conf, correct) == pytest.approx(0.4)
    assert expected_calibration_error(np.array([]), np.array([])) == 0.0
