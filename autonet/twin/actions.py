"""Apply and undo actions: the only way to change the twin's network, validated and undoable.

``apply_action(twin, kind, target, **params)`` looks the kind up in the explicit registry
``ACTIONS``, resolves the target id (cell, link, UPF or slice name), checks every parameter
against its spec, lets the kind's planner compute the exact changes (and reject what cannot be
done), and only then writes them to ``twin.state``. Every rejection raises :class:`ActionError`
before anything is written. The returned :class:`ActionRecord` lists each change as
``(field, key, before, after)`` so :func:`undo_action` restores the previous values bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from autonet.errors import BadInputError
from autonet.twin._action_plans import (
    PLANNERS,
    PlanError,
    modified_spec,
    slice_spec,
    twin_feasibility,
)
from autonet.twin.action_catalogue import ACTIONS, ActionSpec, Param, action_catalogue
from autonet.twin.admission import Feasibility
from autonet.twin.slices import SliceState
from autonet.twin.state import CompiledTopology

if TYPE_CHECKING:
    from autonet.twin.engine import Twin

__all__ = [
    "ACTIONS",
    "ActionError",
    "ActionRecord",
    "ActionSpec",
    "Change",
    "Param",
    "action_catalogue",
    "apply_action",
    "find_by_key",
    "slice_feasibility",
    "undo_action",
]

#: ``(state field, index into the array / slice name / site index for "site_path", before,
#: after)``. ``before``/``after`` None for ``"slices"`` means the slice did not exist.
Change = tuple[str, int | str, Any, Any]


class ActionError(BadInputError):
    """A rejected action or undo; nothing was changed. The message names what and why."""

    def __init__(self, message: str, *, reasons: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.reasons = reasons


@dataclass
class ActionRecord:
    """What an action (or an undo) changed.

    Attributes:
        action_id: ``"A00001"``, unique in the twin (clones continue the numbering).
        kind: The action kind, or ``"undo"``.
        target: The target id (for an undo: the id of the action undone).
        params: The validated parameters.
        at: Twin time when applied.
        changes: ``(field, key, before, after)`` in the order written.
        undoes: For an undo: the action id it reverted.
        key: The caller's idempotency key (e.g. ``"run/incident/attempt/index"``), or None.
    """

    action_id: str
    kind: str
    target: str
    params: dict[str, Any]
    at: datetime
    changes: list[Change] = field(default_factory=list)
    undoes: str | None = None
    key: str | None = None

    def as_dict(self, topo: CompiledTopology | None = None) -> dict[str, Any]:
        """Plain JSON-ready values (numpy scalars as numbers, slice states as their spec).

        Args:
            topo: When given, each change also names the object it touched (``"id"``: the
                cell, link, site or UPF id behind the array index).
        """
        changes = []
        for f, k, b, a in self.changes:
            entry = {"field": f, "key": _plain(k), "before": _plain(b), "after": _plain(a)}
            if topo is not None:
                entry["id"] = _object_id(topo, f, k)
            changes.append(entry)
        out = {
            "action_id": self.action_id,
            "kind": self.kind,
            "target": self.target,
            "params": {k: _plain(v) for k, v in self.params.items()},
            "at": self.at.isoformat(),
            "changes": changes,
            "undoes": self.undoes,
        }
        if self.key is not None:
            out["key"] = self.key
        return out


def _object_id(topo: CompiledTopology, fld: str, key: int | str) -> str:
    if isinstance(key, str):
        return key
    ids = {"cell": topo.cell_ids, "link": topo.link_ids, "site": topo.site_ids, "upf": topo.upf_ids}
    return ids[fld.split("_", 1)[0]][key]


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, tuple | list):
        return [_plain(x) for x in v]
    if isinstance(v, SliceState):
        return {"slice": v.spec.name, **v.spec.as_params()}
    return v


_SHOWN = {"upf": "UPF"}


def _resolve(twin: Twin, kind: str, spec: ActionSpec, target: Any) -> tuple[str, int | str]:
    if not isinstance(target, str) or not target:
        raise ActionError(f"{kind}: target must be a non-empty id string, got {target!r}")
    wanted = " or ".join(_SHOWN.get(t, t) for t in spec.targets)
    if "slice" in spec.targets:
        exists = target in twin.state.slices
        if kind == "slice_admit" and exists:
            raise ActionError(
                f"slice_admit: slice {target!r} already exists (use slice_modify or slice_release)"
            )
        if kind != "slice_admit" and not exists:
            raise ActionError(
                f"{kind}: unknown slice {target!r} (admitted: {sorted(twin.state.slices)})"
            )
        return "slice", target
    topo = twin.compiled
    for tkind, index in (
        ("cell", topo.cell_index),
        ("link", topo.link_index),
        ("upf", topo.upf_index),
    ):
        if target in index:
            if tkind not in spec.targets:
                raise ActionError(
                    f"{kind} applies to a {wanted}; {target!r} is a {_SHOWN.get(tkind, tkind)}"
                )
            return tkind, index[target]
    G = topo.graph
    if target in G:
        raise ActionError(
            f"{kind} applies to a {wanted}; {target!r} is a {G.nodes[target].get('kind')}"
        )
    raise ActionError(f"{kind}: unknown target {target!r} (expected the id of a {wanted})")


def _check_params(
    twin: Twin,
    kind: str,
    target: str,
    spec: ActionSpec,
    tkind: str,
    index: int | str,
    params: dict[str, Any],
) -> dict[str, Any]:
    accepted = spec.targets[tkind]
    where = f"{kind} on {target!r}"
    extra = sorted(set(params) - set(accepted))
    if extra:
        names = ", ".join(accepted) if accepted else "none"
        raise ActionError(f"{where}: unknown parameter(s) {extra} (accepted: {names})")
    idx = index if isinstance(index, int) else -1
    for group in spec.one_of:
        given = [g for g in group if params.get(g) is not None]
        if len(given) != 1:
            raise ActionError(
                f"{where}: give exactly one of {list(group)}, got {given or 'none'} ("
                + "; ".join(f"{g}: {accepted[g].expected(twin, idx)}" for g in group)
                + ")"
            )
    values: dict[str, Any] = {}
    for name, p in accepted.items():
        if params.get(name) is None:
            if p.required:
                raise ActionError(f"{where}: missing parameter {name!r} ({p.expected(twin, idx)})")
            continue
        try:
            values[name] = p.check(params[name], twin, idx)
        except ValueError:
            raise ActionError(
                f"{where}: {name} = {params[name]!r} is invalid (expected {p.expected(twin, idx)})"
            ) from None
    if kind == "slice_modify" and not values:
        raise ActionError(
            f"{where}: give at least one parameter to change (accepted: {', '.join(accepted)})"
        )
    return values


def _next_id(twin: Twin) -> str:
    return f"A{len(twin.actions) + 1:05d}"


def apply_action(
    twin: Twin, kind: str, target: str, *, key: str | None = None, **params: Any
) -> ActionRecord:
    """Validate and apply one action to ``twin``; append and return its record.

    Args:
        twin: The twin to change (``autonet.twin.engine.Twin``).
        kind: A key of ``ACTIONS``.
        target: A cell id, link id, UPF id, or a slice name (slice actions).
        key: An idempotency key stored on the record (see ``Twin.action_by_key``); an
            action with the same key must not exist yet.
        **params: The kind's parameters (see ``action_catalogue()``).

    Raises:
        ActionError: A key already used, unknown kind or target, wrong target kind,
            missing/unknown/out-of-range parameters, or the action cannot be done in the
            current state (e.g. sleeping an asleep cell, no alternative path, an infeasible
            slice: ``reasons`` lists why).
            Nothing is changed.
    """
    if key is not None:
        if not isinstance(key, str) or not key:
            raise ActionError(f"{kind}: key must be a non-empty string, got {key!r}")
        if find_by_key(twin, key) is not None:
            raise ActionError(f"{kind}: an action with key {key!r} was already applied")
    spec = ACTIONS.get(kind) if isinstance(kind, str) else None
    if spec is None:
        raise ActionError(f"unknown action kind {kind!r} (accepted: {sorted(ACTIONS)})")
    tkind, index = _resolve(twin, kind, spec, target)
    values = _check_params(twin, kind, target, spec, tkind, index, params)
    try:
        changes = PLANNERS[kind](twin, tkind, index, values)
    except PlanError as err:
        raise ActionError(f"{kind} on {target!r}: {err}", reasons=err.reasons) from None
    _write(twin, changes)
    record = ActionRecord(_next_id(twin), kind, target, values, twin.now, changes, key=key)
    twin.actions.append(record)
    if key is not None:  # index for find_by_key: a resumed run looks every key up
        twin.ledger.setdefault("action_keys", {})[key] = len(twin.actions) - 1
    return record


def find_by_key(twin: Twin, key: str) -> ActionRecord | None:
    """The action applied with idempotency ``key`` (the latest with it), or None."""
    at = twin.ledger.get("action_keys", {}).get(key)
    return None if at is None else twin.actions[at]


def slice_feasibility(twin: Twin, name: str, **params: Any) -> Feasibility:
    """Dry run of ``slice_admit`` (or of ``slice_modify`` when ``name`` is admitted).

    Takes the parameters of that action and returns the admission outcome, feasible or not,
    with its reasons, PRB shares, path latencies and chosen UPF. Changes nothing.

    Raises:
        ActionError: Malformed parameters (as the action would reject them).
    """
    kind = "slice_modify" if name in twin.state.slices else "slice_admit"
    spec = ACTIONS[kind]
    tkind, index = _resolve(twin, kind, spec, name)
    values = _check_params(twin, kind, name, spec, tkind, index, params)
    try:
        if kind == "slice_admit":
            return twin_feasibility(twin, slice_spec(name, values))
        wanted = modified_spec(twin.state.slices[name].spec, values)
        return twin_feasibility(twin, wanted, exclude=name)
    except PlanError as err:
        raise ActionError(f"{kind} on {name!r}: {err}") from None


def _current(twin: Twin, fld: str, key: int | str) -> Any:
    st = twin.state
    if fld == "slices":
        return st.slices.get(str(key))
    if fld == "site_path":
        s = int(key)
        return tuple(st.path_idx[st.path_ptr[s] : st.path_ptr[s + 1]].tolist())
    return getattr(st, fld)[key]


def _write(twin: Twin, changes: list[Change]) -> None:
    """Write every change's ``after`` value (path segments in one CSR rebuild)."""
    st = twin.state
    paths: dict[int, tuple[int, ...]] = {}
    for fld, key, _before, value in changes:
        if fld == "slices":
            if value is None:
                del st.slices[str(key)]
            else:
                st.slices[str(key)] = value
        elif fld == "site_path":
            paths[int(key)] = tuple(value)
        else:
            getattr(st, fld)[key] = value
    if paths:
        _rewrite_paths(twin, paths)


