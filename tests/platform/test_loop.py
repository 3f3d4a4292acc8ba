"""ClosedLoop: its outcomes and trace contract, approvals, requests, memory and audit."""

from __future__ import annotations

from pathlib import Path

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from loop_helpers import UpfPlaybook, instances, small_twin, upf_overloaded

from autonet.agents.messages import Approval
from autonet.agents.playbook import LoopSettings, Memory
from autonet.knowledge.memory import AuditLog, CaseStore, init_db
from autonet.platform.loop import ClosedLoop, LoopError, TickReport

OUTCOME_KEYS = {
    "incident", "run_id", "analysis", "decisions", "executions", "verdicts", "status", "human",
    "closed_at", "first_action_at",
}  # fmt: skip


def _drive(loop: ClosedLoop, steps: int) -> list[TickReport]:
    reports = []
    for _ in range(steps):
        loop.twin.step()
        reports.append(loop.tick())
    return reports


@pytest.fixture
def memory(tmp_path: Path) -> Memory:
    engine = init_db(f"sqlite:///{tmp_path / 'memory.db'}")
    yield Memory(engine=engine, cases=CaseStore(engine), audit=AuditLog(engine))
    engine.dispose()


def test_default_checkpoint_file_in_workdir(tmp_path: Path) -> None:
    twin = small_twin()
    upf_overloaded(twin)
    loop = ClosedLoop(twin, [UpfPlaybook()], workdir=tmp_path)
    _drive(loop, 3)
    loop.close()
    assert (tmp_path / "checkpoints.sqlite").is_file()
    (out,) = loop.outcomes()
    assert set(out) == OUTCOME_KEYS and out["status"] == "fulfilled"
    assert out["run_id"] == "loop-00001"


def test_approval_pending_until_a_human_answers() -> None:
    twin = small_twin()
    upf = upf_overloaded(twin)
    before = instances(twin, upf)
    loop = ClosedLoop(twin, [UpfPlaybook(approve=True)], checkpointer=InMemorySaver())
    (report,) = _drive(loop, 1)
    assert report.waiting_approval == ["loop-00001"] and report.applied == []
    (pending,) = loop.pending_approvals()
    assert pending["run_id"] == "loop-00001" and pending["incident_ids"] == ["I00001"]
    assert "approved by a human" in pending["reasons"]["I00001"]
    assert loop.outcomes()[0]["status"] == "awaiting_approval"
    assert twin.actions == []  # nothing applied before the answer
    loop.approve("loop-00001", approved=True, by="alice", comment="go")
    assert loop.pending_approvals() == []
    applied = len(twin.actions)
    assert applied >= 1 and instances(twin, upf) == before + applied
    report = loop.tick()  # what the approval applied is reported at the next tick
    assert len(report.applied) == applied
    _drive(loop, 2)
    out = loop.outcomes()[0]
    assert out["status"] == "fulfilled" and out["human"] is True
    assert out["decisions"][0]["approval"]["by"] == "alice"
    assert any(e["actor"] == "human:alice" for e in loop.trace("loop-00001"))


def test_denied_approval_escalates_and_applies_nothing() -> None:
    twin = small_twin()
    upf_overloaded(twin)
    loop = ClosedLoop(twin, [UpfPlaybook(approve=True)], checkpointer=InMemorySaver())
    _drive(loop, 1)
    loop.approve("loop-00001", approved=False, by="bob")
    out = loop.outcomes()[0]
    assert out["status"] == "escalated" and out["human"] is True
    assert out["decisions"][-1]["chosen"] is None and out["executions"] == []
    assert twin.actions == []


def test_approver_answers_after_a_delay() -> None:
    twin = small_twin()
    upf_overloaded(twin)
    asked: list[str] = []

    def operator(run_id: str, payload: dict) -> Approval | None:
        asked.append(run_id)
        if len(asked) < 3:  # answers on the third time it is asked (two ticks later)
            return None
        return Approval(approved=True, by="operator", at=twin.now.isoformat())

    loop = ClosedLoop(
        twin, [UpfPlaybook(approve=True)], checkpointer=InMemorySaver(), approver=operator
    )
    reports = _drive(loop, 3)
    assert [r.waiting_approval for r in reports] == [["loop-00001"], ["loop-00001"], []]
    assert len(reports[2].applied) >= 1 and asked == ["loop-00001"] * 3


@pytest.mark.parametrize(
    ("run_id", "message"), [("loop-00042", "no run 'loop-00042'"), ("loop-00001", "no pending")]
)
def test_approve_errors(run_id: str, message: str) -> None:
    twin = small_twin()
    upf_overloaded(twin)
    loop = ClosedLoop(twin, [UpfPlaybook()], checkpointer=InMemorySaver())
    _drive(loop, 1)
    n = len(twin.actions)
    with pytest.raises(LoopError, match=message):
        loop.approve(run_id, by="alice")
    assert len(twin.actions) == n


