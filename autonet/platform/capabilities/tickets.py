"""Ticketing: open (or update) a trouble ticket about a network element in the memory."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from autonet.platform.capabilities.context import CapabilityContext, network_time, require_memory
from autonet.platform.capabilities.readers import visible_alarms
from autonet.platform.capabilities.targets import classify

__all__ = ["ticketing"]


def ticketing(ctx: CapabilityContext, args: Mapping[str, Any]) -> dict[str, Any]:
    """Open a ticket about ``target`` with ``priority`` (P3 when not given); when the target
    already has an open ticket, update that one instead (a new priority, the asker's words).

    People list and close tickets through :class:`~autonet.knowledge.memory.tickets.TicketStore`.

    Raises:
        CapabilityError: Unknown target, or no memory database.
    """
    from autonet.knowledge.memory.tickets import TicketStore

    memory = require_memory(ctx, "ticketing", "tickets")
    target = str(args["target"])
    classify(ctx.twin, target)  # an unknown element gets no ticket
    store = TicketStore(memory.engine)
    priority = args.get("priority")
    open_ = store.list(status="open", target=target, limit=1)
    if open_:
        comment = ctx.text or f"raised again by {ctx.actor}"
        ticket = store.update(open_[0].id, by=ctx.actor, priority=priority, comment=comment)
        return {"action": "updated", **ticket.as_dict()}
    alarms = visible_alarms(ctx.twin, {"target": target})
    kinds = sorted({a.alarm_type for a in alarms})
    summary = ctx.text or f"ticket about {target}"
    if kinds:
        summary += f" ({len(alarms)} active alarm(s): {', '.join(kinds)})"
    ticket = store.open(target, priority=priority or "P3", summary=summary, by=ctx.actor,
                        request_id=ctx.request_id,
                        network_time=network_time(ctx.twin.now))  # fmt: skip
    return {"action": "opened", **ticket.as_dict()}
