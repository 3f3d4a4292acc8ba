"""The operators' event calendar in the memory database: add, list, get, remove planned events.

A planned event names where (an ``area``: a region or a named place, and/or explicit cell
ids), when (``start`` to ``end``, network time) and how big the crowd is expected to be (the
``expected_attendance`` in people, or a ``surge_factor``: users on the area's cells, times
normal). The congestion playbook reads it when its loop has a memory.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from autonet.errors import BadInputError, NotFoundError
from autonet.knowledge.memory.db import session_scope
from autonet.knowledge.memory.models import CalendarEvent

__all__ = ["EventCalendarStore", "PlannedEventRecord"]


@dataclass(frozen=True)
class PlannedEventRecord:
    """A planned event as read back (times are aware UTC datetimes)."""

    id: int
    name: str
    area: str | None
    cells: tuple[str, ...]
    start: datetime
    end: datetime
    expected_attendance: int | None
    surge_factor: float | None
    source: str
    created_by: str

    def as_dict(self) -> dict[str, Any]:
        """Plain data (times as ISO strings) for answers and the API."""
        return {
            "event_id": self.id, "name": self.name, "area": self.area, "cells": list(self.cells),
            "start": self.start.isoformat(), "end": self.end.isoformat(),
            "expected_attendance": self.expected_attendance, "surge_factor": self.surge_factor,
            "source": self.source, "created_by": self.created_by,
        }  # fmt: skip


def _record(r: CalendarEvent) -> PlannedEventRecord:
    return PlannedEventRecord(
        r.id, r.name, r.area, tuple(r.cells.get("items", [])), r.start, r.end,
        r.expected_attendance, r.surge_factor, r.source, r.created_by,
    )  # fmt: skip


def _checked(
    name: str,
    start: datetime,
    end: datetime,
    area: str | None,
    cells: Sequence[str],
    expected_attendance: int | None,
    surge_factor: float | None,
) -> None:
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise BadInputError(f"planned event: name must have 1..200 characters, got {name!r}")
    if not isinstance(start, datetime) or not isinstance(end, datetime):
        raise BadInputError(f"planned event {name!r}: start and end must be datetimes")
    if end <= start:
        raise BadInputError(f"planned event {name!r}: end {end} must be after start {start}")
    if not area and not cells:
        raise BadInputError(f"planned event {name!r}: give an area (region or place) or cells")
    if isinstance(cells, str) or any(not isinstance(c, str) or not c for c in cells):
        raise BadInputError(f"planned event {name!r}: cells must be a list of cell ids")
    if expected_attendance is None and surge_factor is None:
        raise BadInputError(
            f"planned event {name!r}: give expected_attendance (people) or surge_factor"
        )
    if expected_attendance is not None and (
        isinstance(expected_attendance, bool)
        or not isinstance(expected_attendance, int)
        or expected_attendance < 1
    ):
        raise BadInputError(
            f"planned event {name!r}: expected_attendance must be an integer >= 1, "
            f"got {expected_attendance!r}"
        )
    if surge_factor is not None and (
        isinstance(surge_factor, bool)
        or not isinstance(surge_factor, int | float)
        or not math.isfinite(surge_factor)
        or not 1.0 <= surge_factor <= 50.0
    ):
        raise BadInputError(
            f"planned event {name!r}: surge_factor must be within [1, 50], got {surge_factor!r}"
        )


class EventCalendarStore:
    """Planned events in the memory database (table ``calendar_events``).

    Args:
        engine: The memory database (at schema 0003 or later).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(
        self,
        name: str,
        *,
        start: datetime,
        end: datetime,
        by: str,
        area: str | None = None,
        cells: Sequence[str] = (),
        expected_attendance: int | None = None,
        surge_factor: float | None = None,
        source: str = "operator",
    ) -> PlannedEventRecord:
        """Add a planned event (see the module docstring).

        Raises:
            BadInputError: A missing place or size, ``end <= start``, or a value out of range.
        """
        _checked(name, start, end, area, cells, expected_attendance, surge_factor)
        if not isinstance(by, str) or not by.strip():
            raise BadInputError(f"planned event {name!r}: by (who adds it) must be non-empty")
        row = CalendarEvent(
            name=name, area=area, cells={"items": list(cells)}, start=start, end=end,
            expected_attendance=expected_attendance,
            surge_factor=None if surge_factor is None else float(surge_factor),
            source=source, created_by=by,
        )  # fmt: skip
        with session_scope(self.engine) as session:
            session.add(row)
            session.flush()
            return _record(row)

    def get(self, event_id: int) -> PlannedEventRecord:
        """The planned event ``event_id``.

        Raises:
            NotFoundError: No such event.
        """
        with session_scope(self.engine) as session:
            row = session.get(CalendarEvent, event_id)
            if row is None:
                raise NotFoundError(f"no planned event {event_id!r} in the calendar")
            return _record(row)

    def list(
        self,
        *,
        area: str | None = None,
        overlapping: tuple[datetime, datetime] | None = None,
        ending_after: datetime | None = None,
    ) -> list[PlannedEventRecord]:
        """Planned events by start time, optionally in one area and/or time span.

        Args:
            area: Only events whose ``area`` is this (a region or place name).
            overlapping: Only events overlapping ``[from, to)``.
            ending_after: Only events that end after this time (not over yet).
        """
        query = select(CalendarEvent).order_by(CalendarEvent.start, CalendarEvent.id)
        if area is not None:
            query = query.where(CalendarEvent.area == area)
        if overlapping is not None:
            lo, hi = overlapping
            query = query.where(CalendarEvent.end > lo, CalendarEvent.start < hi)
        if ending_after is not None:
            query = query.where(CalendarEvent.end > ending_after)
        with session_scope(self.engine) as session:
            return [_record(r) for r in session.scalars(query)]

    def remove(self, event_id: int) -> PlannedEventRecord:
        """Remove the planned event ``event_id``; returns what was removed.

        Raises:
            NotFoundError: No such event.
        """
        with session_scope(self.engine) as session:
            row = session.get(CalendarEvent, event_id)
            if row is None:
                raise NotFoundError(f"no planned event {event_id!r} in the calendar")
            out = _record(row)
            session.delete(row)
            return out
