"""Follow-ups of fault situations: a settled situation whose impact rises again is reopened.

A situation verified FULFILLED while its alarms stay active (awaiting field repair, or quiet at
night) is watched: when the impacted users in its area (the cells no other live situation
covers) rise by more than half and more than the SLA tolerance, perception opens a follow-up
``<key>#<n>`` on the same alarms, which keeps the situation's first root cause and area (a
reroute since may have moved the symptoms' paths and emptied the root link's area).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from autonet.agents.messages import Hypothesis
from autonet.agents.playbooks._fault_perceive import AlarmGroup, root_of, watch

if TYPE_CHECKING:
    from autonet.agents.playbook import LoopContext

__all__ = ["remember", "risen_groups", "settle"]


def remember(
    ctx: LoopContext, key: str, hyps: list[Hypothesis], cells: list[str]
) -> tuple[list[Hypothesis], list[str]]:
    """Keep a situation's first root cause and area; a follow-up (``key#n``) gets them back,
    its root first (a reroute since may have moved the symptoms' paths) and the same area."""
    memo = watch(ctx)
    base = key.split("#")[0]
    if base == key or base not in memo.roots:
        if hyps:
            memo.roots[key] = dict(hyps[0])
        memo.areas[key] = list(cells)
        return hyps, cells
    first = Hypothesis(**memo.roots[base])  # type: ignore[typeddict-item]
    first["evidence"] = [*first["evidence"], "root cause kept from the situation's first analysis"]
    kept = [
        first,
        *(h for h in hyps if (h["node"], h["fault_type"]) != (first["node"], first["fault_type"])),
    ]
    area = memo.areas.get(base, cells)
    memo.areas[key] = list(area)
    return kept, area


def settle(ctx: LoopContext, key: str, cells: list[str], level: float | None) -> None:
    """Remember that ``key`` was verified at ``level`` impacted users in ``cells`` (None: not
    fulfilled, stop watching it)."""
    memo = watch(ctx)
    if level is None:
        memo.settled.pop(key, None)
    else:
        memo.settled[key] = (list(cells), float(level))


def risen_groups(
    ctx: LoopContext, impact: Callable[[list[str]], tuple[float, float]], tolerance_share: float
) -> list[AlarmGroup]:
    """Follow-up situations: a settled key (fulfilled, its alarms still active, e.g. awaiting
    field repair, or quiet at night) whose area's impact has since risen by more than half
    (and more than the SLA tolerance) in the cells no other open situation covers.
    ``impact(cells)`` gives (impacted users, users)."""
    memo = watch(ctx)
    out = []
    for key, (cells, level) in list(memo.settled.items()):
        if key not in ctx.book.open:
            del memo.settled[key]
            continue
        base = key.split("#")[0]
        others = {
            c for k in memo.keys if k.split("#")[0] != base for c in memo.areas.get(k, ())
        }  # a rise there belongs to another live situation (even one opened this tick)
        now, users = impact([c for c in cells if c not in others])
        if now <= level + max(1.0, tolerance_share * users, 0.5 * level):
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
