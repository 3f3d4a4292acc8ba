"""Field work orders in the memory database: create, list, start, complete, cancel."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from autonet.errors import BadInputError, ConflictError, NotFoundError
from autonet.knowledge.memory import init_db
from autonet.knowledge.memory.work_orders import WorkOrderStore

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[WorkOrderStore]:
    engine = init_db(f"sqlite:///{tmp_path / 'memory.db'}")
    yield WorkOrderStore(engine)
    engine.dispose()


def test_lifecycle_open_start_complete(store: WorkOrderStore) -> None:
    wo = store.create("S0012", "site", priority="P1", reason="power failure", by="ana",
                      opened_at=T0, source="incident:I00001")  # fmt: skip
    assert (wo.work_order_id, wo.status, wo.opened_at) == ("WO-00001", "open", T0)
    assert [w.id for w in store.active_for("S0012")] == [1]
    started = store.start("WO-00001", at=T0, due_at=T0 + timedelta(hours=4))
    assert (started.status, started.due_at) == ("in_progress", T0 + timedelta(hours=4))
    done = store.complete(1, at=T0 + timedelta(hours=4), findings={"result": "repaired"})
    assert (done.status, done.findings) == ("completed", {"result": "repaired"})
    assert store.active_for("S0012") == []
    assert [w.id for w in store.list(status="completed")] == [1]
    assert [w.id for w in store.list(source="incident:I00001")] == [1]
    assert store.get(1).as_dict()["completed_at"] == "2026-01-05T12:00:00+00:00"


def test_cancel_and_conflicts(store: WorkOrderStore) -> None:
    store.create("L0003", "link", reason="fibre cut", by="ana", opened_at=T0)
    out = store.cancel(1, by="bob", reason="rerouted, no visit needed")
    assert (out.status, out.note) == ("cancelled", "bob: rerouted, no visit needed")
    with pytest.raises(ConflictError, match="cannot start work order WO-00001: it is cancelled"):
        store.start(1, at=T0, due_at=T0)
    with pytest.raises(ConflictError, match="cannot complete"):
        store.complete(1, at=T0, findings={})


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"target_kind": "upf"}, r"target_kind must be one of \['site', 'cell', 'link'\]"),
        ({"priority": "high"}, "priority must be one of"),
        ({"reason": ""}, "reason must be a non-empty string"),
    ],
)
def test_bad_input_says_what_is_expected(store: WorkOrderStore, kwargs, match: str) -> None:  # type: ignore[no-untyped-def]
    args = {"target_kind": "site", "priority": "P3", "reason": "check", **kwargs}
    with pytest.raises(BadInputError, match=match):
        store.create("S0001", args.pop("target_kind"), by="ana", opened_at=T0, **args)


def test_start_due_before_start_and_missing_order(store: WorkOrderStore) -> None:
    store.create("S0001-C1", "cell", reason="check", by="ana", opened_at=T0)
    with pytest.raises(BadInputError, match=r"due_at .* is before the start"):
        store.start(1, at=T0, due_at=T0 - timedelta(minutes=1))
    with pytest.raises(NotFoundError, match="no work order 'WO-00007'"):
        store.get("WO-00007")
    with pytest.raises(BadInputError, match="status must be among"):
        store.list(status="done")
