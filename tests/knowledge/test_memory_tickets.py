"""Trouble tickets in the memory database: open, list, update, close with who and why."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from autonet.errors import BadInputError, ConflictError, NotFoundError
from autonet.knowledge.memory import init_db
from autonet.knowledge.memory.tickets import TicketStore, ticket_number


@pytest.fixture
def store(tmp_path: Path) -> Iterator[TicketStore]:
    engine: Engine = init_db(f"sqlite:///{tmp_path / 'memory.db'}")
    yield TicketStore(engine)
    engine.dispose()


def test_open_list_get_and_close(store: TicketStore) -> None:
    when = datetime(2026, 1, 5, 9, 15)
    first = store.open("S0012", priority="P2", summary="outage", by="ana", network_time=when)
    second = store.open("S0003-C1", by="bob")
    assert (first.ticket_id, second.ticket_id) == ("TT-00001", "TT-00002")
    assert second.priority == "P3"  # the default
    assert [t.ticket_id for t in store.list()] == ["TT-00002", "TT-00001"]  # newest first
    assert [t.ticket_id for t in store.list(target="S0012")] == ["TT-00001"]
    got = store.get("TT-00001")
    assert (got.status, got.summary, got.opened_by) == ("open", "outage", "ana")
    assert got.network_time is not None and got.network_time.replace(tzinfo=None) == when
    closed = store.close(1, by="carla", reason="site back on air")
    assert (closed.status, closed.closed_by, closed.close_reason) == (
        "closed", "carla", "site back on air",
    )  # fmt: skip
    assert closed.closed_at is not None
    assert [h["what"] for h in closed.history] == ["opened", "closed"]
    assert [t.ticket_id for t in store.list(status="open")] == ["TT-00002"]
    assert [t.ticket_id for t in store.list(status="closed")] == ["TT-00001"]
    assert closed.as_dict()["ticket_id"] == "TT-00001"


def test_update_changes_priority_and_records_history(store: TicketStore) -> None:
    store.open("L0004", priority="P4", by="ana")
    out = store.update("TT-00001", by="bob", priority="P1", comment="customers hit")
    assert out.priority == "P1"
    assert out.history[-1]["priority"] == {"from": "P4", "to": "P1"}
    assert out.history[-1]["comment"] == "customers hit"


def test_closed_ticket_cannot_change(store: TicketStore) -> None:
    store.open("S0001", by="ana")
    store.close(1, by="ana", reason="done")
    with pytest.raises(ConflictError, match="closed"):
        store.close(1, by="ana", reason="again")
    with pytest.raises(ConflictError, match="closed"):
        store.update(1, by="ana", comment="late")


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda s: s.open("S0001", priority="urgent", by="ana"), r"priority must be one of"),
        (lambda s: s.open("", by="ana"), "target must be a non-empty"),
        (lambda s: s.open("S0001", by=""), "by must be a non-empty"),
        (lambda s: s.update(1, by="ana"), "needs a new priority or a comment"),
        (lambda s: s.close(1, by="ana", reason=" "), "reason must be a non-empty"),
        (lambda s: s.list(status="pending"), "status must be one of"),
        (lambda s: s.list(limit=0), "limit must be an integer >= 1"),
        (lambda s: s.get("ticket-7"), "ticket id must look like TT-00042"),
    ],
)
def test_bad_input_says_what_is_expected(store: TicketStore, call, match: str) -> None:  # type: ignore[no-untyped-def]
    store.open("S0001", by="ana")
    with pytest.raises(BadInputError, match=match):
        call(store)


def test_missing_ticket_is_not_found(store: TicketStore) -> None:
    with pytest.raises(NotFoundError, match="no ticket 'TT-00009'"):
        store.get("TT-00009")
    assert ticket_number("TT-00042") == ticket_number("42") == ticket_number(42) == 42
