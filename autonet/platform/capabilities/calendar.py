"""The operators' event calendar: planned events in an area, from the memory database."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from autonet.platform.capabilities.context import CapabilityContext, network_time, require_memory
from autonet.platform.capabilities.targets import REGIONS

__all__ = ["event_calendar"]

_DAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # datetime.weekday() order


def event_calendar(ctx: CapabilityContext, args: Mapping[str, Any]) -> dict[str, Any]:
    """Planned events in ``area`` that are not over yet, by start; ``days`` keeps those that
    start on these weekdays. A region also finds the events whose cells lie in it.

    Raises:
        CapabilityError: No memory database.
    """
    from autonet.knowledge.memory.calendar import EventCalendarStore

    memory = require_memory(ctx, "event_calendar", "the operators' planned events")
    area = str(args["area"])
    twin = ctx.twin
    events = EventCalendarStore(memory.engine).list(ending_after=network_time(twin.now))
    G = twin.compiled.graph

    def in_area(cells: tuple[str, ...]) -> bool:
        return area in REGIONS and any(
            c in G and G.nodes[G.nodes[c]["site"]].get("region") == area for c in cells
        )

    found = [e for e in events if e.area == area or in_area(e.cells)]
    days = args.get("days")
    if days:
        found = [e for e in found if _DAYS[e.start.weekday()] in days]
    return {"area": area, "days": list(days or []), "count": len(found),
            "events": [e.as_dict() for e in found]}  # fmt: skip
