"""Analysis of one slice request: the spec, its feasibility, the reasons to reject, a counter-offer.

``risk`` of the analysis holds ``action`` (admit / modify / release), ``slice`` (its name),
``params`` (the action's parameters, None when the request cannot be mapped), ``assumptions``,
``feasibility`` (:meth:`SliceCheck.as_dict`), ``rejected`` (reasons; empty = feasible) and,
when only the throughput is too high, ``alternative`` (``{"guaranteed_dl_mbps": x}``: the
largest guarantee that fits, offered as a candidate only if the request accepts alternatives).
"""

from __future__ import annotations

from typing import Any

from autonet.agents.messages import Incident
from autonet.agents.playbook import LoopContext
from autonet.agents.playbooks._slice_checks import THROUGHPUT_BOUND, check_slice, max_throughput
from autonet.agents.playbooks._slice_spec import spec_from_arguments, window_hours
from autonet.twin import ActionError

__all__ = ["analyse_request"]

_MODIFY_FIELDS = {"throughput_mbps": "guaranteed_dl_mbps", "latency_ms": "max_latency_ms"}


def _unknown(ctx: LoopContext, name: Any) -> str:
    return f"request: unknown slice {name!r} (admitted: {sorted(ctx.twin.state.slices)})"


def _modify_params(
    ctx: LoopContext, name: Any, args: dict[str, Any]
) -> tuple[dict[str, Any] | None, list[str], float]:
    if name not in ctx.twin.state.slices:
        return None, [_unknown(ctx, name)], 0.0
    spec = ctx.twin.state.slices[name].spec
    changes: dict[str, Any] = {
        new: args[old] for old, new in _MODIFY_FIELDS.items() if args.get(old) is not None
    }
    if args.get("window") is not None:
        problems: list[str] = []
        start, end = window_hours(args["window"], problems)
        if problems:
            return None, [f"request: {p}" for p in problems], 0.0
        changes.update(start_hour=start, end_hour=end)
    if not changes:
        return None, ["request: nothing to modify (give throughput, latency or window)"], 0.0
    return changes, [], spec.reliability_pct


def _alternative(
    ctx: LoopContext, name: str, params: dict[str, Any], rejected: list[str]
) -> dict[str, float] | None:
    """A lower guarantee that fits, when throughput is the only problem of an admission."""
    if "guaranteed_dl_mbps" not in params or not all(
        r.startswith(THROUGHPUT_BOUND) for r in rejected
    ):
        return None
    best = max_throughput(ctx.twin, name, params)
    return {"guaranteed_dl_mbps": best} if best > 0 else None


def analyse_request(ctx: LoopContext, incident: Incident) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(impact, risk)`` of a slice request incident (see the module docstring)."""
    ev = incident["evidence"]
    action, name = ev.get("action", "admit"), ev.get("slice")
    args = ev.get("request", {}).get("arguments")
    risk: dict[str, Any] = {"action": action, "slice": name, "params": None}
    area = args.get("area") if isinstance(args, dict) else None
    impact: dict[str, Any] = {"area": area, "cells": [], "n_cells": 0}
    if action == "release":
        risk["rejected"] = [] if name in ctx.twin.state.slices else [_unknown(ctx, name)]
        return impact, risk
    if action == "modify":
        params, rejected, reliability = _modify_params(
            ctx, name, args if isinstance(args, dict) else {}
        )
        assumed: tuple[str, ...] = ()
    else:
        mapped = spec_from_arguments(ctx.twin.compiled, args, str(name))
        params, rejected = mapped.params, [f"request: {p}" for p in mapped.problems]
        assumed = mapped.assumptions
        reliability = float((params or {}).get("reliability_pct", 0.0))
    risk.update(params=params, assumptions=list(assumed))
    if params is not None and not rejected:
        try:
            check = check_slice(ctx.twin, str(name), params, reliability, cache=ctx.models)
        except ActionError as err:
            rejected.append(f"request: {err}")
        else:
            risk["feasibility"] = check.as_dict()
            rejected += list(check.reasons)
            impact.update(cells=list(check.cells[:50]), n_cells=len(check.cells))
            alt = _alternative(ctx, str(name), params, rejected) if rejected else None
            if alt is not None:
                risk["alternative"] = alt
                rejected.append(
                    f"alternative: the area can guarantee up to {alt['guaranteed_dl_mbps']:g} "
                    f"Mbit/s per cell over this window (asked {params['guaranteed_dl_mbps']:g})"
                )
    risk["rejected"] = rejected
    return impact, risk
