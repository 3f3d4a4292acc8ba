"""The field crew consumes work orders on the twin: repairs after the repair time, or no fault."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from loop_helpers import small_twin

from autonet.errors import BadInputError
from autonet.knowledge.memory import init_db
from autonet.knowledge.memory.work_orders import WorkOrderStore
from autonet.platform.field import process_work_orders
from autonet.platform.scenarios.common import FieldRepair, RepairModel
from autonet.twin import Twin, active_faults

TWO_HOURS = FieldRepair(RepairModel(median_h=2.0, min_h=0.5, kind="fixed"))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[WorkOrderStore]:
    engine = init_db(f"sqlite:///{tmp_path / 'memory.db'}")
    yield WorkOrderStore(engine)
    engine.dispose()


def _now(twin: Twin) -> datetime:
    return twin.now.replace(tzinfo=UTC)


def test_crew_repairs_the_fault_after_the_repair_time(store: WorkOrderStore) -> None:
    twin = small_twin()
    fault = twin.inject_fault("site_power_failure", "S0002", battery_minutes=0)
    store.create("S0002-C1", "cell", reason="cell dead", by="ana", opened_at=_now(twin))
    t0 = _now(twin)
    (started,) = process_work_orders(twin, store, repair=TWO_HOURS)
    assert (started.status, started.due_at) == ("in_progress", t0 + timedelta(hours=2))
    twin.run(7)  # 1 h 45 min of 15-min steps: not due yet
    assert process_work_orders(twin, store, repair=TWO_HOURS) == []
    assert fault.fault_id in active_faults(twin)
    twin.run(1)  # 2 h
    (done,) = process_work_orders(twin, store, repair=TWO_HOURS)
    assert done.status == "completed" and done.completed_at == t0 + timedelta(hours=2)
    assert done.findings == {
        "result": "repaired",
        "faults": [{"fault_id": fault.fault_id, "fault_type": "site_power_failure",
                    "node": "S0002"}],
    }  # fmt: skip
    assert fault.fault_id not in active_faults(twin)  # the crew cleared it (its site)


def test_order_without_a_fault_completes_as_no_fault_found(store: WorkOrderStore) -> None:
    twin = small_twin()
    twin.inject_fault("upf_overload", twin.compiled.upf_ids[0], load_share=1.5)  # not on site
    store.create("S0003", "site", reason="check", by="ana", opened_at=_now(twin))
    process_work_orders(twin, store, repair=TWO_HOURS)
    twin.run(8)
    (done,) = process_work_orders(twin, store, repair=TWO_HOURS)
    assert done.findings == {"result": "no fault found", "faults": []}
    assert len(active_faults(twin)) == 1  # the overload is no crew's job


def test_repair_times_are_deterministic_per_seed(tmp_path: Path) -> None:
    dues = []
    for run in range(2):
        engine = init_db(f"sqlite:///{tmp_path / f'm{run}.db'}")
        store = WorkOrderStore(engine)
        twin = small_twin()
        for site in ("S0001", "S0004"):
            store.create(site, "site", reason="check", by="ana", opened_at=_now(twin))
        dues.append([o.due_at for o in process_work_orders(twin, store, seed=11)])
        engine.dispose()
    assert dues[0] == dues[1] and dues[0][0] != dues[0][1]  # per order, same per seed
    assert all(d is not None and d >= _now(small_twin()) + timedelta(minutes=30) for d in dues[0])


def test_bad_now_is_refused(store: WorkOrderStore) -> None:
    with pytest.raises(BadInputError, match="now must be a datetime"):
        process_work_orders(small_twin(), store, "noon")  # type: ignore[arg-type]


def test_the_loops_field_repair_hand_over_reaches_the_crew(tmp_path: Path) -> None:
    from langgraph.checkpoint.memory import InMemorySaver

    from autonet.agents.playbook import Memory
    from autonet.agents.playbooks import make_playbook
    from autonet.knowledge.memory import AuditLog, CaseStore
    from autonet.platform.loop import ClosedLoop

    engine = init_db(f"sqlite:///{tmp_path / 'memory.db'}")
    memory = Memory(engine=engine, cases=CaseStore(engine), audit=AuditLog(engine))
    twin = small_twin(n_sites=12)
    twin.run(6)
    fault = twin.inject_fault("site_power_failure", "S0004", battery_minutes=0)
    loop = ClosedLoop(twin, [make_playbook("fault")], memory=memory, checkpointer=InMemorySaver())
    store = WorkOrderStore(engine)
    for _ in range(20):  # 5 h: detect, compensate, hand over, 2 h of repair
        twin.step()
        loop.tick()
        process_work_orders(twin, store, repair=TWO_HOURS)
    (order,) = store.list()
    assert (order.target, order.target_kind, order.source) == ("S0004", "site", "incident:I00001")
    assert order.status == "completed" and order.findings["result"] == "repaired"
    assert fault.fault_id not in active_faults(twin)
    engine.dispose()
