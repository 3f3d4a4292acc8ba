"""Execution: apply the chosen actions through the network's action port (the network adapter,
or the twin itself), idempotently by key; rollback: undo them in reverse after a failed
verification."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from autonet.agents.messages import AppliedAction, Decision, Execution
from autonet.agents.playbook import LoopContext
from autonet.agents.state import LoopState
from autonet.agents.trace import Tracer, plain

__all__ = ["action_key", "execute", "execution", "rollback"]


def action_key(run_id: str, incident_id: str, attempt: int, index: int) -> str:
    """The idempotency key of one action of one attempt."""
    return f"{run_id}/{incident_id}/{attempt}/{index}"


def execute(ctx: LoopContext, run_id: str, incident_id: str, decision: Decision) -> Execution:
    """Apply ``decision``'s chosen actions in order; an action whose key the twin already holds
    (a resumed run) is reused, never applied twice. Stops at the first rejected action."""
    from autonet.twin import ActionError

    port = ctx.port
    attempt = int(decision["attempt"])
    applied: list[AppliedAction] = []
    failed: list[dict[str, Any]] = []
    chosen = decision["chosen"]
    if chosen is None:
        raise ValueError(f"{incident_id}: nothing was chosen, nothing to execute")
    for i, step in enumerate(chosen["actions"]):
        key = action_key(run_id, incident_id, attempt, i)
        if step["kind"] == "undo":  # idempotent by the undo record of its target
            record = next((r for r in port.actions if r.undoes == step["target"]), None)
        else:
            record = port.action_by_key(key)
        reused = record is not None
        if record is None:
            try:
                if step["kind"] == "undo":
                    record = port.undo(step["target"])
                else:
                    record = port.apply(step["kind"], step["target"], key=key, **step["params"])
            except ActionError as exc:
                failed.append({"action": plain(step), "error": str(exc)})
                break
        applied.append(
            AppliedAction(
                key=key,
                action_id=record.action_id,
                kind=record.kind,
                target=record.target,
                params=plain(record.params),
                at=record.at.isoformat(),
                reused=reused,
            )
        )
    return Execution(
        incident_id=incident_id,
        attempt=attempt,
        applied=applied,
        failed=failed,
        producer="execution",
    )


def execution(state: LoopState, runtime: Runtime[LoopContext]) -> dict[str, Any]:
    """Graph node: execute every decided or approved incident; schedule its verification."""
    ctx = runtime.context
    tracer = Tracer(state, ctx, "execution")
    executions, status, verify_at = {}, {}, {}
    for iid, st in state["status"].items():
        if st not in ("decided", "approved"):
            continue
        made = state["decisions"][iid][-1]
        done = execute(ctx, state["run_id"], iid, made)
        executions[iid] = [*(state.get("executions") or {}).get(iid, []), done]
        status[iid] = "waiting_verification"
        settle = int(ctx.playbooks[state["incidents"][iid]["kind"]].settle_steps)
        verify_at[iid] = ctx.twin.step_index + settle
        for a in done["applied"]:
            tracer.add(
                "execute",
                f"{iid}: {'found' if a['reused'] else 'applied'} {a['kind']} on {a['target']} "
                f"({a['action_id']})",
                "already applied before the resume (same key)" if a["reused"] else made["reason"],
                {"incident": iid, **a},
                target=a["target"],
            )
        for f in done["failed"]:
            tracer.add(
                "execute",
                f"{iid}: rejected {f['action']['kind']} on {f['action']['target']}",
                f["error"],
                {"incident": iid, **f},
                target=f["action"]["target"],
            )
    return tracer.update(executions=executions, status=status, verify_at=verify_at)


def rollback(state: LoopState, runtime: Runtime[LoopContext]) -> dict[str, Any]:
    """Graph node: undo, newest first, what the failed attempt applied (skipping undone ones)."""
    from autonet.twin import ActionError

    ctx = runtime.context
    port = ctx.port
    tracer = Tracer(state, ctx, "execution")
    status = {}
    for iid, st in state["status"].items():
        if st not in ("rollback", "rollback_escalate"):
            continue
        for a in reversed(state["executions"][iid][-1]["applied"]):
            if any(r.undoes == a["action_id"] for r in port.actions):
                continue  # a resumed rollback: already undone
            try:
                undo = port.undo(a["action_id"])
            except ActionError as exc:
                data = {"incident": iid, "action_id": a["action_id"]}
                what = f"{iid}: could not undo {a['action_id']}"
                tracer.add("rollback", what, str(exc), data, target=a["target"])
                continue
            tracer.add(
                "rollback",
                f"{iid}: undid {a['kind']} on {a['target']} ({a['action_id']} -> {undo.action_id})",
                "verification failed",
                {"incident": iid, "action_id": a["action_id"], "undo_id": undo.action_id},
                target=a["target"],
            )
        status[iid] = "retry" if st == "rollback" else "escalate"
    return tracer.update(status=status)
