"""The operators' event calendar in the memory database: add, list, remove planned events."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from autonet.errors import BadInputError, NotFoundError
from autonet.knowledge.memory import init_db
from autonet.knowledge.memory.calendar import EventCalendarStore

T0 = datetime(2026, 1, 5, 18, 0, tzinfo=UTC)
H = timedelta(hours=1)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EventCalendarStore]:
    engine = init_db(f"sqlite:///{tmp_path / 'memory.db'}")
    yield EventCalendarStore(engine)
    engine.dispose()


def test_add_list_filter_and_remove(store: EventCalendarStore) -> None:
    match = store.add("derby", start=T0, end=T0 + 2 * H, area="stadium",
                      expected_attendance=40000, by="ana", source="club fixtures")  # fmt: skip
    fair = store.add("fair", start=T0 + 24 * H, end=T0 + 30 * H, cells=["S0001-C1", "S0001-C2"],
                     surge_factor=2.5, by="bob")  # fmt: skip
    assert [e.name for e in store.list()] == ["derby", "fair"]  # by start
    assert [e.name for e in store.list(area="stadium")] == ["derby"]
    assert [e.name for e in store.list(overlapping=(T0 + H, T0 + 3 * H))] == ["derby"]
    assert [e.name for e in store.list(ending_after=T0 + 2 * H)] == ["fair"]  # derby is over
    got = store.get(fair.id)
    assert (got.cells, got.surge_factor, got.area) == (("S0001-C1", "S0001-C2"), 2.5, None)
    assert store.get(match.id).as_dict()["start"] == "2026-01-05T18:00:00+00:00"
    assert store.remove(match.id).name == "derby"
    assert [e.name for e in store.list()] == ["fair"]
    with pytest.raises(NotFoundError, match="no planned event"):
        store.remove(match.id)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"end": T0}, "must be after start"),
        ({"area": None}, "give an area"),
        ({"expected_attendance": None}, "give expected_attendance"),
        ({"expected_attendance": 0}, "expected_attendance must be an integer >= 1"),
        ({"expected_attendance": None, "surge_factor": 0.5}, r"surge_factor must be within \["),
        ({"cells": "S0001-C1"}, "cells must be a list of cell ids"),
        ({"name": ""}, "name must have 1..200 characters"),
    ],
)
def test_bad_events_say_what_is_expected(store: EventCalendarStore, kwargs, match: str) -> None:  # type: ignore[no-untyped-def]
    args = {"name": "gig", "start": T0, "end": T0 + H, "area": "north",
            "expected_attendance": 500, **kwargs}  # fmt: skip
    with pytest.raises(BadInputError, match=match):
        store.add(args.pop("name"), by="ana", **args)
