"""The front door on a real session: every kind of decision, carried out the one way it should."""

from __future__ import annotations

from pathlib import Path

import pytest

from autonet.errors import BadInputError, UnavailableError
from autonet.knowledge.memory.tickets import TicketStore
from autonet.platform.config import Settings
from autonet.platform.service import NetworkSession

CELL = "S0003-C1"


def _tilt(session: NetworkSession, cell: str = CELL) -> float:
    topo = session.twin.compiled
    return float(session.twin.state.cell_tilt_deg[topo.cell_index[cell]])


def test_heal_then_ticket_runs_both_steps_and_the_ticket_is_listable(
    session: NetworkSession,
) -> None:
    r = session.submit("heal the outage at S0012, then open a ticket", caller="ana",
                       role="operator")  # fmt: skip
    assert r.decision["action"] == "MULTI_AGENT_PLAN"
    assert [s["agent"] for s in r.result["steps"]] == ["rca_locator", "ticketing"]
    assert r.status == "answered"
    tickets = TicketStore(session.memory.engine).list()
    assert [t.target for t in tickets] == ["S0012"]


def test_a_viewer_asking_for_a_tilt_is_escalated_and_nothing_changes(
    session: NetworkSession,
) -> None:
    before, actions = _tilt(session), len(session.twin.actions)
    r = session.submit(f"tilt {CELL} down by 2", caller="vic", role="viewer")
    assert r.status == "escalated"
    assert "viewer" in r.reason
    assert (_tilt(session), len(session.twin.actions)) == (before, actions)


def test_a_tilt_goes_through_the_loop_and_the_fourth_within_an_hour_is_refused(
    session: NetworkSession,
) -> None:
    start = _tilt(session)
    done = []
    for _ in range(3):
        r = session.submit(f"tilt {CELL} down by 1", caller="ana", role="operator")
        assert r.status in ("in_progress", "done"), r.reason
        assert [(a["kind"], a["target"]) for a in r.actions] == [("tilt", CELL)]
        done.append(r.id)
        session.advance(15)
    assert _tilt(session) == pytest.approx(start + 3.0)  # downtilt grows by 1 degree each time
    fourth = session.submit(f"tilt {CELL} down by 1", caller="ana", role="operator")
    assert fourth.status == "rejected"
    assert "radio-tuning-frequency" in fourth.reason
    assert fourth.actions == []
    assert _tilt(session) == pytest.approx(start + 3.0)
    session.advance(60)
    assert [session.service.get(i).status for i in done] == ["done"] * 3


def test_directions_are_right_uptilt_decreases_downtilt(session: NetworkSession) -> None:
    start = _tilt(session)
    r = session.submit(f"uptilt {CELL} by 2", caller="ana", role="operator")
    assert r.status in ("in_progress", "done"), r.reason
    assert _tilt(session) == pytest.approx(start - 2.0)


def test_a_high_impact_change_waits_for_approval_until_decided(session: NetworkSession) -> None:
    actions = len(session.twin.actions)
    r = session.submit(f"lock cell {CELL}", caller="ana", role="admin")
    assert r.status == "pending_approval", r.reason
    pending = session.approvals()
    assert [p["requests"] for p in pending] == [[r.id]]
    assert len(session.twin.actions) == actions  # nothing applied while it waits
    session.advance(30)
    assert session.service.get(r.id).status == "pending_approval"
    assert len(session.twin.actions) == actions
    out = session.decide(pending[0]["id"], approve=False, by="lead", comment="not tonight")
    assert out["approved"] is False
    assert session.service.get(r.id).status in ("rejected", "escalated")
    assert len(session.twin.actions) == actions
    assert session.approvals() == []


def test_an_approved_change_is_applied_and_verified(session: NetworkSession) -> None:
    r = session.submit(f"lock cell {CELL}", caller="ana", role="admin")
    (pending,) = session.approvals()
    session.decide(pending["id"], approve=True, by="lead")
    assert session.service.get(r.id).actions[0]["target"] == CELL
    session.advance(60)
    assert session.service.get(r.id).status == "done"


