"""Request records and learned state in the memory database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from autonet.errors import BadInputError, NotFoundError
from autonet.knowledge.memory.learned import LearnedStore
from autonet.knowledge.memory.requests import RequestStore


def test_requests_get_sequential_ids_and_keep_every_field(engine: Engine) -> None:
    store = RequestStore(engine)
    at = datetime(2026, 1, 5, 8, 15)
    a = store.create(text="tilt S0001-C1 down by 2", caller="ana", role="operator",
                     status="in_progress", decision={"action": "CALL_AGENT"}, network_time=at,
                     session_id="net-1")  # fmt: skip
    b = store.create(text="show alarms", caller="bo", role="viewer", status="answered")
    assert (a.id, b.id) == ("INT-0001", "INT-0002")
    actions = [{"id": "A00003", "kind": "tilt", "target": "S0001-C1", "params": {"delta_deg": 2},
                "undone": False}]  # fmt: skip
    store.update(a.id, status="done", actions=actions, verdict={"status": "FULFILLED"},
                 reason="verified", run_id="net-00002")  # fmt: skip
    got = store.get("INT-0001")
    assert got.status == "done"
    assert got.actions == actions
    assert got.verdict == {"status": "FULFILLED"}
    assert got.run_id == "net-00002"
    assert got.network_time == at.replace(tzinfo=UTC)  # naive times are stored as UTC
    assert got.decision == {"action": "CALL_AGENT"}
    assert [r.id for r in store.list(session_id="net-1")] == ["INT-0001"]
    assert [r.id for r in store.list(status="answered")] == ["INT-0002"]


def test_unfinished_requests_are_those_still_in_the_loop(engine: Engine) -> None:
    store = RequestStore(engine)
    for status in ("in_progress", "done", "pending_approval", "escalated"):
        store.create(text=status, caller="ana", role="operator", status=status)
    assert [r.text for r in store.unfinished()] == ["in_progress", "pending_approval"]


def test_bad_statuses_fields_and_unknown_ids_are_refused(engine: Engine) -> None:
    store = RequestStore(engine)
    with pytest.raises(BadInputError, match="unknown request status 'finished'"):
        store.create(text="x", caller="ana", role="operator", status="finished")
    with pytest.raises(BadInputError, match="caller"):
        store.create(text="x", caller="", role="operator", status="answered")
    rid = store.create(text="x", caller="ana", role="operator", status="answered").id
    with pytest.raises(BadInputError, match=r"cannot update \['caller'\]"):
        store.update(rid, caller="mallory")
    with pytest.raises(NotFoundError, match="no request 'INT-0099'"):
        store.get("INT-0099")
    with pytest.raises(BadInputError, match="limit"):
        store.list(limit=0)


def test_learned_state_outlives_the_store_object_and_is_scoped(engine: Engine) -> None:
    LearnedStore(engine, "net-a").put("priors", {"fibre_cut|reroute": [3, 4]})
    LearnedStore(engine, "net-b").put("priors", {"x|y": [0, 1]})
    again = LearnedStore(engine, "net-a")  # a new object: what a restarted process builds
    assert again.get("priors") == {"fibre_cut|reroute": [3, 4]}
    assert again.keys() == ["priors"]
    assert again.get("missing", 7) == 7
    again.put("priors", {"fibre_cut|reroute": [4, 5]})
    assert LearnedStore(engine, "net-a").get("priors") == {"fibre_cut|reroute": [4, 5]}
    with pytest.raises(ValueError, match="scope"):
        LearnedStore(engine, "")
