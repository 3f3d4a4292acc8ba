"""Case memory: store incidents and retrieve similar past cases by their symptom signature."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

import numpy as np
from scipy import sparse
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import selectinload

from autonet.knowledge.memory._types import utcnow
from autonet.knowledge.memory.db import session_scope
from autonet.knowledge.memory.models import CASE_VERDICTS, ActionRow, Case, Outcome

__all__ = [
    "DEFAULT_WEIGHTS",
    "ActionSpec",
    "CaseRecord",
    "CaseStore",
    "NewCase",
    "SimilarCase",
    "SymptomSignature",
    "weighted_jaccard",
]

# Relative importance of each symptom family in the similarity.
DEFAULT_WEIGHTS: Final[dict[str, float]] = {"alarm": 0.4, "domain": 0.2, "kind": 0.15, "kpi": 0.25}


@dataclass(frozen=True)
class SymptomSignature:
    """What an incident looked like.

    Attributes:
        alarm_types: Alarm types seen (e.g. ``{"LINK_DOWN", "CELL_UNAVAILABLE"}``).
        fault_domain: ``ran``, ``transport``, ``core`` or ``edge``, if known.
        node_kinds: Kinds of the affected nodes (``cell``, ``router``, ...).
        kpi_deviations: Counter -> signed deviation in robust z-scores (negative: dropped).
    """

    alarm_types: frozenset[str] = frozenset()
    fault_domain: str | None = None
    node_kinds: frozenset[str] = frozenset()
    kpi_deviations: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "alarm_types", frozenset(map(str, self.alarm_types)))
        object.__setattr__(self, "node_kinds", frozenset(map(str, self.node_kinds)))
        for counter, z in self.kpi_deviations.items():
            if not np.isfinite(z):
                raise ValueError(f"kpi_deviations[{counter!r}] must be finite, got {z!r}")

    def features(self, weights: Mapping[str, float] = DEFAULT_WEIGHTS) -> dict[str, float]:
        """Weighted features: presence tokens, and KPI deviations capped at 3 z = full weight."""
        out = {f"alarm:{a}": weights["alarm"] for a in self.alarm_types}
        if self.fault_domain:
            out[f"domain:{self.fault_domain}"] = weights["domain"]
        out |= {f"kind:{k}": weights["kind"] for k in self.node_kinds}
        for counter, z in self.kpi_deviations.items():
            if z != 0:
                direction = "up" if z > 0 else "down"
                out[f"kpi:{counter}:{direction}"] = weights["kpi"] * min(abs(z) / 3.0, 1.0)
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "alarm_types": sorted(self.alarm_types),
            "fault_domain": self.fault_domain,
            "node_kinds": sorted(self.node_kinds),
            "kpi_deviations": {k: float(v) for k, v in sorted(self.kpi_deviations.items())},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SymptomSignature:
        return cls(
            alarm_types=frozenset(data.get("alarm_types", ())),
            fault_domain=data.get("fault_domain"),
            node_kinds=frozenset(data.get("node_kinds", ())),
            kpi_deviations=dict(data.get("kpi_deviations", {})),
        )


def weighted_jaccard(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Sum of element-wise minima over sum of maxima (1 for equal, 0 for disjoint)."""
    keys = set(a) | set(b)
    top = sum(max(a.get(k, 0.0), b.get(k, 0.0)) for k in keys)
    return sum(min(a.get(k, 0.0), b.get(k, 0.0)) for k in keys) / top if top else 0.0


@dataclass(frozen=True)
class ActionSpec:
    """An action taken on a case."""

    name: str
    target: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    succeeded: bool | None = None


@dataclass(frozen=True)
class NewCase:
    """A case to store."""

    signature: SymptomSignature
    root_cause_node: str | None = None
    fault_type: str | None = None
    actions: Sequence[ActionSpec] = ()
    verdict: str = "pending"
    summary: str = ""
    run_id: str | None = None
    root_cause: Mapping[str, Any] = field(default_factory=dict)
    detected_at: datetime | None = None
    resolved_at: datetime | None = None


