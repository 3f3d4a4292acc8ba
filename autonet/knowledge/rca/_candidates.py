"""A candidate root cause with the symptoms it would explain, and its log-likelihood gain."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from autonet.knowledge.rca.hypothesis import Symptom

__all__ = ["Candidate", "Scoring", "Slot", "gain"]


@dataclass(frozen=True, slots=True)
class Scoring:
    """The constants of the likelihood model (log-odds of a fault against background noise)."""

    root_hit: float  # root alarm observed on the root element
    root_miss: float  # root alarm expected but absent
    first_bonus: float  # the root alarm precedes every symptom it explains
    optional_hit: float  # per distinct (type, node) of optional symptoms, times its weight
    extra_hit: float  # per additional symptom on an already-counted slot


@dataclass(slots=True)
class Slot:
    """One expected symptom: on ``node``, of expectation ``group``; ``members`` observed on it."""

    node: str
    group: int
    hit: float  # log(p / p_noise)
    miss: float  # log((1 - p) / (1 - p_noise))
    members: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Candidate:
    """One (element, fault type, episode) and the symptoms it explains."""

    element: str
    fault_type: str
    domain: str
    t0: float
    root_slots: list[list[int]] = field(default_factory=list)  # root alarms per locus node
    root_nodes: list[str] = field(default_factory=list)  # the locus node of each root slot
    slots: list[Slot] = field(default_factory=list)
    groups: list[tuple[str, str]] = field(default_factory=list)  # (what, expected types)
    optional: list[tuple[int, float]] = field(default_factory=list)  # (symptom, weight)
    first: bool = False  # root alarm observed and earliest of all members
    root_expected: bool = True
    note: str = ""

    @property
    def root(self) -> list[int]:
        """Every root alarm observed, earliest first (indices are in time order)."""
        return sorted({i for slot in self.root_slots for i in slot})

    def members(self) -> set[int]:
        """Indices of every symptom it explains."""
        out = set(self.root)
        for slot in self.slots:
            out.update(slot.members)
        out.update(i for i, _ in self.optional)
        return out


def gain(c: Candidate, explained: set[int], symptoms: Sequence[Symptom], s: Scoring) -> float:
    """Log-likelihood gain of adding ``c`` to a set of hypotheses explaining ``explained``.

    Symptoms already explained count neither for nor against; an expected symptom nobody
    observed counts against (``miss``).
    """
    g = 0.0
    if any(c.root_slots):
        fresh = False
        for found in c.root_slots:  # one per end of a link, else one
            if not found:
                g += s.root_miss
            elif any(i not in explained for i in found):
                g += s.root_hit
                fresh = True
        if fresh and c.first:
            g += s.first_bonus
    elif c.root_expected:
        g += s.root_miss * max(1, len(c.root_slots))
    for slot in c.slots:
        if not slot.members:
            g += slot.miss
            continue
        new = [i for i in slot.members if i not in explained]
        if new:
            g += slot.hit * max(symptoms[i].weight for i in new) + s.extra_hit * (len(new) - 1)
    best: dict[tuple[str, str], float] = {}
    for i, w in c.optional:
        if i not in explained:
            key = (symptoms[i].alarm_type, symptoms[i].node)
            best[key] = max(best.get(key, 0.0), w * symptoms[i].weight)
    return g + s.optional_hit * sum(best.values())
