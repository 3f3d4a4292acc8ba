"""The change playbook's pure parts: target resolution, request -> twin actions, took-effect.

Hand values of ``small_twin()`` (12 sites, seed 3): S0001-C1 has a downtilt of 6.5 degrees and
20 W of TX power (its maximum); the only UPF is ``UPF-C``; the first link in id order (``L0001``)
is ``AGG001--AGG004``, which no backhaul path uses; S0001's path runs over L0009
``AGG005--AGG001`` (AGG001 also reaches AGG004, so there is a way around it); 24 links.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from autonet.agents.playbooks.change import plan_request, took_effect
from autonet.agents.targets import REGIONS, TargetError, resolve_target
from autonet.errors import BadInputError
from autonet.twin import Twin

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from upf_playbook import small_twin

CELL = "S0001-C1"


@pytest.fixture(scope="module")
def twin() -> Twin:
    return small_twin()


def _actions(twin: Twin, agent: str, args: dict[str, Any]) -> list[tuple[str, str, dict]]:
    plan = plan_request(twin, agent, args)
    assert plan["rejected"] == []
    return [(a["kind"], a["target"], a["params"]) for a in plan["actions"]]


def _rejected(twin: Twin, agent: str, args: Any) -> str:
    plan = plan_request(twin, agent, args)
    assert plan["actions"] == [] or plan["rejected"]
    (reason,) = plan["rejected"]
    return str(reason)


def test_regions_match_the_gate_vocabulary() -> None:
    from autonet.platform.gate import vocabulary

    assert REGIONS == vocabulary.REGIONS


def test_targets_resolve_like_the_gate_grounds_them(twin: Twin) -> None:
    topo = twin.compiled
    assert resolve_target(topo, CELL).ids == (CELL,)
    site = resolve_target(topo, "S0001")
    assert (site.level, site.scope, site.ids) == ("cell", "site", ("S0001-C1", "S0001-C2",
                                                                    "S0001-C3"))  # fmt: skip
    assert resolve_target(topo, "L0001").ids == ("AGG001--AGG004",)
    assert resolve_target(topo, "UPF-C").level == "upf"
    assert len(resolve_target(topo, "north").ids) == 9  # sites S0004, S0009, S0011


@pytest.mark.parametrize("bad", ["S9999", "L0025", "S0001-C9", "", 7])
def test_unknown_targets_name_what_is_accepted(twin: Twin, bad: Any) -> None:
    with pytest.raises(TargetError, match=r"expected a cell .* a link \(L0001\.\.L0024") as info:
        resolve_target(twin.compiled, bad)
    assert isinstance(info.value, BadInputError)


def test_absolute_tilt_becomes_the_delta_from_the_current_tilt(twin: Twin) -> None:
    args = {"action": "tilt", "target": CELL, "value": 4.0, "mode": "absolute"}
    assert _actions(twin, "change_executor", args) == [("tilt", CELL, {"delta_deg": -2.5})]


def test_relative_tilt_on_a_site_is_one_action_per_cell(twin: Twin) -> None:
    args = {"action": "tilt", "target": "S0001", "value": 1.0}  # no mode: relative
    assert _actions(twin, "change_executor", args) == [
        ("tilt", f"S0001-C{k}", {"delta_deg": 1.0}) for k in (1, 2, 3)
    ]


def test_tx_power_relative_in_db_and_absolute_in_watts(twin: Twin) -> None:
    rel = {"action": "tx_power", "target": CELL, "value": -3.0, "mode": "relative"}
    assert _actions(twin, "change_executor", rel) == [("tx_power", CELL, {"delta_db": -3.0})]
    absolute = {"action": "tx_power", "target": CELL, "value": 10.0, "mode": "absolute"}
    ((_, _, params),) = _actions(twin, "change_executor", absolute)
    assert params["delta_db"] == pytest.approx(-3.0103, abs=1e-4)  # 10 log10(10 W / 20 W)


def test_defaults_and_other_kinds(twin: Twin) -> None:
    ex = "change_executor"
    assert _actions(twin, ex, {"action": "offload", "target": CELL}) == [
        ("offload", CELL, {"share": 0.3})
    ]
    assert _actions(twin, ex, {"action": "offload", "target": CELL, "value": 40.0}) == [
        ("offload", CELL, {"share": 0.4})  # 40 read as a percentage
    ]
    assert _actions(twin, ex, {"action": "capacity_boost", "target": CELL}) == [
        ("capacity_boost", CELL, {"extra_prbs": 100})
    ]
    assert _actions(twin, ex, {"action": "upf_scale_out", "target": "S0001"}) == [
        ("upf_scale_out", "UPF-C", {"instances": 1})  # the UPF serving the site
    ]
    assert _actions(twin, ex, {"action": "reroute", "target": "L0009"}) == [
        ("reroute", "AGG005--AGG001", {})  # on S0001's backhaul path, with a way around it
    ]
    assert _actions(twin, "cell_locker", {"target": "S0001", "operation": "lock"}) == [
        ("sleep", f"S0001-C{k}", {}) for k in (1, 2, 3)
    ]


@pytest.mark.parametrize(
    ("agent", "args", "reason"),
    [
        ("change_executor", {"action": "tilt", "target": CELL},
         "tilt needs a value: 'by N degrees' (relative) or 'to N' (absolute)"),
        ("change_executor", {"action": "tilt", "target": CELL, "value": 6.5, "mode": "absolute"},
         "every cell already has tilt 6.5 degrees"),
        ("change_executor", {"action": "tilt", "target": CELL, "value": 1.0, "mode": "up"},
         "mode must be one of ['relative', 'absolute'], got 'up'"),
        ("change_executor", {"action": "tilt", "target": CELL, "value": True},
         "value must be a finite number, got True"),
        ("change_executor", {"action": "tx_power", "target": CELL, "value": 0.0,
                             "mode": "absolute"}, "TX power must be above 0 W, got 0 W"),
        ("change_executor", {"action": "capacity_boost", "target": CELL, "value": -100.0},
         "capacity_boost on cells adds a whole number >= 1 of PRBs, got -100"),
        ("change_executor", {"action": "restart", "target": CELL},
         "restart: S0001-C1 in service (KQI.Available 1 in the last step)"),
        ("cell_locker", {"target": CELL, "operation": "unlock"},
         "unlock S0001-C1: every cell of it is already on air (unlocked)"),
        ("change_rollback", {"change_id": "7"}, "change_id must look like CHG-0007, got '7'"),
        ("config_pusher", {"region": "mars", "parameter": "tilt", "value": 1.0},
         "region must be one of ['north', 'south', 'east', 'west', 'centre'], got 'mars'"),
        ("slice_provisioner", {}, "unknown change agent 'slice_provisioner'"),
        ("change_executor", {"action": "reroute", "target": "L0001"},
         "the network refuses it: reroute on 'AGG001--AGG004': no site backhaul path or slice "
         "path uses this link"),
        ("change_executor", ["tilt"], "arguments must be an object, got ['tilt']"),
    ],
)  # fmt: skip
def test_malformed_requests_are_rejected_with_the_reason(
    twin: Twin, agent: str, args: Any, reason: str
) -> None:
    assert reason in _rejected(twin, agent, args)


def test_took_effect_reads_the_state_back() -> None:
    twin = small_twin()
    first = twin.apply("tilt", CELL, delta_deg=-1.0)
    assert took_effect(twin, first.action_id) == (
        True, "tilt S0001-C1 in place: cell_tilt_deg 6.5 -> 5.5",
    )  # fmt: skip
    second = twin.apply("tilt", CELL, delta_deg=-1.0)  # a later change of the same setting
    assert took_effect(twin, first.action_id) == (  # still in place, changed further since
        True, "tilt S0001-C1 in place: cell_tilt_deg 6.5 -> 5.5 (since changed further by A00002)",
    )  # fmt: skip
    twin.undo(second.action_id)
    twin.undo(first.action_id)  # reverted: no longer in effect
    ok, why = took_effect(twin, first.action_id)
    assert not ok
    assert why == "tilt S0001-C1: undone by A00004: cell_tilt_deg[0] is 6.5, not the 5.5 it set"
    assert took_effect(twin, "A00099") == (False, "A00099: no such action on the network")


def test_rollback_plan_undoes_the_named_action() -> None:
    twin = small_twin()
    twin.apply("tilt", CELL, delta_deg=-1.0)
    plan = plan_request(twin, "change_rollback", {"change_id": "CHG-0001"})
    assert plan["rejected"] == []
    assert plan["actions"] == [{"kind": "undo", "target": "A00001", "params": {}}]
    assert plan["cells"] == [CELL] and CELL in plan["group"]
    twin.undo("A00001")
    assert "was already undone by 'A00002'" in _rejected(
        twin, "change_rollback", {"change_id": "CHG-0001"}
    )
