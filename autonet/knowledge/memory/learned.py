"""Learned state that must outlive a run and a process: priors, guard history, counters."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import Engine, select

from autonet.knowledge.memory.db import session_scope
from autonet.knowledge.memory.models import LearnedState

__all__ = ["LearnedStore"]


class LearnedStore:
    """JSON values by key, one namespace (``scope``) per network session.

    Args:
        engine: The memory database.
        scope: The namespace, e.g. the network session's id (1..120 characters).

    Raises:
        ValueError: ``scope`` is empty or too long.
    """

    def __init__(self, engine: Engine, scope: str = "global") -> None:
        if not scope or len(scope) > 120:
            raise ValueError(f"scope must have 1..120 characters, got {scope!r}")
        self.engine = engine
        self.scope = scope

    def get(self, key: str, default: Any = None) -> Any:
        """The value stored under ``key`` (a deep copy), or ``default``."""
        with session_scope(self.engine) as s:
            row = s.get(LearnedState, (self.scope, key))
            return copy.deepcopy(row.value["value"]) if row is not None else default

    def put(self, key: str, value: Any) -> None:
        """Store ``value`` (JSON-ready) under ``key``, replacing what was there.

        Raises:
            ValueError: ``key`` is empty or longer than 120 characters.
        """
        if not key or len(key) > 120:
            raise ValueError(f"key must have 1..120 characters, got {key!r}")
        with session_scope(self.engine) as s:
            row = s.get(LearnedState, (self.scope, key))
            if row is None:
                s.add(LearnedState(scope=self.scope, key=key, value={"value": value}))
            else:
                row.value = {"value": copy.deepcopy(value)}

    def keys(self) -> list[str]:
        """The keys stored in this scope, sorted."""
        with session_scope(self.engine) as s:
            rows = s.scalars(select(LearnedState.key).where(LearnedState.scope == self.scope))
            return sorted(rows)
