"""Candidate root causes on a twin-schema topology, from the fault signatures."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from autonet.knowledge.rca._candidates import Candidate, Slot
from autonet.knowledge.rca.dependency import DependencyIndex
from autonet.knowledge.rca.hypothesis import Symptom
from autonet.knowledge.rca.signatures import FAULT_SIGNATURES, KPI_ANOMALY, FaultSignature

__all__ = ["twin_candidates"]

Priors = Mapping[str, Mapping[str, float]]

_SCOPE_WORDS = {
    "self": "",
    "own_cells": "cells of",
    "sites_behind": "sites behind",
    "cells_behind": "cells behind",
    "served_sites": "sites served by",
    "served_cells": "cells served by",
    "smfs": "SMFs seeing",
    "takers": "neighbours taking users of",
}


@dataclass(frozen=True, slots=True)
class _Context:
    idx: DependencyIndex
    symptoms: Sequence[Symptom]
    by_node: Mapping[str, list[int]]
    window_s: float
    slack_s: float
    p_noise: float


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
    if kind in ("router", "dc"):  # a link alarm is raised on the link's end points
        return list(idx.links_at.get(node, []))
    if kind == "nf":  # an SMF counts the PDU session failures of every UPF
        return sorted(idx.served) if node in idx.smfs else [node]
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
    out = dict.fromkeys(sig.optional_types, 1.0)
    for exp in sig.expect:
        out.update(dict.fromkeys(exp.types, 1.0))
    for a in sig.root_types:
        for b, v in priors.get(a, {}).items():
            if b not in out and b not in sig.root_types:
                out[b] = float(v)
    return out


def _impacted_sites(idx: DependencyIndex, e: str, kind: str) -> list[str]:
    if kind == "link":
        return sorted(idx.behind.get(e, ()))
    if kind == "upf":
        return sorted(idx.served.get(e, ()))
    return [e] if kind == "site" else []


def _scope(idx: DependencyIndex, e: str, sites: list[str], scope: str) -> list[str]:
    if scope == "self":
        return [e]
    if scope == "smfs":
        return list(idx.smfs)
    if scope == "takers":
        return sorted(idx.takers.get(e, []))
    if scope in ("own_cells", "cells_behind", "served_cells"):
        return [c for site in sites for c in idx.cells_of_site.get(site, [])]
    return list(sites)


def _region(idx: DependencyIndex, e: str, sites: list[str]) -> set[str]:
    """Where optional symptoms may show: the root, impacted sites, their cells, neighbours."""
    cells = [e] if idx.kind[e] == "cell" else []
    cells += [c for site in sites for c in idx.cells_of_site.get(site, [])]
    region = {e, *sites, *cells}
    for c in cells:
        region.update(idx.neighbours.get(c, []))
    return region


_MAX_STARTS = 32


def _episodes(times: list[float], window_s: float) -> list[float]:
    """When an episode of the fault may start: at each root alarm (a spurious or repeated
    root alarm must not swallow the real one); clustered by ``window_s`` when there are many
    (a flapping element)."""
    unique = sorted(set(times))
    if len(unique) <= _MAX_STARTS:
        return unique
    starts: list[float] = []
    for t in unique:
        if not starts or t - starts[-1] > window_s:
            starts.append(t)
    return starts


def _build(
    e: str, sig: FaultSignature, explainable: Mapping[str, float], ctx: _Context
) -> list[Candidate]:
    idx, symptoms = ctx.idx, ctx.symptoms
    # A link's root alarm is raised on each of its two ends (or on the link id itself).
    locus = list(idx.link_ends.get(e, (e,)))
    on_link = [i for i in ctx.by_node.get(e, []) if symptoms[i].alarm_type in sig.root_types]
    root_at = {
        n: on_link * (n != e)
        + [i for i in ctx.by_node.get(n, []) if symptoms[i].alarm_type in sig.root_types]
        for n in locus
    }
    roots = sorted({i for found in root_at.values() for i in found})
    sites = _impacted_sites(idx, e, sig.root_kind)
    region = _region(idx, e, sites)
    scopes = [_scope(idx, e, sites, exp.scope) for exp in sig.expect]
    taken = set(roots)
    pool = [
        i
        for n in region.union(*scopes)
        for i in ctx.by_node.get(n, [])
        if symptoms[i].alarm_type in explainable and i not in taken
    ]
    starts = _episodes([symptoms[i].time_s for i in roots], ctx.window_s)
    if not starts:
        if not pool:
            return []
        starts = [min(symptoms[i].time_s for i in pool)]
    domain = idx.upf_domain.get(e, sig.domain)
    out = []
    for t0 in starts:
        lo, hi = t0 - ctx.slack_s, t0 + ctx.window_s
        c = Candidate(e, sig.fault_type, domain, t0)
        c.root_slots = [[i for i in root_at[n] if lo <= symptoms[i].time_s <= hi] for n in locus]
        c.root_nodes = list(locus)
        slot_at: dict[str, list[Slot]] = defaultdict(list)
        for g, (exp, nodes) in enumerate(zip(sig.expect, scopes, strict=True)):
            types = "/".join(sorted(exp.types - {KPI_ANOMALY}))
            what = f"{e} itself" if exp.scope == "self" else f"{_SCOPE_WORDS[exp.scope]} {e}"
            c.groups.append((what, types))
            hit = math.log(exp.p / ctx.p_noise)
            miss = math.log((1 - exp.p) / (1 - ctx.p_noise))
            for n in nodes:
                c.slots.append(Slot(n, g, hit, miss))
                slot_at[n].append(c.slots[-1])
        for i in pool:
            sym = symptoms[i]
            if not lo <= sym.time_s <= hi:
                continue
            into = [
                x for x in slot_at.get(sym.node, []) if sym.alarm_type in sig.expect[x.group].types
            ]
            if into:
                into[0].members.append(i)
            elif sym.node in region:
                c.optional.append((i, explainable[sym.alarm_type]))
        root = c.root
        if root and not any(s.members for s in c.slots):
            seen = {symptoms[i].alarm_type for i in root}
            if seen <= sig.precursor_types:  # an early warning: the outage has not come yet
                c.slots = []
                c.note = f"early warning only ({'/'.join(sorted(seen))}): no outage yet"
        others = [symptoms[i].time_s for i in c.members() if i not in root]
        c.first = bool(root) and all(symptoms[root[0]].time_s <= t for t in others)
        if root or others:
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
    ctx = _Context(idx, symptoms, by_node, window_s, slack_s, p_noise)
    out: list[Candidate] = []
    for e, f in sorted(keys):
        out.extend(_build(e, FAULT_SIGNATURES[f], explainable[f], ctx))
    return out
