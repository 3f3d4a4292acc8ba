"""Replay: a finished run rebuilt from its provenance gives the same decisions (and scores)."""

from __future__ import annotations

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from loop_helpers import UpfPlaybook, small_twin, upf_overloaded

from autonet.agents.playbook import LoopSettings
from autonet.platform.checkpoint import open_checkpointer
from autonet.platform.loop import ClosedLoop, LoopError, replay_run

TOPOLOGY = {"n_sites": 12, "seed": 3}  # how small_twin() builds its topology


def _failing_run(tmp_path=None) -> ClosedLoop:  # type: ignore[no-untyped-def]
    twin = small_twin()
    upf_overloaded(twin)
    saver = open_checkpointer(tmp_path / "cp.sqlite") if tmp_path else InMemorySaver()
    loop = ClosedLoop(
        twin, [UpfPlaybook(target_load=1.0)], checkpointer=saver,
        settings=LoopSettings(max_retries=1), topology=TOPOLOGY,
    )  # fmt: skip
    for k in range(7):
        twin.step()
        if k == 1:  # the network changes while the run waits for verification
            twin.inject_fault("cell_outage", twin.compiled.cell_ids[4])
            twin.apply("tilt", twin.compiled.cell_ids[7], delta_deg=1.0)
        loop.tick()
    return loop


def test_replay_gives_the_same_decisions_across_retries(tmp_path) -> None:  # type: ignore[no-untyped-def]
    loop = _failing_run(tmp_path)
    assert loop.outcomes()[0]["status"] == "escalated"
    loop.close()
    # a new process: only the checkpoint file is left
    saver = open_checkpointer(tmp_path / "cp.sqlite")
    report = replay_run(
        saver, "loop-00001", playbooks=[UpfPlaybook(target_load=1.0)],
        settings=LoopSettings(max_retries=1),
    )  # fmt: skip
    assert report.identical, report.differences
    assert [d["attempt"] for d in report.replayed] == [0, 1]
    assert report.replayed == report.original
    assert all(d["scores"] for d in report.replayed)
    saver.conn.close()


def test_replay_reports_differences() -> None:
    loop = _failing_run()
    report = replay_run(
        loop.graph, "loop-00001", playbooks=[UpfPlaybook(target_load=1.0)],
        settings=LoopSettings(max_retries=1, use_whatif=False),
    )  # fmt: skip
    assert not report.identical
    assert report.differences[0].startswith("I00001 attempt 0: original ")


def test_replay_needs_a_known_run_and_its_topology() -> None:
    twin = small_twin()
    upf_overloaded(twin)
    loop = ClosedLoop(twin, [UpfPlaybook()], checkpointer=InMemorySaver())  # no topology
    twin.step()
    loop.tick()
    with pytest.raises(LoopError, match="no topology parameters"):
        loop.replay("loop-00001")
    with pytest.raises(LoopError, match="no run 'loop-00077'"):
        loop.replay("loop-00077")
