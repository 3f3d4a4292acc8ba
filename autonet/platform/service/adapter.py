"""Network adapters: what a session's network is, behind one small protocol.

The loop perceives a network through its observations (KPIs and alarms of the last steps), its
inventory (the topology) and its action API (apply, undo); the session moves its clock. Two
adapters:

- :class:`TwinAdapter`: the digital twin *is* the network (simulated KPIs, alarms and faults).
- :class:`ReplayAdapter`: the operator's own data, as ``autonet import`` stored it (alarms and
  KPI samples), replayed onto the session's clock into the observations the loop perceives;
  the twin is the network's model (topology, what-ifs, where actions are tried). Records whose
  node or object is not in the topology are counted and skipped, never guessed.

A southbound adapter to a real network implements the same protocol (``twin`` as the model the
loop reasons on, ``step`` to pull the next window of observations) without touching the agents.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, Protocol, runtime_checkable

from autonet.errors import BadInputError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from autonet.twin import Twin

__all__ = ["NetworkAdapter", "ReplayAdapter", "TwinAdapter"]

_SEVERITIES: Final = ("critical", "major", "minor", "warning")


@runtime_checkable
class NetworkAdapter(Protocol):
    """What a session needs of its network."""

    name: str

    @property
    def twin(self) -> Twin:
        """The network model the loop observes, reasons on and acts through."""
        ...

    def step(self) -> dict[str, Any]:
        """Move one step on; returns what the source delivered (for the advance report)."""
        ...

    def describe(self) -> dict[str, Any]:
        """What this adapter is, for the session's status."""
        ...

    # the action port the execution agent changes the network through (see ActionPort)
    @property
    def actions(self) -> Sequence[Any]:
        """Every change applied (and undone) so far."""
        ...

    def apply(self, kind: str, target: str, *, key: str | None = None, **params: Any) -> Any:
        """Apply one action to the network (and its model)."""
        ...

    def undo(self, action_id: str) -> Any:
        """Undo an applied action."""
        ...

    def action_by_key(self, key: str) -> Any:
        """The action applied under idempotency ``key``, or None."""
        ...


class _TwinPort:
    """The action port on the twin: the twin is where the change lands (or is mirrored)."""

    _twin: Twin

    @property
    def actions(self) -> Sequence[Any]:
        """The twin's action log."""
        return self._twin.actions

    def apply(self, kind: str, target: str, *, key: str | None = None, **params: Any) -> Any:
        """Apply on the twin (see :meth:`autonet.twin.Twin.apply`)."""
        return self._twin.apply(kind, target, key=key, **params)

    def undo(self, action_id: str) -> Any:
        """Undo on the twin."""
        return self._twin.undo(action_id)

    def action_by_key(self, key: str) -> Any:
        """The twin's action of ``key``."""
        return self._twin.action_by_key(key)


class TwinAdapter(_TwinPort):
    """The digital twin is the network.

    Args:
        twin: The twin.
    """

    name = "twin"

    def __init__(self, twin: Twin) -> None:
        self._twin = twin

    @property
    def twin(self) -> Twin:
        """The twin."""
        return self._twin

    def step(self) -> dict[str, Any]:
        """One simulated step."""
        self._twin.step()
        return {}

    def describe(self) -> dict[str, Any]:
        """``{"adapter": "twin"}``."""
        return {"adapter": self.name}


@dataclass
class _Feed:
    alarms: list[tuple[datetime, datetime | None, str, str, str, str]] = field(default_factory=list)
    kpis: list[tuple[datetime, str, str, float]] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    next_alarm: int = 0
    next_kpi: int = 0
    fed_alarms: int = 0
    fed_kpis: int = 0


