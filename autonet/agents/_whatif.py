"""What-if scoring of candidates on observed twin clones, the rules' guards, the learned priors."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from autonet.agents.messages import ActionStep, Analysis, Candidate, Decision, Incident
from autonet.agents.playbook import LoopContext
from autonet.agents.trace import plain

if TYPE_CHECKING:
    from autonet.twin import Twin

__all__ = [
    "actions_key",
    "guard_denials",
    "guard_history",
    "prior_key",
    "prior_rate",
    "score_candidates",
    "whatif_basis",
]

log = logging.getLogger(__name__)


def actions_key(actions: Sequence[ActionStep]) -> str:
    """A canonical text of an action list (to recognise a candidate that already failed)."""
    return "|".join(
        f"{a['kind']}:{a['target']}:{sorted(plain(a.get('params') or {}).items())}" for a in actions
    )


def prior_key(analysis: Analysis, incident: Incident, kind: str) -> str:
    """The priors' key: the top hypothesis's fault type (or the incident kind) and action kind."""
    hyps = analysis.get("hypotheses") or []
    cause = hyps[0]["fault_type"] if hyps else incident["kind"]
    return f"{cause}|{kind}"


def prior_rate(ctx: LoopContext, analysis: Analysis, incident: Incident, cand: Candidate) -> float:
    """Laplace-smoothed success rate of the candidate's first action kind for this cause."""
    if not cand["actions"]:
        return 0.5
    priors: dict[str, list[int]] = ctx.models.get("priors", {})
    ok, n = priors.get(prior_key(analysis, incident, cand["actions"][0]["kind"]), (0, 0))
    return (ok + 1.0) / (n + 2.0)


def _guards(ctx: LoopContext) -> list[Any]:
    guards = ctx.models.get("guards")
    if guards is None:
        from autonet.knowledge.rules import load_default_policies

        guards = ctx.models["guards"] = list(load_default_policies().guards)
    return guards


def guard_history(ctx: LoopContext) -> list[Any]:
    """The twin's applied actions as the frequency limiter counts them (undos left out)."""
    from autonet.knowledge.rules.situation import ActionRecord

    # only the frequency limiters' windows matter: walk back from the newest action until the
    # longest window is passed (the log grows over a long run; this stays O(recent actions))
    windows = [g.window for g in _guards(ctx) if getattr(g, "type", "") == "frequency_limiter"]
    since = ctx.twin.now - max(windows, default=timedelta(0)) - ctx.twin.step_delta
    recent = []
    for r in reversed(ctx.twin.actions):
        if r.at < since:
            break
        if r.kind != "undo":
            recent.append(ActionRecord(time=r.at, action=r.kind, target=r.target))
    return recent[::-1]


def guard_denials(
    ctx: LoopContext, candidate: Candidate, history: Sequence[Any] | None = None
) -> list[str]:
    """Denials of the default policies' guards (frequency limiter, bounds, ...) on each action.

    Args:
        ctx: The loop context (twin time and actions).
        candidate: The candidate whose actions are checked.
        history: :func:`guard_history` computed once for several candidates (default: now).
    """
    from autonet.knowledge.rules.guards import evaluate_guards

    twin = ctx.twin
    if history is None:
        history = guard_history(ctx)
    denials = []
    for step in candidate["actions"]:
        for verdict in evaluate_guards(
            _guards(ctx),
            action=step["kind"],
            target=step["target"],
            parameters=step.get("params") or {},
            now=twin.now,
            history=history,
        ):
            if not verdict.allowed:
                denials.append(f"{verdict.guard_id}: {verdict.reason}")
    return denials


def _apply_all(twin: Twin, actions: Sequence[ActionStep]) -> str | None:
    from autonet.twin import ActionError

    for step in actions:
        try:
            if step["kind"] == "undo":  # revert an earlier action (target: its twin id)
                twin.undo(step["target"])
            else:
                twin.apply(step["kind"], step["target"], **(step.get("params") or {}))
        except ActionError as exc:
            return str(exc)
    return None


def _restart_failed(previous: Sequence[Decision], node: str) -> bool:
    """True when an earlier attempt chose a restart of ``node`` (it failed verification or
    did not apply: the loop's evidence that the outage is not a software fault)."""
    return any(
        a["kind"] == "restart" and a["target"] == node
        for d in previous
        if (c := d.get("chosen")) is not None
        for a in c["actions"]
    )


def whatif_basis(
    ctx: LoopContext,
    incident: Incident,
    analysis: Analysis,
    previous: Sequence[Decision] = (),
) -> tuple[list[dict[str, Any]], list[Any]]:
    """What a what-if clone may know of this incident: hypotheses and expected events.

    The playbook's ``whatif_basis(ctx, incident, analysis)`` when it has one (e.g. the
    congestion playbook's event calendar); else the analysis's top hypothesis and no event. An
    outage whose restart an earlier attempt already chose is hypothesised as hardware; a
    hypothesis the twin cannot hold (a fault type on a node of another kind) is left out.
    """
    playbook = ctx.playbooks[incident["kind"]]
    own = getattr(playbook, "whatif_basis", None)
    if callable(own):
        hyps, events = own(ctx, incident, analysis)
    else:
        hyps, events = list((analysis.get("hypotheses") or [])[:1]), []
    from autonet.twin.observed import representable

    out = []
    for h in hyps:
        h = {"node": h["node"], "fault_type": h["fault_type"]}
        if h["fault_type"] == "cell_outage" and _restart_failed(previous, h["node"]):
            h["cause"] = "hardware"
        if representable(ctx.twin, h):
            out.append(h)
        else:  # e.g. a fault type on a node of another kind: the clone keeps what is observed
            log.info("what-if: hypothesis %s cannot be put on the twin; left out", h)
    return out, list(events)


def score_candidates(
    ctx: LoopContext,
    incident: Incident,
    analysis: Analysis,
    candidates: list[Candidate],
    previous: Sequence[Decision] = (),
) -> None:
    """Score every candidate not yet rejected on a what-if clone (in place): ``score``,
    ``predicted``, or ``error`` when the twin rejects one of its actions. One baseline clone is
    shared; a candidate without actions (e.g. wait for field repair) is scored on the baseline
    itself.

    Every clone is :meth:`Twin.whatif_clone`: the network as observed plus the hypotheses and
    expected events of :func:`whatif_basis`, never the injected faults, repair times or real
    traffic events (``previous``: the earlier attempts' decisions, the loop's evidence).
    """
    playbook = ctx.playbooks[incident["kind"]]
    todo = [c for c in candidates if not c.get("denials") and not c.get("error")]
    if not todo:
        return
    steps = int(playbook.whatif_steps)
    hyps, events = whatif_basis(ctx, incident, analysis, previous)
    observed = ctx.twin.whatif_clone(hyps, events)
    baseline = observed.clone()
    baseline.run(steps)
    for cand in todo:
        if not cand["actions"]:
            score, predicted = playbook.score(ctx, incident, analysis, cand, baseline, baseline)
            cand["score"] = float(score)
            cand["predicted"] = {str(k): float(v) for k, v in predicted.items()}
            continue
        after = observed.clone()
        error = _apply_all(after, cand["actions"])
        if error is not None:
            cand["error"] = error
            continue
        after.run(steps)
        score, predicted = playbook.score(ctx, incident, analysis, cand, after, baseline)
        cand["score"] = float(score)
        cand["predicted"] = {str(k): float(v) for k, v in predicted.items()}
