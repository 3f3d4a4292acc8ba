"""Policies: guard verdicts on hand-made histories, O-RAN thresholds, default set, load errors."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from autonet.knowledge.rules import (
    ActionRecord,
    Event,
    PolicyError,
    PolicyMatcher,
    Situation,
    evaluate_guards,
    load_default_policies,
    load_policies,
    parse_policies,
)
from autonet.knowledge.rules.model import Blacklist, ChangeWindow, FrequencyLimiter, MinMax
from autonet.twin.events import Alarm

NOW = datetime(2026, 11, 18, 23, 0)  # a Wednesday, 23:00
PRB = "RRU.PrbUsedDl"


def verdict(guard, **kw):
    args = {"action": "sleep", "target": "S1-C1", "parameters": {}, "now": NOW, "history": ()}
    args.update(kw)
    (out,) = evaluate_guards([guard], **args)
    return out


def test_frequency_limiter_counts_actions_on_the_target_inside_the_window() -> None:
    guard = FrequencyLimiter(
        id="f", type="frequency_limiter", actions=["sleep", "wake"], limit=2, window="1h"
    )
    history = [
        ActionRecord(NOW - timedelta(minutes=50), "sleep", "S1-C1"),
        ActionRecord(NOW - timedelta(minutes=70), "wake", "S1-C1"),  # outside the hour
        ActionRecord(NOW - timedelta(minutes=10), "sleep", "S1-C2"),  # another cell
        ActionRecord(NOW - timedelta(minutes=5), "tilt", "S1-C1"),  # another action kind
    ]
    first = verdict(guard, history=history)
    assert first.allowed and first.reason.startswith("1 sleep/wake action(s) on S1-C1")
    history.append(ActionRecord(NOW - timedelta(minutes=20), "wake", "S1-C1"))
    second = verdict(guard, history=history)
    assert not second.allowed and "2 sleep/wake" in second.reason and "limit 2" in second.reason
    assert evaluate_guards([guard], action="tilt", target="S1-C1", parameters={}, now=NOW) == []


def test_blacklist_matches_ids_and_patterns() -> None:
    guard = Blacklist(id="b", type="blacklist", targets=["S9-C1", "core-*"])
    assert not verdict(guard, target="S9-C1").allowed
    denied = verdict(guard, target="core-upf-1")
    assert not denied.allowed and "'core-*'" in denied.reason
    assert verdict(guard, target="S9-C2").allowed


def test_min_max_bounds_are_inclusive_and_reject_non_numbers() -> None:
    guard = MinMax(id="m", type="min_max", actions=["tilt"], parameter="delta_deg", min=-6, max=6)
    assert verdict(guard, action="tilt", parameters={"delta_deg": 6}).allowed
    assert verdict(guard, action="tilt", parameters={"delta_deg": -6.0}).allowed
    out = verdict(guard, action="tilt", parameters={"delta_deg": 6.5})
    assert not out.allowed and out.reason == "delta_deg=6.5 outside [-6.0, 6.0]"
    assert not verdict(guard, action="tilt", parameters={"delta_deg": "up"}).allowed
    assert verdict(guard, action="tilt", parameters={}).allowed  # parameter not set


def test_change_window_wraps_midnight_and_checks_weekdays() -> None:
    guard = ChangeWindow(
        id="w", type="change_window", allowed=["22:00-06:00"], days=["mon", "tue", "wed"]
    )
    assert verdict(guard, now=NOW).allowed  # Wednesday 23:00
    assert verdict(guard, now=datetime(2026, 11, 17, 5, 59)).allowed  # Tuesday 05:59
    noon = verdict(guard, now=datetime(2026, 11, 18, 12, 0))
    assert not noon.allowed and "12:00 outside the change window 22:00-06:00" in noon.reason
    saturday = verdict(guard, now=datetime(2026, 11, 21, 23, 0))
    assert not saturday.allowed and "sat" in saturday.reason


def prb_history(values: dict[str, list[float]], step_s: int = 60) -> pd.DataFrame:
    rows = []
    for obj, series in values.items():
        for k, v in enumerate(series):
            rows.append(
                {
                    "time": NOW - timedelta(seconds=step_s * (len(series) - 1 - k)),
                    "object": obj,
                    PRB: v,
                }
            )
    return pd.DataFrame(rows)


def energy_matches(kpis: pd.DataFrame, states: dict[str, str], neighbours=None, history=()):
    matcher = PolicyMatcher(load_default_policies())
    situation = Situation(
        now=NOW, kpis=kpis, states=states, neighbours=neighbours or {}, history=history
    )
    return [m for m in matcher.match(situation) if m.scenario == "energy_saving"]


def test_oran_sleep_threshold_below_20_percent_held_for_120_seconds() -> None:
    kpis = prb_history(
        {
            "A": [19.0, 19.9, 15.0],  # below 20 at -120 s, -60 s and now -> sleeps
            "B": [19.0, 20.0, 15.0],  # 20 is not below 20
            "C": [25.0, 19.0, 15.0],  # below only for the last 60 s
        }
    )
    short = prb_history({"D": [5.0, 5.0]})  # only 60 s of history: the hold cannot be shown
    matches = energy_matches(pd.concat([kpis, short]), {o: "active" for o in "ABCD"})
    assert {m.trigger_object for m in matches} == {"A"}
    assert [m.operation.action for m in matches] == ["offload", "sleep", "rollback"]
    sleep = matches[1]
    assert sleep.allowed  # 23:00 is inside the night change window
    assert "RRU.PrbUsedDl < 20 for 0:02:00" in sleep.evidence[-1]


def test_oran_wake_threshold_40_max_or_30_mean_of_neighbours() -> None:
    neighbours = {"X": ["A", "B"], "Y": ["C", "D"], "Z": ["E", "F"]}
    kpis = prb_history(
        {
            "A": [41.0, 42.0, 45.0],
            "B": [5.0, 5.0, 5.0],  # max > 40, mean < 30 -> wake X
            "C": [35.0, 39.0, 39.0],
            "D": [26.0, 25.0, 24.0],  # max < 40, mean > 30 -> wake Y
            "E": [39.0, 39.0, 39.0],
            "F": [20.0, 20.0, 21.0],  # max 39, mean 29.5/30 -> stays
        }
    )
    matches = energy_matches(kpis, {"X": "asleep", "Y": "asleep", "Z": "asleep"}, neighbours)
    assert {m.trigger_object for m in matches} == {"X", "Y"}
    assert all(m.operation.action == "wake" for m in matches)
    # Two switches in the last hour: the frequency limiter now denies the wake.
    history = [ActionRecord(NOW - timedelta(minutes=m), "sleep", "X") for m in (10, 40)]
    (wake_x,) = [m for m in energy_matches(kpis, {"X": "asleep"}, neighbours, history)]
    assert not wake_x.allowed
    assert wake_x.denials == [
        "sleep-wake-frequency: 2 sleep/wake action(s) on X in the last 1:00:00, limit 2"
    ]


def test_default_fault_healing_capacity_and_slicing_policies() -> None:
    alarms = [
        Alarm("a1", "CELL_UNAVAILABLE", "S1-C1", "critical", NOW - timedelta(minutes=2)),
        Alarm("a2", "LINK_DOWN", "L7", "critical", NOW - timedelta(minutes=1)),
        Alarm(
            "a3",
            "LINK_DOWN",
            "L8",
            "critical",
            NOW - timedelta(hours=1),
            NOW - timedelta(minutes=5),
        ),
    ]
    forecasts = pd.DataFrame(
        {
            "time": [NOW + timedelta(hours=h) for h in (1, 2, 30)],
            "object": ["S2-C1", "S2-C2", "S2-C3"],
            "kpi": PRB,
            "p10": [60.0, 50.0, 70.0],
            "p50": [75.0, 70.0, 85.0],
            "p90": [85.0, 79.0, 95.0],
        }
    )
    events = [Event("slice_request", "S3-C1", {"sst": 1, "throughput_mbps": 50})]
    situation = Situation(
        now=NOW,
        alarms=alarms,
        forecasts=forecasts,
        events=events,
        neighbours={"S1-C1": ["S1-C2", "S1-C3"]},
    )
    matches = PolicyMatcher(load_default_policies()).match(situation)
    by_policy: dict[str, list] = {}
    for m in matches:
        by_policy.setdefault(m.policy_id, []).append(m)
    outage = by_policy["heal-cell-outage"]
    assert [(m.operation.action, m.target) for m in outage[:3]] == [
        ("offload", "S1-C1"),
        ("tilt", "S1-C2"),
        ("tilt", "S1-C3"),
    ]
    assert [m.target for m in by_policy["heal-fibre-cut"]] == ["L7"]  # L8 was cleared
    capacity = by_policy["event-capacity-forecast"]
    assert {m.trigger_object for m in capacity} == {"S2-C1"}  # p90 85 > 80 within 24 h
    assert capacity[0].operation.action == "capacity_boost"
    slicing = by_policy["slice-admission"]
    assert [m.operation.action for m in slicing] == ["feasibility_check", "slice_admit"]
    assert slicing[1].parameters == {"sst": 1, "throughput_mbps": 50}
    assert slicing[0].verdicts == ()  # guards apply to network actions only
    policy = load_default_policies().operational[0]
    assert policy.next_step("offload-to-neighbours", "success") == "uptilt-neighbours"
    assert policy.next_step("offload-to-neighbours", "failure") == "escalate"


OPS = "operational: "
BAD = [
    (
        OPS + "[{id: p1, trigger: {all: [{kpi: X, op: '=<', value: 1}]}, "
        "operations: [{id: o, action: sleep}]}]",
        r"operational policy 'p1': field trigger.all",
    ),
    (
        OPS + "[{id: p2, trigger: {all: [{alarm: L}]}, operations: [{id: o, action: explode}]}]",
        r"policy 'p2': field operations.0: action 'explode' is not one of actor 'twin'",
    ),
    (
        OPS + "[{id: p3, trigger: {all: [{alarm: A}]}, "
        "operations: [{id: o, action: wake, success: nx}]}]",
        r"policy 'p3': .*success: 'nx' is neither an operation id",
    ),
    (
        "operational: [{id: p4, trigger: {all: []}, operations: [{id: o, action: wake}]}]",
        r"policy 'p4': .*at least one condition",
    ),
    (
        OPS + "[{id: p5, trigger: {all: [{kpi: X, op: '<', value: 1, for: soon}]}, "
        "operations: [{id: o, action: wake}]}]",
        r"policy 'p5': .*expected a duration such as '120s'",
    ),
    (
        "guards: [{id: g1, type: min_max, parameter: p, min: 5, max: 1}]",
        r"guard policy 'g1': .*min 5.0 is above max 1.0",
    ),
    (
        "guards: [{id: g2, type: change_window, allowed: ['25:00-06:00']}]",
        r"guard policy 'g2': field change_window.allowed",
    ),
    ("guards: [{id: g3, type: quota}]", r"guard policy 'g3': .*type"),
    (
        "operational: [{trigger: {all: [{alarm: A}]}, operations: [{id: o, action: wake}]}]",
        r"operational policy #0: field id: Field required",
    ),
    (
        "operational: [{id: d, trigger: {all: [{alarm: A}]}, operations: [{id: o, action: wake}]},"
        " {id: d, trigger: {all: [{alarm: A}]}, operations: [{id: o, action: wake}]}]",
        r"operational policy id 'd' is used twice",
    ),
    ("operational: [{id: p6\n  trigger: x", r"not valid YAML at line 2"),
    ("policies: []", r"unknown top-level key 'policies'"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_bad_policy_files_name_file_policy_and_field(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(text)
    with pytest.raises(PolicyError, match=message) as info:
        load_policies(path)
    assert str(info.value).startswith(f"{path}: ")


def test_loading_merges_files_and_rejects_missing_ones(tmp_path: Path) -> None:
    one = tmp_path / "one.yaml"
    one.write_text("guards: [{id: g, type: blacklist, targets: [S1-C1]}]")
    merged = load_policies(one)
    assert [g.id for g in merged.guards] == ["g"]
    with pytest.raises(PolicyError, match="guard policy id 'g' is used twice"):
        load_policies(one, one)
    with pytest.raises(FileNotFoundError, match=r"absent\.yaml does not exist"):
        load_policies(tmp_path / "absent.yaml")
    with pytest.raises(PolicyError, match=r"<policies>: expected a mapping"):
        parse_policies(["not", "a", "mapping"])


def test_situation_rejects_malformed_inputs() -> None:
    with pytest.raises(ValueError, match=r"Situation\.kpis: missing column 'object'"):
        Situation(now=NOW, kpis=pd.DataFrame({"time": [NOW]}))
    with pytest.raises(TypeError, match=r"Situation.alarms\[0\]: expected an Alarm"):
        Situation(now=NOW, alarms=[{"alarm_type": "LINK_DOWN"}])  # type: ignore[list-item]
    with pytest.raises(TypeError, match=r"Situation\.now: expected a datetime"):
        Situation(now="now")  # type: ignore[arg-type]


def test_default_policy_parameters_are_accepted_by_the_twin_action_specs() -> None:
    from autonet.twin import ACTIONS

    for policy in load_default_policies().operational:
        for op in policy.operations:
            if op.actor != "twin" or op.action == "rollback":  # rollback = Twin.undo
                continue
            spec = ACTIONS[op.action]
            accepted = {name: p for params in spec.targets.values() for name, p in params.items()}
            for name, value in op.parameters.items():
                assert name in accepted, f"{policy.id}/{op.id}: {name} not in {sorted(accepted)}"
                param = accepted[name]
                assert param.lo is None or value >= param.lo, (policy.id, op.id, name)
                assert param.hi is None or value <= param.hi, (policy.id, op.id, name)
