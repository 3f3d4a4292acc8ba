"""SlicePlaybook on real twins: request -> spec -> feasibility -> admit/reject -> SLA verdict.

Hand values come from ``three_cell_topology`` (see its docstring): sites S1, S2, S3 (region
``centre``), each behind its own fibre access link to AGG1, then AGG1--CR1 (0.09 ms) and
CR1--DC1 (0.05 ms) to the only (central) UPF. Access links: AR1 0.06 ms, AR2 0.06118 ms,
AR3 0.07236 ms. So the transport latency is S1 0.20, S2 0.20118, S3 0.21236 ms; with the eMBB
radio budget of 4 ms the worst end-to-end latency is 4.21236 ms (S3). Every link is a bridge
(no ring), so each site crosses 3 unprotected fibre hops: availability 0.99999**3 = 99.997 %.
"""

from __future__ import annotations

from typing import Any

import pytest

from autonet.agents.messages import FULFILLED, NOT_FULFILLED, Execution
from autonet.agents.playbook import LoopContext, Playbook
from autonet.agents.playbooks import make_playbook
from autonet.agents.playbooks._slice_spec import PLACES, REGIONS, area_cells, spec_from_arguments
from autonet.agents.playbooks.slicing import SlicePlaybook
from autonet.twin import Twin, build_topology, three_cell_topology

S3_E2E_MS = 4.0 + 0.07236068 + 0.09 + 0.05  # eMBB radio budget + S3's path


def _twin(steps: int = 36) -> Twin:
    """The three-cell twin at Monday 09:00 (36 steps of 15 min from Monday 00:00)."""
    twin = Twin(three_cell_topology(), seed=1)
    twin.run(steps)
    return twin


def _request(args: dict[str, Any], rid: str = "R1", agent: str = "slice_provisioner") -> dict:
    return {
        "id": rid,
        "kind": "slice",
        "agent": agent,
        "arguments": args,
        "submitted_at": "2026-01-05T09:00:00",
    }


def _handle(pb: SlicePlaybook, ctx: LoopContext, args: dict[str, Any], **kw: Any):
    (incident,) = pb.perceive(ctx, [_request(args, **kw)])
    analysis = pb.analyse(ctx, incident)
    return incident, analysis, pb.candidates(ctx, incident, analysis)


def _execute(ctx: LoopContext, incident: dict, cand: dict) -> Execution:
    applied = []
    for i, step in enumerate(cand["actions"]):
        rec = ctx.twin.apply(step["kind"], step["target"], **step["params"])
        applied.append(
            {
                "key": f"t/{incident['id']}/0/{i}",
                "action_id": rec.action_id,
                "kind": step["kind"],
                "target": step["target"],
                "params": step["params"],
                "at": ctx.twin.now.isoformat(),
                "reused": False,
            }
        )
    return Execution(
        incident_id=incident["id"], attempt=0, applied=applied, failed=[], producer="execution"
    )


def _decision(incident: dict, cand: dict) -> dict:
    return {
        "incident_id": incident["id"],
        "attempt": 0,
        "candidates": [cand],
        "chosen": cand,
        "reason": "",
        "needs_approval": False,
        "producer": "decision",
    }


@pytest.fixture
def ctx() -> LoopContext:
    pb = SlicePlaybook()
    return LoopContext(twin=_twin(), playbooks={"slice": pb})


def test_registry_gives_a_playbook() -> None:
    pb = make_playbook("slice")
    assert isinstance(pb, SlicePlaybook)
    assert isinstance(pb, Playbook)
    assert pb.kind == "slice"


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_bad_settings_are_refused(bad: Any) -> None:
    with pytest.raises(ValueError, match="settle_steps must be an integer >= 1"):
        SlicePlaybook(settle_steps=bad)


def test_places_match_the_gate_vocabulary() -> None:
    from autonet.platform.gate import vocabulary

    assert set(PLACES) == set(vocabulary.PLACES.values())
    assert set(REGIONS) == set(vocabulary.REGIONS)


def test_place_cells_are_whole_nearby_sites() -> None:
    twin = Twin(build_topology(n_sites=20, seed=3), seed=3)
    topo, G = twin.compiled, twin.compiled.graph
    for place, (area_type, n_sites) in PLACES.items():
        cells = area_cells(topo, place)
        sites = sorted({G.nodes[c]["site"] for c in cells})
        assert len(sites) == n_sites and len(cells) == 3 * n_sites, place
        assert any(G.nodes[s]["area"] == area_type for s in sites), place
        assert area_cells(topo, place) == cells  # deterministic


