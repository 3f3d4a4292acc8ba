"""EnergyPlaybook: hand-checkable sleep physics, the coverage bound, scoring, verification."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from autonet.agents.messages import FULFILLED, NOT_FULFILLED
from autonet.agents.playbook import LoopContext, Memory, Playbook
from autonet.agents.playbooks import make_playbook
from autonet.agents.playbooks._energy_kqi import throughput_drop
from autonet.agents.playbooks._energy_plan import PlanInputs, PlanSettings, awake_cover, make_plan
from autonet.agents.playbooks._energy_rule import ThresholdRule
from autonet.agents.playbooks.energy import EnergyPlaybook, EnergySettings
from autonet.knowledge.memory import AuditLog, CaseStore, init_db
from autonet.knowledge.rules import load_default_policies
from autonet.platform.checkpoint import open_checkpointer
from autonet.platform.loop import ClosedLoop
from autonet.twin import TopologyBuilder, Twin, build_topology, three_cell_topology
from autonet.twin.state import CompiledTopology

DAY = 96


def covered_and_isolated() -> nx.Graph:
    """S1-C1 and S2-C1 cover each other (overlap 0.95); S3-C1 has no neighbour at all.
    Regions: S1 west, S2 and S3 east."""
    b = TopologyBuilder()
    b.router("CR1", role="core", x_km=0.0, y_km=-10.0)
    b.dc("DC1", router="CR1", tier="central")
    b.nf("AMF1", "AMF", dc="DC1").nf("SMF1", "SMF", dc="DC1")
    b.nf("UPF1", "UPF", dc="DC1", capacity_mbps=20_000.0)
    b.router("AGG1", role="aggregation", x_km=0.0, y_km=-2.0)
    b.link("AGG1", "CR1", capacity_mbps=100_000.0)
    for i, x in enumerate((0.0, 0.3, 6.0), start=1):
        b.router(f"AR{i}", role="access", x_km=x, y_km=0.0)
        b.link(f"AR{i}", "AGG1", capacity_mbps=10_000.0)
        b.site(
            f"S{i}", x, 0.0, router=f"AR{i}", area="urban", region=("west", "east", "east")[i - 1]
        )
        b.cell(None, f"S{i}")
    b.neighbour("S1-C1", "S2-C1", overlap=0.95)
    return b.build()


def test_registry_gives_a_playbook() -> None:
    pb = make_playbook("energy")
    assert isinstance(pb, EnergyPlaybook)
    assert isinstance(pb, Playbook)
    assert pb.kind == "energy"


def test_sleeping_cell_draws_earth_sleep_power_and_its_users_move() -> None:
    # three-cell twin: S1-C1 ~ S2-C1 overlap 0.3, S1-C1 has no other neighbour
    twin = Twin(three_cell_topology(), seed=3)
    twin.run(8)
    ref = twin.clone()
    twin.apply("sleep", "S1-C1")
    res, base = twin.step(), ref.step()  # same step index -> same demand on both
    i1, i2 = twin.compiled.cell_index["S1-C1"], twin.compiled.cell_index["S2-C1"]
    assert res.cell["PEE.AvgPower"][i1] == pytest.approx(75.0)  # EARTH P_sleep
    assert res.cell["PEE.Energy"][i1] == pytest.approx(75.0 * 15 / 60)  # Wh in 15 min
    u1, u2 = float(base.cell["RRC.ConnMean"][i1]), float(base.cell["RRC.ConnMean"][i2])
    # 0.3 of S1's users move to S2, the other 0.7 are lost
    assert res.cell["RRC.ConnMean"][i2] == pytest.approx(u2 + 0.3 * u1, rel=1e-5)
    assert res.cell["KQI.LostUsers"][i1] == pytest.approx(0.7 * u1, rel=1e-5)
    assert res.cell["RRC.ConnMean"][i1] == 0.0


def test_awake_cover_by_hand() -> None:
    topo = Twin(three_cell_topology(), seed=1).compiled
    awake = np.ones(3, dtype=bool)
    assert awake_cover(topo, awake).tolist() == pytest.approx([0.3, 0.5, 0.2])
    awake[topo.cell_index["S2-C1"]] = False
    assert awake_cover(topo, awake).tolist() == pytest.approx([0.0, 0.5, 0.0])


def _inputs(n: int, **kw: object) -> PlanInputs:
    base = dict(
        users=np.full(n, 10.0), prb=np.full(n, 5.0), asleep=np.zeros(n, bool),
        serving=np.ones(n, bool), may_sleep=np.ones(n, bool), slack=1e9, steps=5,
    )  # fmt: skip
    base.update(kw)
    return PlanInputs(**base)  # type: ignore[arg-type]


def test_planner_never_sleeps_an_uncovered_cell() -> None:
    topo = Twin(covered_and_isolated(), seed=1).compiled
    plan = make_plan(topo, _inputs(3), PlanSettings())
    ids = [topo.cell_ids[i] for i in plan.sleep]
    assert "S3-C1" not in ids  # no neighbour: all its users would be lost
    assert len(ids) == 1 and ids[0] in ("S1-C1", "S2-C1")  # not both: they cover each other
    # 10 users x (1 - 0.95) uncovered = 0.5 per step
    assert plan.lost_per_step == pytest.approx(0.5)


def test_planner_respects_budget_load_and_wakes_on_demand() -> None:
    topo = Twin(covered_and_isolated(), seed=1).compiled
    # budget for 2 lost user-steps over 5 steps: 0.5 per step x 5 = 2.5 > 2 -> no sleep
    assert make_plan(topo, _inputs(3, slack=2.0), PlanSettings()).sleep == []
    # own load above the sleep threshold -> no sleep
    assert make_plan(topo, _inputs(3, prb=np.full(3, 25.0)), PlanSettings()).sleep == []
    # S1 asleep, S2 forecast at 70% PRB (> wake_prb 55%) -> wake S1
    asleep = np.array([True, False, False])
    prb = np.array([5.0, 70.0, 5.0])
    plan = make_plan(topo, _inputs(3, asleep=asleep, prb=prb), PlanSettings())
    assert plan.wake == [0] and "neighbours forecast" in plan.reasons[0]


def test_bad_settings_are_rejected() -> None:
    with pytest.raises(ValueError, match="sleep_prb"):
        PlanSettings(sleep_prb=120.0)
    with pytest.raises(ValueError, match="max_lost_share"):
        PlanSettings(max_lost_share=-0.1)
    with pytest.raises(ValueError, match="plan_every"):
        EnergySettings(plan_every=0)
    with pytest.raises(ValueError, match="kqi_bound_pct"):
        EnergySettings(kqi_bound_pct=0.0)
    with pytest.raises(ValueError, match="thp_weight"):
        EnergySettings(thp_weight=-1.0)


def test_no_incident_without_a_day_of_history() -> None:
    twin = Twin(covered_and_isolated(), seed=1)
    twin.run(DAY // 2)
    ctx = LoopContext(twin=twin, playbooks={"energy": EnergyPlaybook()})
    assert EnergyPlaybook().perceive(ctx, []) == []


def test_rule_thresholds_come_from_the_policies() -> None:
    rule = ThresholdRule.from_policies(load_default_policies())
    assert (rule.sleep_below, rule.wake_max_above, rule.wake_mean_above) == (20.0, 40.0, 30.0)
    assert rule.offload_share == 0.9


def test_loop_sleeps_the_covered_cell_never_the_isolated_one(tmp_path) -> None:
    twin = Twin(covered_and_isolated(), seed=5)
    twin.run(DAY + 1)  # Tuesday 00:15: night, inside the 22:00-06:00 change window
    loop = ClosedLoop(twin, [EnergyPlaybook()], checkpointer=open_checkpointer(":memory:"),
                      workdir=tmp_path, name="es")  # fmt: skip
    idx = twin.compiled.cell_index
    s1, s2, s3 = idx["S1-C1"], idx["S2-C1"], idx["S3-C1"]
    slept_steps = 0
    for _ in range(16):
        loop.tick()
        asleep = twin.state.cell_asleep
        assert not asleep[s3]
        assert not (asleep[s1] and asleep[s2])
        res = twin.step()
        for c in (s1, s2):
            if asleep[c]:
                slept_steps += 1
                assert res.cell["PEE.AvgPower"][c] == pytest.approx(75.0)
    loop.close()
    assert slept_steps > 0
    assert any(o["status"] == "fulfilled" for o in loop.outcomes())


def test_score_penalises_lost_users_and_verify_flags_degradation() -> None:
    twin = Twin(covered_and_isolated(), seed=5)
    twin.run(DAY + 1)
    pb = EnergyPlaybook(EnergySettings(kqi_bound_pct=0.001))
    ctx = LoopContext(twin=twin, playbooks={"energy": pb})
    assert pb.memo(ctx) is not None
    incident = {"id": "I1", "kind": "energy", "key": "energy@x", "opened_at": "",
                "objects": ["S3-C1"], "summary": "", "severity": "warning",
                "evidence": {"slack_user_steps": 0.0, "horizon_steps": 5, "users_asleep": 1.0,
                             "sleep": ["S3-C1"], "wake": []}, "producer": "test"}  # fmt: skip
    cand = {"id": "c1", "actions": [{"kind": "sleep", "target": "S3-C1", "params": {}}],
            "source": "test", "rationale": ""}  # fmt: skip
    after, base = twin.clone(), twin.clone()
    after.apply("sleep", "S3-C1")
    after.run(pb.whatif_steps)
    base.run(pb.whatif_steps)
    score, pred = pb.score(ctx, incident, {}, cand, after, base)  # type: ignore[arg-type]
    # every user of the isolated cell is lost; with no budget the penalty dwarfs the saving
    assert pred["lost_users_extra"] > 0
    assert pred["energy_saved_kwh"] > 0
    assert score < 0
    rec = twin.apply("sleep", "S3-C1")
    twin.run(pb.settle_steps)
    decision = {"incident_id": "I1", "attempt": 0, "candidates": [cand], "chosen": cand,
                "reason": "", "needs_approval": False, "producer": "test"}  # fmt: skip
    applied = {"key": "k", "action_id": rec.action_id, "kind": "sleep", "target": "S3-C1",
               "params": {}, "at": "", "reused": False}  # fmt: skip
    execution = {"incident_id": "I1", "attempt": 0, "failed": [], "producer": "test",
                 "applied": [applied]}  # fmt: skip
    verdict = pb.verify(ctx, incident, {}, decision, execution)  # type: ignore[arg-type]
    assert verdict["status"] == NOT_FULFILLED
    assert verdict["not_fulfilled_state"] == "DEGRADED"
    assert verdict["measured"]["lost_users"] > 0
    # the same sleep under a loose bound is fulfilled: energy saved (75 W < 130 W idle)
    loose = EnergyPlaybook(EnergySettings(kqi_bound_pct=100.0))
    ctx2 = LoopContext(twin=twin, playbooks={"energy": loose}, models=ctx.models)
    ok = loose.verify(ctx2, incident, {}, decision, execution)  # type: ignore[arg-type]
    assert ok["status"] == FULFILLED
    # (130 - 75) W x 2 steps x 15 min = 27.5 Wh
    assert ok["measured"]["energy_saved_kwh"] == pytest.approx(0.0275, rel=1e-4)


def _kinds(steps: list[dict]) -> list[tuple[str, str]]:
    return [(s["kind"], s["target"]) for s in steps if s["kind"] in ("sleep", "wake")]


def test_threshold_rule_as_written_and_with_active_neighbours() -> None:
    # three-cell chain S1 ~ S2 ~ S3 at 03:00 Monday: every cell below 20 % PRB
    twin = Twin(three_cell_topology(), seed=2)
    twin.run(12)
    assert (twin.kpi_array("RRU.PrbUsedDl")[-1] < 20.0).all()
    policies = load_default_policies()
    rule = ThresholdRule.from_policies(policies)
    # as the matcher reads it: every low-load cell sleeps (after an offload of 0.9)
    written = rule.steps(twin, policies)
    assert _kinds(written) == [("sleep", "S1-C1"), ("sleep", "S2-C1"), ("sleep", "S3-C1")]
    assert written[0] == {"kind": "offload", "target": "S1-C1", "params": {"share": 0.9}}
    # one by one, each keeping an awake neighbour: S1 (S2 awake), S2 (S3 awake); S3's only
    # neighbour S2 is asleep by then, so S3 stays on
    active = rule.steps(twin, policies, active_neighbours=True)
    assert _kinds(active) == [("sleep", "S1-C1"), ("sleep", "S2-C1")]
    for s in active:
        twin.apply(s["kind"], s["target"], **s["params"])
    twin.step()
    # S1's only neighbour (S2) is asleep: no awake neighbour -> S1 wakes (and its offload resets)
    again = rule.steps(twin, policies, active_neighbours=True)
    assert ("wake", "S1-C1") in _kinds(again)
    assert {"kind": "offload", "target": "S1-C1", "params": {"share": 0.0}} in again
    assert ("wake", "S2-C1") not in _kinds(again)  # S3 is awake and lightly loaded


def test_a_request_plans_off_the_hourly_cadence() -> None:
    twin = Twin(covered_and_isolated(), seed=5)
    twin.run(DAY + 1)
    pb = EnergyPlaybook()
    ctx = LoopContext(twin=twin, playbooks={"energy": pb})
    first = pb.perceive(ctx, [])  # the hourly plan (nothing applied here)
    assert first and first[0]["evidence"]["trigger"] == "plan"
    twin.step()
    assert pb.perceive(ctx, []) == []  # off cadence, nothing asleep: nothing to wake
    request = {"id": "R1", "kind": "energy", "agent": "energy_planner", "arguments": {},
               "submitted_at": twin.now.isoformat()}  # fmt: skip
    found = pb.perceive(ctx, [request])  # type: ignore[list-item]
    assert len(found) == 1
    ev = found[0]["evidence"]
    assert ev["trigger"] == "request" and ev["request_ids"] == ["R1"]
    assert len(ev["sleep"]) == 1 and ev["sleep"][0] in ("S1-C1", "S2-C1")
    assert pb.is_over(ctx, found[0]["key"]) is False
    twin.step()
    assert pb.is_over(ctx, found[0]["key"]) is True


def test_with_memory_energy_cases_are_stored_and_retrieved(tmp_path) -> None:
    engine = init_db(f"sqlite:///{tmp_path / 'mem.sqlite'}")
    memory = Memory(engine=engine, cases=CaseStore(engine), audit=AuditLog(engine))
    twin = Twin(covered_and_isolated(), seed=5)
    twin.run(DAY + 1)
    loop = ClosedLoop(twin, [EnergyPlaybook()], checkpointer=open_checkpointer(":memory:"),
                      memory=memory, workdir=tmp_path, name="em")  # fmt: skip
    for _ in range(30):  # 00:15 -> 07:45: a night plan (sleep) and a morning plan (wake)
        loop.tick()
        twin.step()
    loop.close()
    outcomes = loop.outcomes()
    verified = sum(1 for o in outcomes if o["status"] == "fulfilled")
    assert verified > 0 and memory.cases.count(verdict="verified") == verified
    first, later = outcomes[0], outcomes[-1]
    assert first["incident"]["evidence"]["sleep"] and later["incident"]["evidence"]["wake"]
    (case,) = later["analysis"]["similar_cases"]  # the stored night plan comes back
    assert case["actions"] == [
        {"kind": "sleep", "target": first["incident"]["evidence"]["sleep"][0], "params": {}}
    ]
    # re-sleeping an asleep cell is not a valid remedy now: no memory candidate is offered
    assert all(c["source"] != "memory" for c in later["decisions"][0]["candidates"])


def test_a_request_for_a_region_sleeps_only_cells_there() -> None:
    twin = Twin(covered_and_isolated(), seed=5)
    twin.run(DAY + 2)  # off the hourly cadence once the profile is fitted below
    pb = EnergyPlaybook()
    ctx = LoopContext(twin=twin, playbooks={"energy": pb})
    assert pb.memo(ctx) is not None
    twin.step()
    for region, expected in (("EAST", ["S2-C1"]), ("west", ["S1-C1"]), ("north", [])):
        request = {
            "id": f"R-{region}", "kind": "energy", "agent": "energy_planner",
            "arguments": {"region": region}, "submitted_at": twin.now.isoformat(),
        }  # fmt: skip
        found = pb.perceive(ctx, [request])  # type: ignore[list-item]
        assert [c for i in found for c in i["evidence"]["sleep"]] == expected
        ctx.book.open.clear()


# -- dual-layer twin: n78 capacity cells over n28 coverage cells ------------------------------


def _dual_site_inputs(
    harm: np.ndarray | None, slack: float = 1e9
) -> tuple[CompiledTopology, PlanInputs]:
    """One urban site: C1-C3 on n78 (8 users, 2 % PRB), C4-C6 on n28 under them (3, 3 %)."""
    topo = Twin(build_topology(n_sites=1, seed=3, area_mix=(1, 0, 0), layers="dual")).compiled
    n78 = np.array([b == "n78" for b in topo.cell_band])
    saving_w = np.where(n78, 300.0 - 40.0, 130.0 - 75.0)  # AAU deep sleep, EARTH sleep
    inputs = PlanInputs(
        users=np.where(n78, 8.0, 3.0), prb=np.where(n78, 2.0, 3.0),
        asleep=np.zeros(6, np.bool_), serving=np.ones(6, np.bool_),
        may_sleep=np.ones(6, np.bool_), slack=slack, steps=5, harm=harm,
        saving_kwh=saving_w * 0.25 / 1000.0, price_kwh=0.004,
    )  # fmt: skip
    return topo, inputs


def test_planner_sleeps_capacity_cells_over_their_coverage_partners() -> None:
    topo, inputs = _dual_site_inputs(harm=None)
    plan = make_plan(topo, inputs, PlanSettings())
    # each n78 cell is fully covered by its n28 partner (overlap 1.0) and saves 260 W against
    # the n28 cell's 55 W: the three n78 cells sleep; then each n28 cell is covered only 0.3
    # (its n78 partner asleep, 0.15 + 0.15 from its sister sectors) -> 70 % > 30 %: stays on
    assert [topo.cell_ids[i] for i in plan.sleep] == ["S0001-C1", "S0001-C2", "S0001-C3"]
    assert plan.lost_per_step == 0.0


def test_planner_counts_throughput_harm_against_the_budget() -> None:
    # 5 harmed user-steps per step per n78 sleep x 5 steps = 25 > a slack of 10: none sleeps
    harm = np.array([5.0, 5.0, 5.0, 0.0, 0.0, 0.0])
    topo, inputs = _dual_site_inputs(harm=harm, slack=10.0)
    plan = make_plan(topo, inputs, PlanSettings())
    assert not any(topo.cell_band[i] == "n78" for i in plan.sleep)
    assert plan.harm_per_step == 0.0


def test_throughput_drop_by_hand() -> None:
    topo, inputs = _dual_site_inputs(harm=None)
    awake = np.ones(6, np.bool_)
    drop = throughput_drop(topo, inputs.prb, awake)
    cap78, cap28 = float(topo.cell_capacity_dl_mbps[0]), float(topo.cell_capacity_dl_mbps[3])
    r78, r28 = cap78 * 0.98, cap28 * 0.97  # capacity x (1 - utilisation)
    # C1's users go 1.0 : 0.15 : 0.15 to C4, C2, C3
    expect = 1.0 - (1.0 * r28 + 0.3 * r78) / 1.3 / r78
    assert drop[0] == pytest.approx(expect, rel=1e-5)
    assert drop[3] == 0.0  # C4's users gain throughput on n78: no harm (never negative)
