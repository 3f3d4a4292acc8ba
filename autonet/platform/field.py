"""The field crew on the twin: it takes open work orders, repairs what it finds, completes them.

Once per tick the network session calls :func:`process_work_orders`. An open order is started
at once (a crew per order) and due after a repair time drawn like the scenarios' field repair
(:class:`~autonet.platform.scenarios.common.FieldRepair`: lognormal, median 4 h by default,
deterministic per seed and work-order number). When it is due, the crew clears every active
fault it can repair on site at the order's object (see :func:`repairable_faults`) and
completes the order with what it found, or with "no fault found".

The crew is part of the simulated world, not of the loop: it sees the twin's ground truth,
as a technician standing at the site would.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from autonet.errors import BadInputError
from autonet.platform.capabilities.context import network_time

if TYPE_CHECKING:
    from autonet.knowledge.memory.work_orders import WorkOrderRecord, WorkOrderStore
    from autonet.platform.scenarios.common import FieldRepair
    from autonet.twin import FaultRecord, Twin

__all__ = ["ON_SITE_FAULTS", "process_work_orders", "repairable_faults"]

#: Fault types a crew repairs on site (load faults, congestion and overload, are no repair job).
ON_SITE_FAULTS: Final[frozenset[str]] = frozenset(
    {"cell_outage", "site_power_failure", "fibre_cut", "interference", "misconfiguration"}
)


def _objects(twin: Twin, target: str, kind: str) -> set[str]:
    """The nodes a crew at ``target`` works on: a site and its cells, a cell and its site."""
    topo = twin.compiled
    if kind == "site" and target in topo.site_index:
        cells = topo.cells_of_site(topo.site_index[target])
        return {target, *(topo.cell_ids[int(c)] for c in cells)}
    if kind == "cell" and target in topo.cell_index:
        return {target, str(topo.graph.nodes[target]["site"])}
    return {target}


def repairable_faults(twin: Twin, target: str, kind: str) -> list[FaultRecord]:
    """Active faults a crew sent to ``target`` (a ``kind``: site, cell or link) repairs."""
    from autonet.twin import active_faults

    active = set(active_faults(twin))
    nodes = _objects(twin, target, kind)
    return [
        f for f in twin.faults
        if f.fault_id in active and f.fault_type in ON_SITE_FAULTS and f.root_node in nodes
    ]  # fmt: skip


def _repair(seed: int, repair: FieldRepair | None, repair_median_h: float) -> FieldRepair:
    from autonet.platform.scenarios.common import FieldRepair, RepairModel

    if repair is not None:
        return repair
    return FieldRepair(RepairModel(median_h=repair_median_h), seed=seed)


def process_work_orders(
    twin: Twin,
    store: WorkOrderStore,
    now: datetime | None = None,
    *,
    seed: int = 0,
    repair_median_h: float = 4.0,
    repair: FieldRepair | None = None,
) -> list[WorkOrderRecord]:
    """Advance the field crew to ``now`` (default: the twin's clock); see the module docstring.

    Args:
        twin: The live network (its faults are cleared here).
        store: The work orders.
        now: Network time; None: ``twin.now``.
        seed: Seed of the repair times (order ``n`` gets the same time on every run).
        repair_median_h: Median repair time in hours (when ``repair`` is not given).
        repair: The repair-time model to use instead (as in the scenarios).

    Returns:
        The orders started or completed by this call, in that order.

    Raises:
        BadInputError: ``now`` is not a datetime, or the repair model is invalid.
    """
    if now is not None and not isinstance(now, datetime):
        raise BadInputError(f"now must be a datetime, got {now!r}")
    at = network_time(twin.now if now is None else now)
    times = _repair(seed, repair, repair_median_h)
    changed: list[WorkOrderRecord] = []
    for order in store.list(status="open", limit=10_000):
        hours = times.hours(order.id)
        changed.append(store.start(order.id, at=at, due_at=at + timedelta(hours=hours)))
    for order in store.list(status="in_progress", limit=10_000):
        if order.due_at is None or order.due_at > at:
            continue
        faults = repairable_faults(twin, order.target, order.target_kind)
        for f in faults:
            twin.clear_fault(f.fault_id)
        found = [
            {"fault_id": f.fault_id, "fault_type": f.fault_type, "node": f.root_node}
            for f in faults
        ]
        findings: dict[str, Any] = {
            "result": "repaired" if faults else "no fault found",
            "faults": found,
        }
        changed.append(store.complete(order.id, at=at, findings=findings))
    return changed