class ReplayAdapter(_TwinPort):
    """Imported alarms and KPI samples replayed onto the session's clock.

    The first imported record is placed at the session's clock when the adapter is built
    (``offset = twin.now - first record time``); each step then delivers the records whose
    shifted time falls within it: alarms into the network's alarm list (without any fault
    link: they are observations, not ground truth), KPI samples over the twin's recorded value
    of that object and counter for the step. The loop's actions land on the twin, the model: the
    replayed records are what the operator's network did, and do not change with them.

    Args:
        twin: The network model (its topology decides which records belong to it).
        alarms: ``(raised_at, cleared_at, alarm_type, node, severity, uid)`` records.
        kpis: ``(time, object, counter, value)`` records.

    Raises:
        BadInputError: Nothing to replay (no records whose node or object is in the topology).
    """

    name = "replay"

    def __init__(self, twin: Twin, alarms: Iterable[tuple[Any, ...]],
                 kpis: Iterable[tuple[Any, ...]]) -> None:  # fmt: skip
        self._twin = twin
        feed = _Feed()
        nodes = twin.compiled.graph
        counters = {lvl: set(twin.kpi_counters(lvl)) for lvl in ("cell", "link", "upf")}
        ids = {"cell": twin.compiled.cell_index, "link": twin.compiled.link_index,
               "upf": twin.compiled.upf_index}  # fmt: skip
        for raised, cleared, kind, node, severity, uid in alarms:
            if node not in nodes:
                feed.skipped["alarm: node not in the topology"] += 1
                continue
            sev = severity if severity in _SEVERITIES else "major"
            feed.alarms.append((raised, cleared, kind, node, sev, uid))
        for when, obj, counter, value in kpis:
            level = next((lvl for lvl in ids if obj in ids[lvl]), None)
            if level is None:
                feed.skipped["kpi: object not in the topology"] += 1
            elif counter not in counters[level]:
                feed.skipped[f"kpi: counter not recorded for a {level}"] += 1
            else:
                feed.kpis.append((when, obj, counter, float(value)))
        if not feed.alarms and not feed.kpis:
            raise BadInputError(
                "nothing to replay: no imported alarm or KPI names a node of this network "
                f"(skipped {dict(feed.skipped) or 'none: nothing imported'}); import the "
                "operator's data with `autonet import alarms|kpis FILE` first"
            )
        feed.alarms.sort(key=lambda a: (a[0], a[5]))
        feed.kpis.sort(key=lambda k: k[0])
        first = min([a[0] for a in feed.alarms[:1]] + [k[0] for k in feed.kpis[:1]])
        self.offset: timedelta = twin.now - first
        self._feed = feed

    @classmethod
    def from_memory(cls, twin: Twin, engine: Engine) -> ReplayAdapter:
        """What ``autonet import`` stored in the memory database (every batch).

        Raises:
            BadInputError: Nothing imported names a node of this network.
        """
        from sqlalchemy import select

        from autonet.knowledge.memory import session_scope
        from autonet.knowledge.memory.models import AlarmEvent, KpiSample

        def naive(t: datetime | None) -> datetime | None:
            return None if t is None else t.replace(tzinfo=None)  # the twin's clock is naive

        with session_scope(engine) as s:
            alarms = [
                (naive(a.raised_at), naive(a.cleared_at), a.alarm_type, a.node,
                 a.severity or "major", a.alarm_uid or f"{a.id}")
                for a in s.scalars(select(AlarmEvent))
            ]  # fmt: skip
            kpis = [
                (naive(k.time), k.object, k.counter, k.value) for k in s.scalars(select(KpiSample))
            ]
        return cls(twin, alarms, kpis)

    @property
    def twin(self) -> Twin:
        """The network model."""
        return self._twin

    def step(self) -> dict[str, Any]:
        """One step: the twin's model moves on, then the records due within it are delivered."""
        from autonet.twin.events import Alarm

        twin, feed = self._twin, self._feed
        twin.step()
        now = twin.now
        fed_alarms = 0
        while feed.next_alarm < len(feed.alarms):
            raised, cleared, kind, node, sev, uid = feed.alarms[feed.next_alarm]
            if raised + self.offset > now:
                break
            twin.alarms.append(Alarm(
                alarm_id=f"IMP-{uid}", alarm_type=kind, node=node, severity=sev,  # type: ignore[arg-type]
                raised_at=raised + self.offset,
                cleared_at=None if cleared is None else cleared + self.offset,
            ))  # fmt: skip
            feed.next_alarm += 1
            fed_alarms += 1
        updates: dict[tuple[str, str], float] = {}
        while feed.next_kpi < len(feed.kpis):
            when, obj, counter, value = feed.kpis[feed.next_kpi]
            if when + self.offset > now:
                break
            updates[(obj, counter)] = value  # the newest sample of the step wins
            feed.next_kpi += 1
        if updates:
            twin.observe_kpis(updates)
        feed.fed_alarms += fed_alarms
        feed.fed_kpis += len(updates)
        return {"alarms": fed_alarms, "kpis": len(updates)} if fed_alarms or updates else {}

    def describe(self) -> dict[str, Any]:
        """Counts of what was replayed, what is left and what was skipped (and why)."""
        f = self._feed
        return {
            "adapter": self.name,
            "offset_hours": round(self.offset.total_seconds() / 3600, 2),
            "alarms": {"fed": f.fed_alarms, "left": len(f.alarms) - f.next_alarm},
            "kpis": {"fed": f.fed_kpis, "left": len(f.kpis) - f.next_kpi},
            "skipped": dict(f.skipped),
        }
