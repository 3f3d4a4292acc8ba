"""Dispatch of AgentGate decisions: CALL runs a capability, PLAN runs through the loop's graph."""

from __future__ import annotations

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from loop_helpers import UpfPlaybook, small_twin, upf_overloaded

from autonet.platform.dispatch import REQUEST_KINDS, DispatchError, dispatch, supported_agents
from autonet.platform.gate import PlanStep, RouteAction, RouteDecision
from autonet.platform.loop import ClosedLoop


class SlicePlaybook(UpfPlaybook):
    """The test playbook registered for slice requests (it relieves the UPF they name)."""

    kind = "slice"


def _decision(
    route: RouteAction, agent: str | None = None, plan=(), /, **arguments
) -> RouteDecision:  # type: ignore[no-untyped-def]
    return RouteDecision(
        action=route, agent=agent, arguments=arguments, plan=list(plan),
        confidence=0.9, stage1_confidence=0.9, rationale="test",
    )  # fmt: skip


@pytest.fixture
def loop() -> ClosedLoop:
    twin = small_twin()
    return ClosedLoop(twin, [UpfPlaybook(), SlicePlaybook()], checkpointer=InMemorySaver())


def test_kpi_reader_reads_the_twin(loop: ClosedLoop) -> None:
    twin = loop.twin
    out = dispatch(
        _decision(RouteAction.CALL_AGENT, "kpi_reader", target="S0003", kpi="RRU.PrbUsedDl",
                  period_min=30),
        loop=loop,
    )  # fmt: skip
    cells = ["S0003-C1", "S0003-C2", "S0003-C3"]
    cols = [twin.compiled.cell_index[c] for c in cells]
    values = twin.kpi_array("RRU.PrbUsedDl")[-2:, cols]  # 30 min = 2 steps of 15 min
    assert out.ok and out.result["steps"] == 2 and out.result["objects"] == 3
    assert out.result["mean"] == pytest.approx(float(values.mean()))
    assert set(out.result["last"]) == set(cells)


def test_alarm_reader_hides_the_ground_truth(loop: ClosedLoop) -> None:
    upf_overloaded(loop.twin)
    loop.twin.step()
    out = dispatch(_decision(RouteAction.CALL_AGENT, "alarm_reader"), loop=loop)
    assert out.result["count"] == len(loop.twin.active_alarms()) >= 1
    assert "UPF_OVERLOAD" in {a["alarm_type"] for a in out.result["alarms"]}
    assert all("fault_id" not in a and "root" not in a for a in out.result["alarms"])


def test_rca_locator_names_the_injected_fault(loop: ClosedLoop) -> None:
    twin = loop.twin
    link = twin.compiled.link_ids[0]
    twin.inject_fault("fibre_cut", link)
    twin.run(2)
    out = dispatch(_decision(RouteAction.CALL_AGENT, "rca_locator", target="L0001"), loop=loop)
    top = out.result["hypotheses"][0]
    assert (top["node"], top["fault_type"]) == (link, "fibre_cut")  # ground truth


def test_change_executor_and_rollback(loop: ClosedLoop) -> None:
    twin = loop.twin
    cell = "S0002-C1"
    before = float(twin.state.cell_tilt_deg[twin.compiled.cell_index[cell]])
    out = dispatch(
        _decision(RouteAction.CALL_AGENT, "change_executor", action="tilt", target=cell,
                  value=2.0),
        loop=loop,
    )  # fmt: skip
    assert out.result["change_id"] == "CHG-0001"
    assert float(twin.state.cell_tilt_deg[twin.compiled.cell_index[cell]]) == before + 2.0
    back = dispatch(
        _decision(RouteAction.CALL_AGENT, "change_rollback", change_id="CHG-0001"), loop=loop
    )
    assert back.result == {"undone": "A00001", "undo_id": "A00002"}
    assert float(twin.state.cell_tilt_deg[twin.compiled.cell_index[cell]]) == before


def test_a_change_capability_becomes_a_loop_request(loop: ClosedLoop) -> None:
    upf = loop.twin.compiled.upf_ids[0]
    out = dispatch(
        _decision(RouteAction.CALL_AGENT, "slice_provisioner", slice_type="URLLC", area="port",
                  latency_ms=5.0),
        loop=loop, text="URLLC slice for the port",
    )  # fmt: skip
    assert out.request["kind"] == "slice" and out.request["id"] == "INT-0001"
    assert out.result["run_ids"] == ["loop-00001"] and out.result["incidents"] == ["I00001"]
    del upf


