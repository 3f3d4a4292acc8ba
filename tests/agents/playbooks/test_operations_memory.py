"""Playbooks and the operations tables: the congestion playbook reads the operators' calendar,
the fault playbook's field-repair hand-over raises a work order (both only with a memory)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import pytest

from autonet.agents.playbook import LoopContext, Memory
from autonet.agents.playbooks._fault_remedies import FIELD_REPAIR_ID, hand_to_field
from autonet.agents.playbooks.congestion import CongestionPlaybook
from autonet.knowledge.memory import AuditLog, CaseStore, init_db
from autonet.knowledge.memory.calendar import EventCalendarStore
from autonet.knowledge.memory.work_orders import WorkOrderStore
from autonet.twin import Twin, build_topology


@pytest.fixture
def twin() -> Twin:
    twin = Twin(build_topology(n_sites=6, seed=3), seed=3)
    twin.run(4)
    return twin


@pytest.fixture
def memory(tmp_path: Path) -> Iterator[Memory]:
    engine = init_db(f"sqlite:///{tmp_path / 'memory.db'}")
    yield Memory(engine=engine, cases=CaseStore(engine), audit=AuditLog(engine))
    engine.dispose()


def test_congestion_playbook_reads_the_calendar_in_the_memory(twin: Twin, memory: Memory) -> None:
    store = EventCalendarStore(memory.engine)
    now = twin.now.replace(tzinfo=UTC)
    cells = ["S0001-C1", "S0001-C2"]
    derby = store.add("derby", start=now + timedelta(hours=2), end=now + timedelta(hours=4),
                      cells=cells, surge_factor=3.0, by="ana")  # fmt: skip
    store.add("fair", start=now + timedelta(hours=2), end=now + timedelta(hours=3),
              area="fairground", expected_attendance=500, by="ana")  # fmt: skip
    pb = CongestionPlaybook()
    ctx = LoopContext(twin=twin, playbooks={"congestion": pb}, memory=memory)
    pb.read_calendar(ctx)
    (ev,) = pb.calendar  # the fair names a place the topology cannot locate: not placed
    assert (ev.name, ev.cells, ev.multiplier) == (f"derby#cal{derby.id}", tuple(cells), 3.0)
    assert ev.start == twin.now + timedelta(hours=2)  # on the twin's (naive UTC) clock
    store.remove(derby.id)
    pb.read_calendar(ctx)
    assert pb.calendar == []


def test_congestion_playbook_keeps_its_own_calendar_without_memory(twin: Twin) -> None:
    pb = CongestionPlaybook()
    pb.read_calendar(LoopContext(twin=twin, playbooks={"congestion": pb}))
    assert pb.calendar == []


def _analysis(node: str, fault_type: str) -> Any:
    return {"hypotheses": [{"node": node, "fault_type": fault_type, "score": 0.9}]}


def test_field_repair_hand_over_raises_one_work_order(twin: Twin, memory: Memory) -> None:
    ctx = LoopContext(twin=twin, playbooks={}, memory=memory)
    chosen: Any = {"id": FIELD_REPAIR_ID, "actions": []}
    incident: Any = {"id": "I00004"}
    wid = hand_to_field(ctx, incident, _analysis("S0002", "site_power_failure"), chosen)
    assert wid == "WO-00001"
    assert hand_to_field(ctx, incident, _analysis("S0002", "site_power_failure"), chosen) == wid
    (order,) = WorkOrderStore(memory.engine).list()
    assert (order.target, order.target_kind, order.priority, order.source) == (
        "S0002", "site", "P1", "incident:I00004",
    )  # fmt: skip
    assert order.opened_at == twin.now.replace(tzinfo=UTC)


def test_no_work_order_without_memory_or_for_a_remote_remedy(twin: Twin, memory: Memory) -> None:
    incident: Any = {"id": "I00001"}
    analysis = _analysis("S0002-C1", "cell_outage")
    bare = LoopContext(twin=twin, playbooks={})
    assert hand_to_field(bare, incident, analysis, {"id": FIELD_REPAIR_ID, "actions": []}) is None  # type: ignore[typeddict-item]
    ctx = LoopContext(twin=twin, playbooks={}, memory=memory)
    restart: Any = {"id": "c1", "actions": [{"kind": "restart", "target": "S0002-C1"}]}
    assert hand_to_field(ctx, incident, analysis, restart) is None  # fixed remotely
    assert WorkOrderStore(memory.engine).list() == []


def test_a_compensation_leaves_the_broken_element_to_the_crew(twin: Twin, memory: Memory) -> None:
    ctx = LoopContext(twin=twin, playbooks={}, memory=memory)
    link = twin.compiled.link_ids[0]
    reroute: Any = {"id": "c2", "actions": [{"kind": "reroute", "target": link}]}
    wid = hand_to_field(ctx, {"id": "I00002"}, _analysis(link, "fibre_cut"), reroute)  # type: ignore[arg-type]
    (order,) = WorkOrderStore(memory.engine).list()
    assert (order.work_order_id, order.target, order.target_kind) == (wid, link, "link")