def test_small_embb_request_is_admitted_and_verified(ctx: LoopContext) -> None:
    pb = ctx.playbooks["slice"]
    args = {"slice_type": "eMBB", "area": "centre", "throughput_mbps": 5.0, "latency_ms": 50.0}
    incident, analysis, (cand,) = _handle(pb, ctx, args)
    assert incident["key"] == "slice-request:R1" and incident["objects"] == ["SL-001"]
    assert analysis["risk"]["rejected"] == []
    assert analysis["impact"]["n_cells"] == 3
    assert analysis["risk"]["feasibility"]["availability_pct"] == pytest.approx(99.997, abs=1e-6)
    assert not cand.get("denials")
    (step,) = cand["actions"]
    assert step["kind"] == "slice_admit" and step["target"] == "SL-001"
    assert step["params"]["region"] == "centre" and step["params"]["guaranteed_dl_mbps"] == 5.0
    execution = _execute(ctx, incident, cand)
    ctx.twin.step()
    verdict = pb.verify(ctx, incident, analysis, _decision(incident, cand), execution)
    assert verdict["status"] == FULFILLED, verdict["reasons"]
    assert verdict["measured"]["active_steps"] == 1.0
    assert verdict["measured"]["worst_latency_ms"] == pytest.approx(S3_E2E_MS, abs=0.01)
    assert verdict["measured"]["min_delivered_ratio"] == pytest.approx(1.0)


def test_latency_below_the_path_is_rejected_naming_latency(ctx: LoopContext) -> None:
    pb = ctx.playbooks["slice"]
    # 4.205 ms: S1 (4.200) and S2 (4.2012) fit, S3 (4.21236) does not.
    args = {"slice_type": "eMBB", "area": "centre", "throughput_mbps": 1.0, "latency_ms": 4.205}
    _, analysis, (cand,) = _handle(pb, ctx, args)
    rejected = analysis["risk"]["rejected"]
    assert len(rejected) == 1 and rejected[0].startswith("latency: site 'S3'")
    assert "4.212" in rejected[0]
    assert cand["denials"] == [f"slice-feasibility: {rejected[0]}"]
    args["latency_ms"] = 4.22  # every site fits
    _, analysis, (cand,) = _handle(pb, ctx, args, rid="R2")
    assert analysis["risk"]["rejected"] == [] and not cand.get("denials")


def test_latency_below_the_radio_budget_is_rejected(ctx: LoopContext) -> None:
    pb = ctx.playbooks["slice"]
    args = {"slice_type": "URLLC", "area": "centre", "throughput_mbps": 1.0, "latency_ms": 0.3}
    _, analysis, _ = _handle(pb, ctx, args)
    assert analysis["risk"]["rejected"][0].startswith(
        "latency: max_latency_ms 0.3 is below the URLLC radio budget of 0.5 ms"
    )


def test_throughput_beyond_a_cell_is_rejected_naming_prb(ctx: LoopContext) -> None:
    pb = ctx.playbooks["slice"]
    # S3-C1 is a 20 MHz n28 cell: 147.7 Mbit/s at full PRBs, so 200 Mbit/s cannot fit.
    args = {"slice_type": "eMBB", "area": "centre", "throughput_mbps": 200.0, "latency_ms": 50}
    _, analysis, (cand,) = _handle(pb, ctx, args)
    assert any(r.startswith("PRB: cell 'S3-C1' needs") for r in analysis["risk"]["rejected"])
    assert cand["denials"]


