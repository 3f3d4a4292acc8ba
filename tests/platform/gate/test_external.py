"""Adapters of the real external routing sets (BFCL, IBN, TeleQnA)."""

from __future__ import annotations

import json

import pytest

from autonet.platform.gate.cards import validate_arguments
from autonet.platform.gate.external import bfcl_card, load_ibn, sanitize_name

TRIANGLE = {
    "name": "triangle_properties.get",
    "description": "Retrieve the dimensions of a triangle if lengths of three sides are given.",
    "parameters": {
        "type": "dict",
        "properties": {
            "side1": {"type": "integer", "description": "first side"},
            "ratio": {"type": "float", "description": "a ratio"},
            "sides": {"type": "tuple", "items": {"type": "integer"}},
            "get_area": {"type": "boolean", "default": True, "optional": True},
        },
        "required": ["side1"],
    },
}


def test_sanitize_name_makes_card_names() -> None:
    assert sanitize_name("triangle_properties.get") == "triangle_properties_get"
    assert sanitize_name("EuclideanDistance.calculate") == "euclideandistance_calculate"
    assert sanitize_name("3d.volume") == "f_3d_volume"


def test_bfcl_function_becomes_a_valid_card() -> None:
    card = bfcl_card(TRIANGLE)
    assert card.name == "triangle_properties_get"
    props = card.parameters["properties"]
    assert props["side1"]["type"] == "integer"
    assert props["ratio"]["type"] == "number"
    assert props["sides"]["type"] == "array"
    assert validate_arguments(card, {"side1": 5, "ratio": 0.5}) == []
    assert validate_arguments(card, {"ratio": 0.5})  # side1 is required


def test_ibn_utterances_and_intents_match_the_file(shared_data) -> None:
    folder = shared_data / "routing" / "ibn"
    cards, records = load_ibn(folder)
    # Independent count: every "- " line of nlu.md is one utterance.
    lines = (folder / "nlu.md").read_text(encoding="utf-8").splitlines()
    assert len(records) == sum(1 for line in lines if line.startswith("- "))
    descriptor = json.loads((folder / "intent_descriptor.json").read_text(encoding="utf-8"))
    assert sorted(c.name for c in cards) == sorted(k for k in descriptor if "+" not in k)
    assert all("[" not in r["query"] for r in records)
    assert {r["intent"] for r in records} >= {"create_flow", "create_flow+apply_filter"}


def test_ibn_folder_without_examples_is_a_clear_error(tmp_path) -> None:
    (tmp_path / "intent_descriptor.json").write_text('{"a_b": {"description": "x"}}')
    (tmp_path / "nlu.md").write_text("nothing here\n")
    with pytest.raises(ValueError, match="no '## intent:' sections"):
        load_ibn(tmp_path)
