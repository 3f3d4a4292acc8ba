"""Trouble tickets in the memory database: open, list, get, update, close (with who and why)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Engine, select

from autonet.errors import BadInputError, ConflictError, NotFoundError
from autonet.knowledge.memory._types import utcnow
from autonet.knowledge.memory.db import session_scope
from autonet.knowledge.memory.models import TICKET_STATUSES, Ticket

__all__ = ["PRIORITIES", "TicketRecord", "TicketStore", "check_priority", "ticket_number"]

#: Ticket and work-order priorities, most urgent first (the gate vocabulary's P1..P4).
PRIORITIES: Final[tuple[str, ...]] = ("P1", "P2", "P3", "P4")
_PREFIX: Final = "TT-"


def check_priority(priority: str) -> str:
    """``priority`` when it is one of ``PRIORITIES``.

    Raises:
        BadInputError: Any other value.
    """
    if priority not in PRIORITIES:
        raise BadInputError(f"priority must be one of {list(PRIORITIES)}, got {priority!r}")
    return priority


def _text(name: str, value: str, limit: int = 120) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise BadInputError(f"{name} must be a non-empty string of at most {limit} characters, "
                            f"got {value!r}")  # fmt: skip
    return value


def ticket_number(ticket_id: int | str) -> int:
    """The number behind a ticket id: ``TT-00042``, ``"42"`` or ``42`` -> 42.

    Raises:
        BadInputError: Not a ticket id.
    """
    raw = ticket_id.removeprefix(_PREFIX) if isinstance(ticket_id, str) else ticket_id
    if isinstance(raw, bool) or not (isinstance(raw, int) or str(raw).isdigit()):
        raise BadInputError(f"ticket id must look like TT-00042 (or 42), got {ticket_id!r}")
    return int(raw)


@dataclass(frozen=True)
class TicketRecord:
    """A ticket as read back; ``ticket_id`` is its public id (``TT-00042``)."""

    id: int
    target: str
    priority: str
    status: str
    summary: str
    opened_by: str
    closed_by: str | None
    close_reason: str
    request_id: str | None
    history: tuple[dict[str, Any], ...]
    network_time: datetime | None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None

    @property
    def ticket_id(self) -> str:
        """The public id, ``TT-`` and five digits."""
        return f"{_PREFIX}{self.id:05d}"

    def as_dict(self) -> dict[str, Any]:
        """Plain data (times as ISO strings) for answers and the API."""

        def iso(t: datetime | None) -> str | None:
            return None if t is None else t.isoformat()

        return {
            "ticket_id": self.ticket_id, "target": self.target, "priority": self.priority,
            "status": self.status, "summary": self.summary, "opened_by": self.opened_by,
            "closed_by": self.closed_by, "close_reason": self.close_reason,
            "request_id": self.request_id, "history": list(self.history),
            "network_time": iso(self.network_time), "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at), "closed_at": iso(self.closed_at),
        }  # fmt: skip


def _record(row: Ticket) -> TicketRecord:
    return TicketRecord(
        row.id, row.target, row.priority, row.status, row.summary, row.opened_by, row.closed_by,
        row.close_reason, row.request_id, tuple(row.history.get("items", [])), row.network_time,
        row.created_at, row.updated_at, row.closed_at,
    )  # fmt: skip


class TicketStore:
    """Tickets in the memory database (table ``tickets``).

    Args:
        engine: The memory database (at schema 0003 or later).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def open(
        self,
        target: str,
        *,
        priority: str = "P3",
        summary: str = "",
        by: str,
        request_id: str | None = None,
        network_time: datetime | None = None,
    ) -> TicketRecord:
        """Open a ticket about ``target``.

        Raises:
            BadInputError: An empty target or actor, or an unknown priority.
        """
        _text("target", target, 200)
        _text("by", by)
        check_priority(priority)
        history = [{"at": utcnow().isoformat(), "by": by, "what": "opened", "priority": priority}]
        row = Ticket(target=target, priority=priority, summary=summary, opened_by=by,
                     request_id=request_id, network_time=network_time, status="open",
                     close_reason="", history={"items": history})  # fmt: skip
        with session_scope(self.engine) as session:
            session.add(row)
            session.flush()
            return _record(row)

    def get(self, ticket_id: int | str) -> TicketRecord:
        """The ticket ``ticket_id`` (``TT-00042`` or 42).

        Raises:
            NotFoundError: No such ticket.
        """
        with session_scope(self.engine) as session:
            return _record(self._row(session, ticket_id))

    def list(
        self, *, status: str | None = None, target: str | None = None, limit: int = 100
    ) -> list[TicketRecord]:
        """Tickets, newest first, optionally of one status and/or target.

        Raises:
            BadInputError: An unknown status or a limit below 1.
        """
        if status is not None and status not in TICKET_STATUSES:
            raise BadInputError(f"status must be one of {list(TICKET_STATUSES)}, got {status!r}")
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise BadInputError(f"limit must be an integer >= 1, got {limit!r}")
        query = select(Ticket).order_by(Ticket.id.desc()).limit(limit)
        if status is not None:
            query = query.where(Ticket.status == status)
        if target is not None:
            query = query.where(Ticket.target == target)
        with session_scope(self.engine) as session:
            return [_record(r) for r in session.scalars(query)]

    def update(
        self,
        ticket_id: int | str,
        *,
        by: str,
        priority: str | None = None,
        comment: str = "",
    ) -> TicketRecord:
        """Change an open ticket's priority and/or add a comment; both go into its history.

        Raises:
            BadInputError: Nothing to change, an empty actor or an unknown priority.
            NotFoundError: No such ticket.
            ConflictError: The ticket is closed.
        """
        _text("by", by)
        if priority is None and not comment:
            raise BadInputError("a ticket update needs a new priority or a comment")
        if priority is not None:
            check_priority(priority)
        with session_scope(self.engine) as session:
            row = self._open_row(session, ticket_id)
            entry: dict[str, Any] = {"at": utcnow().isoformat(), "by": by, "what": "updated"}
            if priority is not None and priority != row.priority:
                entry["priority"] = {"from": row.priority, "to": priority}
                row.priority = priority
            if comment:
                entry["comment"] = comment
            row.history = {"items": [*row.history.get("items", []), entry]}
            session.flush()
            return _record(row)

    def close(self, ticket_id: int | str, *, by: str, reason: str) -> TicketRecord:
        """Close an open ticket, saying who closed it and why.

        Raises:
            BadInputError: An empty actor or reason.
            NotFoundError: No such ticket.
            ConflictError: The ticket is closed already.
        """
        _text("by", by)
        _text("reason", reason, 2000)
        with session_scope(self.engine) as session:
            row = self._open_row(session, ticket_id)
            now = utcnow()
            row.status, row.closed_by, row.close_reason, row.closed_at = "closed", by, reason, now
            entry = {"at": now.isoformat(), "by": by, "what": "closed", "reason": reason}
            row.history = {"items": [*row.history.get("items", []), entry]}
            session.flush()
            return _record(row)

    def _row(self, session: Any, ticket_id: int | str) -> Ticket:
        row = session.get(Ticket, ticket_number(ticket_id))
        if row is None:
            raise NotFoundError(f"no ticket {ticket_id!r} in the memory database")
        return row

    def _open_row(self, session: Any, ticket_id: int | str) -> Ticket:
        row = self._row(session, ticket_id)
        if row.status != "open":
            raise ConflictError(
                f"ticket {_PREFIX}{row.id:05d} is {row.status} (by {row.closed_by}: "
                f"{row.close_reason}); open a new ticket instead"
            )
        return row
