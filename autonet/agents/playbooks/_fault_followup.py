"""Follow-ups of fault situations: a settled situation whose impact rises again is reopened.

A situation verified FULFILLED while its alarms stay active (awaiting field repair, or quiet at
night) is watched: when the impacted users in its root's own cells (less those another live
situation's root hits) rise by more than half and by more than 5 users and 5 % of the users
there, perception opens a follow-up
``<key>#<n>`` on the same alarms, which keeps the situation's first root cause and area (a
reroute since may have moved the symptoms' paths and emptied the root link's area).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from autonet.agents.messages import Hypothesis
from autonet.agents.playbooks._fault_impact import cell_indices, impacted_users, kpi_at
from autonet.agents.playbooks._fault_perceive import AlarmGroup, root_of, watch
from autonet.agents.playbooks._fault_verdict import area_impact

if TYPE_CHECKING:
    from autonet.agents.playbook import LoopContext
    from autonet.twin import Twin

_RISE_USERS = 5.0  # a rise smaller than this many users (or this share of them) is day-to-day noise
_RISE_SHARE = 0.05

__all__ = ["core_of", "own_cells", "remember", "risen_groups", "settle", "unusual_impact"]


def remember(
    ctx: LoopContext, key: str, hyps: list[Hypothesis], cells: list[str], core: list[str]
) -> tuple[list[Hypothesis], list[str]]:
    """Keep a situation's first root cause, area and core cells; a follow-up (``key#n``) gets
    them back, its root first (a reroute since may have moved the symptoms' paths)."""
    memo = watch(ctx)
    base = key.split("#")[0]
    if base == key or base not in memo.roots:
        if hyps:
            memo.roots[key] = dict(hyps[0])
        memo.areas[key], memo.cores[key] = list(cells), list(core)
        return hyps, cells
    first = Hypothesis(**memo.roots[base])  # type: ignore[typeddict-item]
    first["evidence"] = [*first["evidence"], "root cause kept from the situation's first analysis"]
    same = (first["node"], first["fault_type"])
    kept = [first, *(h for h in hyps if (h["node"], h["fault_type"]) != same)]
    area = memo.areas.get(base, cells)
    memo.areas[key], memo.cores[key] = list(area), list(memo.cores.get(base, core))
    return kept, area


def own_cells(ctx: LoopContext, key: str, cells: list[str]) -> list[str]:
    """``cells`` without those where another live situation's root hits (its core cells),
    unless they are also this situation's core and the other one is the wider (a UPF does not
    swallow a cell outage; a power failure behind a congested link is not the link's)."""
    memo = watch(ctx)
    root, mine = root_of(key), set(memo.cores.get(key, ()))
    others: set[str] = set()
    for k, core in memo.cores.items():
        if k in memo.keys and root_of(k) != root:
            others.update(c for c in core if c not in mine or len(core) < len(mine))
    return [c for c in cells if c not in others]


def core_of(ctx: LoopContext, key: str) -> list[str]:
    """The root's own cells of a situation (empty when unknown)."""
    return list(watch(ctx).cores.get(key, ()))


def unusual_impact(twin: Twin, cells: list[str], sla_mbps: float) -> tuple[float, float]:
    """Impacted users in ``cells`` in the latest step beyond their level one day earlier (the
    busy hour congests some cells anyway; 0 subtracted with less than a day of history), and
    the users there."""
    got = area_impact(twin, cells, 1, sla_mbps)
    before = kpi_at(twin, round(24 * 60 / twin.step_minutes))
    usual = 0.0
    if before is not None:
        idx = cell_indices(twin, cells)
        usual = float(impacted_users(before, sla_mbps)[0, idx].sum(dtype=np.float64))
    return max(float(got["users"]) - usual, 0.0), float(got["users_in_area"])


def settle(ctx: LoopContext, key: str, level: float | None) -> None:
    """Remember that ``key`` was verified with ``level`` impacted users in its own core cells
    (None: not fulfilled, stop watching it)."""
    memo = watch(ctx)
    if level is None:
        memo.settled.pop(key, None)
    else:
        memo.settled[key] = (core_of(ctx, key), float(level))


def risen_groups(
    ctx: LoopContext, impact: Callable[[list[str]], tuple[float, float]]
) -> list[AlarmGroup]:
    """Follow-up situations: a settled key (fulfilled, its alarms still active, e.g. awaiting
    field repair, or quiet at night) whose impacted users in its root's own cells (see
    :func:`own_cells`) have since risen by more than half and by more than 5 users and 5 % of
    the users there.
    ``impact(cells)`` gives (impacted users, users)."""
    memo = watch(ctx)
    out = []
    for key, (cells, level) in list(memo.settled.items()):
        if key not in ctx.book.open:
            del memo.settled[key]
            continue
        now, users = impact(own_cells(ctx, key, cells))
        if now <= level + max(_RISE_USERS, _RISE_SHARE * users, 0.5 * level):
            continue
        del memo.settled[key]
        by_id = {a.alarm_id: a for a in ctx.twin.active_alarms()}
        alarms = tuple(by_id[i] for i in sorted(memo.keys.get(key, ())) if i in by_id)
        if not alarms:
            continue
        memo.followups += 1
        new_key = f"{key.split('#')[0]}#{memo.followups}"
        memo.keys[new_key] = {a.alarm_id for a in alarms}
        out.append(AlarmGroup(new_key, root_of(key), "", alarms))
    return out
