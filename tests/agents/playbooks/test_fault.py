"""FaultPlaybook on real twins and the real closed loop; expectations from the injected faults."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from autonet.agents._whatif import score_candidates
from autonet.agents.messages import Decision, Execution
from autonet.agents.playbook import LoopContext, Memory
from autonet.agents.playbooks import make_playbook
from autonet.agents.playbooks.fault import FaultPlaybook
from autonet.knowledge.memory import AuditLog, CaseStore, init_db
from autonet.platform.checkpoint import open_checkpointer
from autonet.platform.loop import ClosedLoop
from autonet.twin import ActionError, Twin, build_topology
from autonet.twin.faults import outage_cause


@pytest.fixture(scope="module")
def base() -> Twin:
    twin = Twin(build_topology(n_sites=20, seed=7), seed=7)
    twin.run(40)  # 10:00, daytime load
    return twin


def _loop(twin: Twin, tmp_path: Path, **kw: object) -> ClosedLoop:
    return ClosedLoop(
        twin, [FaultPlaybook()], checkpointer=open_checkpointer(":memory:"), workdir=tmp_path, **kw
    )


def _run(twin: Twin, loop: ClosedLoop, steps: int) -> None:
    for _ in range(steps):
        twin.step()
        loop.tick()


def _reroutable_link(twin: Twin) -> str:
    """A link with sites behind it and a detour (found by trying the twin, not the playbook)."""
    topo = twin.compiled
    for link in topo.link_ids:
        i = topo.link_index[link]
        if not topo.sites_using_link(i).size:
            continue
        try:
            twin.clone().apply("reroute", link)
        except ActionError:
            continue
        return link
    raise AssertionError("no reroutable link in the test topology")


def test_registry_builds_the_fault_playbook() -> None:
    pb = make_playbook("fault")
    assert isinstance(pb, FaultPlaybook)
    assert (pb.kind, pb.settle_steps, pb.whatif_steps) == ("fault", 1, 2)


def test_fibre_cut_is_localised_and_rerouted(base: Twin, tmp_path: Path) -> None:
    twin = base.clone()
    link = _reroutable_link(twin)
    record = twin.inject_fault("fibre_cut", link)
    cells = [twin.compiled.cell_index[n] for n in record.affected if n in twin.compiled.cell_index]
    loop = _loop(twin, tmp_path)
    twin.step()
    assert twin.kpi_array("KQI.Available")[-1, cells].max() == 0  # the sites lost service
    report = loop.tick()
    assert len(report.opened) == 1
    (outcome,) = loop.outcomes()
    assert outcome["analysis"]["hypotheses"][0]["node"] == record.root_node
    assert outcome["analysis"]["hypotheses"][0]["fault_type"] == "fibre_cut"
    chosen = outcome["decisions"][-1]["chosen"]
    assert [(a["kind"], a["target"]) for a in chosen["actions"]] == [("reroute", link)]
    _run(twin, loop, 1)
    assert twin.kpi_array("KQI.Available")[-1, cells].min() == 1  # back in service
    (outcome,) = loop.outcomes()
    assert outcome["status"] == "fulfilled" and not outcome["human"]
    assert outcome["verdicts"][-1]["status"] == "FULFILLED"
    _run(twin, loop, 2)  # same alarms still active: the situation is not reopened
    assert len(loop.outcomes()) == 1


def test_misconfiguration_restores_the_planned_tilt(base: Twin, tmp_path: Path) -> None:
    twin = base.clone()
    cell = "S0003-C2"
    c = twin.compiled.cell_index[cell]
    planned = float(twin.compiled.cell_tilt_deg[c])
    twin.inject_fault("misconfiguration", cell, tilt_deg=15.0)
    loop = _loop(twin, tmp_path)
    _run(twin, loop, 2)
    (outcome,) = loop.outcomes()
    assert outcome["analysis"]["hypotheses"][0]["node"] == cell
    assert float(twin.state.cell_tilt_deg[c]) == pytest.approx(planned)
    assert outcome["status"] == "fulfilled"
    assert twin.kpi_array("KQI.LostUsers")[-1, c] == 0  # coverage back


def _outage(twin: Twin, cause: str) -> tuple[str, str]:
    for cell in twin.compiled.cell_ids:
        rec = twin.inject_fault("cell_outage", cell)
        if outage_cause(twin, rec.fault_id) == cause:
            return rec.fault_id, cell
        twin.clear_fault(rec.fault_id)
    raise AssertionError(f"no {cause} outage")


def test_software_outage_is_restarted(base: Twin, tmp_path: Path) -> None:
    twin = base.clone()
    fid, cell = _outage(twin, "software")
    loop = _loop(twin, tmp_path)
    _run(twin, loop, 2)
    (outcome,) = loop.outcomes()
    assert [a["kind"] for a in outcome["decisions"][-1]["chosen"]["actions"]] == ["restart"]
    assert twin.kpi_array("KQI.Available")[-1, twin.compiled.cell_index[cell]] == 1
    assert next(f for f in twin.faults if f.fault_id == fid).end is not None
    assert outcome["status"] == "fulfilled"


def test_hardware_outage_goes_to_field_repair_without_a_human(base: Twin, tmp_path: Path) -> None:
    twin = base.clone()
    _fid, cell = _outage(twin, "hardware")
    loop = _loop(twin, tmp_path)
    _run(twin, loop, 3)
    (outcome,) = loop.outcomes()
    first, last = outcome["decisions"][0], outcome["decisions"][-1]
    restart = [{"kind": "restart", "target": cell, "params": {}}]
    # the what-if cannot know the outage is hardware: it hypothesises software, so the restart
    # looks best; only trying it on the network tells
    assert first["chosen"]["actions"] == restart and first["chosen"]["score"] > 0
    (failed,) = outcome["executions"][0]["failed"]
    assert "hardware" in failed["error"]
    assert outcome["verdicts"][0]["status"] == "NOT_FULFILLED"
    tried = next(c for c in last["candidates"] if c["actions"] == restart)
    assert any(d.startswith("retry:") for d in tried["denials"])
    assert last["chosen"]["id"] == "field-repair"
    assert outcome["status"] == "fulfilled" and not outcome["human"]
    assert "field repair" in outcome["verdicts"][-1]["reasons"][0]
    assert twin.kpi_array("KQI.Available")[-1, twin.compiled.cell_index[cell]] == 0


def test_upf_overload_is_scaled_out(base: Twin, tmp_path: Path) -> None:
    twin = base.clone()
    upf = twin.compiled.upf_ids[0]
    planned = int(twin.state.upf_instances[0])
    twin.inject_fault("upf_overload", upf, load_share=1.1)
    loop = _loop(twin, tmp_path)
    twin.step()
    blocked_before = float(twin.kpi_array("KQI.BlockedUsers")[-1].sum())
    loop.tick()
    _run(twin, loop, 1)
    assert blocked_before > 100  # 110 % background load: users blocked
    assert int(twin.state.upf_instances[0]) > planned
    assert float(twin.kpi_array("KQI.BlockedUsers")[-1].sum()) < 0.05 * blocked_before
    assert loop.outcomes()[0]["status"] == "fulfilled"


def test_power_failure_warning_and_outage_are_two_situations(base: Twin) -> None:
    twin = base.clone()
    pb = FaultPlaybook()
    ctx = LoopContext(twin=twin, playbooks={"fault": pb})
    twin.inject_fault("site_power_failure", "S0003", battery_minutes=30.0)
    twin.step()
    first = pb.perceive(ctx, [])
    assert [i["key"] for i in first] == ["fault:S0003"]
    ctx.book.open[first[0]["key"]] = first[0]["id"]
    assert pb.perceive(ctx, []) == []  # unchanged: nothing new
    twin.run(2)  # the battery runs out after 30 min
    second = pb.perceive(ctx, [])
    assert [i["key"] for i in second] == ["fault:S0003:service"]
    assert second[0]["severity"] == "critical"
    assert not pb.is_over(ctx, "fault:S0003")


def test_perception_never_uses_ground_truth(base: Twin) -> None:
    twin = base.clone()
    twin.inject_fault("fibre_cut", _reroutable_link(twin))
    twin.step()
    pb = FaultPlaybook()
    seen = pb.perceive(LoopContext(twin=twin, playbooks={"fault": pb}), [])
    blind = twin.clone()
    blind.alarms = [dataclasses.replace(a, fault_id="F9999", root=False) for a in twin.alarms]
    again = pb.perceive(LoopContext(twin=blind, playbooks={"fault": pb}), [])
    assert [(i["key"], i["objects"]) for i in seen] == [(i["key"], i["objects"]) for i in again]


def test_incident_is_over_when_its_alarms_clear(base: Twin, tmp_path: Path) -> None:
    twin = base.clone()
    twin.inject_fault("misconfiguration", "S0003-C2", duration_steps=3)
    loop = _loop(twin, tmp_path)
    _run(twin, loop, 2)
    ctx_book = loop.outcomes()[0]["incident"]["key"]
    assert ctx_book == "fault:S0003-C2"
    _run(twin, loop, 3)  # the fault's repair clears its alarms
    twin.inject_fault("misconfiguration", "S0003-C2", tilt_deg=12.0)
    _run(twin, loop, 1)  # the same key is a new situation now
    assert [o["incident"]["key"] for o in loop.outcomes()] == ["fault:S0003-C2"] * 2


def _decide(ctx: LoopContext, pb: FaultPlaybook) -> tuple[dict, dict, list]:
    (incident,) = pb.perceive(ctx, [])
    analysis = pb.analyse(ctx, incident)
    cands = pb.candidates(ctx, incident, analysis)
    score_candidates(ctx, incident, analysis, cands)
    return incident, analysis, cands


def test_a_harmful_remedy_fails_verification(base: Twin) -> None:
    twin = base.clone()
    pb = FaultPlaybook()
    ctx = LoopContext(twin=twin, playbooks={"fault": pb})
    twin.inject_fault("interference", "S0004-C1", extra_db=10.0)
    twin.step()
    incident, analysis, cands = _decide(ctx, pb)
    # the rules' remedy (neighbours -3 dB) is what the what-if shows to hurt here
    harmful = next(c for c in cands if c["source"] == "rules")
    assert harmful["score"] < 0
    assert max(c.get("score", -1) for c in cands) > 0  # and something else helps
    applied = [twin.apply(a["kind"], a["target"], **a["params"]) for a in harmful["actions"]]
    twin.step()
    decision = Decision(
        incident_id=incident["id"], attempt=0, candidates=cands, chosen=harmful, reason="test",
        needs_approval=False, producer="decision",
    )  # fmt: skip
    execution = Execution(
        incident_id=incident["id"], attempt=0, applied=[], failed=[], producer="execution"
    )
    verdict = pb.verify(ctx, incident, analysis, decision, execution)
    assert (verdict["status"], verdict["not_fulfilled_state"]) == ("NOT_FULFILLED", "DEGRADED")
    assert "harmful" in verdict["reasons"][0]
    assert len(applied) == len(harmful["actions"])


def test_similar_cases_become_retargeted_candidates(base: Twin, tmp_path: Path) -> None:
    twin = base.clone()
    engine = init_db(f"sqlite:///{tmp_path / 'mem.sqlite'}")
    memory = Memory(engine=engine, cases=CaseStore(engine), audit=AuditLog(engine))
    _fid, first = _outage(twin, "software")
    loop = _loop(twin, tmp_path, memory=memory)
    _run(twin, loop, 4)  # restarted, verified, stored; alarms cleared
    rest = [c for c in twin.compiled.cell_ids if c > first]
    for cell in rest:  # the next software outage, on another cell
        rec = twin.inject_fault("cell_outage", cell)
        if outage_cause(twin, rec.fault_id) == "software":
            break
        twin.clear_fault(rec.fault_id)
    _run(twin, loop, 1)
    second = loop.outcomes()[-1]
    assert second["incident"]["key"] == f"fault:{cell}:service"
    assert second["analysis"]["similar_cases"], "the first case was not retrieved"
    from_memory = [c for c in second["decisions"][-1]["candidates"] if c["source"] == "memory"]
    assert from_memory[0]["actions"] == [{"kind": "restart", "target": cell, "params": {}}]


def test_approval_for_broad_changes(base: Twin) -> None:
    pb = FaultPlaybook(approval_cells=2, approval_instances=1)
    ctx = LoopContext(twin=base, playbooks={"fault": pb})
    incident = {"id": "I1", "kind": "fault", "key": "k", "objects": []}
    cells = base.compiled.cell_ids[:3]
    offloads = [{"kind": "offload", "target": c, "params": {"share": 0.3}} for c in cells]
    broad = {"id": "c1", "source": "optimiser", "rationale": "", "actions": offloads}
    assert "3 cells" in pb.needs_approval(ctx, incident, broad)  # type: ignore[arg-type]
    scale = [{"kind": "upf_scale_out", "target": "UPF-C", "params": {"instances": 2}}]
    upf = {"id": "c2", "source": "optimiser", "rationale": "", "actions": scale}
    assert "UPF-C" in pb.needs_approval(ctx, incident, upf)  # type: ignore[arg-type]
    narrow = {**broad, "actions": broad["actions"][:1]}
    assert pb.needs_approval(ctx, incident, narrow) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"settle_steps": 0}, "settle_steps"),
        ({"whatif_steps": 1.5}, "whatif_steps"),
        ({"sla_mbps": -1.0}, "sla_mbps"),
        ({"tolerance_share": 1.0}, "tolerance_share"),
    ],
)
def test_bad_settings_are_rejected(kwargs: dict, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        FaultPlaybook(**kwargs)


def test_impact_counts_lost_blocked_and_slow_users() -> None:
    from autonet.agents.playbooks._fault_impact import impacted_users

    tail = {
        "KQI.LostUsers": np.array([[3.0, 0.0, 0.0]], np.float32),
        "KQI.BlockedUsers": np.array([[0.0, 2.0, 1.0]], np.float32),
        "RRC.ConnMean": np.array([[0.0, 10.0, 8.0]], np.float32),
        "DRB.UEThpDl": np.array([[np.nan, 50.0, 4.0]], np.float32),
        "KQI.Available": np.array([[0.0, 1.0, 1.0]], np.float32),
    }
    # cell 1: lost 3; cell 2: 2 blocked, throughput fine; cell 3: 1 blocked + 7 served below 5
    assert impacted_users(tail, 5.0).tolist() == [[3.0, 2.0, 8.0]]


def test_impact_rising_later_opens_a_follow_up(tmp_path: Path) -> None:
    twin = Twin(build_topology(n_sites=20, seed=7), seed=7)
    probe = twin.clone()
    probe.run(80)  # 20:00: find the cell the evening load hits hardest
    busy = twin.compiled.cell_ids[int(np.argmax(probe.kpi_array("RRC.ConnMean")[-1]))]
    twin.run(16)  # 04:00: hardly anyone on the cell
    twin.inject_fault("interference", busy, extra_db=12.0)
    loop = _loop(twin, tmp_path)
    _run(twin, loop, 48)  # until 16:00
    first, *later = loop.outcomes()
    assert first["incident"]["key"] == f"fault:{busy}"
    assert first["decisions"][-1]["chosen"]["id"] == "field-repair"  # nothing to mitigate at 4am
    assert later, "the daytime impact was not noticed"
    assert later[0]["incident"]["key"] == f"fault:{busy}#1"
    assert later[0]["analysis"]["hypotheses"][0]["node"] == busy
    assert later[0]["decisions"][-1]["chosen"]["actions"]  # a compensation this time
    assert later[0]["status"] == "fulfilled"


def test_without_rca_the_alarmed_node_is_taken_as_the_cause(base: Twin, tmp_path: Path) -> None:
    from autonet.agents.playbook import LoopSettings

    twin = base.clone()
    twin.inject_fault("misconfiguration", "S0003-C2", tilt_deg=15.0)
    loop = _loop(twin, tmp_path, settings=LoopSettings(use_rca=False, use_memory=False))
    _run(twin, loop, 2)
    (outcome,) = loop.outcomes()
    top = outcome["analysis"]["hypotheses"][0]
    assert (top["node"], top["fault_type"]) == ("S0003-C2", "misconfiguration")
    assert outcome["status"] == "fulfilled"
    sources = {c["source"] for c in outcome["decisions"][0]["candidates"]}
    assert "optimiser" in sources
