"""Case memory: store incidents and retrieve similar past cases by their symptom signature."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from scipy import sparse
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import selectinload

from autonet.knowledge.memory._types import utcnow
from autonet.knowledge.memory.db import session_scope
from autonet.knowledge.memory.models import CASE_VERDICTS, ActionRow, Case, Outcome
from autonet.knowledge.memory.signature import DEFAULT_WEIGHTS, SymptomSignature

__all__ = ["ActionSpec", "CaseRecord", "CaseStore", "NewCase", "SimilarCase"]


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
    intent_id: int | None = None
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


def _row(case: NewCase) -> Case:
    return Case(
        signature=case.signature.as_dict(),
        fault_domain=case.signature.fault_domain,
        fault_type=case.fault_type,
        root_cause_node=case.root_cause_node,
        root_cause=dict(case.root_cause),
        verdict=case.verdict,
        summary=case.summary,
        run_id=case.run_id,
        intent_id=case.intent_id,
        detected_at=case.detected_at or utcnow(),
        resolved_at=case.resolved_at,
        actions=[
            ActionRow(
                seq=i, name=a.name, target=a.target, params=dict(a.params), succeeded=a.succeeded
            )
            for i, a in enumerate(case.actions)
        ],
    )


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
        self._seen: dict[int, datetime] = {}
        self._records: dict[int, tuple[datetime, CaseRecord]] = {}  # keyed by updated_at
        self._watermark: datetime | None = None
        self._matrix: (
            tuple[np.ndarray, np.ndarray, sparse.csc_array, np.ndarray, dict[str, int]] | None
        ) = None

    def add(self, case: NewCase) -> int:
        """Store a case and its actions; returns its id."""
        return self.add_many([case])[0]

    def add_many(self, cases: Iterable[NewCase]) -> list[int]:
        """Store several cases in one transaction (all or none); returns their ids."""
        cases = list(cases)
        for case in cases:
            _check_verdict(case.verdict)
        rows = [_row(case) for case in cases]
        with session_scope(self.engine) as session:
            session.add_all(rows)
            session.flush()
            return [row.id for row in rows]

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
        ids, verdict_of, scores = self._scores(signature.features(self.weights))
        if allowed is not None:
            keep = np.isin(verdict_of, [CASE_VERDICTS.index(v) for v in allowed])
            ids, scores = ids[keep], scores[keep]
        keep = (scores >= min_similarity) & (scores > 0)
        ids, scores = ids[keep], scores[keep]
        if len(scores) > k:  # cut to the k best (and their ties) before sorting
            kth = np.partition(scores, len(scores) - k)[len(scores) - k]
            ids, scores = ids[scores >= kth], scores[scores >= kth]
        top = np.lexsort((ids, -scores))[:k]  # ties: older case first
        chosen = [(int(ids[i]), float(scores[i])) for i in top]
        with self._lock:
            cached = {c: self._records.get(c) for c, _ in chosen}
            fresh = {c: rec[1] for c, rec in cached.items() if rec and rec[0] == self._seen.get(c)}
        missing = [c for c, _ in chosen if c not in fresh]
        if missing:
            with session_scope(self.engine) as session:
                rows = session.scalars(
                    select(Case).where(Case.id.in_(missing)).options(selectinload(Case.actions))
                ).all()
                loaded = {row.id: (row.updated_at, _record(row)) for row in rows}
            with self._lock:
                self._records.update(loaded)
            fresh |= {c: rec for c, (_, rec) in loaded.items()}
        return [SimilarCase(fresh[c], s) for c, s in chosen if c in fresh]

    def _refresh(self) -> None:
        query = select(Case.id, Case.signature, Case.verdict, Case.updated_at)
        if self._watermark is not None:
            query = query.where(Case.updated_at >= self._watermark)
        with session_scope(self.engine) as session:
            rows = session.execute(query).all()
        changed = False
        for case_id, signature, verdict, updated in rows:
            if self._seen.get(case_id) == updated:
                continue  # the boundary rows of the last refresh come back (>= watermark)
            self._seen[case_id] = updated
            self._features[case_id] = SymptomSignature.from_dict(signature).features(self.weights)
            self._verdicts[case_id] = verdict
            if self._watermark is None or updated > self._watermark:
                self._watermark = updated
            changed = True
        if changed:
            self._matrix = None

    def _scores(self, query: dict[str, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Case ids, their verdicts and their weighted Jaccard similarity to ``query``."""
        with self._lock:
            self._refresh()
            if self._matrix is None:
                self._matrix = self._build()
            ids, verdicts, matrix, row_sums, vocab = self._matrix
        cols = [vocab[key] for key in query if key in vocab]
        values = np.array([query[key] for key in query if key in vocab])
        if len(ids) == 0:
            return ids, verdicts, np.zeros(0)
        # sum(min) over the query's features only; sum(max) = sum(a) + sum(b) - sum(min).
        minima = np.minimum(matrix[:, cols].toarray(), values).sum(axis=1) if cols else 0.0
        maxima = row_sums + sum(query.values()) - minima
        with np.errstate(invalid="ignore", divide="ignore"):
            scores = np.where(maxima > 0, minima / maxima, 0.0)
        return ids, verdicts, scores

    def _build(self) -> tuple[np.ndarray, np.ndarray, sparse.csc_array, np.ndarray, dict[str, int]]:
        vocab: dict[str, int] = {}
        ids = np.fromiter(self._features, dtype=np.int64, count=len(self._features))
        r, c, v = [], [], []
        for row, case_id in enumerate(ids.tolist()):
            for key, value in self._features[case_id].items():
                r.append(row)
                c.append(vocab.setdefault(key, len(vocab)))
                v.append(value)
        matrix = sparse.csc_array((v, (r, c)), shape=(len(ids), max(len(vocab), 1)))
        verdicts = np.array([CASE_VERDICTS.index(self._verdicts[i]) for i in ids.tolist()])
        return ids, verdicts, matrix, np.asarray(matrix.sum(axis=1)).ravel(), vocab
