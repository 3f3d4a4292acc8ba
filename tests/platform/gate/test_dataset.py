"""The routing dataset: size, splits, reproducibility, gold validity and hard negatives."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from autonet.platform.gate.cards import validate_arguments
from autonet.platform.gate.catalog import benchmark_registry
from autonet.platform.gate.dataset import generate, load_split, write_dataset
from autonet.platform.gate.dataset.templates import CALL_TEMPLATES

ALL_SPLITS = ("train", "val", "test")


@pytest.fixture(scope="module")
def records() -> dict[str, list[dict]]:
    return {split: load_split(split) for split in ALL_SPLITS}


def test_split_sizes_are_the_papers(records: dict[str, list[dict]]) -> None:
    assert [len(records[s]) for s in ALL_SPLITS] == [2400, 400, 400]


def test_generation_is_reproducible() -> None:
    assert generate("val") == generate("val")


def test_unknown_split_is_rejected_with_the_choices() -> None:
    with pytest.raises(ValueError, match=r"unknown split 'dev'; expected one of \['train'"):
        generate("dev")


def test_every_split_has_all_four_actions(records: dict[str, list[dict]]) -> None:
    for split in ALL_SPLITS:
        actions = Counter(r["gold"]["action"] for r in records[split])
        assert set(actions) == {"CALL_AGENT", "MULTI_AGENT_PLAN", "DIRECT_ANSWER", "ESCALATE"}
        assert min(actions.values()) >= 0.1 * len(records[split])


def test_gold_grounding_is_schema_valid_allowed_and_among_candidates(records) -> None:
    registry = benchmark_registry()
    for split in ALL_SPLITS:
        for record in records[split]:
            gold = record["gold"]
            if gold["action"] == "CALL_AGENT":
                steps = [(gold["agent"], gold["arguments"])]
                assert gold["plan"] == []
            elif gold["action"] == "MULTI_AGENT_PLAN":
                steps = [(s["agent"], s["arguments"]) for s in gold["plan"]]
                assert gold["agent"] is None and len(steps) >= 2
            else:
                assert gold["agent"] is None and gold["arguments"] == {} and gold["plan"] == []
                continue
            for agent, args in steps:
                card = registry.get(agent)
                assert validate_arguments(card, args) == [], record["query"]
                assert agent in record["candidates"]
                assert record["role"] in card.roles


def test_hard_negatives_are_present(records: dict[str, list[dict]]) -> None:
    tags = Counter(t for r in records["train"] for t in r["tags"])
    for tag in (
        "typo",
        "deceptive_sequential",
        "knowledge",
        "sensitive",
        "role_violation",
        "no_suitable_agent",
        "out_of_scope",
        "carry_over",
        "multi_intent",
        "context",
    ):
        assert tags[tag] >= 10, tag


def test_role_violations_use_a_role_the_card_does_not_allow(records) -> None:
    registry = benchmark_registry()
    violations = [r for r in records["test"] if "role_violation" in r["tags"]]
    assert violations
    for record in violations:
        assert record["gold"]["action"] == "ESCALATE"
        assert any(record["role"] not in registry.get(c).roles for c in record["candidates"])


def test_no_suitable_agent_instances_lack_the_capable_agent(records) -> None:
    for record in (r for r in records["val"] if "no_suitable_agent" in r["tags"]):
        assert record["gold"]["action"] == "DIRECT_ANSWER"
        # the phrasing belongs to some agent's templates; that agent is not a candidate
        assert len(record["candidates"]) >= 2


def test_held_out_phrasings_appear_only_outside_train(records) -> None:
    # The last template of each agent is never used for train; "decommission {slice}" is
    # slice_releaser's last phrasing, "back out {change}" change_rollback's.
    assert CALL_TEMPLATES["slice_releaser"][-1][0] == "decommission {slice}"
    train = " ".join(r["query"].lower() for r in records["train"])
    held = " ".join(r["query"].lower() for r in records["val"] + records["test"])
    assert "decommission" not in train and "back out" not in train
    assert "decommission" in held or "back out" in held


def test_normalised_units_match_the_text_by_hand(records) -> None:
    # Throughput written in Gbps must be stored in Mbit/s: "0.2 Gbps" -> 200.
    checked = 0
    for record in records["train"]:
        match = re.search(r"(\d+(?:\.\d+)?) gbps", record["query"].lower())
        args = record["gold"]["arguments"]
        if match and "throughput_mbps" in args:
            assert args["throughput_mbps"] == pytest.approx(float(match.group(1)) * 1000)
            checked += 1
    assert checked > 0


def test_write_dataset_writes_three_jsonl_files(tmp_path) -> None:
    paths = write_dataset(tmp_path / "routing")
    assert sorted(paths) == sorted(ALL_SPLITS)
    assert len(paths["test"].read_text(encoding="utf-8").splitlines()) == 400
