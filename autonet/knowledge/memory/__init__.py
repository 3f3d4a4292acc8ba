"""Long-term memory: cases, models, audit and imported data in SQLite or PostgreSQL."""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "LearnedStore": "autonet.knowledge.memory.learned",
    "StoredRequest": "autonet.knowledge.memory.requests",
    "RequestStore": "autonet.knowledge.memory.requests",
    "EventCalendarStore": "autonet.knowledge.memory.calendar",
    "WorkOrderRecord": "autonet.knowledge.memory.work_orders",
    "WorkOrderStore": "autonet.knowledge.memory.work_orders",
    "TicketRecord": "autonet.knowledge.memory.tickets",
    "TicketStore": "autonet.knowledge.memory.tickets",
    "ActionRow": "autonet.knowledge.memory.models",
    "ActionSpec": "autonet.knowledge.memory.cases",
    "AlarmEvent": "autonet.knowledge.memory.models",
    "AuditEntry": "autonet.knowledge.memory.models",
    "AuditLog": "autonet.knowledge.memory.audit",
    "AuditRecord": "autonet.knowledge.memory.audit",
    "Base": "autonet.knowledge.memory.models",
    "Case": "autonet.knowledge.memory.models",
    "CaseRecord": "autonet.knowledge.memory.cases",
    "CaseStore": "autonet.knowledge.memory.cases",
    "DEFAULT_WEIGHTS": "autonet.knowledge.memory.signature",
    "ImportBatch": "autonet.knowledge.memory.models",
    "Intent": "autonet.knowledge.memory.models",
    "KpiSample": "autonet.knowledge.memory.models",
    "ModelRegistry": "autonet.knowledge.memory.registry",
    "ModelVersion": "autonet.knowledge.memory.models",
    "ModelVersionInfo": "autonet.knowledge.memory.registry",
    "NewCase": "autonet.knowledge.memory.cases",
    "Outcome": "autonet.knowledge.memory.models",
    "PendingData": "autonet.knowledge.memory.retrain",
    "RetrainResult": "autonet.knowledge.memory.retrain",
    "Retrainer": "autonet.knowledge.memory.retrain",
    "SimilarCase": "autonet.knowledge.memory.cases",
    "SymptomSignature": "autonet.knowledge.memory.signature",
    "TopologyEdge": "autonet.knowledge.memory.models",
    "TopologyNode": "autonet.knowledge.memory.models",
    "create_engine_for": "autonet.knowledge.memory.db",
    "current_revision": "autonet.knowledge.memory.db",
    "head_revision": "autonet.knowledge.memory.db",
    "init_db": "autonet.knowledge.memory.db",
    "session_factory": "autonet.knowledge.memory.db",
    "session_scope": "autonet.knowledge.memory.db",
    "weighted_jaccard": "autonet.knowledge.memory.signature",
}

__all__ = [
    "DEFAULT_WEIGHTS",
    "ActionRow",
    "ActionSpec",
    "AlarmEvent",
    "AuditEntry",
    "AuditLog",
    "AuditRecord",
    "Base",
    "Case",
    "CaseRecord",
    "CaseStore",
    "EventCalendarStore",
    "ImportBatch",
    "Intent",
    "KpiSample",
    "LearnedStore",
    "ModelRegistry",
    "ModelVersion",
    "ModelVersionInfo",
    "NewCase",
    "Outcome",
    "PendingData",
    "RequestStore",
    "RetrainResult",
    "Retrainer",
    "SimilarCase",
    "StoredRequest",
    "SymptomSignature",
    "TicketRecord",
    "TicketStore",
    "TopologyEdge",
    "TopologyNode",
    "WorkOrderRecord",
    "WorkOrderStore",
    "create_engine_for",
    "current_revision",
    "head_revision",
    "init_db",
    "session_factory",
    "session_scope",
    "weighted_jaccard",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'autonet.knowledge.memory' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
