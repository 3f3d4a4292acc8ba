"""Durability: runs survive the controller (stop before verification, crash inside execution),
actions are never applied twice, and corrupt checkpoints give clear errors."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest
from loop_helpers import UpfPlaybook, instances, small_twin, upf_overloaded

from autonet.platform.checkpoint import CheckpointError, open_checkpointer
from autonet.platform.loop import ClosedLoop
from autonet.twin import Twin, build_topology


class ControllerCrashError(RuntimeError):
    """The controller process dies (raised from inside the execution agent)."""


class CrashingTwin(Twin):
    """A real twin whose action API fails once after ``crash_after`` applies (fault injection)."""

    crash_after: int | None = None

    def apply(self, kind: str, target: str, **params: Any):  # type: ignore[no-untyped-def]
        if self.crash_after is not None and len(self.actions) >= self.crash_after:
            self.crash_after = None
            raise ControllerCrashError("controller killed inside execution")
        return super().apply(kind, target, **params)


def test_stop_between_execution_and_verification_then_resume(tmp_path: Path) -> None:
    db = tmp_path / "cp.sqlite"
    twin = small_twin()
    upf = upf_overloaded(twin)
    before = instances(twin, upf)
    saver = open_checkpointer(db)
    loop = ClosedLoop(twin, [UpfPlaybook()], checkpointer=saver)
    twin.step()
    report = loop.tick()
    applied = len(twin.actions)
    assert applied == len(report.applied) >= 1
    assert loop.runs() == {"loop-00001": "waiting_verification"}
    saver.conn.close()  # the controller stops: graph, loop and connection are thrown away
    del loop, saver

    twin.step()  # the network outlives the controller
    loop = ClosedLoop(twin, [UpfPlaybook()], checkpointer=open_checkpointer(db))
    assert loop.recover() == ["loop-00001"]
    assert loop.tick().verdicts == []  # not due yet (settle_steps = 2)
    twin.step()
    report = loop.tick()
    assert [v["status"] for v in report.verdicts] == ["FULFILLED"]
    assert report.opened == []  # the incident's key was restored: not perceived again
    assert len(twin.actions) == applied  # no action applied twice
    assert instances(twin, upf) == before + applied
    steps = [e["step"] for e in loop.trace("loop-00001")]
    assert steps.count("execute") == applied and steps[-2:] == ["verify", "learn"]
    twin.step()
    assert loop.tick().opened == [] and len(loop.outcomes()) == 1
    loop.close()
    assert ClosedLoop(twin, [UpfPlaybook()], workdir=tmp_path).recover() == []  # other file


def test_crash_inside_execution_resumes_without_reapplying(tmp_path: Path) -> None:
    db = tmp_path / "cp.sqlite"
    twin = CrashingTwin(build_topology(n_sites=12, seed=3), seed=3)
    twin.run(2)
    upf = upf_overloaded(twin)
    before = instances(twin, upf)
    twin.crash_after = 1  # dies after the first of the two actions
    loop = ClosedLoop(twin, [UpfPlaybook(two_step_first=True)], checkpointer=open_checkpointer(db))
    twin.step()
    with pytest.raises(ControllerCrashError):
        loop.tick()
    assert len(twin.actions) == 1
    loop.saver.conn.close()
    del loop

    loop = ClosedLoop(twin, [UpfPlaybook(two_step_first=True)], checkpointer=open_checkpointer(db))
    assert loop.recover() == ["loop-00001"]
    assert loop.runs() == {"loop-00001": "interrupted"}
    report = loop.tick()  # resumes the run inside execution
    assert [(a["key"].rsplit("/", 1)[1], a["reused"]) for a in report.applied] == [
        ("0", True),
        ("1", False),
    ]
    assert len(twin.actions) == 2 and instances(twin, upf) == before + 2
    twin.step()
    loop.tick()
    twin.step()
    assert [v["status"] for v in loop.tick().verdicts] == ["FULFILLED"]
    loop.close()


def test_new_runs_do_not_reuse_thread_ids(tmp_path: Path) -> None:
    db = tmp_path / "cp.sqlite"
    twin = small_twin()
    upf_overloaded(twin)
    loop = ClosedLoop(twin, [UpfPlaybook()], checkpointer=open_checkpointer(db))
    twin.step()
    loop.tick()
    loop.saver.conn.close()
    other = small_twin()
    upf_overloaded(other)
    loop = ClosedLoop(other, [UpfPlaybook()], checkpointer=open_checkpointer(db))
    other.step()
    assert [i["id"] for i in loop.tick().opened] == ["I00001"]
    assert "loop-00002" in loop.runs()
    loop.saver.conn.close()


def test_a_file_that_is_not_sqlite_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "checkpoints.sqlite"
    bad.write_bytes(b"this is not a database at all" * 10)
    twin = small_twin()
    with pytest.raises(CheckpointError, match=r"checkpoints\.sqlite.*not an SQLite database"):
        ClosedLoop(twin, [UpfPlaybook()], workdir=tmp_path)
    assert twin.actions == []
    with pytest.raises(CheckpointError, match="is a directory"):
        open_checkpointer(tmp_path)
    with pytest.raises(CheckpointError, match="unsupported checkpoint URL"):
        open_checkpointer("mysql://x@y/z")


def test_garbage_rows_are_a_clear_error(tmp_path: Path) -> None:
    db = tmp_path / "cp.sqlite"
    twin = small_twin()
    upf_overloaded(twin)
    loop = ClosedLoop(twin, [UpfPlaybook()], checkpointer=open_checkpointer(db))
    twin.step()
    loop.tick()
    loop.saver.conn.close()
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE checkpoints SET checkpoint = x'c1c1c1c1', type = 'msgpack'")
    n = len(twin.actions)
    loop = ClosedLoop(twin, [UpfPlaybook()], checkpointer=open_checkpointer(db))
    with pytest.raises(CheckpointError, match=r"loop-00001.*unreadable"):
        loop.recover()
    with pytest.raises(CheckpointError, match="unreadable"):
        loop.trace("loop-00001")
    assert len(twin.actions) == n  # nothing applied


@pytest.mark.postgres
def test_postgres_checkpointer(pg_url: str) -> None:
    twin = small_twin()
    upf_overloaded(twin)
    name = f"pg{uuid.uuid4().hex[:10]}"
    saver = open_checkpointer(pg_url)
    loop = ClosedLoop(twin, [UpfPlaybook()], checkpointer=saver, name=name)
    for _ in range(3):
        twin.step()
        loop.tick()
    assert loop.outcomes()[0]["status"] == "fulfilled"
    saver.conn.close()
    again = ClosedLoop(twin, [UpfPlaybook()], checkpointer=open_checkpointer(pg_url), name=name)
    assert again.recover() == []
    assert [e["step"] for e in again.trace(f"{name}-00001")][-1] == "learn"
    again.saver.conn.close()
