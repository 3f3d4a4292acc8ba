"""The ``rules`` baseline: threshold policies applied to the alarmed object, chaining, guards."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest
import yaml

from autonet.knowledge.rules import Event, parse_policies
from autonet.platform.scenarios import ScenarioError
from autonet.platform.scenarios.rules import RuleController
from autonet.twin import Twin, TwinState, three_cell_topology

HEALING = ["heal-cell-outage", "heal-fibre-cut", "heal-upf-overload", "heal-interference"]


def _twin(start: datetime = datetime(2026, 1, 5)) -> Twin:
    return Twin(three_cell_topology(), seed=1, start=start)


def test_cell_outage_is_compensated_once_then_reverted_when_it_clears() -> None:
    twin = _twin()
    rules = RuleController(twin, policy_ids=HEALING)
    twin.step()
    assert rules.tick() == []  # nothing wrong yet
    twin.inject_fault("cell_outage", "S2-C1", duration_steps=3)
    twin.step()
    done = rules.tick()
    # offload the dead cell's users, then uptilt both its neighbours by 2 degrees
    assert [(a["kind"], a["target"], a["params"]) for a in done] == [
        ("offload", "S2-C1", {"share": 0.9}),
        ("tilt", "S1-C1", {"delta_deg": -2.0}),
        ("tilt", "S3-C1", {"delta_deg": -2.0}),
    ]
    assert twin.state.cell_offload[1] == pytest.approx(0.9)
    np.testing.assert_allclose(twin.state.cell_tilt_deg, [4.0, 6.0, 4.0])  # planned 6 - 2
    assert [r.policy_id for r in rules.history] == ["heal-cell-outage"] * 3
    (episode,) = rules.episodes
    assert episode.terminal == "final_success" and episode.trigger == "S2-C1"
    assert episode.steps == ["offload-to-neighbours", "uptilt-neighbours"]
    twin.step()
    assert rules.tick() == []  # the same onset is not handled twice
    twin.run(2)  # the field repair clears the fault after 3 steps
    undone = rules.tick()
    assert [(a["kind"], a["undoes"]) for a in undone] == [
        ("undo", done[2]["action_id"]),
        ("undo", done[1]["action_id"]),
        ("undo", done[0]["action_id"]),
    ]
    assert twin.state.equals(TwinState.initial(twin.compiled))  # nothing left in place
    assert episode.cleared_at == twin.now.isoformat() and len(episode.reverted) == 3
    assert episode.as_row()["reverted"] == 3 and episode.as_row()["outcome"] == "final_success"


def test_without_revert_the_compensation_stays() -> None:
    twin = _twin()
    rules = RuleController(twin, policy_ids=["heal-cell-outage"], revert_on_clear=False)
    twin.inject_fault("cell_outage", "S1-C1", duration_steps=1)
    twin.step()
    assert len(rules.tick()) == 2  # offload S1-C1, uptilt its only neighbour S2-C1
    twin.run(2)
    assert rules.tick() == []
    assert twin.state.cell_offload[0] == pytest.approx(0.9)
    assert rules.episodes[0].cleared_at is not None


def test_link_alarm_on_a_router_cannot_be_rerouted_without_root_cause_analysis() -> None:
    twin = _twin()
    rules = RuleController(twin, policy_ids=["heal-fibre-cut"])
    twin.inject_fault("fibre_cut", "AGG1--CR1")
    twin.step()
    assert rules.tick() == []
    # LINK_DOWN is raised on the link's end routers; reroute applies to links only
    assert {e.trigger: e.terminal for e in rules.episodes} == {
        "AGG1": "escalate",
        "CR1": "escalate",
    }
    assert all("reroute applies to a link" in e.errors[0] for e in rules.episodes)


_CUSTOM = """
version: 1
operational:
  - id: sleep-any
    trigger: {all: [{state: active}]}
    operations:
      - {id: offload, action: offload, parameters: {share: 0.5}, success: sleep}
      - {id: sleep, action: sleep, success: final_success, failure: undo-offload}
      - {id: undo-offload, action: rollback, success: final_failure, failure: escalate}
  - id: ask-first
    trigger: {all: [{state: asleep}]}
    operations:
      - {id: ask, actor: operator, action: approve, success: wake, failure: final_failure}
      - {id: wake, action: wake}
guards:
  - {id: night-only, type: change_window, actions: [sleep], allowed: ["22:00-06:00"]}