@dataclass(frozen=True)
class CaseRecord:
    """A stored case as read back."""

    id: int
    signature: SymptomSignature
    root_cause_node: str | None
    fault_type: str | None
    verdict: str
    actions: tuple[ActionSpec, ...]
    summary: str
    run_id: str | None
    detected_at: datetime
    resolved_at: datetime | None


@dataclass(frozen=True)
class SimilarCase:
    """A past case, how close it is, and what worked on it (actions of a verified case)."""

    case: CaseRecord
    similarity: float

    @property
    def what_worked(self) -> tuple[ActionSpec, ...]:
        if self.case.verdict != "verified":
            return ()
        return tuple(a for a in self.case.actions if a.succeeded is not False)


def _check_verdict(verdict: str) -> None:
    if verdict not in CASE_VERDICTS:
        raise ValueError(f"unknown verdict {verdict!r}: expected one of {CASE_VERDICTS}")


def _record(row: Case) -> CaseRecord:
    return CaseRecord(
        id=row.id,
        signature=SymptomSignature.from_dict(row.signature),
        root_cause_node=row.root_cause_node,
        fault_type=row.fault_type,
        verdict=row.verdict,
        actions=tuple(ActionSpec(a.name, a.target, a.params, a.succeeded) for a in row.actions),
        summary=row.summary,
        run_id=row.run_id,
        detected_at=row.detected_at,
        resolved_at=row.resolved_at,
    )


