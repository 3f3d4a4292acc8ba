"""Provenance of a twin (how to rebuild it as it is now): build parameters and change log."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from autonet.agents.trace import plain

__all__ = ["twin_provenance"]


def twin_provenance(twin: Any, topology: Mapping[str, Any] | None) -> dict[str, Any]:
    """How to rebuild ``twin`` as it is now: build parameters and the log of what changed it
    (faults with their start/end, traffic events, actions with their times and keys)."""
    return {
        "topology": dict(topology) if topology is not None else None,
        "seed": twin.seed,
        "start": twin.start.isoformat(),
        "step_minutes": twin.step_minutes,
        "step_index": twin.step_index,
        "faults": [
            {
                "fault_id": f.fault_id,
                "fault_type": f.fault_type,
                "target": f.root_node,
                "start": f.start.isoformat(),
                "end": f.end.isoformat() if f.end else None,
                "params": plain(f.params),
            }
            for f in twin.faults
        ],
        "events": [
            {
                "name": e.name,
                "cells": [twin.compiled.cell_ids[i] for i in e.cells.tolist()],
                "start": e.start.isoformat(),
                "end": e.end.isoformat(),
                "multiplier": float(e.multiplier),
                "ramp_s": e.ramp.total_seconds(),
            }
            for e in twin.traffic.events
        ],
        "actions": [
            {
                "action_id": r.action_id,
                "kind": r.kind,
                "target": r.target,
                "params": plain(r.params),
                "at": r.at.isoformat(),
                "key": r.key,
                "undoes": r.undoes,
            }
            for r in twin.actions
        ],
    }
