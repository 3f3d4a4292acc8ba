"""Symptom signatures of incidents and the weighted-Jaccard similarity between them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np

__all__ = ["DEFAULT_WEIGHTS", "SymptomSignature", "weighted_jaccard"]

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