def _rewrite_paths(twin: Twin, paths: dict[int, tuple[int, ...]]) -> None:
    """Replace some sites' segments of the path CSR (new arrays, same dtypes)."""
    st = twin.state
    lengths = np.diff(st.path_ptr)
    new_len = lengths.copy()
    for s, p in paths.items():
        new_len[s] = len(p)
    ptr = np.zeros_like(st.path_ptr)
    np.cumsum(new_len, out=ptr[1:])
    idx = np.empty(int(ptr[-1]), dtype=st.path_idx.dtype)
    owner = np.repeat(np.arange(len(lengths)), lengths)
    keep = ~np.isin(owner, np.fromiter(paths, np.int64, len(paths)))
    offset = np.arange(len(owner)) - st.path_ptr[owner]
    idx[(ptr[owner] + offset)[keep]] = st.path_idx[keep]
    for s, p in paths.items():
        idx[ptr[s] : ptr[s + 1]] = p
    st.path_ptr, st.path_idx = ptr, idx


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    if isinstance(a, np.generic) or isinstance(b, np.generic):
        return bool(np.asarray(a) == np.asarray(b)) or (a != a and b != b)
    return bool(a == b)


def undo_action(twin: Twin, action_id: str) -> ActionRecord:
    """Restore exactly what action ``action_id`` changed; append and return the undo record.

    Raises:
        ActionError: Unknown id, an undo record, an action already undone, or a value the
            action set has changed since (by a later action or a fault: undo that first).
            Nothing is changed.
    """
    original = next((r for r in twin.actions if r.action_id == action_id), None)
    if original is None:
        known = [r.action_id for r in twin.actions if r.kind != "undo"][-5:]
        raise ActionError(f"undo: unknown action id {action_id!r} (latest actions: {known})")
    if original.kind == "undo":
        raise ActionError(
            f"undo: {action_id!r} is itself an undo (of {original.undoes!r}); apply the action "
            "again instead"
        )
    done = next((r.action_id for r in twin.actions if r.undoes == action_id), None)
    if done is not None:
        raise ActionError(f"undo: action {action_id!r} was already undone by {done!r}")
    for fld, key, _before, after in original.changes:
        now = _current(twin, fld, key)
        if not _same(now, after):
            later = [
                r.action_id
                for r in twin.actions
                if r.action_id > action_id and any(c[0] == fld and c[1] == key for c in r.changes)
            ]
            by = f"by later action(s) {later}" if later else "by a fault or the engine"
            raise ActionError(
                f"undo: cannot undo {action_id!r} ({original.kind} on {original.target!r}): "
                f"{fld}[{key!r}] was changed since {by}; undo those first"
            )
    back = [(f, k, a, b) for f, k, b, a in reversed(original.changes)]
    _write(twin, back)
    record = ActionRecord(_next_id(twin), "undo", action_id, {}, twin.now, back, undoes=action_id)
    twin.actions.append(record)
    return record
