"""The shapes root-cause localisation passes around: symptoms in, hypotheses out."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from autonet.errors import BadInputError

__all__ = ["Hypothesis", "RCAInputError", "Symptom"]


class RCAInputError(BadInputError):
    """Alarms, anomalies, priors or a topology that root-cause localisation cannot use."""


@dataclass(frozen=True, slots=True)
class Symptom:
    """One observed symptom: an alarm, or a KPI anomaly with a soft weight.

    Attributes:
        symptom_id: the alarm id (or ``anomaly:<object>@<time>``), unique in one call.
        alarm_type: alarm type name; KPI anomalies use ``"KPI_ANOMALY"``.
        node: the topology element it was raised on (a node id, or a link id of the twin).
        time_s: raise time in seconds (epoch seconds for datetimes, the log's own unit otherwise).
        weight: 1.0 for alarms; in (0, 1] for anomalies (how sure the detector is).
    """

    symptom_id: str
    alarm_type: str
    node: str
    time_s: float
    weight: float = 1.0


@dataclass(slots=True)
class Hypothesis:
    """One ranked root-cause hypothesis.

    Attributes:
        node: the suspected root element (node id, or link id for transport faults).
        fault_type: one of ``events.FAULT_TYPES`` on a twin topology; ``"alarm:<type>"`` on a
            plain device graph (the root alarm type).
        domain: ``ran``, ``transport``, ``core``, ``edge``, or ``"unknown"`` on a plain graph.
        score: the log-likelihood gain this hypothesis adds to those ranked above it
            (positive: it explains symptoms nothing above explains; <= 0: an alternative).
        evidence: human-readable reasons (root alarm, temporal order, coverage, silent units).
        explained: the nodes whose symptoms it explains (root locus excluded), sorted.
        alarm_ids: the ids of the symptoms it explains (root alarm included).
        rank: 1-based position in the returned list.
    """

    node: str
    fault_type: str
    domain: str
    score: float
    evidence: list[str] = field(default_factory=list)
    explained: list[str] = field(default_factory=list)
    alarm_ids: list[str] = field(default_factory=list)
    rank: int = 0

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)