def test_a_question_is_answered_and_an_incomplete_request_asks_for_what_is_missing(
    session: NetworkSession,
) -> None:
    answered = session.submit("what does RRU.PrbUsedDl measure?", caller="ana", role="operator")
    assert answered.status == "answered"
    assert "PRB" in answered.result["answer"]
    incomplete = session.submit("provision a network slice", caller="ana", role="operator")
    assert incomplete.status == "needs_info"
    assert "slice_type" in incomplete.reason and "area" in incomplete.reason


def test_a_read_runs_at_once_and_changes_nothing(session: NetworkSession) -> None:
    actions = len(session.twin.actions)
    r = session.submit("show the alarms of S0012", caller="ana", role="viewer")
    assert r.status == "answered"
    assert r.result["steps"][0]["agent"] == "alarm_reader"
    assert len(session.twin.actions) == actions


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"text": "", "caller": "ana", "role": "operator"}, "empty"),
        ({"text": "x" * 2001, "caller": "ana", "role": "operator"}, "2001 characters"),
        ({"text": "show alarms", "caller": "", "role": "operator"}, "caller"),
        ({"text": "show alarms", "caller": "ana", "role": "king"}, "unknown role 'king'"),
        ({"caller": "ana", "role": "operator"}, "either"),
        ({"text": "x", "expression": {}, "caller": "ana", "role": "operator"}, "either"),
    ],
)
def test_bad_requests_are_refused_and_nothing_is_stored(session: NetworkSession, kwargs: dict,
                                                        needle: str) -> None:  # fmt: skip
    with pytest.raises(BadInputError, match=needle):
        session.submit(**kwargs)
    assert session.service.list() == []


def test_a_structured_intent_is_stored_with_its_expression(session: NetworkSession) -> None:
    expr = {"intentExpectations": [{
        "expectationObject": {"objectType": "NetworkSlice"},
        "expectationTargets": [{"targetName": "dLLatency", "targetCondition": "IS_LESS_THAN",
                                "targetValueRange": 20}],
        "expectationContexts": [{"contextAttribute": "coverageArea",
                                 "contextValueRange": "north"},
                                {"contextAttribute": "sliceType", "contextValueRange": "eMBB"}],
    }]}  # fmt: skip
    r = session.submit(expression=expr, caller="ana", role="operator")
    assert r.expression == expr
    assert r.decision["agent"] == "slice_provisioner"
    assert r.decision["arguments"]["latency_ms"] == 20.0
    assert r.status in ("in_progress", "done", "rejected"), r.reason
    assert r.run_id is not None  # it went through the loop


def test_an_unreachable_llm_router_is_an_unavailable_backend_and_nothing_is_stored(
    home: Path,
) -> None:
    # nothing listens on the loopback's discard port
    settings = Settings(home=home, gate_backend="llm", llm_base_url="http://127.0.0.1:9/v1",
                        llm_timeout_s=2)  # fmt: skip
    with NetworkSession.load(home / "network", settings=settings) as s:
        with pytest.raises(UnavailableError, match="did not answer"):
            s.submit("show the alarms of S0012", caller="ana", role="operator")
        assert s.service.list() == []


def test_a_change_the_router_is_unsure_of_is_escalated_for_confirmation(
    session: NetworkSession,
) -> None:
    before, actions = _tilt(session), len(session.twin.actions)
    r = session.submit(f"increase the tilt of {CELL} by 2", caller="ana", role="operator")
    assert r.decision["agent"] == "change_executor"
    assert r.decision["confidence"] < 0.5
    assert r.status == "escalated"
    assert "a person must confirm" in r.reason
    assert (_tilt(session), len(session.twin.actions)) == (before, actions)
