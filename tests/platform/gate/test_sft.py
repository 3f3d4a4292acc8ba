"""The SFT export: prompt-completion pairs whose completion is the gold route."""

from __future__ import annotations

import json

import jsonschema

from autonet.platform.gate.dataset import load_split
from autonet.platform.gate.decision import ROUTE_OUTPUT_SCHEMA
from autonet.platform.gate.sft import export_sft


def test_export_writes_candidate_aware_pairs(tmp_path) -> None:
    records = load_split("val")[:20]
    path = tmp_path / "sft" / "train.jsonl"
    assert export_sft(records, path) == 20
    assert not path.with_suffix(".jsonl.part").exists()
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(lines) == 20
    for record, example in zip(records, lines, strict=True):
        system, user = example["prompt"]
        assert system["role"] == "system" and user["role"] == "user"
        for name in record["candidates"]:
            assert f'"name": "{name}"' in user["content"]
        assert user["content"].endswith(f"Request: {record['query']}")
        (answer,) = example["completion"]
        target = json.loads(answer["content"])
        jsonschema.validate(target, ROUTE_OUTPUT_SCHEMA)
        assert target["action"] == record["gold"]["action"]
        assert target["plan"] == record["gold"]["plan"]
