"""What a change touches and whether it took effect: watched cells, their KPIs, the twin's state.

"Took effect", per action kind: the twin's state holds the value the action wrote, read back
field by field from its record (``ActionRecord.changes``): ``tilt`` the cell's downtilt,
``tx_power`` its TX power (W), ``offload`` its offload share, ``sleep`` / ``wake`` (a lock /
unlock) its sleep flag, ``capacity_boost`` its PRBs or the link's capacity, ``upf_scale_out``
the UPF's instances, ``reroute`` every moved site's backhaul path, ``undo`` (a rollback) the
values from before the undone action. A ``restart`` writes nothing: it took effect when the cell
is back in service (``KQI.Available`` 1 in the last step).

The KPIs watched on the touched cells are shares, so the daily traffic curve does not read as
a degradation: ``served_dl_pct`` (served / offered DL Mbit/s) and ``users_served_pct``
(connected users / connected + blocked + lost users), plus ``users`` and mean ``prb_pct`` and
``thp_dl_mbps`` for the record.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from autonet.twin import Twin

__all__ = ["group_kpis", "took_effect", "touched_cells"]


def touched_cells(twin: Twin, targets: list[str]) -> list[str]:
    """The cells a change on ``targets`` may move: each target cell and its neighbours, the
    cells of the sites behind a link (their backhaul path) or a UPF (served by it)."""
    topo, st = twin.compiled, twin.state
    cells: set[int] = set()
    for target in targets:
        if target in topo.cell_index:
            c = topo.cell_index[target]
            cells.add(c)
            cells.update(int(n) for n in topo.nbr_idx[topo.nbr_ptr[c] : topo.nbr_ptr[c + 1]])
            continue
        if target in topo.link_index:
            sites = topo.sites_using_link(topo.link_index[target], st.path_ptr, st.path_idx)
        elif target in topo.upf_index:
            sites = np.flatnonzero(st.site_upf == topo.upf_index[target]).astype(np.int32)
        else:
            continue
        for s in sites.tolist():
            cells.update(int(c) for c in topo.cells_of_site(int(s)))
    return [topo.cell_ids[i] for i in sorted(cells)]


def group_kpis(twin: Twin, cells: list[str]) -> dict[str, float]:
    """KPIs of ``cells`` in the twin's last recorded step (see the module docstring)."""
    out = {"users": 0.0, "served_dl_pct": 100.0, "users_served_pct": 100.0,
           "prb_pct": 0.0, "thp_dl_mbps": 0.0}  # fmt: skip
    if not cells or not len(twin.kpi_array("RRC.ConnMean", "cell", last=1)):
        return out
    index = twin.compiled.cell_index
    idx = [index[c] for c in cells]

    def last(counter: str) -> np.ndarray:
        return twin.kpi_array(counter, "cell", last=1)[-1, idx].astype(np.float64)

    users = last("RRC.ConnMean")
    unserved = float(last("KQI.BlockedUsers").sum() + last("KQI.LostUsers").sum())
    offered, served = float(last("KQI.OfferedDlMbps").sum()), float(last("KQI.ServedDlMbps").sum())
    total = float(users.sum()) + unserved
    on_air = users > 0
    out.update(
        users=float(users.sum()),
        served_dl_pct=100.0 * served / offered if offered > 0 else 100.0,
        users_served_pct=100.0 * float(users.sum()) / total if total > 0 else 100.0,
        prb_pct=float(last("RRU.PrbUsedDl").mean()),
        thp_dl_mbps=float(last("DRB.UEThpDl")[on_air].mean()) if on_air.any() else 0.0,
    )
    return {k: round(v, 6) for k, v in out.items()}


def took_effect(twin: Twin, action_id: str) -> tuple[bool, str]:
    """Whether the twin's state still shows what action ``action_id`` wrote, and how."""
    record = next((r for r in twin.actions if r.action_id == action_id), None)
    if record is None:
        return False, f"{action_id}: no such action on the network"
    if record.kind == "restart":
        available = twin.kpi_array("KQI.Available", "cell", last=1)
        i = twin.compiled.cell_index[record.target]
        up = bool(len(available)) and float(available[-1, i]) > 0.5
        return up, f"{record.target} {'back in service' if up else 'still out of service'}"
    what = record.target if record.kind != "undo" else f"of {record.undoes}"
    undone = next((r for r in twin.actions if r.undoes == action_id), None)
    if undone is not None:
        first = record.changes[0] if record.changes else None
        now = _current(twin, first[0], first[1]) if first else None
        shown = f": {first[0]}[{first[1]!r}] is {_shown(now)}" if first else ""
        return False, (
            f"{record.kind} {what}: undone by {undone.action_id}{shown}, not the "
            f"{_shown(first[3]) if first else 'value'} it set"
        )
    later = _later_writes(twin, record)
    for fld, key, before, after in record.changes:
        if (fld, key) in later:  # a newer change wrote the same setting: that one holds it now
            after = later[(fld, key)][1]
        now = _current(twin, fld, key)
        if not _same(now, after):
            return False, (
                f"{record.kind} {what}: {fld}[{key!r}] is {_shown(now)}, not the "
                f"{_shown(after)} it set (was {_shown(before)})"
            )
    shown = "; ".join(
        f"{fld} {_shown(before)} -> {_shown(after)}" for fld, _k, before, after in record.changes
    )
    newer = sorted({by for by, _ in later.values()})
    also = f" (since changed further by {', '.join(newer)})" if newer else ""
    return True, f"{record.kind} {what} in place: {shown or 'nothing to write'}{also}"


def _later_writes(twin: Twin, record: Any) -> dict[tuple[str, Any], tuple[str, Any]]:
    """``(field, key) -> (action id, value written)`` of the newest later action that wrote a
    setting ``record`` wrote (several changes of one cell's tilt in a row are all in place)."""
    mine = {(fld, key) for fld, key, _b, _a in record.changes}
    out: dict[tuple[str, Any], tuple[str, Any]] = {}
    seen = False
    for r in twin.actions:
        if r is record:
            seen = True
            continue
        if not seen:
            continue
        if r.undoes == record.action_id:
            continue  # an undo of this very action is not a newer setting (see took_effect)
        for fld, key, _before, after in r.changes:
            if (fld, key) in mine:
                out[(fld, key)] = (r.action_id, after)
    return out


def _current(twin: Twin, fld: str, key: Any) -> Any:
    st = twin.state
    if fld == "slices":
        return st.slices.get(str(key))
    if fld == "site_path":
        s = int(key)
        return tuple(st.path_idx[st.path_ptr[s] : st.path_ptr[s + 1]].tolist())
    return getattr(st, fld)[key]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, tuple | list) or isinstance(b, tuple | list):
        return tuple(a or ()) == tuple(b or ())
    if isinstance(a, bool | np.bool_) or isinstance(b, bool | np.bool_):
        return bool(a) == bool(b)
    if isinstance(a, int | float | np.number) and isinstance(b, int | float | np.number):
        return math.isclose(float(a), float(b), rel_tol=1e-6, abs_tol=1e-6)
    return a is b or a == b


def _shown(v: Any) -> str:
    if isinstance(v, bool | np.bool_):
        return str(bool(v))
    if isinstance(v, int | float | np.number):
        return f"{float(v):g}"
    if isinstance(v, tuple):
        return f"path of {len(v)} link(s)"
    return type(v).__name__ if v is not None else "none"
