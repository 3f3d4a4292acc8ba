"""Case memory: storing cases and retrieving similar ones, with similarities computed by hand."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from autonet.knowledge.memory import (
    ActionSpec,
    AuditLog,
    CaseStore,
    NewCase,
    Outcome,
    SymptomSignature,
    session_scope,
    weighted_jaccard,
)

LINK_DOWN = SymptomSignature(
    alarm_types={"LINK_DOWN", "CELL_UNAVAILABLE"},
    fault_domain="transport",
    node_kinds={"router", "cell"},
)
REROUTE = (ActionSpec("link_reroute", "R3-R4", {"via": "R5"}, True),)


def test_weighted_jaccard_by_hand() -> None:
    a = {"x": 1.0, "y": 0.5}
    b = {"x": 0.5, "z": 1.0}
    # minima: x 0.5; maxima: x 1 + y 0.5 + z 1 = 2.5
    assert weighted_jaccard(a, b) == pytest.approx(0.2)
    assert weighted_jaccard(a, a) == 1.0
    assert weighted_jaccard({}, {}) == 0.0


def test_signature_features_weigh_each_family() -> None:
    sig = SymptomSignature(
        alarm_types={"LINK_DOWN"},
        fault_domain="transport",
        node_kinds={"router"},
        kpi_deviations={"DRB.UEThpDl": -1.5, "RRU.PrbUsedDl": 6.0, "RRC.ConnMean": 0.0},
    )
    assert sig.features() == {
        "alarm:LINK_DOWN": 0.4,
        "domain:transport": 0.2,
        "kind:router": 0.15,
        "kpi:DRB.UEThpDl:down": pytest.approx(0.125),  # 0.25 * 1.5 / 3
        "kpi:RRU.PrbUsedDl:up": 0.25,  # capped at 3 z
    }
    assert SymptomSignature.from_dict(sig.as_dict()) == sig


def test_similar_cases_rank_by_hand_computed_similarity(engine: Engine) -> None:
    store = CaseStore(engine)
    verified = store.add(
        NewCase(LINK_DOWN, "R3", "fibre_cut", REROUTE, verdict="verified", run_id="run-1")
    )
    radio = SymptomSignature(
        alarm_types={"HIGH_INTERFERENCE"},
        fault_domain="ran",
        node_kinds={"cell"},
        kpi_deviations={"DRB.UEThpDl": -3.0},
    )
    store.add(NewCase(radio, "C7", "interference", (ActionSpec("tilt", "C7"),), "verified"))
    failed = store.add(NewCase(LINK_DOWN, "R3", "fibre_cut", REROUTE, verdict="failed"))

    query = SymptomSignature(
        alarm_types={"LINK_DOWN"}, fault_domain="transport", node_kinds={"router"}
    )
    # query: 0.4 + 0.2 + 0.15 = 0.75 (all shared); stored: 0.4+0.4+0.2+0.15+0.15 = 1.3
    expected = 0.75 / 1.3
    hits = store.similar(query)
    assert [(h.case.id, h.similarity) for h in hits] == [(verified, pytest.approx(expected))]
    assert hits[0].what_worked == REROUTE
    assert hits[0].case.root_cause_node == "R3"
    assert hits[0].case.run_id == "run-1"

    both = store.similar(query, verdicts=None)
    assert [h.case.id for h in both] == [verified, failed]  # tie: older first
    assert both[1].what_worked == ()
    assert store.similar(query, min_similarity=0.6) == []


def test_a_verdict_recorded_later_is_seen_by_retrieval(engine: Engine) -> None:
    store = CaseStore(engine)
    query = SymptomSignature(kpi_deviations={"DRB.UEThpDl": -3.0})
    assert store.similar(query) == []
    case_id = store.add(NewCase(SymptomSignature(kpi_deviations={"DRB.UEThpDl": -1.5})))
    assert store.similar(query) == []  # pending
    store.record_verdict(case_id, "verified", metrics={"DRB.UEThpDl": 41.0}, notes="recovered")
    hits = store.similar(query)
    # min(0.125, 0.25) / max(0.125, 0.25)
    assert [(h.case.id, h.similarity) for h in hits] == [(case_id, pytest.approx(0.5))]
    assert store.count(verdict="verified") == 1
    with session_scope(engine) as session:
        outcome = session.scalars(sa.select(Outcome)).one()
    assert (outcome.case_id, outcome.verdict, outcome.metrics) == (
        case_id,
        "verified",
        {"DRB.UEThpDl": 41.0},
    )
    assert store.get(case_id).resolved_at is not None


def test_a_second_store_sees_cases_written_by_another(engine: Engine) -> None:
    reader, writer = CaseStore(engine), CaseStore(engine)
    assert reader.similar(LINK_DOWN) == []
    case_id = writer.add(NewCase(LINK_DOWN, verdict="verified"))
    assert [h.case.id for h in reader.similar(LINK_DOWN)] == [case_id]
    assert reader.similar(LINK_DOWN)[0].similarity == pytest.approx(1.0)


def test_bad_input_is_refused(engine: Engine) -> None:
    store = CaseStore(engine)
    with pytest.raises(ValueError, match="unknown verdict 'done'"):
        store.add(NewCase(LINK_DOWN, verdict="done"))
    with pytest.raises(ValueError, match="k must be >= 1"):
        store.similar(LINK_DOWN, k=0)
    with pytest.raises(ValueError, match="min_similarity"):
        store.similar(LINK_DOWN, min_similarity=1.5)
    with pytest.raises(ValueError, match=r"kpi_deviations\['x'\] must be finite"):
        SymptomSignature(kpi_deviations={"x": float("nan")})
    with pytest.raises(LookupError, match="no case with id 99"):
        store.get(99)
    with pytest.raises(LookupError, match="no case with id 99"):
        store.record_verdict(99, "verified")
    with pytest.raises(ValueError, match="weights"):
        CaseStore(engine, weights={"alarm": 1.0})
    assert store.count() == 0


def test_audit_log_records_and_filters(engine: Engine) -> None:
    audit = AuditLog(engine)
    first = audit.record("decision", "action.apply", reason="PRB > 90%", target="C1", run_id="r1")
    audit.record("verification", "verdict", run_id="r2", details={"fulfilled": True})
    audit.record("decision", "action.undo", run_id="r1")
    run1 = audit.entries(run_id="r1")
    assert [(e.id, e.actor, e.action, e.reason, e.target) for e in run1] == [
        (first, "decision", "action.apply", "PRB > 90%", "C1"),
        (first + 2, "decision", "action.undo", "", None),
    ]
    assert [e.details for e in audit.entries(actor="verification")] == [{"fulfilled": True}]
    assert len(audit.entries(limit=2)) == 2
    assert audit.entries(since=run1[-1].at) == []
    with pytest.raises(ValueError, match=r"actor must have 1\.\.120 characters"):
        audit.record("", "x")
    with pytest.raises(ValueError, match="limit must be >= 1"):
        audit.entries(limit=0)


def test_top_k_keeps_the_oldest_among_ties(engine: Engine) -> None:
    store = CaseStore(engine)
    ids = store.add_many(NewCase(LINK_DOWN, verdict="verified") for _ in range(4))
    store.add(NewCase(SymptomSignature(alarm_types={"LINK_DOWN"}), verdict="verified"))
    hits = store.similar(LINK_DOWN, k=2)
    assert [(h.case.id, h.similarity) for h in hits] == [(ids[0], 1.0), (ids[1], 1.0)]
    # The partial match: 0.4 shared of 1.3 in all.
    assert store.similar(LINK_DOWN, k=5)[-1].similarity == pytest.approx(0.4 / 1.3)