"""


def test_a_denied_step_rolls_back_the_step_before() -> None:
    twin = _twin(start=datetime(2026, 1, 5, 12, 0))  # noon: outside the sleep window
    rules = RuleController(
        twin, policy_ids=["sleep-any"], policies=parse_policies(yaml.safe_load(_CUSTOM))
    )
    twin.step()
    done = rules.tick()
    # each cell: offload 0.5 applied, sleep denied by the change window, offload undone
    assert [a["kind"] for a in done] == ["offload", "undo"] * 3
    assert not twin.state.cell_asleep.any() and not twin.state.cell_offload.any()
    assert {e.terminal for e in rules.episodes} == {"final_failure"}
    assert "night-only: 12:15 outside the change window 22:00-06:00" in rules.episodes[0].denials


def test_at_night_the_chain_succeeds_and_nobody_approves_for_the_rules() -> None:
    twin = _twin(start=datetime(2026, 1, 5, 1, 0))
    policies = parse_policies(yaml.safe_load(_CUSTOM))
    rules = RuleController(twin, policy_ids=["sleep-any", "ask-first"], policies=policies)
    twin.step()
    assert [a["kind"] for a in rules.tick()] == ["offload", "sleep"] * 3
    assert twin.state.cell_asleep.all()
    twin.step()
    assert rules.tick() == []  # the wake needs an approval and no human is in this baseline
    asked = [e for e in rules.episodes if e.policy_id == "ask-first"]
    assert len(asked) == 3 and {e.terminal for e in asked} == {"final_failure"}
    assert twin.state.cell_asleep.all()


def _slice(**over: object) -> dict[str, object]:
    base = {"slice_type": "eMBB", "guaranteed_dl_mbps": 10.0, "max_latency_ms": 50.0,
            "cells": ["S1-C1"], "request": "R1"}  # fmt: skip
    return {**base, **over}


def test_slice_requests_are_admitted_or_refused_with_the_reason() -> None:
    twin = _twin()
    rules = RuleController(twin, policy_ids=["slice-admission"])
    twin.step()
    rules.submit(Event("slice_request", "video", _slice()))
    rules.submit(Event("slice_request", "robots", _slice(slice_type="URLLC", max_latency_ms=2.0)))
    done = rules.tick()
    assert [(a["kind"], a["target"]) for a in done] == [("slice_admit", "video")]
    assert sorted(twin.state.slices) == ["video"]
    refused = next(e for e in rules.episodes if e.trigger == "robots")
    assert refused.terminal == "final_failure" and "edge UPF" in refused.errors[0]
    assert rules.pending_events == []  # both requests answered
    twin.step()
    assert rules.tick() == []


def test_the_rules_read_only_what_their_triggers_need() -> None:
    twin = _twin()
    hourly = parse_policies(yaml.safe_load("""
version: 1
operational:
  - id: busy-for-an-hour
    trigger: {all: [{kpi: RRU.PrbUsedDl, op: ">", value: 0, for: 1h}]}
    operations: [{id: a, action: offload, parameters: {share: 0.1}}]
"""))  # fmt: skip
    busy = RuleController(twin, policy_ids=["busy-for-an-hour"], policies=hourly)
    assert busy.kpi_steps == 5  # 1 h of 15-minute samples needs 4 + 1 of them
    twin.run(4)
    assert busy.tick() == []  # 4 samples do not show an hour yet
    twin.step()
    assert [a["target"] for a in busy.tick()] == ["S1-C1", "S2-C1", "S3-C1"]
    assert RuleController(twin, policy_ids=HEALING).kpi_steps == 4  # alarm-only: the default


def test_bad_controller_input() -> None:
    twin = _twin()
    with pytest.raises(
        ScenarioError,
        match=r"unknown policy id\(s\) \['heal-everything'\]; known: heal-cell-outage",
    ):
        RuleController(twin, policy_ids=["heal-everything"])
    with pytest.raises(ScenarioError, match="give at least one policy id"):
        RuleController(twin, policy_ids=[])
    rules = RuleController(twin, policy_ids="heal-cell-outage")
    assert list(rules.policies) == ["heal-cell-outage"]
    with pytest.raises(ScenarioError, match="submit expects a rules Event, got dict"):
        rules.submit({"kind": "slice_request"})  # type: ignore[arg-type]
