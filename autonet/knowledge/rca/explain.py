"""Turn a ranked candidate into a hypothesis with human-readable evidence."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from autonet.knowledge.rca._candidates import Candidate
from autonet.knowledge.rca.dependency import DependencyIndex
from autonet.knowledge.rca.hypothesis import Hypothesis, Symptom
from autonet.knowledge.rca.signatures import FAULT_SIGNATURES

__all__ = ["format_time", "to_hypothesis"]

_EPOCH = datetime(1970, 1, 1)


def format_time(t: float) -> str:
    """Epoch seconds as ISO time (from 2001 on); a log's relative seconds as ``t=<s>s``."""
    if t >= 1e9:
        return (_EPOCH + timedelta(seconds=t)).isoformat(timespec="seconds")
    return f"t={t:g}s"


def _names(items: Sequence[str], limit: int = 6) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" (+{len(items) - limit} more)" if len(items) > limit else "")


def to_hypothesis(
    c: Candidate,
    score: float,
    symptoms: Sequence[Symptom],
    explained_before: set[int],
    *,
    rank: int,
    index: DependencyIndex | None,
    episodes: Sequence[Candidate] = (),
) -> Hypothesis:
    """The hypothesis of candidate ``c``, which adds ``score`` to those ranked above it."""
    evidence: list[str] = []
    sig = FAULT_SIGNATURES.get(c.fault_type)
    if c.root:
        seen = list(dict.fromkeys((symptoms[i].alarm_type, symptoms[i].node) for i in c.root))
        text = f"root alarm {', '.join(f'{t} on {n}' for t, n in seen)}"
        text += f" from {format_time(symptoms[c.root[0]].time_s)}"
        if len(c.root) > len(seen):
            text += f" (+{len(c.root) - len(seen)} repeat(s))"
        if c.first:
            text += ", before every symptom it explains"
        evidence.append(text)
        quiet = [n for n, found in zip(c.root_nodes, c.root_slots, strict=True) if not found]
        if quiet:
            evidence.append(f"no root alarm on {', '.join(quiet)}")
    elif c.root_expected and sig is not None:
        evidence.append(
            f"no root alarm ({'/'.join(sorted(sig.root_types))}) on {c.element}: inferred from "
            "its symptoms"
        )
    if c.note:
        evidence.append(c.note)
    for g, (what, types) in enumerate(c.groups):
        slots = [s for s in c.slots if s.group == g]
        if not slots:
            continue
        hit = sum(1 for s in slots if s.members)
        evidence.append(f"{hit}/{len(slots)} {what} show {types}")
        silent = [s.node for s in slots if not s.members]
        if silent:
            evidence.append(f"silent ({what}, expected {types}): {_names(silent)}")
    if c.optional:
        pairs = sorted({(symptoms[i].alarm_type, symptoms[i].node) for i, _ in c.optional})
        shown = _names([f"{t}@{n}" for t, n in pairs])
        evidence.append(f"{len(pairs)} related alarm(s) nearby (type@node): {shown}")
    members = c.members()
    if c.root:
        t_root = symptoms[c.root[0]].time_s
        deltas = [symptoms[i].time_s - t_root for i in members if i not in c.root]
        if deltas:
            evidence.append(
                f"symptoms {min(deltas):+.1f} to {max(deltas):+.1f} s after the root alarm"
            )
    # Other episodes of the same fault: only those that add alarms are worth a word (a link's
    # second end alarming a second later starts an "episode" with the same alarms).
    extra = [e for e in episodes if not e.members() <= members]
    if extra:
        when = _names([format_time(e.t0) for e in sorted(extra, key=lambda e: e.t0)])
        evidence.append(f"{len(extra)} more episode(s) of the same fault at {when}")
    for e in episodes:
        members = members | e.members()
    overlap = len(members & explained_before)
    if overlap:
        evidence.append(f"{overlap} of its symptom(s) already explained by hypotheses above")
    if score <= 0:
        evidence.append("adds nothing beyond the hypotheses above (alternative explanation)")
    locus = {c.element}
    if index is not None:
        locus.update(index.link_ends.get(c.element, ()))
    ordered = sorted(members, key=lambda i: (symptoms[i].time_s, symptoms[i].symptom_id))
    return Hypothesis(
        node=c.element,
        fault_type=c.fault_type,
        domain=c.domain,
        score=round(score, 4),
        evidence=evidence,
        explained=sorted({symptoms[i].node for i in members} - locus),
        alarm_ids=[symptoms[i].symptom_id for i in ordered],
        rank=rank,
    )
