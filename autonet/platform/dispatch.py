"""Dispatch AgentGate's decisions: CALL runs one capability, PLAN runs through the loop's graph.

``CALL_AGENT`` runs one capability of an explicit registry: readers read the twin, the RCA
locator ranks root causes, the forecaster forecasts, change capabilities become a
:class:`~autonet.agents.messages.Request` for the loop (its playbook decides and verifies), a
rollback undoes an action. ``MULTI_AGENT_PLAN`` runs its read steps and hands its change steps
to the graph as ONE request carrying the ordered plan. ``DIRECT_ANSWER`` answers;
``ESCALATE`` executes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final

from autonet.agents.messages import Request
from autonet.agents.trace import plain
from autonet.platform._capabilities import (
    READERS,
    CapabilityError,
    change_executor,
    change_rollback,
    intent_verifier,
)

if TYPE_CHECKING:
    from autonet.platform.gate import RouteDecision
    from autonet.platform.loop import ClosedLoop

__all__ = ["REQUEST_KINDS", "DispatchError", "DispatchResult", "dispatch", "supported_agents"]

#: Change capabilities that become a loop request, and the playbook kind that handles them.
REQUEST_KINDS: Final[dict[str, str]] = {
    "slice_provisioner": "slice",
    "slice_modifier": "slice",
    "slice_releaser": "slice",
    "energy_planner": "energy",
    "event_capacity_scheduler": "congestion",
}
_DIRECT: Final[dict[str, Callable[[ClosedLoop, Mapping[str, Any]], dict[str, Any]]]] = {
    **READERS,
    "intent_verifier": intent_verifier,
    "change_rollback": change_rollback,
}


class DispatchError(ValueError):
    """A decision that cannot be dispatched (unknown agent, no playbook, bad arguments)."""


@dataclass
class DispatchResult:
    """What a dispatched decision did.

    Attributes:
        action: The route action (``CALL_AGENT``, ``MULTI_AGENT_PLAN``, ...).
        ok: Whether everything asked for ran.
        message: One line for people.
        result: The capability's output (CALL), the answer (DIRECT_ANSWER), or a summary.
        steps: Per plan step: ``{"agent", "arguments", "ok", "result"}``.
        request: The request handed to the loop, if any.
    """

    action: str
    ok: bool
    message: str
    result: dict[str, Any] = field(default_factory=dict)
    steps: list[dict[str, Any]] = field(default_factory=list)
    request: dict[str, Any] | None = None


def supported_agents() -> list[str]:
    """The capabilities ``dispatch`` can run."""
    return sorted({*_DIRECT, *REQUEST_KINDS, "change_executor"})


@lru_cache(maxsize=1)
def _registry() -> Any:
    from autonet.platform.gate.catalog import default_registry

    return default_registry()


def _check_agent(agent: str | None, arguments: Mapping[str, Any]) -> str:
    if not agent or agent not in supported_agents():
        raise DispatchError(
            f"unknown or unsupported agent {agent!r}: dispatch runs {supported_agents()}"
        )
    from autonet.platform.gate import validate_arguments

    errors = validate_arguments(_registry().get(agent), arguments)
    if errors:
        raise DispatchError("invalid arguments: " + "; ".join(errors))
    return agent


def _request(loop: ClosedLoop, agent: str, arguments: Mapping[str, Any], actor: str, text: str,
             kind: str | None = None) -> Request:  # fmt: skip
    kind = kind or REQUEST_KINDS[agent]
    if kind not in loop.ctx.playbooks:
        raise DispatchError(
            f"{agent} needs the {kind!r} playbook, which this loop does not run "
            f"(loaded: {sorted(loop.ctx.playbooks)})"
        )
    seq = loop.ctx.models["dispatch_seq"] = loop.ctx.models.get("dispatch_seq", 0) + 1
    req = Request(
        id=f"INT-{seq:04d}",  # the gate's intent id form: intent_verifier finds it by this id
        kind=kind,
        agent=agent,
        arguments=plain(dict(arguments)),
        submitted_at=loop.twin.now.isoformat(),
        actor=actor,
    )
    if text:
        req["text"] = text
    return req


def _hand_to_loop(loop: ClosedLoop, req: Request, run_now: bool) -> dict[str, Any]:
    loop.submit(req)
    if not run_now:
        return {"submitted": req["id"], "kind": req["kind"]}
    report = loop.tick()
    runs = sorted({o["run_id"] for o in loop.outcomes() if o["incident"]["id"] in
                   {i["id"] for i in report.opened}})  # fmt: skip
    return {
        "submitted": req["id"],
        "kind": req["kind"],
        "run_ids": runs,
        "incidents": [i["id"] for i in report.opened],
        "applied": [f"{a['kind']} {a['target']}" for a in report.applied],
        "waiting_approval": report.waiting_approval,
    }


def _call(loop: ClosedLoop, agent: str, arguments: Mapping[str, Any], actor: str, text: str,
          run_now: bool) -> tuple[dict[str, Any], Request | None]:  # fmt: skip
    if agent in _DIRECT:
        return _DIRECT[agent](loop, arguments), None
    if agent == "change_executor":
        if "change" not in loop.ctx.playbooks:  # no playbook for one-off changes: apply it
            return change_executor(loop, arguments), None
        req = _request(loop, agent, arguments, actor, text, kind="change")
    else:
        req = _request(loop, agent, arguments, actor, text)
    return _hand_to_loop(loop, req, run_now), req


def dispatch(
    decision: RouteDecision,
    *,
    loop: ClosedLoop,
    actor: str = "operator",
    text: str = "",
    run_now: bool = True,
) -> DispatchResult:
    """Carry out an AgentGate decision on the loop's network.

    Args:
        decision: AgentGate's route decision.
        loop: The closed loop (its twin, playbooks and graph).
        actor: Who asked (recorded on requests).
        text: The operator's words (recorded on requests).
        run_now: Tick the loop at once so a request's run starts now (else at the next tick).

    Raises:
        DispatchError: Unknown agent, a change whose playbook the loop lacks, bad arguments.
    """
    action = getattr(decision.action, "value", str(decision.action))
    if action == "DIRECT_ANSWER":
        answer = decision.answer or decision.rationale
        return DispatchResult(action, True, answer, {"answer": answer})
    if action == "ESCALATE":
        why = decision.rationale or "AgentGate escalated the request"
        return DispatchResult(action, True, f"escalated to a human: {why}", {"escalated": True})
    try:
        if action == "CALL_AGENT":
            agent = _check_agent(decision.agent, decision.arguments)
            out, req = _call(loop, agent, decision.arguments, actor, text, run_now)
            request = dict(req) if req is not None else None
            return DispatchResult(action, True, f"{agent}: done", out, request=request)
        if action == "MULTI_AGENT_PLAN":
            return _plan(decision, loop, actor, text, run_now)
    except CapabilityError as exc:
        raise DispatchError(str(exc)) from None
    raise DispatchError(f"unknown route action {action!r}")


def _plan(decision: RouteDecision, loop: ClosedLoop, actor: str, text: str,
          run_now: bool) -> DispatchResult:  # fmt: skip
    if not decision.plan:
        raise DispatchError("a MULTI_AGENT_PLAN decision needs at least one plan step")
    steps: list[dict[str, Any]] = [
        {"agent": _check_agent(s.agent, s.arguments), "arguments": dict(s.arguments)}
        for s in decision.plan
    ]
    changes = [s for s in steps if s["agent"] not in _DIRECT]
    for s in steps:
        if s["agent"] in _DIRECT:
            s["result"], s["ok"] = _DIRECT[s["agent"]](loop, s["arguments"]), True
    req = None
    if changes:
        first = changes[0]
        kind = "change" if first["agent"] == "change_executor" else REQUEST_KINDS[first["agent"]]
        args = {**first["arguments"], "plan": [{k: s[k] for k in ("agent", "arguments")}
                                               for s in steps]}  # fmt: skip
        req = _request(loop, first["agent"], args, actor, text, kind=kind)
        handed = _hand_to_loop(loop, req, run_now)
        for s in changes:
            s["result"], s["ok"] = {**handed, "step_of": req["id"]}, True
    n = len(steps)
    return DispatchResult(
        "MULTI_AGENT_PLAN", True, f"plan of {n} step(s) dispatched", {"steps": n},
        steps=steps, request=dict(req) if req else None,
    )  # fmt: skip
