"""Candidate root causes on a twin-schema topology, from the fault signatures."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence

from autonet.knowledge.rca._candidates import Candidate
from autonet.knowledge.rca.dependency import DependencyIndex
from autonet.knowledge.rca.hypothesis import Symptom
from autonet.knowledge.rca.signatures import FAULT_SIGNATURES, FaultSignature

__all__ = ["twin_candidates"]

Priors = Mapping[str, Mapping[str, float]]


def _root_kind(idx: DependencyIndex, element: str) -> str:
    kind = idx.kind[element]
    if kind == "nf":
        return "upf" if element in idx.served else "nf"
    return kind


def _upstream(idx: DependencyIndex, node: str) -> list[str]:
    """Every element whose failure could raise a symptom on ``node``."""
    kind = idx.kind[node]
    if kind == "link":
        return [node]
    if kind == "nf":
        return [node]
    if kind in ("router", "dc"):  # a link alarm raised on one of the link's end points
        return list(idx.links_at.get(node, []))
    out: list[str] = []
    site = idx.site_of(node)
    if kind == "cell":
        out.append(node)
        out.extend(idx.neighbours.get(node, []))
    if site is not None:
        out.append(site)
        out.extend(idx.site_path.get(site, []))
        upf = idx.site_upf.get(site)
        if upf is not None:
            out.append(upf)
    return out


def _explainable(sig: FaultSignature, priors: Priors) -> dict[str, float]:
    """Alarm types the fault may raise off its root, with their weights (priors add types)."""
    out = {t: 1.0 for t in sig.symptom_types | sig.optional_types}
    for a in sig.root_types:
        for b, v in priors.get(a, {}).items():
            if v > 0 and b not in out and b not in sig.root_types:
                out[b] = max(out.get(b, 0.0), float(v))
    return out


def _region(idx: DependencyIndex, e: str, sig: FaultSignature) -> tuple[dict[str, str], set[str]]:
    """(node -> unit for the impacted units, the optional region)."""
    unit_of: dict[str, str] = {}
    if sig.impact == "site_cells":
        unit_of = {c: c for c in idx.cells_of_site.get(e, [])}
        cells = list(unit_of)
        region = {e, *cells}
    elif sig.impact in ("sites_behind", "served_sites"):
        sites = idx.behind.get(e, set()) if sig.impact == "sites_behind" else idx.served[e]
        cells = []
        for site in sites:
            unit_of[site] = site
            for c in idx.cells_of_site.get(site, []):
                unit_of[c] = site
                cells.append(c)
        region = set(unit_of)
    else:
        cells = [e]
        region = {e}
    for c in cells:
        region.update(idx.neighbours.get(c, []))
    return unit_of, region


def _episodes(times: list[float], window_s: float) -> list[float]:
    starts: list[float] = []
    for t in sorted(times):
        if not starts or t - starts[-1] > window_s:
            starts.append(t)
    return starts


def _build(
    e: str,
    sig: FaultSignature,
    idx: DependencyIndex,
    symptoms: Sequence[Symptom],
    by_node: Mapping[str, list[int]],
    explainable: Mapping[str, float],
    window_s: float,
    slack_s: float,
    p_noise: float,
) -> list[Candidate]:
    locus = {e, *idx.link_ends.get(e, ())}
    roots = [
        i for n in locus for i in by_node.get(n, []) if symptoms[i].alarm_type in sig.root_types
    ]
    unit_of, region = _region(idx, e, sig)
    pool = [
        i
        for n in region | set(unit_of)
        for i in by_node.get(n, [])
        if symptoms[i].alarm_type in explainable and i not in roots
    ]
    starts = _episodes([symptoms[i].time_s for i in roots], window_s)
    if not starts:
        if not pool:
            return []
        starts = [min(symptoms[i].time_s for i in pool)]
    out = []
    for t0 in starts:
        lo, hi = t0 - slack_s, t0 + window_s
        c = Candidate(e, sig.fault_type, sig.domain, t0)
        c.root = sorted(i for i in roots if t0 <= symptoms[i].time_s <= hi)
        c.units = {u: [] for u in sorted(set(unit_of.values()))}
        c.unit_hit = math.log(sig.p_unit / p_noise) if sig.p_unit else 0.0
        c.unit_miss = math.log((1 - sig.p_unit) / (1 - p_noise)) if sig.p_unit else 0.0
        for i in pool:
            s = symptoms[i]
            if not lo <= s.time_s <= hi:
                continue
            if s.node in unit_of and s.alarm_type in sig.symptom_types:
                c.units[unit_of[s.node]].append(i)
            elif s.node in region:
                c.optional.append((i, explainable[s.alarm_type]))
        others = [symptoms[i].time_s for i in c.members() if i not in c.root]
        c.first = bool(c.root) and all(symptoms[c.root[0]].time_s <= t for t in others)
        if c.root or others:
            out.append(c)
    return out


def twin_candidates(
    symptoms: Sequence[Symptom],
    idx: DependencyIndex,
    priors: Priors,
    *,
    window_s: float,
    slack_s: float,
    p_noise: float,
) -> list[Candidate]:
    """Every (element, fault type, episode) that explains at least one symptom."""
    by_node: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(symptoms):
        by_node[s.node].append(i)
    explainable = {f: _explainable(sig, priors) for f, sig in FAULT_SIGNATURES.items()}
    keys: set[tuple[str, str]] = set()
    for s in symptoms:
        for e in _upstream(idx, s.node):
            kind = _root_kind(idx, e)
            for f, sig in FAULT_SIGNATURES.items():
                if sig.root_kind == kind and (
                    s.alarm_type in sig.root_types or s.alarm_type in explainable[f]
                ):
                    keys.add((e, f))
    out: list[Candidate] = []
    for e, f in sorted(keys):
        out.extend(
            _build(
                e,
                FAULT_SIGNATURES[f],
                idx,
                symptoms,
                by_node,
                explainable[f],
                window_s,
                slack_s,
                p_noise,
            )
        )
    return out
