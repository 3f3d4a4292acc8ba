"""Provenance of a twin (how to rebuild it as it is now): build parameters and change log.

The log grows with the network's history (every fault, event and action); a run records it at
its start and at each verification. :class:`ProvenanceLog` converts each record once and keeps
it, so recording costs O(new records) plus a list copy, not O(history) conversions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from autonet.agents.trace import plain

__all__ = ["ProvenanceLog", "provenance_delta", "twin_provenance"]


def _action(r: Any) -> dict[str, Any]:
    return {
        "action_id": r.action_id,
        "kind": r.kind,
        "target": r.target,
        "params": plain(r.params),
        "at": r.at.isoformat(),
        "key": r.key,
        "undoes": r.undoes,
    }


def _fault(f: Any) -> dict[str, Any]:
    return {
        "fault_id": f.fault_id,
        "fault_type": f.fault_type,
        "target": f.root_node,
        "start": f.start.isoformat(),
        "end": f.end.isoformat() if f.end else None,
        "params": plain(f.params),
    }


def _event(twin: Any, e: Any) -> dict[str, Any]:
    return {
        "name": e.name,
        "cells": [twin.compiled.cell_ids[i] for i in e.cells.tolist()],
        "start": e.start.isoformat(),
        "end": e.end.isoformat(),
        "multiplier": float(e.multiplier),
        "ramp_s": e.ramp.total_seconds(),
    }


class ProvenanceLog:
    """Converted change-log records of one twin, extended as the twin's lists grow."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self.actions: list[dict[str, Any]] = []
        self.faults: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []

    def _stale(self, twin: Any) -> bool:
        n = len(self.actions)
        if n > len(twin.actions) or len(self.faults) > len(twin.faults):
            return True
        return bool(n) and twin.actions[n - 1].action_id != self.actions[-1]["action_id"]

    def snapshot(self, twin: Any, topology: Mapping[str, Any] | None) -> dict[str, Any]:
        """The provenance of ``twin`` now (see :func:`twin_provenance`)."""
        if self._stale(twin):
            self._reset()  # another twin: start over
        self.actions += [_action(r) for r in twin.actions[len(self.actions) :]]
        self.faults += [_fault(f) for f in twin.faults[len(self.faults) :]]
        for f, d in zip(twin.faults, self.faults, strict=True):
            if f.end is not None and d["end"] is None:  # cleared since: the only mutable field
                d["end"] = f.end.isoformat()
        events = twin.traffic.events
        self.events += [_event(twin, e) for e in events[len(self.events) :]]
        return {
            "topology": dict(topology) if topology is not None else None,
            "seed": twin.seed,
            "start": twin.start.isoformat(),
            "step_minutes": twin.step_minutes,
            "step_index": twin.step_index,
            "faults": [dict(d) for d in self.faults],
            "events": list(self.events),
            "actions": list(self.actions),
        }


def twin_provenance(
    twin: Any, topology: Mapping[str, Any] | None, log: ProvenanceLog | None = None
) -> dict[str, Any]:
    """How to rebuild ``twin`` as it is now: build parameters and the log of what changed it
    (faults with their start/end, traffic events, actions with their times and keys).

    Args:
        twin: The twin.
        topology: ``build_topology`` keyword arguments of its topology, if known.
        log: A :class:`ProvenanceLog` kept across calls on the same twin (faster).
    """
    return (log or ProvenanceLog()).snapshot(twin, topology)


def provenance_delta(full: Mapping[str, Any], base: Mapping[str, Any] | None) -> dict[str, Any]:
    """``full`` reduced to what changed since ``base`` (an earlier provenance of the same twin):
    new faults and faults cleared since, new events and actions. Replay plays it after ``base``."""
    if not base or "faults" not in base:
        return dict(full)
    ends = {f["fault_id"]: f["end"] for f in base["faults"]}
    return {
        **{k: v for k, v in full.items() if k not in ("faults", "events", "actions")},
        "faults": [
            f
            for f in full["faults"]
            if f["fault_id"] not in ends or ends[f["fault_id"]] != f["end"]
        ],
        "events": list(full["events"][len(base["events"]) :]),
        "actions": list(full["actions"][len(base["actions"]) :]),
    }
