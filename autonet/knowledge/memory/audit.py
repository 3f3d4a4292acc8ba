"""The audit trail: who did what, why and when, in which run."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from autonet.knowledge.memory.db import session_scope
from autonet.knowledge.memory.models import AuditEntry

__all__ = ["AuditLog", "AuditRecord"]


@dataclass(frozen=True)
class AuditRecord:
    """One audit entry as read back."""

    id: int
    at: datetime
    actor: str
    action: str
    reason: str
    target: str | None
    run_id: str | None
    details: dict[str, Any]


class AuditLog:
    """Append-only audit entries in the memory database.

    Args:
        engine: The memory database.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(
        self,
        actor: str,
        action: str,
        *,
        reason: str = "",
        target: str | None = None,
        run_id: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> int:
        """Append an entry; returns its id.

        Raises:
            ValueError: ``actor`` or ``action`` is empty or longer than 120 characters.
        """
        for name, value in (("actor", actor), ("action", action)):
            if not value or len(value) > 120:
                raise ValueError(f"{name} must have 1..120 characters, got {value!r}")
        entry = AuditEntry(
            actor=actor,
            action=action,
            reason=reason,
            target=target,
            run_id=run_id,
            details=dict(details or {}),
        )
        with session_scope(self.engine) as session:
            session.add(entry)
            session.flush()
            return entry.id

    def entries(
        self,
        *,
        run_id: str | None = None,
        actor: str | None = None,
        since: datetime | None = None,
        limit: int = 100,
    ) -> list[AuditRecord]:
        """Entries, oldest first, optionally of one run or actor and after ``since``."""
        if limit < 1:
            raise ValueError(f"limit must be >= 1, got {limit}")
        query = select(AuditEntry).order_by(AuditEntry.id).limit(limit)
        if run_id is not None:
            query = query.where(AuditEntry.run_id == run_id)
        if actor is not None:
            query = query.where(AuditEntry.actor == actor)
        if since is not None:
            query = query.where(AuditEntry.at > since)
        with session_scope(self.engine) as session:
            return [
                AuditRecord(
                    e.id, e.at, e.actor, e.action, e.reason, e.target, e.run_id, dict(e.details)
                )
                for e in session.scalars(query)
            ]
