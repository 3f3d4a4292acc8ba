"""ChangePlaybook in the real closed loop: guards, what-if, approval, execution, verification.

The twin is ``small_twin()`` (12 sites, seed 3, two steps run: Monday 2026-01-05 00:30, inside
the energy change window 22:00-06:00 that also governs a lock, i.e. a sleep). Hand values from
its state: S0001-C1 has an electrical downtilt of 6.5 degrees and 20 W of TX power (its maximum);
region ``north`` holds sites S0004, S0009 and S0011, 9 cells. The twin has applied no action
yet, so the first action is A00001 = change CHG-0001.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest

from autonet.agents.messages import FULFILLED
from autonet.agents.playbook import Playbook
from autonet.agents.playbooks import make_playbook
from autonet.agents.playbooks.change import ChangePlaybook
from autonet.platform.loop import ClosedLoop
from autonet.twin import Twin

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from upf_playbook import small_twin

CELL = "S0001-C1"


def _tilt(twin: Twin, cell: str = CELL) -> float:
    return float(twin.state.cell_tilt_deg[twin.compiled.cell_index[cell]])


def _request(rid: str, agent: str, args: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"id": rid, "kind": "change", "agent": agent, "arguments": args,
            "submitted_at": "2026-01-05T00:30:00", "actor": "ana (engineer)", **extra}  # fmt: skip


def _uptilt(rid: str, by: float = 1.0) -> dict[str, Any]:
    args = {"action": "tilt", "target": CELL, "value": -by, "mode": "relative"}
    return _request(rid, "change_executor", args, text=f"uptilt {CELL} by {by:g}")


@pytest.fixture
def twin() -> Twin:
    return small_twin()


@pytest.fixture
def loop(twin: Twin, tmp_path: Path):  # type: ignore[no-untyped-def]
    lp = ClosedLoop(twin, [ChangePlaybook()], workdir=tmp_path, name="chg")
    yield lp
    lp.close()


def _reason(loop: ClosedLoop, rid: str) -> str:
    (out,) = [o for o in loop.outcomes() if o["incident"]["evidence"]["request"]["id"] == rid]
    return str(out["decisions"][-1]["reason"])


def _status(loop: ClosedLoop, rid: str) -> str:
    (out,) = [o for o in loop.outcomes() if o["incident"]["evidence"]["request"]["id"] == rid]
    return str(out["status"])


def test_registry_gives_the_change_playbook() -> None:
    pb = make_playbook("change")
    assert isinstance(pb, ChangePlaybook) and isinstance(pb, Playbook)
    assert pb.kind == "change"


@pytest.mark.parametrize(
    ("kw", "msg"),
    [
        ({"settle_steps": 0}, "settle_steps must be an integer >= 1"),
        ({"approval_users": -1}, "approval_users must be a number >= 0"),
        ({"max_drop_pct": float("nan")}, "max_drop_pct must be a number >= 0"),
    ],
)
def test_bad_settings_are_refused(kw: dict[str, Any], msg: str) -> None:
    with pytest.raises(ValueError, match=msg):
        ChangePlaybook(**kw)


def test_tilt_is_applied_with_its_key_and_verified(twin: Twin, loop: ClosedLoop) -> None:
    assert _tilt(twin) == 6.5
    loop.submit(_uptilt("R1", by=2.0))
    first = loop.tick()
    (applied,) = first.applied
    assert applied["key"] == "chg-00001/I00001/0/0"  # run / incident / attempt / index
    assert (applied["kind"], applied["target"], applied["params"]) == (
        "tilt", CELL, {"delta_deg": -2.0},
    )  # fmt: skip
    assert twin.action_by_key(applied["key"]).action_id == applied["action_id"] == "A00001"
    assert _tilt(twin) == 4.5  # 6.5 - 2 (an uptilt lowers the downtilt)
    twin.step()
    second = loop.tick()  # settle_steps = 1
    (verdict,) = second.verdicts
    assert verdict["status"] == FULFILLED
    assert verdict["measured"]["took_effect"] == 1.0
    assert "cell_tilt_deg 6.5 -> 4.5" in verdict["reasons"][0]
    assert _status(loop, "R1") == "fulfilled"


def test_fourth_tilt_within_the_hour_is_rejected_by_the_guard(twin: Twin, loop: ClosedLoop) -> None:
    for n in range(3):  # one request per 15-minute step: 00:30, 00:45, 01:00
        loop.submit(_uptilt(f"R{n}"))
        assert len(loop.tick().applied) == 1
        twin.step()
    assert _tilt(twin) == 3.5  # 6.5 - 1 - 1 - 1
    loop.submit(_uptilt("R3"))
    report = loop.tick()  # 01:15: three tilts since 00:30, all inside the last hour
    assert report.applied == [] and len(report.rejected) == 1
    assert _tilt(twin) == 3.5  # unchanged
    assert len(twin.actions) == 3
    assert _status(loop, "R3") == "rejected"
    assert (
        "radio-tuning-frequency: 3 tilt/tx_power action(s) on S0001-C1 in the last 1:00:00, "
        "limit 3" in _reason(loop, "R3")
    )


def test_four_tilts_submitted_together_count_each_other(twin: Twin, loop: ClosedLoop) -> None:
    for n in range(4):
        loop.submit(_uptilt(f"R{n}"))
    report = loop.tick()
    assert [a["params"] for a in report.applied] == [{"delta_deg": -1.0}] * 3
    assert _tilt(twin) == 3.5
    assert _status(loop, "R3") == "rejected"
    assert "counting 3 change(s) decided earlier at this step" in _reason(loop, "R3")


def test_lock_waits_for_approval_and_is_applied_after_it(twin: Twin, loop: ClosedLoop) -> None:
    i = twin.compiled.cell_index[CELL]
    loop.submit(_request("R1", "cell_locker", {"target": CELL, "operation": "lock"}))
    report = loop.tick()
    assert report.applied == [] and report.waiting_approval == ["chg-00001"]
    assert not twin.state.cell_asleep[i]
    (pending,) = loop.pending_approvals()
    assert "a lock takes 1 cell(s) off air" in pending["reasons"]["I00001"]
    assert pending["candidates"]["I00001"]["actions"] == [
        {"kind": "sleep", "target": CELL, "params": {}}
    ]
    loop.approve("chg-00001", True, by="ana")
    assert twin.state.cell_asleep[i]
    twin.step()
    (verdict,) = loop.tick().verdicts
    assert verdict["status"] == FULFILLED
    assert "cell_asleep False -> True" in verdict["reasons"][0]


def test_denied_config_push_changes_nothing(twin: Twin, loop: ClosedLoop) -> None:
    before = twin.state.cell_tilt_deg.copy()
    args = {"region": "north", "parameter": "tilt", "value": 7.0}
    loop.submit(_request("R1", "config_pusher", args))
    loop.tick()
    (pending,) = loop.pending_approvals()
    assert "a config push to 9 cell(s) always needs approval" in pending["reasons"]["I00001"]
    loop.approve(pending["run_id"], False, by="ana")
    twin.step()
    loop.tick()
    assert (twin.state.cell_tilt_deg == before).all()
    assert twin.actions == []
    assert _status(loop, "R1") == "escalated"


def test_approved_config_push_sets_every_cell_not_there_yet(twin: Twin, loop: ClosedLoop) -> None:
    # north's tilts: S0004-C1..C3 6.5, 6, 6; S0009 5, 6, 4.5; S0011 5, 5, 6 -> 4 cells at 6 already
    args = {"region": "north", "parameter": "tilt", "value": 6.0}
    loop.submit(_request("R1", "config_pusher", args))
    loop.tick()
    assert twin.actions == []  # waits for a human
    loop.approve("chg-00001", True, by="ana")
    changed = {r.target: r.params["delta_deg"] for r in twin.actions}
    assert changed == {"S0004-C1": -0.5, "S0009-C1": 1.0, "S0009-C3": 1.5, "S0011-C1": 1.0,
                       "S0011-C2": 1.0}  # fmt: skip
    north = [f"S{s:04d}-C{c}" for s in (4, 9, 11) for c in (1, 2, 3)]
    assert [_tilt(twin, c) for c in north] == [6.0] * 9


def test_rollback_of_a_named_change_restores_the_value(twin: Twin, loop: ClosedLoop) -> None:
    loop.submit(_uptilt("R1", by=2.0))
    loop.tick()
    twin.step()
    loop.tick()
    assert _tilt(twin) == 4.5
    loop.submit(_request("R2", "change_rollback", {"change_id": "CHG-0001"}))
    (undo,) = loop.tick().applied
    assert (undo["kind"], undo["target"]) == ("undo", "A00001")
    assert _tilt(twin) == 6.5
    twin.step()
    (verdict,) = loop.tick().verdicts
    assert verdict["status"] == FULFILLED
    assert "cell_tilt_deg 4.5 -> 6.5" in verdict["reasons"][0]


@pytest.mark.parametrize(
    ("agent", "args", "reason"),
    [
        ("change_executor", {"action": "tilt", "target": "S9999-C1", "value": 1.0},
         "request: unknown target 'S9999-C1': expected a cell"),
        ("change_executor", {"action": "explode", "target": CELL},
         "request: unknown action kind 'explode': expected one of ['offload', 'tilt'"),
        ("change_executor", {"action": "tilt", "target": CELL, "value": 20.0, "mode": "absolute"},
         "request: tilt 20 degrees is outside the antenna's range [0, 15] degrees"),
        ("change_executor", {"action": "tilt", "target": CELL, "value": 8.0},
         "tilt-bounds: delta_deg=8.0 outside [-6.0, 6.0]"),
        ("change_executor", {"action": "tx_power", "target": CELL, "value": 3.0},
         "TX power 20 W +3 dB = 39.905 W is outside [1, 20] W (the cell's maximum)"),
        ("change_executor", {"action": "reroute", "target": CELL},
         "request: reroute takes a link target; 'S0001-C1' is a cell"),
        ("change_rollback", {"change_id": "CHG-0042"},
         "request: no change CHG-0042 (action A00042) on this network"),
        ("config_pusher", {"region": "north", "parameter": "handover_margin", "value": 2.0},
         "parameter 'handover_margin' cannot be pushed"),
    ],
)  # fmt: skip
def test_bad_requests_are_rejected_naming_the_problem(
    twin: Twin, loop: ClosedLoop, agent: str, args: dict[str, Any], reason: str
) -> None:
    before = twin.state.cell_tilt_deg.copy()
    loop.submit(_request("R1", agent, args))
    report = loop.tick()
    assert report.applied == [] and report.rejected == ["I00001"]
    assert reason in _reason(loop, "R1")
    assert twin.actions == [] and (twin.state.cell_tilt_deg == before).all()


def test_restart_clears_a_software_outage_and_escalates_a_hardware_one(
    twin: Twin, loop: ClosedLoop
) -> None:
    # with seed 3 the first outage injected is a hardware fault, the second a software one
    twin.inject_fault("cell_outage", "S0002-C1")
    twin.inject_fault("cell_outage", "S0003-C1")
    twin.step()  # both observed out of service (KQI.Available 0)
    for rid, cell in (("R1", "S0002-C1"), ("R2", "S0003-C1")):
        loop.submit(_request(rid, "change_executor", {"action": "restart", "target": cell}))
    loop.tick()
    twin.step()
    verdicts = {v["incident_id"]: v for v in loop.tick().verdicts}
    assert verdicts["I00002"]["status"] == FULFILLED
    assert verdicts["I00002"]["reasons"] == ["S0003-C1 back in service"]
    assert "hardware fault): field repair needed" in verdicts["I00001"]["reasons"][0]
    assert (_status(loop, "R1"), _status(loop, "R2")) == ("escalated", "fulfilled")


def test_change_reverted_before_verification_is_not_fulfilled(twin: Twin, loop: ClosedLoop) -> None:
    loop.submit(_uptilt("R1", by=2.0))
    (applied,) = loop.tick().applied
    twin.undo(applied["action_id"])  # someone reverts it outside the loop
    twin.step()
    (verdict,) = loop.tick().verdicts
    assert verdict["status"] == "NOT_FULFILLED"
    assert verdict["not_fulfilled_state"] == "DEGRADED"
    assert verdict["reasons"][0] == (
        "tilt S0001-C1: undone by A00002: cell_tilt_deg[0] is 6.5, not the 4.5 it set"
    )
    assert _tilt(twin) == 6.5
    # the same change is not retried: the loop hands the request to a human
    assert _status(loop, "R1") == "escalated"


@pytest.mark.parametrize(
    ("playbook", "args", "why"),
    [
        (ChangePlaybook(approval_users=10), {"action": "tilt", "target": CELL, "value": 1.0},
         r"touches \d+ users > 10"),
        (ChangePlaybook(), {"action": "sleep", "target": CELL},
         r"sleeping 1 cell\(s\) serving \d+ users"),
    ],
)  # fmt: skip
def test_high_impact_changes_ask_a_human(
    twin: Twin, tmp_path: Path, playbook: ChangePlaybook, args: dict[str, Any], why: str
) -> None:
    loop = ClosedLoop(twin, [playbook], workdir=tmp_path, name="hi")
    try:
        loop.submit(_request("R1", "change_executor", args))
        assert loop.tick().applied == []
        (pending,) = loop.pending_approvals()
        assert re.search(why, pending["reasons"]["I00001"])
        assert twin.actions == []
    finally:
        loop.close()
