"""The action catalogue: every action kind, the targets it takes and its parameters' ranges.

An explicit registry (no string imports): ``ACTIONS`` maps a kind to its :class:`ActionSpec`;
the planner that checks and computes a kind's changes is ``_action_plans.PLANNERS[kind]``.
``action_catalogue()`` gives the same as plain data for agents and the API.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

import numpy as np

from autonet.twin._action_plans import CELL_PRB_BOOST_MAX, LINK_BOOST_MAX, MAX_UPF_INSTANCES
from autonet.twin.slices import SLICE_TYPES

if TYPE_CHECKING:
    from autonet.twin.engine import Twin

__all__ = ["ACTIONS", "ActionSpec", "Param", "action_catalogue"]


@dataclass(frozen=True)
class Param:
    """One action parameter: its type, range or choices, and whether it must be given.

    ``hi_from`` gives a target-dependent upper bound ``(twin, index) -> float`` (e.g. the
    cell's maximum TX power), used instead of ``hi`` when set.
    """

    type: Literal["number", "integer", "string", "strings", "integers"]
    doc: str
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    choices: tuple[str, ...] | None = None
    required: bool = True
    hi_from: Callable[[Twin, int], float] | None = None

    def expected(self, twin: Twin | None = None, index: int | None = None) -> str:
        """What a valid value looks like, in words."""
        if self.choices is not None:
            return f"one of {list(self.choices)} ({self.doc})"
        hi = self.hi
        if self.hi_from is not None and twin is not None and index is not None:
            hi = self.hi_from(twin, index)
        noun = {"number": "a number", "integer": "an integer"}.get(self.type)
        if noun is None:
            noun = {"string": "a string", "strings": "a list of strings"}.get(
                self.type, "a list of integers"
            )
            return f"{noun} ({self.doc})"
        if hi is not None and self.lo is not None and hi < self.lo:
            return f"nothing: the target is already at its bound ({self.doc})"
        lo = "-inf" if self.lo is None else f"{self.lo:g}"
        bounds = f"{'(' if self.lo_open else '['}{lo}, {'inf' if hi is None else f'{hi:g}'}]"
        return f"{noun} in {bounds} ({self.doc})"

    def check(self, value: Any, twin: Twin, index: int) -> Any:
        """The value, normalised (float/int/tuple); raise ValueError when it is invalid."""
        if self.type in ("number", "integer"):
            is_int = isinstance(value, int | np.integer) and not isinstance(value, bool)
            ok = is_int or (self.type == "number" and isinstance(value, float | np.floating))
            if not ok or not math.isfinite(float(value)):
                raise ValueError
            v = float(value) if self.type == "number" else int(value)
            hi = self.hi if self.hi_from is None else self.hi_from(twin, index)
            if self.lo is not None and (v <= self.lo if self.lo_open else v < self.lo):
                raise ValueError
            if hi is not None and v > hi + 1e-9:
                raise ValueError
            return v
        if self.type == "string":
            if not isinstance(value, str) or not value:
                raise ValueError
            if self.choices is not None and value not in self.choices:
                raise ValueError
            return value
        if isinstance(value, str) or not isinstance(value, list | tuple):
            raise ValueError
        elem = str if self.type == "strings" else int
        if any(not isinstance(x, elem) or isinstance(x, bool) for x in value):
            raise ValueError
        return tuple(value)


@dataclass(frozen=True)
class ActionSpec:
    """A kind of action: what it does, the parameters per target kind, and its planner."""

    doc: str
    targets: Mapping[str, Mapping[str, Param]]
    one_of: tuple[tuple[str, ...], ...] = ()


def _cell_max_tx(twin: Twin, i: int) -> float:
    return float(twin.compiled.cell_max_tx_w[i])


def _prbs_left(twin: Twin, i: int) -> float:
    bound = int(CELL_PRB_BOOST_MAX * int(twin.compiled.cell_prbs[i]))
    return float(bound - int(twin.state.cell_prbs[i]))


def _link_left(twin: Twin, i: int) -> float:
    bound = LINK_BOOST_MAX * float(twin.compiled.link_capacity_mbps[i])
    return bound - float(twin.state.link_capacity_mbps[i])


def _instances_left(twin: Twin, i: int) -> float:
    bound = max(MAX_UPF_INSTANCES, 2 * int(twin.compiled.upf_instances[i]))
    return float(bound - int(twin.state.upf_instances[i]))


_SHARE = Param("number", "share of the cell's demand handed to neighbours", 0.0, 0.9)
_SLICE_FIELDS: Final[dict[str, Param]] = {
    "slice_type": Param("string", "slice type", choices=SLICE_TYPES),
    "guaranteed_dl_mbps": Param("number", "guaranteed DL Mbit/s per cell", 0.0, 1e5, lo_open=True),
    "max_latency_ms": Param("number", "max latency UE -> UPF, ms", 0.0, 1000.0, lo_open=True),
    "reliability_pct": Param("number", "SLA availability target, %", 50.0, 100.0, required=False),
    "cells": Param("strings", "cell ids covered", required=False),
    "region": Param("string", "site region covered", required=False),
    "start_hour": Param("integer", "window start hour", 0, 23, required=False),
    "end_hour": Param("integer", "window end hour", 1, 24, required=False),
    "weekdays": Param("integers", "days 0=Mon..6=Sun", required=False),
}
_OPTIONAL_SLICE_FIELDS = {
    k: dataclasses.replace(p, required=False) for k, p in _SLICE_FIELDS.items()
}

#: The catalogue: action kind -> its spec (planners live in ``PLANNERS`` under the same key).
ACTIONS: Final[dict[str, ActionSpec]] = {
    "offload": ActionSpec(
        "Hand a share of a cell's demand (users) to its neighbours", {"cell": {"share": _SHARE}}
    ),
    "tilt": ActionSpec(
        "Set a cell's electrical downtilt (absolute or relative)",
        {
            "cell": {
                "tilt_deg": Param("number", "downtilt, degrees", 0.0, 15.0, required=False),
                "delta_deg": Param("number", "change, degrees", -15.0, 15.0, required=False),
            }
        },
        one_of=(("tilt_deg", "delta_deg"),),
    ),
    "tx_power": ActionSpec(
        "Set a cell's transmit power (absolute W, or a change in dB)",
        {
            "cell": {
                "tx_w": Param(
                    "number", "W, up to the cell's max", 1.0, required=False, hi_from=_cell_max_tx
                ),
                "delta_db": Param("number", "change, dB", -20.0, 20.0, required=False),
            }
        },
        one_of=(("tx_w", "delta_db"),),
    ),
    "sleep": ActionSpec("Put a cell to sleep (energy saving)", {"cell": {}}),
    "wake": ActionSpec("Wake a sleeping cell", {"cell": {}}),
    "reroute": ActionSpec(
        "Move every backhaul path (and slice path) using a link onto the lowest-latency "
        "path avoiding it",
        {"link": {}},
    ),
    "capacity_boost": ActionSpec(
        "Add PRBs to a cell (a second carrier, up to 2x planned) or capacity to a link (up to "
        "2x planned)",
        {
            "cell": {
                "extra_prbs": Param(
                    "integer", "PRBs to add, up to 2x planned", 1, hi_from=_prbs_left
                )
            },
            "link": {
                "extra_mbps": Param(
                    "number", "Mbit/s, up to 2x planned", 0.0, lo_open=True, hi_from=_link_left
                )
            },
        },
    ),
    "slice_admit": ActionSpec(
        "Admit a network slice (target: its new name) after the feasibility check",
        {"slice": _SLICE_FIELDS},
        one_of=(("cells", "region"),),
    ),
    "slice_modify": ActionSpec(
        "Change an admitted slice's spec (re-checked without its own reservation)",
        {"slice": _OPTIONAL_SLICE_FIELDS},
    ),
    "slice_release": ActionSpec("Release an admitted slice", {"slice": {}}),
    "restart": ActionSpec(
        "Remotely restart a cell in outage: a software fault clears at the next step (the "
        "alarms clear); a hardware fault is rejected (field repair). Its undo changes nothing",
        {"cell": {}},
    ),
    "upf_scale_out": ActionSpec(
        "Add UPF instances (capacity scales with instances)",
        {
            "upf": {
                "instances": Param(
                    "integer",
                    f"instances to add, up to max({MAX_UPF_INSTANCES}, 2x planned) in all",
                    1,
                    hi_from=_instances_left,
                )
            }
        },
    ),
}


def action_catalogue() -> dict[str, dict[str, Any]]:
    """The catalogue as plain data (kind -> doc, targets -> params with ranges), for agents."""
    out: dict[str, dict[str, Any]] = {}
    for kind, spec in ACTIONS.items():
        out[kind] = {
            "doc": spec.doc,
            "targets": {
                t: {
                    name: {
                        "type": p.type,
                        "doc": p.doc,
                        "min": p.lo,
                        "max": p.hi,
                        "choices": list(p.choices) if p.choices else None,
                        "required": p.required,
                        "expected": p.expected(),
                    }
                    for name, p in params.items()
                }
                for t, params in spec.targets.items()
            },
            "one_of": [list(g) for g in spec.one_of],
        }
    return out
