"""The default registry holds what the platform runs; the benchmark keeps its distractors."""

from __future__ import annotations

from autonet.platform.gate.catalog import (
    BENCHMARK_ONLY,
    benchmark_cards,
    benchmark_registry,
    default_cards,
    default_registry,
)


def test_default_registry_is_the_benchmark_without_its_distractors() -> None:
    bench = [c.name for c in benchmark_cards()]
    assert {"customer_care", "weather", "billing"} == BENCHMARK_ONLY
    assert set(bench) >= BENCHMARK_ONLY
    assert [c.name for c in default_cards()] == [n for n in bench if n not in BENCHMARK_ONLY]
    assert len(default_registry()) == len(benchmark_registry()) - 3 == 20


def test_benchmark_keeps_its_original_card_order() -> None:
    names = [c.name for c in benchmark_cards()]
    assert names[-7:] == ["ticketing", "field_dispatch", "customer_care", "inventory",
                          "weather", "event_calendar", "billing"]  # fmt: skip