def test_reliability_beyond_the_backhaul_is_rejected(ctx: LoopContext) -> None:
    pb = ctx.playbooks["slice"]
    args = {"slice_type": "eMBB", "area": "centre", "throughput_mbps": 1.0, "latency_ms": 50.0}
    _, analysis, _ = _handle(pb, ctx, {**args, "reliability_pct": 99.999})
    (why,) = analysis["risk"]["rejected"]
    assert why.startswith("reliability: site 'S1' backhaul has 3 unprotected link(s) (3 fibre)")
    assert "availability 99.9970%" in why
    _, analysis, _ = _handle(pb, ctx, {**args, "reliability_pct": 99.99}, rid="R2")
    assert analysis["risk"]["rejected"] == []


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"slice_type": "URLLC", "latency_ms": 5.0}, "request: area missing"),
        ({"slice_type": "URLLC", "area": "moon"}, "request: area 'moon' is unknown"),
        ({"slice_type": "6G", "area": "centre"}, "request: slice_type = '6G' is invalid"),
        ({"slice_type": "eMBB", "area": "north"}, "request: area 'north': the network has no"),
        (
            {"slice_type": "eMBB", "area": "centre", "reliability_pct": 20.0},
            "request: reliability_pct = 20.0 is invalid",
        ),
        (
            {"slice_type": "eMBB", "area": "centre", "window": {"start": "25:00", "end": "06:00"}},
            "request: window = ",
        ),
        (
            {"slice_type": "eMBB", "area": "centre", "days": ["someday"]},
            "request: days ['someday']",
        ),
    ],
)
def test_bad_requests_are_rejected_with_a_clear_reason(
    ctx: LoopContext, args: dict[str, Any], expected: str
) -> None:
    pb = ctx.playbooks["slice"]
    _, analysis, (cand,) = _handle(pb, ctx, args)
    assert any(r.startswith(expected) for r in analysis["risk"]["rejected"]), analysis["risk"]
    assert cand["denials"] and cand["source"] == "request"


def test_window_and_days_map_to_hours() -> None:
    topo = _twin(0).compiled
    args = {
        "slice_type": "URLLC",
        "area": "centre",
        "throughput_mbps": 10.0,
        "latency_ms": 15.0,
        "window": {"start": "07:30", "end": "18:15"},
        "days": ["fri", "mon"],
    }
    out = spec_from_arguments(topo, args, "SL-001")
    assert out.problems == () and out.assumptions == ("reliability_pct not given: assumed 99.9 %",)
    assert out.params is not None
    assert (out.params["start_hour"], out.params["end_hour"]) == (7, 19)
    assert out.params["weekdays"] == [0, 4]
    night = spec_from_arguments(topo, {**args, "window": {"start": "22:00", "end": "00:00"}}, "x")
    assert night.params is not None and (night.params["start_hour"], night.params["end_hour"]) == (
        22,
        24,
    )


def test_gate_phrasings_map_to_specs() -> None:
    from autonet.platform.gate import build_gate

    gate = build_gate()
    topo = Twin(build_topology(n_sites=20, seed=3), seed=3).compiled
    cases = [
        (
            "URLLC slice, 5 ms, 99.999%, 200 Mbit/s for the port area, weekdays 8-18",
            {
                "slice_type": "URLLC",
                "guaranteed_dl_mbps": 200.0,
                "max_latency_ms": 5.0,
                "reliability_pct": 99.999,
                "cells": list(area_cells(topo, "port")),
                "start_hour": 8,
                "end_hour": 18,
                "weekdays": [0, 1, 2, 3, 4],
            },
        ),
        (
            "set up a network slice for the north region, embb 30 mbps, 40 ms, "
            "business hours on weekends",
            {
                "slice_type": "eMBB",
                "guaranteed_dl_mbps": 30.0,
                "max_latency_ms": 40.0,
                "region": "north",
                "start_hour": 8,
                "end_hour": 18,
                "weekdays": [5, 6],
            },
        ),
        (
            "Provision an mMTC slice for the factory, 1 Mbps, 500 ms latency, 99.9%",
            {
                "slice_type": "mMTC",
                "guaranteed_dl_mbps": 1.0,
                "max_latency_ms": 500.0,
                "reliability_pct": 99.9,
                "cells": list(area_cells(topo, "factory")),
                "start_hour": 0,
                "end_hour": 24,
                "weekdays": list(range(7)),
            },
        ),
    ]
    for text, expected in cases:
        route = gate.route(text)
        assert route.agent == "slice_provisioner", text
        out = spec_from_arguments(topo, route.arguments, "SL-001")
        assert out.params is not None, out.problems
        assert {k: out.params[k] for k in expected} == expected, text


