"""An operator's one-off change request -> the twin actions that carry it out, or why it cannot.

The arguments are AgentGate's schema-valid arguments of one of :data:`CHANGE_AGENTS`; the map
to the twin's action parameters (``autonet.twin.ACTIONS``) is:

- ``change_executor`` ``{"action", "target", "value", "mode"}``: ``tilt`` -> ``delta_deg``
  (``mode`` ``relative``, the default: ``value`` degrees, + = more downtilt; ``absolute``: the
  tilt to set, converted to the delta from each cell's current tilt so the tilt-bounds guard
  judges the real change); ``tx_power`` -> ``delta_db`` (relative: dB; absolute: W, converted to
  the dB change from the current power); ``offload`` -> ``share`` (0.3 when not given; a value
  above 1 is a percentage); ``capacity_boost`` -> ``extra_prbs`` on a cell (100 when not given)
  or ``extra_mbps`` on a link (a quarter of its planned capacity when not given);
  ``upf_scale_out`` -> ``instances`` (1; a site or cell target scales the UPF serving it);
  ``sleep``, ``wake``, ``restart``, ``reroute`` take no number. A site or region target gives
  one action per cell.
- ``cell_locker`` ``{"target", "operation"}``: the twin models a lock as the cell off air, i.e.
  ``sleep`` (``unlock``: ``wake``), one action per cell not yet in that state.
- ``config_pusher`` ``{"region", "parameter", "value", "mode"}``: ``tilt`` / ``tx_power`` on
  every cell of the region, ``mode`` ``absolute`` by default (cells already there are skipped).
- ``change_rollback`` ``{"change_id": "CHG-0007"}``: undo of twin action ``A00007``.

Every action list is dry-run on a clone of the twin, so what the twin would refuse (a tilt
outside [0, 15] degrees, a power above the cell's maximum, an undo of a value changed since) is
a rejection with the twin's reason, not a what-if error. A restart is not dry-run: whether an
outage is software (a restart clears it) is not observable; the cell must be observed out of
service (``KQI.Available`` 0 in the last step).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Final

from autonet.agents.messages import ActionStep
from autonet.agents.playbooks.change.effect import touched_cells
from autonet.agents.playbooks.change.params import (
    ChangeRequestError,
    boost,
    mode_of,
    per_cell,
    scale_out,
    share,
    shown,
    value_of,
)
from autonet.agents.targets import REGIONS, TargetError, resolve_target

if TYPE_CHECKING:
    from autonet.twin import Twin

__all__ = ["CHANGE_AGENTS", "CHANGE_KINDS", "plan_request"]

#: AgentGate capabilities whose requests the change playbook carries out.
CHANGE_AGENTS: Final[tuple[str, ...]] = (
    "change_executor",
    "change_rollback",
    "cell_locker",
    "config_pusher",
)
#: ``change_executor`` actions -> the target levels they take.
CHANGE_KINDS: Final[dict[str, tuple[str, ...]]] = {
    "offload": ("cell",),
    "tilt": ("cell",),
    "tx_power": ("cell",),
    "sleep": ("cell",),
    "wake": ("cell",),
    "restart": ("cell",),
    "reroute": ("link",),
    "capacity_boost": ("cell", "link"),
    "upf_scale_out": ("upf", "cell"),
}


def plan_request(twin: Twin, agent: str, args: Any) -> dict[str, Any]:
    """The plan of one request: ``what`` (one line), ``actions`` (ActionStep list), ``cells``
    (the cells changed directly), ``group`` (the cells whose KPIs the change may move),
    ``rejected`` (reasons; empty: it can be done) and ``assumptions`` (defaults taken)."""
    plan: dict[str, Any] = {"agent": agent, "what": agent, "actions": [], "cells": [],
                            "group": [], "rejected": [], "assumptions": []}  # fmt: skip
    try:
        if not isinstance(args, dict):
            raise ChangeRequestError(f"arguments must be an object, got {args!r}")
        if agent == "change_executor":
            _executor(twin, args, plan)
        elif agent == "cell_locker":
            _locker(twin, args, plan)
        elif agent == "config_pusher":
            _pusher(twin, args, plan)
        elif agent == "change_rollback":
            _rollback(twin, args, plan)
        else:
            raise ChangeRequestError(
                f"unknown change agent {agent!r}: expected one of {list(CHANGE_AGENTS)}"
            )
        if not plan["actions"]:
            raise ChangeRequestError(f"{plan['what']}: nothing to change")
        if not any(a["kind"] == "restart" for a in plan["actions"]):
            _dry_run(twin, plan["actions"])
    except (ChangeRequestError, TargetError) as err:
        plan["rejected"] = [str(err)]
    touched = [a["target"] for a in plan["actions"] if a["kind"] != "undo"]
    touched += [plan["undoes"]["target"]] if "undoes" in plan else []
    plan["group"] = touched_cells(twin, touched)
    return plan


# -- the four agents -------------------------------------------------------------------------
def _executor(twin: Twin, args: dict[str, Any], plan: dict[str, Any]) -> None:
    kind = args.get("action")
    if kind not in CHANGE_KINDS:
        raise ChangeRequestError(
            f"unknown action kind {kind!r}: expected one of {list(CHANGE_KINDS)}"
        )
    target = resolve_target(twin.compiled, args.get("target"))
    if target.level not in CHANGE_KINDS[kind]:
        raise ChangeRequestError(
            f"{kind} takes a {' or '.join(CHANGE_KINDS[kind])} target; {target.name!r} is a "
            f"{target.scope}"
        )
    value, mode = value_of(args), mode_of(args, default="relative")
    plan["what"] = f"{kind} {target.name}" + shown(value, mode)
    if kind in ("tilt", "tx_power"):
        per_cell(twin, kind, target, value, mode, plan)
    elif kind == "upf_scale_out":
        scale_out(twin, target, value, plan)
    elif kind == "capacity_boost":
        boost(twin, target, value, mode, plan)
    elif kind == "offload":
        given = share(value, plan)
        plan["actions"] = [
            ActionStep(kind=kind, target=c, params={"share": given}) for c in target.ids
        ]
    elif kind == "restart":
        _restartable(twin, target.ids)
        plan["actions"] = [ActionStep(kind=kind, target=c, params={}) for c in target.ids]
    else:
        plan["actions"] = [ActionStep(kind=kind, target=i, params={}) for i in target.ids]
    plan["cells"] = list(target.ids) if target.level == "cell" else []


def _locker(twin: Twin, args: dict[str, Any], plan: dict[str, Any]) -> None:
    op = args.get("operation")
    if op not in ("lock", "unlock"):
        raise ChangeRequestError(f"operation must be 'lock' or 'unlock', got {op!r}")
    target = resolve_target(twin.compiled, args.get("target"))
    if target.level != "cell":
        raise ChangeRequestError(
            f"{op} takes a cell, site or region; {target.name!r} is a {target.scope}"
        )
    plan["what"] = f"{op} {target.name}"
    asleep = twin.state.cell_asleep
    index = twin.compiled.cell_index
    todo = [c for c in target.ids if bool(asleep[index[c]]) != (op == "lock")]
    if not todo:
        state = "off air (locked)" if op == "lock" else "on air (unlocked)"
        raise ChangeRequestError(f"{op} {target.name}: every cell of it is already {state}")
    kind = "sleep" if op == "lock" else "wake"
    plan["actions"] = [ActionStep(kind=kind, target=c, params={}) for c in todo]
    plan["cells"] = todo


def _pusher(twin: Twin, args: dict[str, Any], plan: dict[str, Any]) -> None:
    region, parameter = args.get("region"), args.get("parameter")
    if region not in REGIONS:
        raise ChangeRequestError(f"region must be one of {list(REGIONS)}, got {region!r}")
    if parameter not in ("tilt", "tx_power"):
        raise ChangeRequestError(
            f"parameter {parameter!r} cannot be pushed: the network's actions set 'tilt' and "
            "'tx_power' (there is no handover-margin action)"
        )
    target = resolve_target(twin.compiled, region)
    value, mode = value_of(args), mode_of(args, default="absolute")
    plan["what"] = f"push {parameter} to {region}" + shown(value, mode)
    per_cell(twin, parameter, target, value, mode, plan)
    plan["cells"] = [a["target"] for a in plan["actions"]]


def _rollback(twin: Twin, args: dict[str, Any], plan: dict[str, Any]) -> None:
    change = args.get("change_id")
    m = re.fullmatch(r"CHG-(\d{1,5})", change) if isinstance(change, str) else None
    if m is None:
        raise ChangeRequestError(f"change_id must look like CHG-0007, got {change!r}")
    action_id = f"A{int(m.group(1)):05d}"
    record = next((r for r in twin.actions if r.action_id == action_id), None)
    if record is None:
        known = [f"CHG-{int(r.action_id[1:]):04d}" for r in twin.actions if r.kind != "undo"]
        raise ChangeRequestError(
            f"no change {change} (action {action_id}) on this network; latest: {known[-5:]}"
        )
    plan["what"] = f"roll back {change} ({record.kind} on {record.target})"
    plan["undoes"] = {"action_id": action_id, "kind": record.kind, "target": record.target}
    plan["actions"] = [ActionStep(kind="undo", target=action_id, params={})]
    plan["cells"] = [record.target] if record.target in twin.compiled.cell_index else []


def _restartable(twin: Twin, cells: tuple[str, ...]) -> None:
    available = twin.kpi_array("KQI.Available", "cell", last=1)
    index = twin.compiled.cell_index
    up = [c for c in cells if len(available) and available[-1, index[c]] > 0.5]
    if up:
        raise ChangeRequestError(
            f"restart: {', '.join(up)} in service (KQI.Available 1 in the last step); a restart "
            "is for a cell in outage"
        )


def _dry_run(twin: Twin, actions: list[ActionStep]) -> None:
    """Apply the actions to a clone: the twin's own validation, with its reason."""
    from autonet.twin import ActionError

    clone = twin.clone()
    for step in actions:
        try:
            if step["kind"] == "undo":
                clone.undo(step["target"])
            else:
                clone.apply(step["kind"], step["target"], **step["params"])
        except ActionError as err:
            raise ChangeRequestError(f"the network refuses it: {err}") from None
