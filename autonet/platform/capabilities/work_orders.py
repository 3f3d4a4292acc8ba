"""Field dispatch: a work order for a crew at a site or cell, consumed by the field crew."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from autonet.platform.capabilities.context import (
    CapabilityContext,
    CapabilityError,
    network_time,
    require_memory,
)
from autonet.platform.capabilities.readers import visible_alarms
from autonet.platform.capabilities.targets import classify

__all__ = ["field_dispatch"]


def field_dispatch(ctx: CapabilityContext, args: Mapping[str, Any]) -> dict[str, Any]:
    """Raise a work order for a crew at ``target`` (a site or a cell) with ``priority`` (P3
    when not given); a target with an open or in-progress order gets no second one.

    The field crew (:func:`autonet.platform.field.process_work_orders`) takes open orders,
    repairs what it finds on site and completes them.

    Raises:
        CapabilityError: Unknown target, or no memory database.
    """
    from autonet.knowledge.memory.work_orders import TARGET_KINDS, WorkOrderStore

    memory = require_memory(ctx, "field_dispatch", "work orders")
    kind, target = classify(ctx.twin, str(args["target"]))
    if kind not in TARGET_KINDS:
        raise CapabilityError(f"a crew goes to a site, cell or link; {args['target']} is a {kind}")
    store = WorkOrderStore(memory.engine)
    active = store.active_for(target)
    if active:
        return {"action": "already_open", **active[0].as_dict()}
    alarms = visible_alarms(ctx.twin, {"target": target})
    kinds = sorted({a.alarm_type for a in alarms})
    reason = ctx.text or f"on-site check requested by {ctx.actor}"
    if kinds:
        reason += f" ({len(alarms)} active alarm(s): {', '.join(kinds)})"
    order = store.create(
        target, kind, priority=str(args.get("priority") or "P3"), reason=reason, by=ctx.actor,
        opened_at=network_time(ctx.twin.now), source=f"operator:{ctx.actor}",
    )  # fmt: skip
    return {"action": "created", **order.as_dict()}
