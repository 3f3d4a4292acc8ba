"""Fault perception: active alarms grouped into incidents by root-cause localisation.

Only what an operator sees is used: alarm id, type, node, severity and raise time (the twin's
``fault_id``/``root`` ground truth is stripped before anything looks at an alarm). A group is
the alarms one positive hypothesis of the fitted :class:`RootCauseLocator` explains (the
locator's greedy set cover separates concurrent faults). Its key, ``fault:<root>`` plus
``:service`` once a service-affecting alarm is part of it, stays the same while the situation
lasts; the warning phase of a site power failure (BATTERY_LOW) and its outage an hour later are
two situations.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from autonet.agents.messages import Hypothesis as MsgHypothesis
from autonet.agents.playbooks._fault_impact import area_cells
from autonet.knowledge.memory.signature import SymptomSignature
from autonet.knowledge.rca import RootCauseLocator

if TYPE_CHECKING:
    from autonet.agents.messages import Analysis, Incident
    from autonet.agents.playbook import LoopContext
    from autonet.knowledge.rca import Hypothesis
    from autonet.twin import Alarm, Twin

__all__ = [
    "DOMAIN",
    "SERVICE_AFFECTING",
    "AlarmGroup",
    "FaultWatch",
    "fitted_locator",
    "locate",
    "naive_hypotheses",
    "observed",
    "root_of",
    "signature_of",
    "watch",
]

logger = logging.getLogger(__name__)

#: Alarm types that mean users lost service (a new situation even on a known root).
SERVICE_AFFECTING: Final[frozenset[str]] = frozenset(
    {"CELL_UNAVAILABLE", "GNB_DISCONNECTED", "SITE_POWER_FAILURE", "LINK_DOWN"}
)
_SEVERITY: Final[dict[str, int]] = {"warning": 0, "minor": 1, "major": 2, "critical": 3}
_RCA_KEY: Final[str] = "rca"
_RCA_PATHS_KEY: Final[str] = "rca.paths"
_WATCH_KEY: Final[str] = "fault.watch"


@dataclass(frozen=True)
class AlarmGroup:
    """Alarms one root-cause hypothesis explains."""

    key: str
    node: str
    fault_type: str
    alarms: tuple[Alarm, ...]

    @property
    def severity(self) -> str:
        return max((a.severity for a in self.alarms), key=_SEVERITY.__getitem__)


@dataclass
class FaultWatch:
    """What perception remembers between ticks (kept in ``ctx.models``)."""

    fingerprint: tuple[frozenset[str], frozenset[str]] | None = None
    keys: dict[str, set[str]] = field(default_factory=dict)  # key -> alarm ids
    # key -> (area cells, impacted users when verified FULFILLED): watched for a rise
    settled: dict[str, tuple[list[str], float]] = field(default_factory=dict)
    followups: int = 0
    areas: dict[str, list[str]] = field(default_factory=dict)  # key -> area cells (analysis)
    cores: dict[str, list[str]] = field(default_factory=dict)  # key -> the root's own cells
    roots: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> top hypothesis
    located: dict[tuple[int, frozenset[str]], list[Any]] = field(default_factory=dict)


#: Domain of each fault type (when root-cause analysis is off).
DOMAIN: Final[dict[str, str]] = {
    "cell_outage": "ran",
    "site_power_failure": "ran",
    "interference": "ran",
    "misconfiguration": "ran",
    "fibre_cut": "transport",
    "link_congestion": "transport",
    "upf_overload": "core",
}
# Without root-cause analysis (ablation): the alarmed node of the most severe alarm, and the
# fault its type suggests.
_NAIVE: Final[dict[str, str]] = {
    "CELL_UNAVAILABLE": "cell_outage",
    "SITE_POWER_FAILURE": "site_power_failure",
    "BATTERY_LOW": "site_power_failure",
    "GNB_DISCONNECTED": "site_power_failure",
    "HIGH_INTERFERENCE": "interference",
    "CONFIG_MISMATCH": "misconfiguration",
    "UPF_OVERLOAD": "upf_overload",
}


def naive_hypotheses(alarms: list[Alarm]) -> list[MsgHypothesis]:
    """Without root-cause analysis (ablation): the node of the most severe alarm, and the fault
    its type suggests."""
    known = [a for a in alarms if a.alarm_type in _NAIVE]
    if not known:
        return []
    first = min(known, key=lambda a: (-_SEVERITY[a.severity], a.raised_at, a.node))
    return [
        MsgHypothesis(
            node=first.node,
            fault_type=_NAIVE[first.alarm_type],
            score=1.0,
            evidence=[f"{first.alarm_type} on {first.node} (no root-cause analysis)"],
        )
    ]


def watch(ctx: LoopContext) -> FaultWatch:
    """The perception memory of this loop (created on first use)."""
    found = ctx.models.get(_WATCH_KEY)
    if not isinstance(found, FaultWatch):
        found = ctx.models[_WATCH_KEY] = FaultWatch()
    return found


def observed(alarms: list[Alarm]) -> list[dict[str, Any]]:
    """Alarms as the locator gets them: what an operator sees, no ground truth."""
    return [
        {
            "alarm_id": a.alarm_id,
            "alarm_type": a.alarm_type,
            "node": a.node,
            "severity": a.severity,
            "raised_at": a.raised_at,
        }
        for a in alarms
    ]


def _site_paths(twin: Twin) -> tuple[dict[str, list[str]], dict[str, str]]:
    topo, st = twin.compiled, twin.state
    ptr, idx = st.path_ptr, st.path_idx
    paths = {
        site: [topo.link_ids[int(k)] for k in idx[ptr[s] : ptr[s + 1]]]
        for s, site in enumerate(topo.site_ids)
    }
    upf = {site: topo.upf_ids[int(u)] for site, u in zip(topo.site_ids, st.site_upf, strict=True)}
    return paths, upf


def fitted_locator(ctx: LoopContext) -> RootCauseLocator:
    """The locator fitted on the twin's topology and CURRENT backhaul paths (refitted after a
    reroute changed them), cached in ``ctx.models``."""
    twin = ctx.twin
    st = twin.state
    sig = (st.path_ptr, st.path_idx, st.site_upf)
    locator = ctx.models.get(_RCA_KEY)
    cached: tuple[Any, tuple[np.ndarray, ...]] | None = ctx.models.get(_RCA_PATHS_KEY)
    fresh = (
        isinstance(locator, RootCauseLocator)
        and cached is not None
        and cached[0] is twin.compiled
        and all(np.array_equal(a, np.asarray(b)) for a, b in zip(cached[1], sig, strict=True))
    )
    if not fresh:
        paths, upf = _site_paths(twin)
        locator = RootCauseLocator().fit(twin.compiled.graph, site_paths=paths, site_upf=upf)
        ctx.models[_RCA_KEY] = locator
        ctx.models[_RCA_PATHS_KEY] = (twin.compiled, tuple(a.copy() for a in sig))
    assert isinstance(locator, RootCauseLocator)
    return locator


def locate(ctx: LoopContext, alarms: list[Alarm]) -> list[Hypothesis]:
    """Ranked hypotheses for ``alarms`` (ground truth stripped); the last few are cached (the
    same alarm set is located by perception, then by analysis)."""
    if not alarms:
        return []
    memo = watch(ctx)
    key = _group_cache_key(ctx, alarms)
    if key not in memo.located:
        if len(memo.located) >= 32:
            memo.located.clear()
        memo.located[key] = fitted_locator(ctx).locate(observed(alarms))
    return memo.located[key]


def root_of(key: str) -> str:
    """The root element named in a key (``fault:<root>[:service][#n]``)."""
    return key.split("#")[0].split(":")[1] if key.startswith("fault:") else key


def group_key(node: str, alarms: list[Alarm]) -> str:
    """The situation's key: the root, and whether users lost service."""
    service = any(a.alarm_type in SERVICE_AFFECTING for a in alarms)
    return f"fault:{node}" + (":service" if service else "")


def groups(ctx: LoopContext, active: list[Alarm]) -> list[AlarmGroup]:
    """The active alarms grouped by the positive hypotheses that explain them."""
    by_id = {a.alarm_id: a for a in active}
    found = locate(ctx, active)
    alternatives = [h for h in found if h.score <= 0]
    memo = watch(ctx)
    out = []
    for h in found:
        if h.score <= 0:
            break  # the rest are alternatives of the same symptoms
        mine = [by_id[i] for i in h.alarm_ids if i in by_id]
        if mine:
            g = AlarmGroup(group_key(h.node, mine), h.node, h.fault_type, tuple(mine))
            # the analysis of this group reuses the ranking: itself, then the alternatives
            memo.located[_group_cache_key(ctx, mine)] = [h, *alternatives]
            out.append(g)
    return out


def _group_cache_key(ctx: LoopContext, alarms: list[Alarm]) -> tuple[int, frozenset[str]]:
    return (id(fitted_locator(ctx)), frozenset(a.alarm_id for a in alarms))


def new_groups(ctx: LoopContext) -> list[AlarmGroup]:
    """Groups of the active alarms no open situation claims yet, whose key is not open."""
    twin, memo = ctx.twin, watch(ctx)
    active = twin.active_alarms()
    ids = frozenset(a.alarm_id for a in active)
    fingerprint = (ids, frozenset(ctx.book.open))
    if not active or fingerprint == memo.fingerprint:
        memo.fingerprint = fingerprint
        return []  # nothing changed since the last look: the cheap common case
    memo.fingerprint = fingerprint
    for stale in [k for k in memo.keys if k not in ctx.book.open and not memo.keys[k] & ids]:
        del memo.keys[stale]  # closed and cleared: forget it
        memo.areas.pop(stale, None)
        memo.cores.pop(stale, None)
    claimed = set().union(*(memo.keys.get(k, set()) for k in ctx.book.open))
    fresh = [a for a in active if a.alarm_id not in claimed]
    out = []
    for g in groups(ctx, fresh):
        alarm_ids = {a.alarm_id for a in g.alarms}
        if g.key in ctx.book.open:
            memo.keys.setdefault(g.key, set()).update(alarm_ids)
            continue
        memo.keys[g.key] = alarm_ids
        memo.areas[g.key] = area_cells(twin, g.node)  # refined by the analysis
        memo.cores[g.key] = area_cells(twin, g.node, neighbours=False)
        for key in [k for k in memo.settled if root_of(k) == g.node]:
            del memo.settled[key]  # the new situation takes over (e.g. a battery ran out)
        out.append(g)
    return out


def is_over(ctx: LoopContext, key: str) -> bool:
    """True when none of the alarms behind ``key`` is active any more."""
    memo = watch(ctx)
    active = {a.alarm_id for a in ctx.twin.active_alarms()}
    if key not in memo.keys:  # not perceived by this loop (e.g. resumed): regroup now
        current = {g.key for g in groups(ctx, ctx.twin.active_alarms())}
        return key not in current
    return not (memo.keys[key] & active)


def confidence(hypotheses: list[Hypothesis]) -> float:
    """How sure the ranking is of its top cause: logistic of its margin over the runner-up."""
    if not hypotheses:
        return 0.0
    top = hypotheses[0].score
    runner = max((h.score for h in hypotheses[1:] if h.node != hypotheses[0].node), default=0.0)
    margin = top - max(runner, 0.0)
    return 1.0 / (1.0 + math.exp(-margin))


def signature_of(twin: Twin, incident: Incident, analysis: Analysis) -> SymptomSignature:
    """Alarm types, domain, kinds of the alarmed nodes, and which impact KPIs rose."""
    graph = twin.compiled.graph
    kinds = {
        str(graph.nodes[n].get("kind")) for n in incident["evidence"].get("nodes", ()) if n in graph
    }
    impact = analysis["impact"]
    rose = (
        ("KQI.LostUsers", impact.get("lost", 0.0)),
        ("KQI.BlockedUsers", impact.get("blocked", 0.0)),
    )
    domain = analysis["risk"].get("domain")
    return SymptomSignature(
        alarm_types=frozenset(incident["evidence"].get("alarm_types", ())),
        fault_domain=None if domain in (None, "unknown") else str(domain),
        node_kinds=frozenset(kinds),
        kpi_deviations={k: 3.0 for k, v in rose if v > 0},
    )
