"""Field work orders in the memory database: create, list, get, start, complete, cancel.

A work order sends a crew to a site, a cell or a link. Its lifecycle is ``open`` (raised) ->
``in_progress`` (a crew is on it, due at ``due_at``) -> ``completed`` (with what the crew
found), or ``cancelled`` from either of the first two. Times of the lifecycle are network
(twin) times, given by the caller; the record's own ``created_at`` is the wall clock.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Engine, select

from autonet.errors import BadInputError, ConflictError, NotFoundError
from autonet.knowledge.memory.db import session_scope
from autonet.knowledge.memory.models import WORK_ORDER_STATUSES, WorkOrder
from autonet.knowledge.memory.tickets import check_priority

__all__ = ["TARGET_KINDS", "WorkOrderRecord", "WorkOrderStore", "work_order_number"]

#: What a crew can be sent to.
TARGET_KINDS: Final[tuple[str, ...]] = ("site", "cell", "link")
_PREFIX: Final = "WO-"
_ACTIVE: Final = ("open", "in_progress")


def work_order_number(work_order_id: int | str) -> int:
    """The number behind ``WO-00042``, ``"42"`` or ``42``.

    Raises:
        BadInputError: Not a work-order id.
    """
    raw = work_order_id.removeprefix(_PREFIX) if isinstance(work_order_id, str) else work_order_id
    if isinstance(raw, bool) or not (isinstance(raw, int) or str(raw).isdigit()):
        raise BadInputError(f"work order id must look like WO-00042 (or 42), got {work_order_id!r}")
    return int(raw)


@dataclass(frozen=True)
class WorkOrderRecord:
    """A work order as read back; ``work_order_id`` is its public id (``WO-00042``)."""

    id: int
    target: str
    target_kind: str
    priority: str
    reason: str
    status: str
    created_by: str
    source: str | None
    findings: dict[str, Any]
    note: str
    opened_at: datetime
    started_at: datetime | None
    due_at: datetime | None
    completed_at: datetime | None

    @property
    def work_order_id(self) -> str:
        """The public id, ``WO-`` and five digits."""
        return f"{_PREFIX}{self.id:05d}"

    def as_dict(self) -> dict[str, Any]:
        """Plain data (times as ISO strings) for answers and the API."""

        def iso(t: datetime | None) -> str | None:
            return None if t is None else t.isoformat()

        return {
            "work_order_id": self.work_order_id, "target": self.target,
            "target_kind": self.target_kind, "priority": self.priority, "reason": self.reason,
            "status": self.status, "created_by": self.created_by, "source": self.source,
            "findings": dict(self.findings), "note": self.note, "opened_at": iso(self.opened_at),
            "started_at": iso(self.started_at), "due_at": iso(self.due_at),
            "completed_at": iso(self.completed_at),
        }  # fmt: skip


def _record(r: WorkOrder) -> WorkOrderRecord:
    return WorkOrderRecord(
        r.id, r.target, r.target_kind, r.priority, r.reason, r.status, r.created_by, r.source,
        dict(r.findings), r.note, r.opened_at, r.started_at, r.due_at, r.completed_at,
    )  # fmt: skip


def _when(name: str, value: datetime) -> datetime:
    if not isinstance(value, datetime):
        raise BadInputError(f"{name} must be a datetime, got {value!r}")
    return value


class WorkOrderStore:
    """Work orders in the memory database (table ``work_orders``).

    Args:
        engine: The memory database (at schema 0003 or later).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create(
        self,
        target: str,
        target_kind: str,
        *,
        priority: str = "P3",
        reason: str,
        by: str,
        opened_at: datetime,
        source: str | None = None,
    ) -> WorkOrderRecord:
        """Raise a work order for a crew at ``target`` (a ``target_kind`` object).

        Args:
            target: The object's id (``S0012``, ``S0012-C1``, a link id).
            target_kind: One of ``TARGET_KINDS``.
            priority: P1 (most urgent) .. P4.
            reason: Why a crew must go (shown to the crew).
            by: Who raised it (an operator, or ``autonet`` for the loop).
            opened_at: Network time it was raised.
            source: What raised it, e.g. ``incident:I00003`` or ``request:INT-0001``.

        Raises:
            BadInputError: An empty target, reason or actor, an unknown kind or priority.
        """
        for name, value in (("target", target), ("reason", reason), ("by", by)):
            if not isinstance(value, str) or not value.strip():
                raise BadInputError(f"work order: {name} must be a non-empty string, got {value!r}")
        if target_kind not in TARGET_KINDS:
            raise BadInputError(
                f"work order: target_kind must be one of {list(TARGET_KINDS)}, got {target_kind!r}"
            )
        check_priority(priority)
        row = WorkOrder(target=target, target_kind=target_kind, priority=priority, reason=reason,
                        status="open", created_by=by, source=source, findings={}, note="",
                        opened_at=_when("opened_at", opened_at))  # fmt: skip
        with session_scope(self.engine) as session:
            session.add(row)
            session.flush()
            return _record(row)

    def get(self, work_order_id: int | str) -> WorkOrderRecord:
        """The work order ``work_order_id``.

        Raises:
            NotFoundError: No such work order.
        """
        with session_scope(self.engine) as session:
            return _record(self._row(session, work_order_id))

    def list(
        self,
        *,
        status: str | tuple[str, ...] | None = None,
        target: str | None = None,
        source: str | None = None,
        limit: int = 100,
    ) -> list[WorkOrderRecord]:
        """Work orders, oldest first, optionally of some statuses, a target and/or a source.

        Raises:
            BadInputError: An unknown status or a limit below 1.
        """
        statuses = (status,) if isinstance(status, str) else status
        bad = [s for s in statuses or () if s not in WORK_ORDER_STATUSES]
        if bad:
            raise BadInputError(f"status must be among {list(WORK_ORDER_STATUSES)}, got {bad}")
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise BadInputError(f"limit must be an integer >= 1, got {limit!r}")
        query = select(WorkOrder).order_by(WorkOrder.id).limit(limit)
        if statuses:
            query = query.where(WorkOrder.status.in_(statuses))
        if target is not None:
            query = query.where(WorkOrder.target == target)
        if source is not None:
            query = query.where(WorkOrder.source == source)
        with session_scope(self.engine) as session:
            return [_record(r) for r in session.scalars(query)]

    def active_for(self, target: str) -> builtins.list[WorkOrderRecord]:
        """Open or in-progress work orders for ``target``."""
        return self.list(status=_ACTIVE, target=target)

    def start(self, work_order_id: int | str, *, at: datetime, due_at: datetime) -> WorkOrderRecord:
        """A crew takes the open order at ``at`` and expects to finish by ``due_at``.

        Raises:
            BadInputError: ``due_at`` before ``at``.
            NotFoundError: No such work order.
            ConflictError: The order is not open.
        """
        if _when("due_at", due_at) < _when("at", at):
            raise BadInputError(f"work order: due_at {due_at} is before the start {at}")
        with session_scope(self.engine) as session:
            row = self._in(session, work_order_id, ("open",), "start")
            row.status, row.started_at, row.due_at = "in_progress", at, due_at
            session.flush()
            return _record(row)

    def complete(
        self, work_order_id: int | str, *, at: datetime, findings: Mapping[str, Any]
    ) -> WorkOrderRecord:
        """The crew finished at ``at`` and reports ``findings`` (e.g. the fault it repaired).

        Raises:
            NotFoundError: No such work order.
            ConflictError: The order is completed or cancelled.
        """
        with session_scope(self.engine) as session:
            row = self._in(session, work_order_id, _ACTIVE, "complete")
            row.status, row.completed_at = "completed", _when("at", at)
            row.findings = dict(findings)
            session.flush()
            return _record(row)

    def cancel(
        self, work_order_id: int | str, *, by: str, reason: str, at: datetime | None = None
    ) -> WorkOrderRecord:
        """Cancel an open or in-progress order, saying who and why.

        Raises:
            BadInputError: An empty actor or reason.
            NotFoundError: No such work order.
            ConflictError: The order is completed or cancelled already.
        """
        if not by.strip() or not reason.strip():
            raise BadInputError("cancelling a work order needs who (by) and why (reason)")
        with session_scope(self.engine) as session:
            row = self._in(session, work_order_id, _ACTIVE, "cancel")
            row.status, row.note, row.completed_at = "cancelled", f"{by}: {reason}", at
            session.flush()
            return _record(row)

    def _row(self, session: Any, work_order_id: int | str) -> WorkOrder:
        row = session.get(WorkOrder, work_order_number(work_order_id))
        if row is None:
            raise NotFoundError(f"no work order {work_order_id!r} in the memory database")
        return row

    def _in(self, session: Any, wid: int | str, allowed: tuple[str, ...], verb: str) -> WorkOrder:
        row = self._row(session, wid)
        if row.status not in allowed:
            raise ConflictError(
                f"cannot {verb} work order {_PREFIX}{row.id:05d}: it is {row.status} "
                f"(only {' or '.join(allowed)} orders can be)"
            )
        return row
