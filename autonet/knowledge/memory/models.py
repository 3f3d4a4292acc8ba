"""SQLAlchemy 2 tables of the long-term memory: intents, cases, models, audit, imported data."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Final

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from autonet.knowledge.memory._types import PortableJSON, UTCDateTime, utcnow

__all__ = [
    "CASE_VERDICTS",
    "IMPORT_KINDS",
    "MODEL_STATUSES",
    "ActionRow",
    "AlarmEvent",
    "AuditEntry",
    "Base",
    "Case",
    "ImportBatch",
    "Intent",
    "KpiSample",
    "ModelVersion",
    "Outcome",
    "TopologyEdge",
    "TopologyNode",
]

CASE_VERDICTS: Final[tuple[str, ...]] = ("pending", "verified", "failed", "rolled_back")
MODEL_STATUSES: Final[tuple[str, ...]] = ("candidate", "active", "retired")
IMPORT_KINDS: Final[tuple[str, ...]] = ("topology", "kpis", "alarms")

# Deterministic constraint names, so that migrations can address them on every backend.
NAMING_CONVENTION: Final[dict[str, str]] = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit key.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    """Declarative base of every memory table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: PortableJSON,
    }


class Intent(Base):
    """An operator's intent (TMF921 / TS 28.312 expectations kept as JSON)."""

    __tablename__ = "intents"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    expectations: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(40), default="received")
    owner: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Case(Base):
    """An incident and how it was handled: symptoms, root cause, actions, verdict."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_verdict_updated", "verdict", "updated_at"),
        Index("ix_cases_updated_at", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[str | None] = mapped_column(String(120), index=True)
    intent_id: Mapped[int | None] = mapped_column(ForeignKey("intents.id", ondelete="SET NULL"))
    summary: Mapped[str] = mapped_column(Text, default="")
    signature: Mapped[dict[str, Any]] = mapped_column()
    fault_domain: Mapped[str | None] = mapped_column(String(40))
    fault_type: Mapped[str | None] = mapped_column(String(60))
    root_cause_node: Mapped[str | None] = mapped_column(String(200))
    root_cause: Mapped[dict[str, Any]] = mapped_column(default=dict)
    verdict: Mapped[str] = mapped_column(String(20), default="pending")
    detected_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    actions: Mapped[list[ActionRow]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="ActionRow.seq"
    )
    outcomes: Mapped[list[Outcome]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Outcome.id"
    )


class ActionRow(Base):
    """One action taken on a case, in execution order."""

    __tablename__ = "actions"
    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_actions_case_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(80))
    target: Mapped[str | None] = mapped_column(String(200))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    succeeded: Mapped[bool | None] = mapped_column(Boolean)
    executed_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship(back_populates="actions")


class Outcome(Base):
    """A verification of a case: its verdict and the KPI/KQI measurements behind it."""

    __tablename__ = "outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    verdict: Mapped[str] = mapped_column(String(20))
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship(back_populates="outcomes")


class ModelVersion(Base):
    """One fitted estimator version with its metrics and serialised artefact."""

    __tablename__ = "model_versions"
    __table_args__ = (
        UniqueConstraint("name", "version", name="uq_model_versions_name_version"),
        # At most one active version per model name, enforced by the database itself.
        Index(
            "uq_model_versions_one_active",
            "name",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="candidate")
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    artefact: Mapped[bytes | None] = mapped_column(LargeBinary)
    artefact_path: Mapped[str | None] = mapped_column(String(1000))
    artefact_sha256: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    promoted_at: Mapped[datetime | None] = mapped_column()


class AuditEntry(Base):
    """Who did what, why, when, in which run."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(Text, default="")
    target: Mapped[str | None] = mapped_column(String(200))
    run_id: Mapped[str | None] = mapped_column(String(120), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ImportBatch(Base):
    """One import of an operator file; every imported row points at its batch."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    source: Mapped[str] = mapped_column(String(1000))
    file_format: Mapped[str] = mapped_column(String(40))
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TopologyNode(Base):
    """A node of an imported topology."""

    __tablename__ = "topology_nodes"
    __table_args__ = (UniqueConstraint("batch_id", "node_id", name="uq_topology_nodes_batch"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id", ondelete="CASCADE"))
    node_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str | None] = mapped_column(String(40))
    attrs: Mapped[dict[str, Any]] = mapped_column(default=dict)


class TopologyEdge(Base):
    """An edge of an imported topology."""

    __tablename__ = "topology_edges"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("import_batches.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[str] = mapped_column(String(200))
    target: Mapped[str] = mapped_column(String(200))
    relation: Mapped[str | None] = mapped_column(String(40))
    attrs: Mapped[dict[str, Any]] = mapped_column(default=dict)


class KpiSample(Base):
    """One imported KPI value: (time, object, counter) -> value."""

    __tablename__ = "kpi_samples"
    __table_args__ = (
        UniqueConstraint("object", "counter", "time", name="uq_kpi_samples_series_time"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("import_batches.id", ondelete="CASCADE"), index=True
    )
    time: Mapped[datetime] = mapped_column(index=True)
    object: Mapped[str] = mapped_column(String(200))
    counter: Mapped[str] = mapped_column(String(120))
    value: Mapped[float] = mapped_column(Float)


class AlarmEvent(Base):
    """One imported alarm occurrence."""

    __tablename__ = "alarm_events"
    __table_args__ = (Index("ix_alarm_events_node_raised", "node", "raised_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("import_batches.id", ondelete="CASCADE"), index=True
    )
    alarm_uid: Mapped[str | None] = mapped_column(String(120))
    alarm_type: Mapped[str] = mapped_column(String(120), index=True)
    node: Mapped[str] = mapped_column(String(200))
    severity: Mapped[str | None] = mapped_column(String(20))
    raised_at: Mapped[datetime] = mapped_column(index=True)
    cleared_at: Mapped[datetime | None] = mapped_column()
