"""Long-term memory: cases, models, audit and imported data in SQLite or PostgreSQL."""

from autonet.knowledge.memory.audit import AuditLog, AuditRecord
from autonet.knowledge.memory.cases import (
    ActionSpec,
    CaseRecord,
    CaseStore,
    NewCase,
    SimilarCase,
)
from autonet.knowledge.memory.db import (
    create_engine_for,
    current_revision,
    head_revision,
    init_db,
    session_factory,
    session_scope,
)
from autonet.knowledge.memory.models import (
    ActionRow,
    AlarmEvent,
    AuditEntry,
    Base,
    Case,
    ImportBatch,
    Intent,
    KpiSample,
    ModelVersion,
    Outcome,
    TopologyEdge,
    TopologyNode,
)
from autonet.knowledge.memory.registry import ModelRegistry, ModelVersionInfo
from autonet.knowledge.memory.retrain import PendingData, Retrainer, RetrainResult
from autonet.knowledge.memory.signature import (
    DEFAULT_WEIGHTS,
    SymptomSignature,
    weighted_jaccard,
)

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
    "ImportBatch",
    "Intent",
    "KpiSample",
    "ModelRegistry",
    "ModelVersion",
    "ModelVersionInfo",
    "NewCase",
    "Outcome",
    "PendingData",
    "RetrainResult",
    "Retrainer",
    "SimilarCase",
    "SymptomSignature",
    "TopologyEdge",
    "TopologyNode",
    "create_engine_for",
    "current_revision",
    "head_revision",
    "init_db",
    "session_factory",
    "session_scope",
    "weighted_jaccard",
]
