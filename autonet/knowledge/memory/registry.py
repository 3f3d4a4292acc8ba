"""Model registry: versions of fitted estimators with metrics; promote, load, roll back."""

from __future__ import annotations

import hashlib
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import joblib
import sklearn
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from autonet.knowledge.memory._types import utcnow
from autonet.knowledge.memory.db import session_scope
from autonet.knowledge.memory.models import AuditEntry, ModelVersion

__all__ = ["ModelRegistry", "ModelVersionInfo"]


@dataclass(frozen=True)
class ModelVersionInfo:
    """A registered model version, without its artefact."""

    name: str
    version: int
    status: str
    metrics: dict[str, Any]
    params: dict[str, Any]
    note: str
    created_at: datetime
    promoted_at: datetime | None


def _info(row: ModelVersion) -> ModelVersionInfo:
    return ModelVersionInfo(
        row.name,
        row.version,
        row.status,
        dict(row.metrics),
        dict(row.params),
        row.note,
        row.created_at,
        row.promoted_at,
    )


def _check_metrics(metrics: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in metrics.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"metric {key!r} must be finite, got {value!r}")
        out[str(key)] = float(value) if hasattr(value, "item") else value
    return out


class ModelRegistry:
    """Versions of fitted estimators, stored in the memory database.

    Artefacts are joblib pickles kept in the database, or in ``artefact_dir`` when given (the
    row then keeps the path); a SHA-256 guards them on load. Unpickling runs code: load only
    artefacts this registry wrote. At most one version per name is ``active`` (enforced by a
    unique index); promotion and roll-back are written to the audit trail.

    Args:
        engine: The memory database.
        artefact_dir: Folder for artefact files instead of database blobs.
        actor: Who is named in the audit entries.
    """

    def __init__(
        self, engine: Engine, *, artefact_dir: str | Path | None = None, actor: str = "registry"
    ) -> None:
        self.engine = engine
        self.artefact_dir = Path(artefact_dir) if artefact_dir is not None else None
        self.actor = actor

    def save(
        self,
        name: str,
        estimator: Any,
        *,
        metrics: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        note: str = "",
        promote: bool = False,
    ) -> ModelVersionInfo:
        """Store a new version (the next number for ``name``) as a candidate, or active."""
        if not name or len(name) > 120:
            raise ValueError(f"model name must have 1..120 characters, got {name!r}")
        buffer = io.BytesIO()
        joblib.dump(estimator, buffer)
        blob = buffer.getvalue()
        digest = hashlib.sha256(blob).hexdigest()
        if params is None and hasattr(estimator, "get_params"):
            params = {k: repr(v) for k, v in estimator.get_params(deep=False).items()}
        all_params = {**(params or {}), "sklearn_version": sklearn.__version__}
        with session_scope(self.engine) as session:
            version = (
                session.scalar(
                    select(func.max(ModelVersion.version)).where(ModelVersion.name == name)
                )
                or 0
            ) + 1
            path = None
            if self.artefact_dir is not None:
                self.artefact_dir.mkdir(parents=True, exist_ok=True)
                path = self.artefact_dir / f"{name}-v{version}-{digest[:12]}.joblib"
                path.write_bytes(blob)
            row = ModelVersion(
                name=name,
                version=version,
                status="candidate",
                params=all_params,
                metrics=_check_metrics(metrics or {}),
                artefact=None if path else blob,
                artefact_path=str(path) if path else None,
                artefact_sha256=digest,
                note=note,
            )
            session.add(row)
            session.flush()
            if promote:
                self._activate(session, row, "promote", f"saved as active: {note}")
            return _info(row)

    def promote(self, name: str, version: int, *, reason: str = "") -> ModelVersionInfo:
        """Make ``version`` the active one; the previous active version is retired."""
        with session_scope(self.engine) as session:
            row = self._row(session, name, version)
            self._activate(session, row, "promote", reason)
            return _info(row)

    def active(self, name: str) -> ModelVersionInfo | None:
        with session_scope(self.engine) as session:
            row = self._active_row(session, name)
            return _info(row) if row else None

    def versions(self, name: str) -> list[ModelVersionInfo]:
        """Every version of ``name``, oldest first."""
        with session_scope(self.engine) as session:
            rows = session.scalars(
                select(ModelVersion).where(ModelVersion.name == name).order_by(ModelVersion.version)
            )
            return [_info(r) for r in rows]

    def update_metrics(self, name: str, version: int, metrics: Mapping[str, Any]) -> None:
        """Merge ``metrics`` into a version's metrics."""
        with session_scope(self.engine) as session:
            row = self._row(session, name, version)
            row.metrics = {**row.metrics, **_check_metrics(metrics)}

    def load(self, name: str, version: int | None = None) -> Any:
        """The estimator of ``version`` (default: the active one)."""
        with session_scope(self.engine) as session:
            row = self._row(session, name, version) if version else self._active_row(session, name)
            if row is None:
                raise LookupError(f"model {name!r} has no active version")
            blob = (
                row.artefact
                if row.artefact is not None
                else Path(row.artefact_path or "").read_bytes()
            )
            digest = row.artefact_sha256
        if hashlib.sha256(blob).hexdigest() != digest:
            raise ValueError(f"artefact of {name!r} v{version} does not match its SHA-256")
        return joblib.load(io.BytesIO(blob))

    def rollback(
        self, name: str, *, to_version: int | None = None, reason: str = ""
    ) -> ModelVersionInfo:
        """Reactivate the version that was active before the current one (or ``to_version``)."""
        with session_scope(self.engine) as session:
            current = self._active_row(session, name)
            target: ModelVersion | None
            if to_version is not None:
                target = self._row(session, name, to_version)
            else:
                if current is None or current.promoted_at is None:
                    raise LookupError(f"model {name!r} has no active version to roll back from")
                target = session.scalar(
                    select(ModelVersion)
                    .where(
                        ModelVersion.name == name,
                        ModelVersion.status == "retired",
                        ModelVersion.promoted_at < current.promoted_at,
                    )
                    .order_by(ModelVersion.promoted_at.desc())
                    .limit(1)
                )
                if target is None:
                    raise LookupError(f"model {name!r} has no earlier active version to go back to")
            self._activate(session, target, "rollback", reason, keep_promoted_at=True)
            return _info(target)

    def _row(self, session: Session, name: str, version: int | None) -> ModelVersion:
        row = session.scalar(
            select(ModelVersion).where(ModelVersion.name == name, ModelVersion.version == version)
        )
        if row is None:
            raise LookupError(f"model {name!r} has no version {version}")
        return row

    def _active_row(self, session: Session, name: str) -> ModelVersion | None:
        return session.scalar(
            select(ModelVersion).where(ModelVersion.name == name, ModelVersion.status == "active")
        )

    def _activate(
        self,
        session: Session,
        row: ModelVersion,
        action: str,
        reason: str,
        *,
        keep_promoted_at: bool = False,
    ) -> None:
        current = self._active_row(session, row.name)
        if current is not None and current.id != row.id:
            current.status = "retired"
            session.flush()  # free the one-active index slot before taking it
        row.status = "active"
        if not keep_promoted_at or row.promoted_at is None:
            row.promoted_at = utcnow()
        session.add(
            AuditEntry(
                actor=self.actor,
                action=f"model.{action}",
                reason=reason,
                target=f"{row.name} v{row.version}",
                details={
                    "from_version": current.version if current else None,
                    "to_version": row.version,
                },
            )
        )