def test_trace_of_an_unknown_run() -> None:
    loop = ClosedLoop(small_twin(), [UpfPlaybook()], checkpointer=InMemorySaver())
    with pytest.raises(LoopError, match="no run 'loop-00009'"):
        loop.trace("loop-00009")


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        ({"id": "R1", "kind": "slice", "arguments": {}}, "no playbook for request kind 'slice'"),
        ({"id": "R1"}, "needs 'id', 'kind' and 'arguments'"),
    ],
)
def test_bad_requests(request_: dict, message: str) -> None:
    loop = ClosedLoop(small_twin(), [UpfPlaybook()], checkpointer=InMemorySaver())
    with pytest.raises(LoopError, match=message):
        loop.submit(request_)  # type: ignore[arg-type]


def test_bad_playbooks() -> None:
    with pytest.raises(LoopError, match="two playbooks for kind 'upf'"):
        ClosedLoop(small_twin(), [UpfPlaybook(), UpfPlaybook()], checkpointer=InMemorySaver())
    with pytest.raises(LoopError, match="is not a Playbook"):
        ClosedLoop(small_twin(), [object()], checkpointer=InMemorySaver())  # type: ignore[list-item]


def test_a_request_is_perceived_at_the_next_tick() -> None:
    twin = small_twin()
    loop = ClosedLoop(twin, [UpfPlaybook()], checkpointer=InMemorySaver())
    upf = twin.compiled.upf_ids[0]
    loop.submit({"id": "R1", "kind": "upf", "agent": "change_executor",
                 "arguments": {"upf": upf}, "submitted_at": twin.now.isoformat()})  # fmt: skip
    assert loop.outcomes() == []
    (report,) = _drive(loop, 1)
    assert [i["key"] for i in report.opened] == ["request:R1"]
    assert report.opened[0]["evidence"]["request"]["id"] == "R1"


def test_memory_stores_cases_audits_and_retrieves_them(memory: Memory) -> None:
    twin = small_twin()
    fault = twin.inject_fault("upf_overload", twin.compiled.upf_ids[0], load_share=1.5)
    loop = ClosedLoop(twin, [UpfPlaybook()], checkpointer=InMemorySaver(), memory=memory)
    _drive(loop, 3)
    assert memory.cases.count(verdict="verified") == 1
    trace = loop.trace("loop-00001")
    audit = memory.audit.entries(run_id="loop-00001")
    assert [(a.actor, a.action) for a in audit] == [(e["actor"], e["step"]) for e in trace]
    twin.clear_fault(fault.fault_id)
    _drive(loop, 2)  # the alarm clears: the key is freed
    assert loop.ctx.book.open == {}
    twin.inject_fault("upf_overload", twin.compiled.upf_ids[0], load_share=1.5)
    _drive(loop, 1)
    second = loop.outcomes()[1]
    (similar,) = second["analysis"]["similar_cases"]
    # identical signatures: weighted Jaccard 1.0; the stored remedy comes back as ActionSteps
    assert similar["similarity"] == 1.0 and similar["fault_type"] == "upf_overload"
    assert {a["kind"] for a in similar["actions"]} == {"upf_scale_out"}


def test_without_memory_setting_nothing_is_stored(memory: Memory) -> None:
    twin = small_twin()
    upf_overloaded(twin)
    loop = ClosedLoop(
        twin, [UpfPlaybook()], checkpointer=InMemorySaver(), memory=memory,
        settings=LoopSettings(use_memory=False),
    )  # fmt: skip
    _drive(loop, 3)
    assert loop.outcomes()[0]["status"] == "fulfilled"
    assert memory.cases.count() == 0


def test_bad_name() -> None:
    with pytest.raises(LoopError, match="name must be"):
        ClosedLoop(small_twin(), [UpfPlaybook()], checkpointer=InMemorySaver(), name="a/b")


def test_learning_retrains_a_registered_model_when_due(tmp_path: Path) -> None:
    import numpy as np
    from sklearn.dummy import DummyRegressor

    from autonet.knowledge.memory import ModelRegistry, Retrainer

    engine = init_db(f"sqlite:///{tmp_path / 'memory.db'}")
    registry = ModelRegistry(engine)
    memory = Memory(engine=engine, cases=CaseStore(engine), audit=AuditLog(engine),
                    registry=registry)  # fmt: skip
    X, y = np.arange(8.0).reshape(-1, 1), np.arange(8.0)  # mean of y = 3.5
    retrainer = Retrainer(registry, "toy", DummyRegressor)
    twin = small_twin()
    upf_overloaded(twin)
    loop = ClosedLoop(twin, [UpfPlaybook()], checkpointer=InMemorySaver(), memory=memory)
    loop.ctx.models["retrainers"] = [(retrainer, lambda: (X, y, X, y))]
    assert registry.active("toy") is None  # no active model: retraining is due
    _drive(loop, 3)
    model = registry.load("toy")
    assert model.predict(np.zeros((1, 1)))[0] == pytest.approx(3.5)
    assert [e["step"] for e in loop.trace("loop-00001")][-1] == "retrain"
    assert not retrainer.due()  # 1 new verified case < min_new_cases (20)
    engine.dispose()