def test_a_plan_runs_reads_then_one_request_through_the_graph(loop: ClosedLoop) -> None:
    plan = [
        PlanStep(agent="kpi_reader", arguments={"target": "S0001", "kpi": "RRU.PrbUsedDl"}),
        PlanStep(agent="slice_provisioner", arguments={"slice_type": "eMBB", "area": "port"}),
        PlanStep(agent="slice_modifier", arguments={"slice_id": "SL-001", "latency_ms": 10}),
    ]
    out = dispatch(_decision(RouteAction.MULTI_AGENT_PLAN, None, plan), loop=loop)
    assert [s["ok"] for s in out.steps] == [True, True, True]
    assert out.steps[0]["result"]["objects"] == 3
    assert [s["agent"] for s in out.request["arguments"]["plan"]] == [
        "kpi_reader", "slice_provisioner", "slice_modifier",
    ]  # fmt: skip
    (o,) = loop.outcomes()  # one request -> one incident -> one run
    assert o["incident"]["evidence"]["request"]["id"] == out.request["id"]
    assert out.steps[1]["result"]["run_ids"] == [o["run_id"]]
    verify = dispatch(
        _decision(RouteAction.CALL_AGENT, "intent_verifier", intent_id=out.request["id"]),
        loop=loop,
    )
    assert verify.result["status"] in ("waiting_verification", "escalated", "fulfilled")


def test_direct_answer_and_escalate_execute_nothing(loop: ClosedLoop) -> None:
    answer = _decision(RouteAction.DIRECT_ANSWER)
    answer.answer = "PRB utilisation is the share of resource blocks in use."
    assert dispatch(answer, loop=loop).message.startswith("PRB utilisation")
    esc = dispatch(_decision(RouteAction.ESCALATE), loop=loop)
    assert esc.result == {"escalated": True}
    assert loop.twin.actions == [] and loop.outcomes() == []


@pytest.mark.parametrize(
    ("decision", "message"),
    [
        (_decision(RouteAction.CALL_AGENT, "teleporter"), "unknown or unsupported agent"),
        (_decision(RouteAction.CALL_AGENT, "cell_locker", target="S0001", operation="lock"),
         "unsupported agent 'cell_locker'"),
        (_decision(RouteAction.CALL_AGENT, "kpi_reader"), "'target' is a required property"),
        (_decision(RouteAction.CALL_AGENT, "kpi_reader", target="S9999"), "unknown target"),
        (_decision(RouteAction.CALL_AGENT, "energy_planner", region="north"),
         "needs the 'energy' playbook"),
        (_decision(RouteAction.CALL_AGENT, "change_rollback", change_id="CHG-0042"),
         "unknown action id 'A00042'"),
        (_decision(RouteAction.MULTI_AGENT_PLAN), "needs at least one plan step"),
        (_decision(RouteAction.CALL_AGENT, "kpi_forecaster", target="S0001", kpi="UPF.Load"),
         "is a upf counter"),
    ],
)  # fmt: skip
def test_bad_decisions(loop: ClosedLoop, decision: RouteDecision, message: str) -> None:
    with pytest.raises(DispatchError, match=message):
        dispatch(decision, loop=loop)
    assert loop.twin.actions == [] and loop.outcomes() == []


def test_supported_agents_cover_the_request_kinds() -> None:
    assert set(REQUEST_KINDS) <= set(supported_agents())
    assert {"kpi_reader", "rca_locator", "change_rollback"} <= set(supported_agents())


def test_real_gate_route_then_dispatch(loop: ClosedLoop) -> None:
    from autonet.platform.gate import build_gate

    decision = build_gate().route("show PRB utilisation of S0003 over the last hour")
    out = dispatch(decision, loop=loop)
    assert out.action == "CALL_AGENT" and out.result["target"] == "S0003"
    assert out.result["steps"] == 2  # 60 min = 4 steps, but small_twin() recorded only 2 so far


def test_kpi_forecaster_is_seasonal_naive(loop: ClosedLoop) -> None:
    twin = loop.twin
    too_short = _decision(RouteAction.CALL_AGENT, "kpi_forecaster", target="S0001",
                          kpi="RRU.PrbUsedDl")  # fmt: skip
    with pytest.raises(DispatchError, match="two days of recorded history"):
        dispatch(too_short, loop=loop)
    twin.run(2 * 96)
    out = dispatch(too_short, loop=loop)
    cols = [twin.compiled.cell_index[f"S0001-C{k}"] for k in (1, 2, 3)]
    series = twin.kpi_array("RRU.PrbUsedDl")[:, cols].mean(axis=1)
    first = out.result["forecast"][0]
    # the next slot's median forecast is the same slot one day (96 steps) earlier
    assert first["p50"] == pytest.approx(float(series[len(series) - 96]), rel=1e-5)
    assert len(out.result["forecast"]) == 16  # default horizon 240 min = 16 steps