def test_sla_breach_is_not_fulfilled(ctx: LoopContext) -> None:
    pb = ctx.playbooks["slice"]
    args = {"slice_type": "eMBB", "area": "centre", "throughput_mbps": 5.0, "latency_ms": 50.0}
    incident, analysis, (cand,) = _handle(pb, ctx, args)
    execution = _execute(ctx, incident, cand)
    ctx.twin.inject_fault("fibre_cut", "AR3--AGG1")  # S3 loses its only backhaul
    ctx.twin.step()
    verdict = pb.verify(ctx, incident, analysis, _decision(incident, cand), execution)
    assert verdict["status"] == NOT_FULFILLED
    assert verdict["not_fulfilled_state"] == "DEGRADED"
    assert verdict["measured"]["met_steps"] == 0.0
    assert "missed its SLA in 1 of 1" in verdict["reasons"][0]


def test_outside_the_window_admission_is_fulfilled_without_active_steps(
    ctx: LoopContext,
) -> None:
    pb = ctx.playbooks["slice"]
    args = {
        "slice_type": "eMBB",
        "area": "centre",
        "throughput_mbps": 5.0,
        "latency_ms": 50.0,
        "window": {"start": "20:00", "end": "22:00"},
    }
    incident, analysis, (cand,) = _handle(pb, ctx, args)
    execution = _execute(ctx, incident, cand)
    ctx.twin.step()  # 09:00-09:15: outside 20-22
    verdict = pb.verify(ctx, incident, analysis, _decision(incident, cand), execution)
    assert verdict["status"] == FULFILLED
    assert verdict["measured"]["active_steps"] == 0.0
    assert "window has not opened" in verdict["reasons"][0]


def test_modify_and_release_requests(ctx: LoopContext) -> None:
    pb = ctx.playbooks["slice"]
    args = {"slice_type": "eMBB", "area": "centre", "throughput_mbps": 5.0, "latency_ms": 50.0}
    incident, _, (cand,) = _handle(pb, ctx, args)
    _execute(ctx, incident, cand)
    _, analysis, (mod,) = _handle(
        pb, ctx, {"slice_id": "SL-001", "throughput_mbps": 8.0}, rid="R2", agent="slice_modifier"
    )
    assert analysis["risk"]["rejected"] == []
    assert mod["actions"] == [
        {"kind": "slice_modify", "target": "SL-001", "params": {"guaranteed_dl_mbps": 8.0}}
    ]
    inc, analysis, (rel,) = _handle(
        pb, ctx, {"slice_id": "SL-001"}, rid="R3", agent="slice_releaser"
    )
    assert rel["actions"] == [{"kind": "slice_release", "target": "SL-001", "params": {}}]
    execution = _execute(ctx, inc, rel)
    verdict = pb.verify(ctx, inc, analysis, _decision(inc, rel), execution)
    assert verdict["status"] == FULFILLED and "SL-001" not in ctx.twin.state.slices
    _, analysis, (bad,) = _handle(pb, ctx, {"slice_id": "SL-042"}, rid="R4", agent="slice_releaser")
    assert analysis["risk"]["rejected"][0].startswith("request: unknown slice 'SL-042'")
    assert bad["denials"]


def test_the_loops_decision_admits_or_rejects(ctx: LoopContext) -> None:
    from autonet.agents.decision import decide

    pb = ctx.playbooks["slice"]
    ok = {"slice_type": "eMBB", "area": "centre", "throughput_mbps": 5.0, "latency_ms": 50.0}
    incident, analysis, _ = _handle(pb, ctx, ok)
    made = decide(ctx, incident, analysis, [])
    assert made["chosen"] is not None and made["chosen"]["score"] == 1.0
    assert made["chosen"]["predicted"]["admitted"] == 1.0
    assert not ctx.twin.state.slices  # the what-if ran on a clone
    bad = {**ok, "latency_ms": 4.1}
    incident, analysis, _ = _handle(pb, ctx, bad, rid="R2")
    made = decide(ctx, incident, analysis, [])
    assert made["chosen"] is None
    assert any("latency: site" in d for d in made["candidates"][0]["denials"])


