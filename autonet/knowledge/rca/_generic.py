"""Candidate root causes on a plain device graph: each alarm may cause alarms near it."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence

from autonet.knowledge.rca._candidates import Candidate
from autonet.knowledge.rca.hypothesis import Symptom

__all__ = ["generic_candidates"]


def generic_candidates(
    symptoms: Sequence[Symptom],
    hops_from: Callable[[str], Mapping[str, int]],
    strength: Callable[[str, str], float],
    domain_of: Callable[[str], str],
    *,
    window_s: float,
    slack_s: float,
) -> list[Candidate]:
    """One candidate per (device, alarm type, episode): the alarm as root of those near it.

    ``symptoms`` must be sorted by time (``RootCauseLocator.locate`` sorts them).

    A candidate explains the alarms within ``hops_from(device)`` raised from ``slack_s``
    before to ``window_s`` after its first occurrence, each weighted by the type-to-type
    ``strength`` (a prior, or a constant without one) and ``1 / (1 + hops)``.
    """
    by_node: dict[str, list[int]] = defaultdict(list)
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, s in enumerate(symptoms):
        by_node[s.node].append(i)
        groups[(s.node, s.alarm_type)].append(i)
    # Per node, its symptoms' times in index order, for windowed look-ups by bisection.
    times = {n: [symptoms[i].time_s for i in idx] for n, idx in by_node.items()}
    out: list[Candidate] = []
    for (node, atype), idx in sorted(groups.items()):
        idx.sort(key=lambda i: symptoms[i].time_s)
        near = hops_from(node)
        starts: list[float] = []
        for i in idx:
            if not starts or symptoms[i].time_s - starts[-1] > window_s:
                starts.append(symptoms[i].time_s)
        for t0 in starts:
            lo, hi = t0 - slack_s, t0 + window_s
            c = Candidate(node, f"alarm:{atype}", domain_of(node), t0, root_expected=False)
            c.root_slots = [[i for i in idx if t0 <= symptoms[i].time_s <= hi]]
            c.root_nodes = [node]
            for other, hops in near.items():
                if other not in by_node:
                    continue
                row = times[other]
                for j in by_node[other][bisect_left(row, lo) : bisect_right(row, hi)]:
                    s = symptoms[j]
                    if other == node and s.alarm_type == atype:
                        continue
                    w = strength(atype, s.alarm_type)
                    if w > 0:
                        c.optional.append((j, w / (1 + hops)))
            c.first = all(symptoms[j].time_s >= t0 for j, _ in c.optional)
            out.append(c)
    return out
