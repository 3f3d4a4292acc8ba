"""Domain knowledge: coverage of the twin's counters, faults and actions; search; bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from autonet.knowledge.domain import (
    DomainDataError,
    KnowledgeBase,
    default_knowledge_base,
    load_glossary,
    load_kpis,
    load_playbooks,
)
from autonet.twin.action_catalogue import ACTIONS
from autonet.twin.events import ALARM_TYPES, FAULT_TYPES
from autonet.twin.kpis import COUNTERS


def test_every_twin_counter_has_a_definition() -> None:
    kpis = {k.name: k for k in load_kpis()}
    assert set(kpis) == set(COUNTERS)
    for name, counter in COUNTERS.items():
        assert kpis[name].unit == counter.unit
        assert kpis[name].level == counter.level
    assert kpis["RRU.PrbUsedDl"].standard.startswith("3GPP TS 28.552")


def test_playbooks_cover_every_fault_with_real_alarms_and_actions() -> None:
    playbooks = {p.fault_type: p for p in load_playbooks()}
    assert set(playbooks) == set(FAULT_TYPES)
    for p in playbooks.values():
        assert p.root_alarms, p.fault_type
        assert set(p.root_alarms + p.symptom_alarms) <= set(ALARM_TYPES), p.fault_type
        assert {a.action for a in p.remediation} <= set(ACTIONS), p.fault_type
    assert "LINK_DOWN" in playbooks["fibre_cut"].root_alarms
    assert playbooks["fibre_cut"].remediation[0].action == "reroute"


def test_kpis_only_name_known_faults() -> None:
    for kpi in load_kpis():
        assert set(kpi.related_faults) <= set(FAULT_TYPES), kpi.name


def test_glossary_has_about_eighty_unique_terms() -> None:
    terms = load_glossary()
    assert len(terms) >= 80
    assert len({t.term.lower() for t in terms}) == len(terms)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("what is a UPF", "term:UPF"),
        ("explain PEE.Energy", "kpi:PEE.Energy"),
        ("how do I fix a fiber cut", "playbook:fibre_cut"),
        ("what to do about a cell outage", "playbook:cell_outage"),
        ("whats a gnodeb", "term:gNB"),  # alias, typo-ish spelling
        ("defnie SINR", "term:SINR"),  # typo
        ("site has no power, battery low", "playbook:site_power_failure"),
        ("LINK_DOWN alarm", "playbook:fibre_cut"),
    ],
)
def test_answer_finds_the_entry(query: str, expected: str) -> None:
    answer = default_knowledge_base().answer(query)
    assert answer is not None and answer.source == expected


def test_answer_text_comes_from_the_entry() -> None:
    answer = default_knowledge_base().answer("what is a UPF")
    assert answer is not None
    assert answer.text.startswith("UPF (User Plane Function):")
    assert answer.kind == "term" and 0.3 <= answer.score <= 1.0


def test_typo_search_still_ranks_the_kpi() -> None:
    hits = default_knowledge_base().search("downlnk prb utilsation", k=3)
    assert "kpi:RRU.PrbUsedDl" in [h.id for h in hits]
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


@pytest.mark.parametrize(
    "query", ["book me a flight to Paris", "what is the capital of France", "how do I get home"]
)
def test_off_topic_questions_get_no_direct_answer(query: str) -> None:
    assert default_knowledge_base().answer(query) is None


def test_bad_queries_are_refused() -> None:
    kb = default_knowledge_base()
    with pytest.raises(ValueError, match="query: expected a question"):
        kb.search("   ")
    with pytest.raises(TypeError, match="query: expected a string, got int"):
        kb.search(3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="k: expected a positive integer, got 0"):
        kb.search("UPF", k=0)
    with pytest.raises(LookupError, match="no knowledge entry 'term:nope'"):
        kb.get("term:nope")


def test_custom_records_are_searchable(tmp_path: Path) -> None:
    path = tmp_path / "glossary.yaml"
    path.write_text("- {term: XPIC, expansion: Cross-Polarisation Interference Cancellation, "
                    "definition: Lets a microwave link carry two polarisations.}\n")  # fmt: skip
    kb = KnowledgeBase.from_records(glossary=load_glossary(path))
    answer = kb.answer("what is XPIC")
    assert answer is not None and "two polarisations" in answer.text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- {term: A}\n", r"entry 'A': field 'definition' must be a non-empty string"),
        ("[unclosed\n", "not valid YAML"),
        ("{term: A}\n", "expected a non-empty list"),
        ("- {term: A, definition: x}\n- {term: a, definition: y}\n", "'a' is defined twice"),
        ("- {term: A, definition: x, aliases: 3}\n", "field 'aliases' must be a list"),
    ],
)
def test_bad_glossary_files_name_the_problem(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "glossary.yaml"
    path.write_text(text)
    with pytest.raises(DomainDataError, match=message):
        load_glossary(path)


def test_bad_playbook_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "playbooks.yaml"
    path.write_text(
        "- {fault_type: f, title: t, domain: ran, summary: s, kpi_signature: k, "
        "verification: v, escalation: e, remediation: [{action: reroute}]}\n"
    )
    with pytest.raises(DomainDataError, match="entry 'f': remediation 1 needs 'action' and 'why'"):
        load_playbooks(path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_kpis(tmp_path / "absent.yaml")
    with pytest.raises(ValueError, match="no documents"):
        KnowledgeBase([])