def test_through_the_closed_loop(tmp_path) -> None:
    from autonet.platform.loop import ClosedLoop

    twin = _twin()
    loop = ClosedLoop(twin, [SlicePlaybook()], workdir=tmp_path, name="slice")
    ok = {"slice_type": "eMBB", "area": "centre", "throughput_mbps": 5.0, "latency_ms": 50.0}
    loop.submit(_request(ok, rid="R1"))
    loop.submit(_request({**ok, "latency_ms": 4.1}, rid="R2"))
    try:
        first = loop.tick()  # perceive, analyse, decide, admit R1; reject R2
        assert len(first.opened) == 2
        assert [a["kind"] for a in first.applied] == ["slice_admit"]
        assert set(twin.state.slices) == {"SL-001"}
        twin.step()
        second = loop.tick()  # verification of R1 after settle_steps = 1
        assert [v["status"] for v in second.verdicts] == [FULFILLED]
        by_request = {o["incident"]["evidence"]["request"]["id"]: o for o in loop.outcomes()}
        assert by_request["R1"]["status"] == "fulfilled"
        rejected = by_request["R2"]
        assert rejected["status"] == "rejected" and rejected["decisions"][-1]["chosen"] is None
        assert rejected["human"] is False  # an infeasible request is answered, not escalated
        assert "c1 denied: slice-feasibility: latency: site" in rejected["decisions"][-1]["reason"]
        assert all(r.startswith("latency: site") for r in rejected["analysis"]["risk"]["rejected"])
        assert len(rejected["analysis"]["risk"]["rejected"]) == 3  # S1, S2 and S3 exceed 4.1 ms
    finally:
        loop.close()


def test_too_much_throughput_gets_a_counter_offer(ctx: LoopContext) -> None:
    from autonet.agents.decision import decide
    from autonet.twin import slice_feasibility

    pb = ctx.playbooks["slice"]
    args = {"slice_type": "eMBB", "area": "centre", "throughput_mbps": 200.0, "latency_ms": 50.0}
    incident, analysis, cands = _handle(pb, ctx, args)
    alt = analysis["risk"]["alternative"]["guaranteed_dl_mbps"]
    assert 0 < alt < 147.8  # S3-C1 cannot give more than its full 20 MHz carrier
    assert analysis["risk"]["rejected"][-1].startswith("alternative: the area can guarantee up to")
    params = {k: v for k, v in cands[0]["actions"][0]["params"].items() if v is not None}
    assert slice_feasibility(ctx.twin, "probe", **{**params, "guaranteed_dl_mbps": alt}).ok
    assert not slice_feasibility(
        ctx.twin, "probe", **{**params, "guaranteed_dl_mbps": 1.1 * alt}
    ).ok
    assert len(cands) == 1 and cands[0]["denials"]  # the intent did not allow alternatives
    incident, analysis, cands = _handle(pb, ctx, {**args, "accept_alternative": True}, rid="R2")
    assert [c["id"] for c in cands] == ["c1", "c2"] and cands[1]["source"] == "optimiser"
    made = decide(ctx, incident, analysis, [])
    assert made["chosen"] is not None and made["chosen"]["id"] == "c2"
    assert made["chosen"]["actions"][0]["params"]["guaranteed_dl_mbps"] == alt


def test_reliability_problems_get_no_counter_offer(ctx: LoopContext) -> None:
    pb = ctx.playbooks["slice"]
    args = {
        "slice_type": "eMBB",
        "area": "centre",
        "throughput_mbps": 200.0,
        "latency_ms": 50.0,
        "reliability_pct": 99.9999,
    }
    _, analysis, _ = _handle(pb, ctx, args)
    assert "alternative" not in analysis["risk"]


def test_arguments_that_are_not_a_mapping_are_rejected(ctx: LoopContext) -> None:
    pb = ctx.playbooks["slice"]
    _, analysis, (cand,) = _handle(pb, ctx, "garbage")  # type: ignore[arg-type]
    assert analysis["risk"]["rejected"] == [
        "request: arguments = 'garbage' is invalid (expected a mapping)"
    ]
    assert cand["denials"] and cand["actions"] == []


def test_unprotected_links_are_cached_until_a_link_changes(ctx: LoopContext) -> None:
    pb = ctx.playbooks["slice"]
    args = {"slice_type": "eMBB", "area": "centre", "throughput_mbps": 1.0, "latency_ms": 50.0}
    _handle(pb, ctx, args)
    key, (bridges, media) = ctx.models["slice:unprotected"]
    assert bridges == set(range(ctx.twin.compiled.n_links))  # a tree: every link is a bridge
    assert media == ["fibre"] * 5
    ctx.twin.inject_fault("fibre_cut", "AR3--AGG1")
    _handle(pb, ctx, args, rid="R2")
    new_key, (bridges, _) = ctx.models["slice:unprotected"]
    assert new_key != key and len(bridges) == 4  # the cut link is no longer in the graph
