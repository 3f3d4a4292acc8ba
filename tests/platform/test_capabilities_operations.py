"""The operations capabilities on the memory: calendar filters, ticket updates, work orders."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from loop_helpers import UpfPlaybook, small_twin

from autonet.agents.playbook import Memory
from autonet.knowledge.memory import AuditLog, CaseStore, init_db
from autonet.knowledge.memory.calendar import EventCalendarStore
from autonet.knowledge.memory.tickets import TicketStore
from autonet.platform.capabilities import (
    CapabilityContext,
    event_calendar,
    field_dispatch,
    ticketing,
)
from autonet.platform.loop import ClosedLoop


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[CapabilityContext]:
    engine = init_db(f"sqlite:///{tmp_path / 'memory.db'}")
    memory = Memory(engine=engine, cases=CaseStore(engine), audit=AuditLog(engine))
    loop = ClosedLoop(small_twin(n_sites=6), [UpfPlaybook()], checkpointer=InMemorySaver())
    yield CapabilityContext(loop, memory, actor="ana", text="customers report no signal")
    engine.dispose()


def test_calendar_by_region_cells_and_weekday(ctx: CapabilityContext) -> None:
    assert ctx.memory is not None
    store = EventCalendarStore(ctx.memory.engine)
    G = ctx.twin.compiled.graph
    region = G.nodes["S0001"]["region"]
    monday = datetime(2026, 1, 5, 19, 0, tzinfo=UTC)  # the twin starts on Monday 5 Jan 2026
    store.add("gig", start=monday, end=monday + timedelta(hours=2), cells=["S0001-C1"],
              surge_factor=2.0, by="ana")  # fmt: skip
    store.add("fair", start=monday + timedelta(days=5), end=monday + timedelta(days=5, hours=3),
              area=region, expected_attendance=800, by="ana")  # fmt: skip
    out = event_calendar(ctx, {"area": region})
    assert [e["name"] for e in out["events"]] == ["gig", "fair"]  # by cells, by area; by start
    saturday = event_calendar(ctx, {"area": region, "days": ["sat"]})
    assert [e["name"] for e in saturday["events"]] == ["fair"]
    assert event_calendar(ctx, {"area": "stadium"})["count"] == 0


def test_ticket_opened_with_the_words_then_updated(ctx: CapabilityContext) -> None:
    first = ticketing(ctx, {"target": "S0002"})
    assert (first["action"], first["priority"]) == ("opened", "P3")
    assert first["summary"].startswith("customers report no signal")
    second = ticketing(ctx, {"target": "S0002"})
    assert (second["action"], second["ticket_id"]) == ("updated", first["ticket_id"])
    assert second["history"][-1]["comment"] == "customers report no signal"
    assert ctx.memory is not None
    assert len(TicketStore(ctx.memory.engine).list()) == 1


def test_work_order_for_a_cell_names_the_cell(ctx: CapabilityContext) -> None:
    out = field_dispatch(ctx, {"target": "S0002-C3", "priority": "P4"})
    assert (out["target"], out["target_kind"], out["priority"]) == ("S0002-C3", "cell", "P4")
    assert out["reason"] == "customers report no signal" and out["created_by"] == "ana"
    assert out["opened_at"] == ctx.twin.now.replace(tzinfo=UTC).isoformat()
