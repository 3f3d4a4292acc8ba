"""Slot extraction: exact normalised values from hand-written strings (vocabulary.py's rules)."""

from __future__ import annotations

from typing import Any

import pytest

from autonet.platform.gate.catalog import default_registry
from autonet.platform.gate.completion import complete_arguments, fill_arguments
from autonet.platform.gate.slots import extract_slots, slot_values

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


def _values(text: str) -> dict[str, list[Any]]:
    return dict(slot_values(extract_slots(text)))


def test_slice_request_all_slots() -> None:
    got = _values("URLLC slice 5ms 99.999% 200 Mbit/s port area weekdays 8-18")
    assert got == {
        "slice_type": ["URLLC"],
        "latency_ms": [5.0],
        "reliability_pct": [99.999],
        "throughput_mbps": [200.0],
        "place": ["port"],
        "days": [WEEKDAYS],
        "window": [{"start": "08:00", "end": "18:00"}],
    }


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("0.2 Gbps", "throughput_mbps", 200.0),
        ("500 kbps", "throughput_mbps", 0.5),
        ("12 MB/s", "throughput_mbps", 96.0),
        ("latency 0.5 s", "latency_ms", 500.0),
        ("800 us", "latency_ms", 0.8),
        ("10 msec", "latency_ms", 10.0),
        ("five nines", "reliability_pct", 99.999),
        ("s12-c2", "cell", "S0012-C2"),
        ("S0012/C3", "cell", "S0012-C3"),
        ("site 7", "site", "S0007"),
        ("link L0042", "link", "L0042"),
        ("slice sl-7", "slice", "SL-007"),
        ("chg-42", "change", "CHG-0042"),
        ("int-0042", "intent", "INT-0042"),
        ("TT-123", "ticket", "TT-00123"),
        ("the northern cluster", "region", "north"),
        ("downtown", "region", "centre"),
        ("the harbour", "place", "port"),
        ("upload uplink prb", "kpi", "RRU.PrbUsedUl"),
        ("connected users", "kpi", "RRC.ConnMean"),
        ("from 6am to 12pm", "window", {"start": "06:00", "end": "12:00"}),
        ("between 22:00 and 06:00", "window", {"start": "22:00", "end": "06:00"}),
        ("tonight", "window", {"start": "22:00", "end": "06:00"}),
        ("22-2h", "window", {"start": "22:00", "end": "02:00"}),
        ("sat and sun", "days", ["sat", "sun"]),
        ("mon-fri", "days", WEEKDAYS),
        ("on 2026-11-22", "date", "2026-11-22"),
        ("on 22/11/2026", "date", "2026-11-22"),
        ("50k fans", "attendance", 50000),
        ("12,000 people", "attendance", 12000),
        ("retrain the root-cause priors", "model", "rca_priors"),
        ("P2 ticket", "priority", "P2"),
    ],
)
def test_single_slot_normalisation(text: str, kind: str, value: Any) -> None:
    assert _values(text)[kind] == [value]


@pytest.mark.parametrize(
    ("text", "value", "hint"),
    [
        ("for the last 2h", 120, "past"),
        ("past 24 hours", 1440, "past"),
        ("next week", 10080, "future"),
        ("next-hour outlook", 60, "future"),
        ("over the past 30 min", 30, "past"),
    ],
)
def test_durations_in_minutes_with_direction(text: str, value: int, hint: str) -> None:
    (slot,) = [s for s in extract_slots(text) if s.kind == "duration_min"]
    assert (slot.value, slot.hint) == (value, hint)


def test_power_in_watts_is_not_a_duration() -> None:
    got = _values("set tx power of S0012-C1 to 10 W")
    assert "duration_min" not in got
    assert got["number"] == [10.0]


def test_typos_in_vocabulary_words_are_tolerated() -> None:
    assert _values("show uplnik throughput")["kpi"] == ["DRB.UEThpUl"]


def test_fill_arguments_for_catalog_cards() -> None:
    registry = default_registry()
    text = "energy saving in the north tonight, save 20% with at most 2% kqi loss"
    args = fill_arguments(registry.get("energy_planner"), extract_slots(text), text)
    assert args == {
        "region": "north",
        "window": {"start": "22:00", "end": "06:00"},
        "target_saving_pct": 20.0,
        "max_kqi_loss_pct": 2.0,
    }
    text = "set tx power of s0097-c3 to 10 w"
    args = fill_arguments(registry.get("change_executor"), extract_slots(text), text)
    assert args == {"action": "tx_power", "target": "S0097-C3", "value": 10.0, "mode": "absolute"}
    text = "bring S0012 back on air, unlock it"
    args = fill_arguments(registry.get("cell_locker"), extract_slots(text), text)
    assert args == {"target": "S0012", "operation": "unlock"}


def test_period_and_horizon_are_told_apart() -> None:
    card = default_registry().get("kpi_forecaster")
    text = "using the last 2h, forecast prb usage at S0001 for the next 6 hours"
    args = fill_arguments(card, extract_slots(text), text)
    assert args["horizon_min"] == 360


def test_slot_completion_from_context_and_required_only() -> None:
    card = default_registry().get("kpi_reader")
    text = "show dl throughput for this site over the last hour"
    args, filled = complete_arguments(card, {}, extract_slots(text), text, {"site": "S0042"})
    assert args == {"target": "S0042"}
    assert filled == ["target"]
    unchanged, none = complete_arguments(card, {"target": "S0001"}, [], "", {"site": "S0042"})
    assert (unchanged, none) == ({"target": "S0001"}, [])


def test_slot_values_are_not_shared_between_calls() -> None:
    card = default_registry().get("energy_planner")
    text = "plan cell sleep for the west tonight"
    first = fill_arguments(card, extract_slots(text), text)
    first["window"]["start"] = "00:00"
    second = fill_arguments(card, extract_slots(text), text)
    assert second["window"] == {"start": "22:00", "end": "06:00"}
