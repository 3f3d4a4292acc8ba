"""Perception: new incidents from every playbook (telemetry, alarms, forecasts, requests)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langgraph.runtime import Runtime

from autonet.agents.messages import Incident, Request
from autonet.agents.playbook import LoopContext
from autonet.agents.state import LoopState
from autonet.agents.trace import Tracer, plain

__all__ = ["perceive_incidents", "perception"]


def perceive_incidents(ctx: LoopContext, requests: Sequence[Request] = ()) -> list[Incident]:
    """Ask every playbook for new incidents now and register them in ``ctx.book``.

    Requests go to the playbook of their ``kind`` only. This is the loop's cheap per-tick
    check; the graph starts only when it finds something.
    """
    found: list[Incident] = []
    for kind, playbook in ctx.playbooks.items():
        mine = [r for r in requests if r["kind"] == kind]
        for incident in playbook.perceive(ctx, mine):
            incident = plain(incident)
            ctx.book.open[incident["key"]] = incident["id"]
            found.append(incident)
    return found


def perception(state: LoopState, runtime: Runtime[LoopContext]) -> dict[str, Any]:
    """Graph node: record the incidents given by the driver, or perceive them now."""
    ctx = runtime.context
    tracer = Tracer(state, ctx, "perception")
    given = dict(state.get("incidents") or {})
    if given:
        incidents = given
        how = "perceived by the loop's tick"
    else:
        incidents = {i["id"]: i for i in perceive_incidents(ctx, state.get("requests") or [])}
        how = "perceived in the run"
    for iid, inc in incidents.items():
        tracer.add(
            "perceive",
            f"opened {iid} ({inc['kind']}, {inc['severity']}): {inc['summary']}",
            how,
            {"incident": iid, "kind": inc["kind"], "objects": inc["objects"][:20]},
            target=inc["objects"][0] if inc["objects"] else None,
        )
    if not incidents:
        tracer.add("perceive", "nothing to act on", "no playbook found an incident")
    return tracer.update(
        incidents=incidents,
        status={iid: "open" for iid in incidents},
        human={iid: False for iid in incidents},
    )
