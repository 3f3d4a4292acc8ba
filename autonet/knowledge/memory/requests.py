"""Request records of the front door: what was asked, how it was routed, what it did."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Engine, select

from autonet.errors import BadInputError, NotFoundError
from autonet.knowledge.memory.db import session_scope
from autonet.knowledge.memory.models import REQUEST_STATUSES, RequestRecord

__all__ = ["RequestStore", "StoredRequest"]

_FIELDS: Final = frozenset(
    {"decision", "status", "actions", "verdict", "reason", "result", "run_id", "network_time"}
)


@dataclass(frozen=True)
class StoredRequest:
    """One request record as read back (``actions`` is a list of action dicts)."""

    id: str
    text: str
    expression: dict[str, Any] | None
    caller: str
    role: str
    decision: dict[str, Any]
    status: str
    actions: list[dict[str, Any]] = field(default_factory=list)
    verdict: dict[str, Any] | None = None
    reason: str = ""
    result: dict[str, Any] = field(default_factory=dict)
    run_id: str | None = None
    session_id: str | None = None
    network_time: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (times as ISO text)."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        for k in ("network_time", "created_at", "updated_at"):
            out[k] = out[k].isoformat() if out[k] is not None else None
        return out


def _check_status(status: str) -> None:
    if status not in REQUEST_STATUSES:
        raise BadInputError(
            f"unknown request status {status!r}: expected one of {REQUEST_STATUSES}"
        )


def _view(row: RequestRecord) -> StoredRequest:
    return StoredRequest(
        id=row.id,
        text=row.text,
        expression=row.expression,
        caller=row.caller,
        role=row.role,
        decision=dict(row.decision or {}),
        status=row.status,
        actions=list((row.actions or {}).get("items", [])),
        verdict=row.verdict,
        reason=row.reason,
        result=dict(row.result or {}),
        run_id=row.run_id,
        session_id=row.session_id,
        network_time=row.network_time,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class RequestStore:
    """Create, update and read request records (ids ``INT-0001``, ``INT-0002``, ...).

    Args:
        engine: The memory database.
    """

    prefix: Final = "INT-"

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _next_id(self, s: Any) -> str:
        ids = s.scalars(select(RequestRecord.id).where(RequestRecord.id.like(f"{self.prefix}%")))
        numbers = [int(i[len(self.prefix) :]) for i in ids if i[len(self.prefix) :].isdigit()]
        return f"{self.prefix}{max(numbers, default=0) + 1:04d}"

    def create(
        self,
        *,
        text: str,
        caller: str,
        role: str,
        status: str,
        expression: Mapping[str, Any] | None = None,
        decision: Mapping[str, Any] | None = None,
        reason: str = "",
        network_time: datetime | None = None,
        session_id: str | None = None,
    ) -> StoredRequest:
        """Store a new request and return it with its id.

        Raises:
            BadInputError: Unknown status, or an empty caller or role.
        """
        _check_status(status)
        if not caller or not role:
            raise BadInputError("a request needs a caller and a role")
        with session_scope(self.engine) as s:
            row = RequestRecord(
                id=self._next_id(s),
                text=text,
                expression=dict(expression) if expression is not None else None,
                caller=caller[:120],
                role=role[:40],
                decision=dict(decision or {}),
                status=status,
                actions={"items": []},
                reason=reason,
                result={},
                network_time=network_time,
                session_id=session_id,
            )
            s.add(row)
            s.flush()
            return _view(row)

    def update(self, request_id: str, **fields: Any) -> StoredRequest:
        """Change some fields of a request (``actions`` given as a list).

        Raises:
            NotFoundError: No such request.
            BadInputError: Unknown field or status.
        """
        unknown = set(fields) - _FIELDS
        if unknown:
            raise BadInputError(
                f"cannot update {sorted(unknown)}: expected some of {sorted(_FIELDS)}"
            )
        if "status" in fields:
            _check_status(fields["status"])
        with session_scope(self.engine) as s:
            row = s.get(RequestRecord, request_id)
            if row is None:
                raise NotFoundError(f"no request {request_id!r}")
            for k, v in fields.items():
                setattr(row, k, {"items": list(v)} if k == "actions" else v)
            s.flush()
            return _view(row)

    def get(self, request_id: str) -> StoredRequest:
        """One request.

        Raises:
            NotFoundError: No such request.
        """
        with session_scope(self.engine) as s:
            row = s.get(RequestRecord, request_id)
            if row is None:
                raise NotFoundError(
                    f"no request {request_id!r}: list them with `autonet intent list`"
                )
            return _view(row)

    def list(
        self, *, status: str | None = None, session_id: str | None = None, limit: int = 50
    ) -> list[StoredRequest]:
        """The newest requests first (optionally of one status).

        Raises:
            BadInputError: Unknown status or a limit below 1.
        """
        if status is not None:
            _check_status(status)
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise BadInputError(f"limit must be an integer >= 1, got {limit!r}")
        query = select(RequestRecord).order_by(
            RequestRecord.created_at.desc(), RequestRecord.id.desc()
        )
        if status is not None:
            query = query.where(RequestRecord.status == status)
        if session_id is not None:
            query = query.where(RequestRecord.session_id == session_id)
        with session_scope(self.engine) as s:
            return [_view(r) for r in s.scalars(query.limit(limit))]

    def unfinished(self, session_id: str | None = None) -> builtins.list[StoredRequest]:
        """Requests still in the loop (``in_progress`` or ``pending_approval``), oldest first."""
        query = (
            select(RequestRecord)
            .where(RequestRecord.status.in_(("in_progress", "pending_approval")))
            .order_by(RequestRecord.id)
        )
        if session_id is not None:
            query = query.where(RequestRecord.session_id == session_id)
        with session_scope(self.engine) as s:
            return [_view(r) for r in s.scalars(query)]
