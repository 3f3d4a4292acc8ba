"""CongestionPlaybook on real twins: hand-checked surge physics, forecast lead time, what-if,
verification and release. Expected values by hand or from the events put into the twin."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest

from autonet.agents._whatif import score_candidates
from autonet.agents.messages import Decision, Execution, Request
from autonet.agents.playbook import LoopContext
from autonet.agents.playbooks import make_playbook
from autonet.agents.playbooks._congestion_forecast import (
    PlannedEvent,
    cell_capacity,
    congested_mask,
    forecast_demand,
)
from autonet.agents.playbooks.congestion import CongestionPlaybook
from autonet.twin import TrafficModel, Twin, build_topology, three_cell_topology

MONDAY = datetime(2026, 1, 5)


def _flat_twin() -> Twin:
    """3 cells, every step the busy hour, no per-cell scale, no noise: demand known by hand."""
    traffic = TrafficModel(profile="flat", scale_sigma=0.0, noise_sigma=0.0)
    return Twin(three_cell_topology(), seed=1, start=MONDAY, traffic=traffic)


def test_registry_builds_the_congestion_playbook() -> None:
    pb = make_playbook("congestion")
    assert isinstance(pb, CongestionPlaybook)
    assert pb.kind == "congestion" and pb.calendar == []
    assert pb.settle_steps == pb.lead_steps + 2 <= pb.whatif_steps


def test_surge_x8_and_a_prb_boost_by_hand() -> None:
    # S1-C1: urban, 120 users x 1.5 Mbit/s = 180 Mbit/s offered; x8 = 1440 Mbit/s, far above
    # what 273 PRBs carry, so the cell serves its full capacity C and PRB use is 100 %.
    twin = _flat_twin()
    start = MONDAY - timedelta(minutes=15)  # no ramp: x8 from the first step
    twin.add_event(["S1-C1"], start, MONDAY + timedelta(hours=3), 8.0, "surge", ramp=timedelta(0))
    before = twin.clone()
    res = before.step()
    c = twin.compiled.cell_index["S1-C1"]
    offered, served = (
        float(res.cell["KQI.OfferedDlMbps"][c]),
        float(res.cell["KQI.ServedDlMbps"][c]),
    )
    assert offered == pytest.approx(1440.0, rel=1e-5)
    assert served < offered and res.cell["RRU.PrbUsedDl"][c] == pytest.approx(100.0)
    # +100 PRBs: capacity x (273 + 100) / 273; still below demand, so served grows by that ratio
    # (the neighbours' load and so the cell's SINR are unchanged: it radiates at 100 % either way)
    boosted = twin.clone()
    boosted.apply("capacity_boost", "S1-C1", extra_prbs=100)
    res2 = boosted.step()
    assert float(res2.cell["KQI.ServedDlMbps"][c]) == pytest.approx(served * 373 / 273, rel=1e-4)
    users = 120.0 * 8
    assert float(res2.cell["KQI.BlockedUsers"][c]) == pytest.approx(
        users * (1 - served * 373 / 273 / 1440.0), rel=1e-4
    )
    # the playbook's capacity model scales the same way
    assert cell_capacity(boosted)[c] / cell_capacity(twin)[c] == pytest.approx(373 / 273)


def test_congested_mask_definition() -> None:
    prb = np.array([[94.9, 95.0, 50.0, np.nan]])
    blocked = np.array([[0.0, 0.0, 0.1, np.nan]])
    assert congested_mask(prb, blocked).tolist() == [[False, True, True, False]]


def test_planned_event_ramps_and_rejects_bad_input() -> None:
    ev = PlannedEvent(
        "gig", ("S1-C1",), MONDAY + timedelta(hours=19), MONDAY + timedelta(hours=22), 5
    )
    assert ev.factor(MONDAY + timedelta(hours=17)) == 1.0
    assert ev.factor(MONDAY + timedelta(hours=18, minutes=30)) == pytest.approx(3.0)  # half ramp
    assert ev.factor(MONDAY + timedelta(hours=20)) == 5.0
    assert ev.factor(MONDAY + timedelta(hours=22, minutes=45)) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="multiplier"):
        PlannedEvent("x", ("S1-C1",), MONDAY, MONDAY + timedelta(hours=1), 0.0)
    with pytest.raises(ValueError, match="after start"):
        PlannedEvent("x", ("S1-C1",), MONDAY, MONDAY, 2.0)
    with pytest.raises(ValueError, match="at least one cell"):
        PlannedEvent("x", (), MONDAY, MONDAY + timedelta(hours=1), 2.0)


@pytest.mark.parametrize("history_steps", [8, 100])  # persistence, then the seasonal model
def test_forecast_is_history_times_the_calendar(history_steps: int) -> None:
    twin = _flat_twin()
    twin.run(history_steps)
    at = twin.now + timedelta(hours=1)
    ev = PlannedEvent("gig", ("S1-C1",), at, at + timedelta(hours=2), 8.0, ramp=timedelta(0))
    fc = forecast_demand(twin, [ev], horizon_steps=12)
    c = twin.compiled.cell_index["S1-C1"]
    assert fc.demand[0, c] == pytest.approx(180.0, rel=1e-4)  # before the event: 120 x 1.5
    assert fc.demand[5, c] == pytest.approx(1440.0, rel=1e-4)  # 1 h 15 later: x8
    assert fc.demand[5, twin.compiled.cell_index["S2-C1"]] == pytest.approx(90 * 1.5, rel=1e-4)


def test_playbook_rejects_bad_settings() -> None:
    with pytest.raises(ValueError, match="lead_steps"):
        CongestionPlaybook(lead_steps=0)
    with pytest.raises(ValueError, match="threshold"):
        CongestionPlaybook(threshold=0.0)
    with pytest.raises(ValueError, match="horizon_steps"):
        CongestionPlaybook(lead_steps=10, horizon_steps=4)
    with pytest.raises(TypeError, match="PlannedEvent"):
        CongestionPlaybook(["not an event"])  # type: ignore[list-item]


@pytest.fixture(scope="module")
def stadium() -> tuple[Twin, PlannedEvent]:
    """20 sites, a day of history, a x6 concert tomorrow 19-22 h on a site and its neighbours."""
    twin = Twin(build_topology(n_sites=20, seed=3), seed=3, start=MONDAY)
    topo = twin.compiled
    site = int(np.flatnonzero(np.asarray(topo.site_area) == 0)[0])
    own = [int(c) for c in topo.cells_of_site(site)]
    near = {int(j) for c in own for j in topo.neighbours_of(c)[0]} - set(own)
    cells = tuple(topo.cell_ids[c] for c in [*own, *sorted(near)])
    day = MONDAY + timedelta(days=1)
    ev = PlannedEvent("concert", cells, day + timedelta(hours=19), day + timedelta(hours=22), 6.0)
    twin.add_event(list(cells), ev.start, ev.end, 6.0, "concert")
    twin.run(96 + 12 * 4)  # to Tuesday 12:00
    return twin, ev


def _until_event_incident(twin: Twin, pb: CongestionPlaybook, ctx: LoopContext) -> dict:
    while twin.now < datetime(2026, 1, 7):
        for inc in pb.perceive(ctx, []):
            ctx.book.open[inc["key"]] = inc["id"]
            if inc["key"] == "congestion:event:concert":
                return inc
        twin.step()
    raise AssertionError("no event incident opened")


def test_event_incident_opens_ahead_and_boost_is_verified_then_released(stadium) -> None:
    base, ev = stadium
    twin = base.clone()
    pb = CongestionPlaybook([ev], lead_steps=8)
    ctx = LoopContext(twin=twin, playbooks={"congestion": pb})
    inc = _until_event_incident(twin, pb, ctx)
    opened = datetime.fromisoformat(inc["opened_at"])
    assert opened < ev.first  # before the crowd even starts to arrive (18:00)
    assert opened >= ev.first - timedelta(hours=3)  # not hours too early: lead 2 h before onset
    stadium_cells = set(ev.cells[:3])
    assert stadium_cells & set(inc["objects"])
    analysis = pb.analyse(ctx, inc)
    assert analysis["risk"]["peak_util"] > 1.0 and analysis["impact"]["users"] > 0
    cands = pb.candidates(ctx, inc, analysis)
    kinds = {a["kind"] for c in cands for a in c["actions"]}
    assert "capacity_boost" in kinds
    assert {"optimiser", "rules"} <= {c["source"] for c in cands}
    score_candidates(ctx, inc, analysis, cands)
    best = max((c for c in cands if "score" in c), key=lambda c: c["score"])
    assert best["score"] > 0
    pred = best["predicted"]
    assert pred["congested_cell_steps"] < pred["baseline_congested_cell_steps"]
    assert pb.needs_approval(ctx, inc, best) is None
    # execute as the loop does (keys tie actions to the incident), then verify at the event
    applied = []
    for i, step in enumerate(best["actions"]):
        rec = twin.apply(
            step["kind"], step["target"], key=f"r1/{inc['id']}/0/{i}", **step["params"]
        )
        applied.append({"key": f"r1/{inc['id']}/0/{i}", "action_id": rec.action_id,
                        "kind": rec.kind, "target": rec.target, "params": step["params"],
                        "at": rec.at.isoformat(), "reused": False})  # fmt: skip
    twin.run(pb.settle_steps)
    assert twin.now >= ev.first  # verification happens once the surge is on
    decision: Decision = {"incident_id": inc["id"], "attempt": 0, "candidates": cands,
                          "chosen": best, "reason": "", "needs_approval": False,
                          "producer": "decision"}  # fmt: skip
    execution: Execution = {"incident_id": inc["id"], "attempt": 0, "applied": applied,
                            "failed": [], "producer": "execution"}  # fmt: skip
    verdict = pb.verify(ctx, inc, analysis, decision, execution)
    assert verdict["status"] == "FULFILLED", verdict
    # after the event the extra capacity goes: a release incident undoing exactly our actions
    assert not pb.is_over(ctx, inc["key"])
    while twin.now < ev.last:
        twin.step()
    assert pb.is_over(ctx, inc["key"])
    del ctx.book.open[inc["key"]]
    release = None
    for _ in range(12):
        twin.step()
        release = next((i for i in pb.perceive(ctx, []) if "release_of" in i["evidence"]
                        and i["evidence"]["release_of"] == inc["id"]), None)  # fmt: skip
        if release:
            break
    assert release is not None
    rel_analysis = pb.analyse(ctx, release)
    rel_cands = pb.candidates(ctx, release, rel_analysis)
    score_candidates(ctx, release, rel_analysis, rel_cands)
    assert rel_cands[0]["score"] > 0  # handing capacity back at night costs no congestion
    assert rel_cands[0]["predicted"]["extra_capacity"] < 0
    steps = rel_cands[0]["actions"]
    assert {s["target"] for s in steps} == {a["action_id"] for a in applied}
    for s in steps:
        twin.undo(s["target"])
    assert np.array_equal(twin.state.cell_prbs, twin.compiled.cell_prbs)


def test_congestion_seen_now_opens_a_site_incident(stadium) -> None:
    # an event missing from the calendar: no forecast warns, the congestion seen now does
    base, ev = stadium
    twin = base.clone()
    pb = CongestionPlaybook([])
    ctx = LoopContext(twin=twin, playbooks={"congestion": pb})
    while twin.now < ev.start:
        twin.step()
    incs = pb.perceive(ctx, [])
    sites = {twin.compiled.site_ids[twin.compiled.cell_site[twin.compiled.cell_index[c]]]
             for c in ev.cells[:3]}  # fmt: skip
    seen = [i for i in incs if i["evidence"]["observed"]]
    assert seen and any(i["key"] == f"congestion:site:{s}" for i in seen for s in sites)


def test_reroute_needs_approval_and_requests_add_events(stadium) -> None:
    twin = stadium[0].clone()
    pb = CongestionPlaybook()
    ctx = LoopContext(twin=twin, playbooks={"congestion": pb})
    cand = {"id": "c1", "actions": [{"kind": "reroute", "target": "x", "params": {}}],
            "source": "optimiser", "rationale": ""}  # fmt: skip
    assert "reroute" in (pb.needs_approval(ctx, {}, cand) or "")  # type: ignore[arg-type]
    window = {"start": "20:00", "end": "23:00"}
    req: Request = {"id": "R1", "kind": "congestion", "agent": "event_capacity_scheduler",
                    "arguments": {"cells": ["S0001-C1"], "window": window, "multiplier": 4},
                    "submitted_at": twin.now.isoformat()}  # fmt: skip
    pb.perceive(ctx, [req])
    assert pb.calendar[-1].cells == ("S0001-C1",) and pb.calendar[-1].start.hour == 20
    bad = {**req, "id": "R2", "arguments": {"window": window, "multiplier": 4}}
    unknown = {**req, "id": "R3", "arguments": {**req["arguments"], "cells": ["nope"]}}
    incs = pb.perceive(ctx, [bad, unknown])  # type: ignore[list-item]
    rejected = {i["key"]: i for i in incs if "error" in i["evidence"]}
    assert "cells" in rejected["congestion:request:R2"]["evidence"]["error"]
    assert "unknown cell" in rejected["congestion:request:R3"]["evidence"]["error"]
    inc = rejected["congestion:request:R2"]
    assert pb.candidates(ctx, inc, pb.analyse(ctx, inc)) == []  # -> escalated to a human
    assert len(pb.calendar) == 1


def test_transport_and_core_at_risk_get_link_and_upf_candidates(stadium) -> None:
    # background load (faults) leaves the stadium's access link and UPF little headroom: the
    # forecast puts them above 90 % at the event, so transport and core capacity is proposed
    base, ev = stadium
    twin = base.clone()
    topo = twin.compiled
    site = int(topo.cell_site[topo.cell_index[ev.cells[0]]])
    link = topo.link_ids[int(topo.path_idx[topo.path_ptr[site]])]  # the site's access link
    upf = topo.upf_ids[int(twin.state.site_upf[site])]
    twin.inject_fault("link_congestion", link, load_share=0.9)
    twin.inject_fault("upf_overload", upf, load_share=0.9)
    pb = CongestionPlaybook([ev])
    ctx = LoopContext(twin=twin, playbooks={"congestion": pb})
    inc = _until_event_incident(twin, pb, ctx)
    assert link in inc["evidence"]["links"] and upf in inc["evidence"]["upfs"]
    assert {link, upf} <= set(inc["objects"])
    analysis = pb.analyse(ctx, inc)
    assert set(analysis["risk"]["domains"]) == {"ran", "transport", "core"}
    cands = pb.candidates(ctx, inc, analysis)
    steps = [(a["kind"], a["target"]) for c in cands for a in c["actions"]]
    assert ("capacity_boost", link) in steps and ("upf_scale_out", upf) in steps
    assert ("reroute", link) in steps
    reroute = next(c for c in cands if any(a["kind"] == "reroute" for a in c["actions"]))
    assert pb.needs_approval(ctx, inc, reroute) is not None
    score_candidates(ctx, inc, analysis, cands)
    boosted = [c for c in cands if ("capacity_boost", link) in
               [(a["kind"], a["target"]) for a in c["actions"]]]  # fmt: skip
    assert any("score" in c for c in boosted)  # the twin accepts the sized link boost
