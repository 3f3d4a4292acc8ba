"""The operators' calendar in the memory, as the congestion playbook's planned events."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from autonet.agents.playbooks._congestion_forecast import PlannedEvent
from autonet.agents.playbooks._congestion_perceive import event_from_request

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from autonet.knowledge.memory.calendar import PlannedEventRecord
    from autonet.twin import Twin

__all__ = ["HISTORY", "stored_event", "stored_events"]

log = logging.getLogger(__name__)

#: How far back ended events are read (the forecast's history is at most two weeks).
HISTORY: Final = timedelta(days=14)


def _clock(twin: Twin, when: datetime) -> str:
    """``when`` on the twin's clock (naive UTC when the twin's is naive), ISO."""
    if twin.now.tzinfo is None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return when.isoformat()


def stored_event(twin: Twin, record: PlannedEventRecord) -> PlannedEvent:
    """The planned event of one calendar record: its cells, or its region's; its surge
    factor, or the surge its expected attendance makes (as for an operator's request).

    Raises:
        ValueError: The record names a place the topology does not locate (no cells, and an
            area that is no region), or cells the twin does not have.
    """
    args: dict[str, Any] = {"start": _clock(twin, record.start), "end": _clock(twin, record.end),
                            "name": f"{record.name}#cal{record.id}"}  # fmt: skip
    if record.cells:
        args["cells"] = list(record.cells)
    else:
        args["area"] = record.area
    if record.surge_factor is not None:
        args["multiplier"] = record.surge_factor
    else:
        args["expected_attendance"] = record.expected_attendance
    return event_from_request(twin, {"id": args["name"], "arguments": args})  # type: ignore[typeddict-item]


def stored_events(twin: Twin, engine: Engine) -> list[PlannedEvent]:
    """The calendar's events of the last ``HISTORY`` and the future that the topology
    locates (the others are logged): past ones too, since the forecast divides the history
    by their surge."""
    from autonet.knowledge.memory.calendar import EventCalendarStore

    now = twin.now if twin.now.tzinfo else twin.now.replace(tzinfo=UTC)
    out = []
    for record in EventCalendarStore(engine).list(ending_after=now - HISTORY):
        try:
            out.append(stored_event(twin, record))
        except (ValueError, TypeError) as exc:
            log.info("calendar event %s not placed on the network: %s", record.id, exc)
    return out