class CaseStore:
    """Cases in the memory database, with similarity search over their signatures.

    Retrieval keeps an in-process sparse index of signatures, refreshed incrementally from the
    database (cases changed since the last query), so other processes' writes are seen.

    Args:
        engine: The memory database.
        weights: Weight of each symptom family (``alarm``, ``domain``, ``kind``, ``kpi``).
    """

    def __init__(self, engine: Engine, *, weights: Mapping[str, float] | None = None) -> None:
        self.engine = engine
        self.weights = dict(DEFAULT_WEIGHTS if weights is None else weights)
        missing = set(DEFAULT_WEIGHTS) - set(self.weights)
        if missing or any(w < 0 or not np.isfinite(w) for w in self.weights.values()):
            raise ValueError(f"weights need non-negative values for {sorted(DEFAULT_WEIGHTS)}")
        self._lock = threading.Lock()
        self._features: dict[int, dict[str, float]] = {}
        self._verdicts: dict[int, str] = {}
        self._watermark: datetime | None = None
        self._matrix: tuple[np.ndarray, sparse.csc_array, np.ndarray, dict[str, int]] | None = None

    def add(self, case: NewCase) -> int:
        """Store a case and its actions; returns its id."""
        _check_verdict(case.verdict)
        row = Case(
            signature=case.signature.as_dict(),
            fault_domain=case.signature.fault_domain,
            fault_type=case.fault_type,
            root_cause_node=case.root_cause_node,
            root_cause=dict(case.root_cause),
            verdict=case.verdict,
            summary=case.summary,
            run_id=case.run_id,
            detected_at=case.detected_at or utcnow(),
            resolved_at=case.resolved_at,
            actions=[
                ActionRow(
                    seq=i,
                    name=a.name,
                    target=a.target,
                    params=dict(a.params),
                    succeeded=a.succeeded,
                )
                for i, a in enumerate(case.actions)
            ],
        )
        with session_scope(self.engine) as session:
            session.add(row)
            session.flush()
            return row.id

    def record_verdict(
        self,
        case_id: int,
        verdict: str,
        *,
        metrics: Mapping[str, Any] | None = None,
        notes: str = "",
    ) -> None:
        """Record a verification of a case (an outcome row) and set the case's verdict."""
        _check_verdict(verdict)
        with session_scope(self.engine) as session:
            row = session.get(Case, case_id)
            if row is None:
                raise LookupError(f"no case with id {case_id}")
            row.verdict = verdict
            row.resolved_at = row.resolved_at or (utcnow() if verdict == "verified" else None)
            row.outcomes.append(Outcome(verdict=verdict, metrics=dict(metrics or {}), notes=notes))

    def get(self, case_id: int) -> CaseRecord:
        with session_scope(self.engine) as session:
            row = session.get(Case, case_id, options=[selectinload(Case.actions)])
            if row is None:
                raise LookupError(f"no case with id {case_id}")
            return _record(row)

    def count(self, *, verdict: str | None = None, since: datetime | None = None) -> int:
        """Number of cases, optionally with a verdict and updated after ``since``."""
        query = select(func.count()).select_from(Case)
        if verdict is not None:
            _check_verdict(verdict)
            query = query.where(Case.verdict == verdict)
        if since is not None:
            query = query.where(Case.updated_at > since)
        with session_scope(self.engine) as session:
            return int(session.scalar(query) or 0)

    def similar(
        self,
        signature: SymptomSignature,
        *,
        k: int = 5,
        min_similarity: float = 0.0,
        verdicts: Iterable[str] | None = ("verified",),
    ) -> list[SimilarCase]:
        """The ``k`` most similar stored cases, most similar first (weighted Jaccard).

        Args:
            signature: The current incident's symptoms.
            k: How many cases at most.
            min_similarity: Leave out cases below this similarity (0..1).
            verdicts: Only cases with these verdicts (None: all).
        """
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        if not 0.0 <= min_similarity <= 1.0:
            raise ValueError(f"min_similarity must be within [0, 1], got {min_similarity}")
        allowed = None if verdicts is None else set(verdicts)
        for verdict in allowed or ():
            _check_verdict(verdict)
        ids, scores = self._scores(signature.features(self.weights))
        if allowed is not None:
            keep = np.fromiter((self._verdicts[i] in allowed for i in ids.tolist()), bool, len(ids))
            ids, scores = ids[keep], scores[keep]
        keep = (scores >= min_similarity) & (scores > 0)
        ids, scores = ids[keep], scores[keep]
        top = np.lexsort((ids, -scores))[:k]  # ties: older case first
        chosen = [(int(ids[i]), float(scores[i])) for i in top]
        with session_scope(self.engine) as session:
            rows = session.scalars(
                select(Case)
                .where(Case.id.in_([c for c, _ in chosen]))
                .options(selectinload(Case.actions))
            ).all()
            by_id = {row.id: _record(row) for row in rows}
        return [SimilarCase(by_id[c], s) for c, s in chosen if c in by_id]

    def _refresh(self) -> None:
        query = select(Case.id, Case.signature, Case.verdict, Case.updated_at)
        if self._watermark is not None:
            query = query.where(Case.updated_at >= self._watermark)
        with session_scope(self.engine) as session:
            rows = session.execute(query).all()
        if not rows:
            return
        for case_id, signature, verdict, updated in rows:
            self._features[case_id] = SymptomSignature.from_dict(signature).features(self.weights)
            self._verdicts[case_id] = verdict
            if self._watermark is None or updated > self._watermark:
                self._watermark = updated
        self._matrix = None

    def _scores(self, query: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        with self._lock:
            self._refresh()
            if self._matrix is None:
                vocab: dict[str, int] = {}
                ids = np.fromiter(self._features, dtype=np.int64, count=len(self._features))
                r, c, v = [], [], []
                for row, case_id in enumerate(ids.tolist()):
                    for key, value in self._features[case_id].items():
                        r.append(row)
                        c.append(vocab.setdefault(key, len(vocab)))
                        v.append(value)
                shape = (len(ids), max(len(vocab), 1))
                matrix = sparse.csc_array((v, (r, c)), shape=shape)
                self._matrix = (ids, matrix, np.asarray(matrix.sum(axis=1)).ravel(), vocab)
            ids, matrix, row_sums, vocab = self._matrix
        if len(ids) == 0:
            return ids, np.zeros(0)
        cols = [(vocab[key], value) for key, value in query.items() if key in vocab]
        minima = np.zeros(len(ids))
        for col, value in cols:
            minima += np.minimum(matrix[:, [col]].toarray().ravel(), value)
        maxima = row_sums + sum(query.values()) - minima
        with np.errstate(invalid="ignore", divide="ignore"):
            scores = np.where(maxima > 0, minima / maxima, 0.0)
        return ids, scores
