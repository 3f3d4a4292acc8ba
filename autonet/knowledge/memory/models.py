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
    "REQUEST_STATUSES",
    "TICKET_STATUSES",
    "WORK_ORDER_STATUSES",
    "ActionRow",
    "AlarmEvent",
    "AuditEntry",
    "Base",
    "CalendarEvent",
    "Case",
    "ImportBatch",
    "Intent",
    "KpiSample",
    "LearnedState",
    "ModelVersion",
    "Outcome",
    "RequestRecord",
    "Ticket",
    "TopologyEdge",
    "TopologyNode",
    "WorkOrder",
]

CASE_VERDICTS: Final[tuple[str, ...]] = ("pending", "verified", "failed", "rolled_back")
MODEL_STATUSES: Final[tuple[str, ...]] = ("candidate", "active", "retired")
IMPORT_KINDS: Final[tuple[str, ...]] = ("topology", "kpis", "alarms")
#: The front door's request lifecycle.
REQUEST_STATUSES: Final[tuple[str, ...]] = (
    "answered",
    "needs_info",
    "escalated",
    "rejected",
    "pending_approval",
    "in_progress",
    "done",
    "failed",
)

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


class RequestRecord(Base):
    """An operator's request through the front door: words or expression, decision, result.

    ``status`` follows the lifecycle ``answered | needs_info | escalated | rejected |
    pending_approval | in_progress | done | failed`` (see ``REQUEST_STATUSES``).
    """

    __tablename__ = "requests"
    __table_args__ = (Index("ix_requests_status_created", "status", "created_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    text: Mapped[str] = mapped_column(Text, default="")
    expression: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON)
    caller: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(40))
    decision: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(20))
    actions: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"items": [...]}
    verdict: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON)
    reason: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    run_id: Mapped[str | None] = mapped_column(String(120), index=True)
    session_id: Mapped[str | None] = mapped_column(String(120), index=True)
    network_time: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class LearnedState(Base):
    """What the learning agent learned that must outlive a run: priors, guard history, ...

    One JSON value per ``(scope, key)``: ``scope`` names the network session (or "global").
    """

    __tablename__ = "learned_state"

    scope: Mapped[str] = mapped_column(String(120), primary_key=True)
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


#: Ticket lifecycle (``autonet.knowledge.memory.tickets``).
TICKET_STATUSES: Final[tuple[str, ...]] = ("open", "closed")
#: Work-order lifecycle (``autonet.knowledge.memory.work_orders``).
WORK_ORDER_STATUSES: Final[tuple[str, ...]] = ("open", "in_progress", "completed", "cancelled")


class Ticket(Base):
    """A trouble ticket about a network element: opened, updated, closed by people or the loop.

    ``history`` is ``{"items": [{"at", "by", "what", ...}]}``, oldest first.
    """

    __tablename__ = "tickets"
    __table_args__ = (Index("ix_tickets_status_target", "status", "target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    target: Mapped[str] = mapped_column(String(200))
    priority: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(20), default="open")
    summary: Mapped[str] = mapped_column(Text, default="")
    opened_by: Mapped[str] = mapped_column(String(120))
    closed_by: Mapped[str | None] = mapped_column(String(120))
    close_reason: Mapped[str] = mapped_column(Text, default="")
    request_id: Mapped[str | None] = mapped_column(String(40))
    history: Mapped[dict[str, Any]] = mapped_column(default=dict)
    network_time: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column()


class WorkOrder(Base):
    """A field crew's job at a site, cell or link: why, how urgent, and what the crew found.

    ``opened_at`` / ``started_at`` / ``due_at`` / ``completed_at`` are network (twin) times;
    ``created_at`` / ``updated_at`` are wall-clock times of the record.
    """

    __tablename__ = "work_orders"
    __table_args__ = (Index("ix_work_orders_status_target", "status", "target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    target: Mapped[str] = mapped_column(String(200))
    target_kind: Mapped[str] = mapped_column(String(20))
    priority: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_by: Mapped[str] = mapped_column(String(120))
    source: Mapped[str | None] = mapped_column(String(120), index=True)
    findings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    opened_at: Mapped[datetime] = mapped_column()
    started_at: Mapped[datetime | None] = mapped_column()
    due_at: Mapped[datetime | None] = mapped_column()
    completed_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CalendarEvent(Base):
    """A planned event in the operators' calendar: where, when, how big a crowd is expected.

    ``cells`` is ``{"items": [cell ids]}`` (empty: the ``area`` names the place).
    """

    __tablename__ = "calendar_events"
    __table_args__ = (Index("ix_calendar_events_start_end", "start", "end"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    area: Mapped[str | None] = mapped_column(String(60), index=True)
    cells: Mapped[dict[str, Any]] = mapped_column(default=dict)
    start: Mapped[datetime] = mapped_column()
    end: Mapped[datetime] = mapped_column()
    expected_attendance: Mapped[int | None] = mapped_column(Integer)
    surge_factor: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(120), default="operator")
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
