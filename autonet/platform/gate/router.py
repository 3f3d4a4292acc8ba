"""AgentGate: two-stage structured routing with safeguards and confidence-aware backend fallback."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping, Sequence
from typing import Any, Final

from autonet.platform.gate.backend import RouterBackend, RouteRequest, StageOne, StageTwo
from autonet.platform.gate.cards import ROLES, AgentRegistry, RegistryError, Risk
from autonet.platform.gate.completion import complete_arguments
from autonet.platform.gate.decision import PlanStep, RouteAction, RouteDecision
from autonet.platform.gate.retrieval import CandidateRetriever
from autonet.platform.gate.safeguards import (
    authorised,
    has_sequential_marker,
    recover_candidate,
    sanitize_query,
    sensitive_hits,
    validate_step,
)
from autonet.platform.gate.slots import extract_slots

__all__ = ["MAX_PLAN_STEPS", "AgentGate", "build_request"]

logger = logging.getLogger(__name__)
MAX_PLAN_STEPS = 8  # longer compositions are escalated rather than executed automatically
_CALL, _PLAN = RouteAction.CALL_AGENT, RouteAction.MULTI_AGENT_PLAN
_DIRECT, _ESCALATE = RouteAction.DIRECT_ANSWER, RouteAction.ESCALATE


class AgentGate:
    """The router: Stage I (action), Stage II (grounding), safeguards, Algorithm 1 fallback.

    Args:
        registry: The agents to route over.
        backend: The edge backend (routes first).
        fallback: A stronger backend that routes again when the edge's confidence < threshold.
        threshold: tau of Algorithm 1, in [0, 1].
        top_k: Size of the retrieved candidate set C_sub when the caller gives none.

    Raises:
        RegistryError: If the registry is empty or invalid.
        ValueError: If ``threshold`` or ``top_k`` is out of range.
    """

    def __init__(
        self,
        registry: AgentRegistry,
        *,
        backend: RouterBackend,
        fallback: RouterBackend | None = None,
        threshold: float = 0.6,
        top_k: int = 5,
    ) -> None:
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"threshold must be in [0, 1], got {threshold}")
        if top_k < 1:
            raise ValueError(f"top_k must be at least 1, got {top_k}")
        self.backend = backend
        self.fallback = fallback
        self.threshold = threshold
        self.top_k = top_k
        self.registry = registry

    @property
    def registry(self) -> AgentRegistry:
        """The registry; assigning a new one re-indexes the candidate retrieval."""
        return self._registry

    @registry.setter
    def registry(self, registry: AgentRegistry) -> None:
        if not isinstance(registry, AgentRegistry):
            raise RegistryError(f"expected an AgentRegistry, got {type(registry).__name__}")
        self._registry = registry
        self._retriever = CandidateRetriever(registry)

    # -- public API ------------------------------------------------------------------------
    def route(
        self,
        query: str | bytes,
        *,
        role: str = "operator",
        context: Mapping[str, Any] | None = None,
        candidates: Sequence[str] | None = None,
    ) -> RouteDecision:
        """Route one request; never raises for a bad query (a safe decision with a reason).

        Raises:
            RegistryError: If ``candidates`` names agents the registry does not hold.
        """
        started = time.perf_counter()
        timings: dict[str, float] = {}
        allowed = self._allowed(candidates)
        text, problem = sanitize_query(query)
        if problem is not None:
            action = _DIRECT if "empty" in problem else _ESCALATE
            answer = "Please state a request." if action is _DIRECT else None
            return self._final(_safe(action, problem, "bad_input", answer=answer), started, timings)
        if role not in ROLES:
            reason = f"unknown role {role!r}; expected one of {list(ROLES)}"
            return self._final(_safe(_ESCALATE, reason, "unknown_role"), started, timings)
        hits = sensitive_hits(text)
        if hits:
            families = sorted({h.family for h in hits})
            reason = "sensitive request (" + ", ".join(f"{h.family}: {h.text!r}" for h in hits)
            decision = _safe(_ESCALATE, reason + ")", *(f"sensitive:{f}" for f in families))
            return self._final(decision, started, timings)
        t0 = time.perf_counter()
        request = self._request(text, role, dict(context or {}), allowed)
        timings["retrieval_ms"] = (time.perf_counter() - t0) * 1000
        decision = self._route_with(self.backend, request, timings)
        if (
            self.fallback is not None
            and decision.confidence < self.threshold
            and not _is_policy_escalation(decision)
        ):
            t0 = time.perf_counter()
            again = self._route_with(self.fallback, request, {})
            timings["fallback_ms"] = (time.perf_counter() - t0) * 1000
            again.safeguards.insert(0, f"fallback:{decision.backend}<{self.threshold:g}")
            decision = again
        return self._final(decision, started, timings)

    # -- internals -------------------------------------------------------------------------
    def _allowed(self, candidates: Sequence[str] | None) -> list[str]:
        if candidates is None:
            return self._registry.names()
        unknown = [c for c in candidates if c not in self._registry]
        if unknown:
            raise RegistryError(
                f"unknown candidate agents {unknown}; known agents: {self._registry.names()}"
            )
        return list(dict.fromkeys(candidates))

    def _request(
        self, text: str, role: str, context: dict[str, Any], allowed: list[str]
    ) -> RouteRequest:
        return build_request(
            text, self._retriever, allowed, role=role, context=context, top_k=self.top_k
        )

    def _route_with(
        self, backend: RouterBackend, req: RouteRequest, timings: dict[str, float]
    ) -> RouteDecision:
        guards: list[str] = []
        t0 = time.perf_counter()
        try:
            one = backend.stage1(req)
        except Exception as exc:
            logger.warning("%s stage I failed: %s", backend.name, exc)
            one = StageOne(None, 0.0, f"stage I failed: {exc}")
        timings["stage1_ms"] = (time.perf_counter() - t0) * 1000
        action = one.action
        if action is None:  # Eq. 15: Stage I failure -> CALL if candidates exist, else DIRECT
            action = _CALL if req.candidates else _DIRECT
            guards.append("stage1_failure")
        if action is _CALL and req.sequential and len(req.candidates) >= 2:
            action = _PLAN
            guards.append("sequential_marker")
        if action is _DIRECT and one.answer is None and req.candidates and _OBJECT.search(req.text):
            recovered = self._recover_direct(backend, req, one, list(guards), timings)
            if recovered is not None:
                return recovered
        if action in (_DIRECT, _ESCALATE):
            return _decision(backend, action, one, None, guards, answer=one.answer)
        t0 = time.perf_counter()
        try:
            two = backend.stage2(req, action)
        except Exception as exc:
            logger.warning("%s stage II failed: %s", backend.name, exc)
            two = StageTwo(confidence=0.0, rationale=f"stage II failed: {exc}")
            guards.append("stage2_failure")
        timings["stage2_ms"] = (time.perf_counter() - t0) * 1000
        return self._ground(backend, req, action, one, two, guards)

    def _recover_direct(
        self,
        backend: RouterBackend,
        req: RouteRequest,
        one: StageOne,
        guards: list[str],
        timings: dict[str, float],
    ) -> RouteDecision | None:
        """Stage I said DIRECT_ANSWER, has no answer, and the request names a network object
        (``S0012-C1``, ``L0003``, ``UPF-C``): ground it as a CALL anyway. Kept only when the
        call is a complete, schema-valid change command (or one the role may not give: then
        ESCALATE); its Stage I confidence is what Stage I left to the other actions
        (``1 - p(DIRECT)``), so the change stays below the threshold and a person (or the
        fallback backend) confirms it."""
        t0 = time.perf_counter()
        try:
            two = backend.stage2(req, _CALL)
        except Exception as exc:  # a failed grounding leaves the DIRECT decision as it was
            logger.warning("%s stage II (direct recovery) failed: %s", backend.name, exc)
            return None
        timings["stage2_ms"] = (time.perf_counter() - t0) * 1000
        guards.append("direct_recovery")
        left = StageOne(_CALL, 1.0 - _unit(one.confidence), one.rationale)
        decision = self._ground(backend, req, _CALL, left, two, guards)
        incomplete = any(g.startswith("incomplete_arguments") for g in decision.safeguards)
        if decision.action is _ESCALATE and any(g.startswith("unauthorised:") for g in guards):
            return decision  # a command this role may not give: a person decides
        if decision.action is not _CALL or incomplete:
            return None
        if req.registry.get(decision.agent or "").risk is Risk.READ:
            return None  # only commands: a read that merely names an object is no evidence
        return decision

    def _ground(
        self,
        backend: RouterBackend,
        req: RouteRequest,
        action: RouteAction,
        one: StageOne,
        two: StageTwo,
        guards: list[str],
    ) -> RouteDecision:
        steps = list(two.plan) if action is _PLAN else []
        if action is _PLAN and len(steps) < 2:
            action = _CALL
            guards.append("plan_collapsed_to_call")
            if steps and two.agent is None:
                two.agent, two.arguments = steps[0].agent, dict(steps[0].arguments)
        if action is _CALL:
            steps = [PlanStep(agent=two.agent or "", arguments=dict(two.arguments))]
        checked: list[PlanStep] = []
        for step in steps:
            fixed = self._check_step(req, step, guards)
            if fixed is None:
                continue
            checked.append(fixed)
        if not checked:
            reason = "no candidate agent can serve this request"
            guards.append("no_valid_agent")
            return _decision(backend, _DIRECT, one, None, guards, rationale=reason)
        for step in checked:
            card = req.registry.get(step.agent)
            if not authorised(card, req.role):
                guards.append(f"unauthorised:{req.role}->{card.name}")
                reason = f"role {req.role!r} may not invoke {card.name} (allowed: "
                reason += ", ".join(sorted(card.roles)) + ")"
                return _decision(backend, _ESCALATE, one, None, guards, rationale=reason)
        if len(checked) > MAX_PLAN_STEPS:
            guards.append("plan_too_long")
            reason = f"a plan of {len(checked)} steps exceeds {MAX_PLAN_STEPS}; a person decides"
            return _decision(backend, _ESCALATE, one, None, guards, rationale=reason)
        if action is _PLAN and len(checked) >= 2:
            two.plan = checked
            return _decision(backend, _PLAN, one, two, guards)
        two.agent, two.arguments, two.plan = checked[0].agent, checked[0].arguments, []
        return _decision(backend, _CALL, one, two, guards)

    def _check_step(self, req: RouteRequest, step: PlanStep, guards: list[str]) -> PlanStep | None:
        name = step.agent
        if name not in req.candidates:
            recovered, _ = recover_candidate(req.text, req.registry, req.candidates)
            guards.append(f"candidate_recovery:{name or '-'}->{recovered or '-'}")
            if recovered is None:
                return None
            name = recovered
        card = req.registry.get(name)
        args = {k: v for k, v in step.arguments.items() if k in card.properties}
        dropped = sorted(set(step.arguments) - set(args))
        errors = validate_step(card, args)
        if not errors and not dropped:
            return PlanStep(agent=name, arguments=args)
        invalid = _invalid_properties(errors)
        if dropped or invalid:
            guards.append(f"invalid_arguments:{name}:{','.join(dropped + invalid)}")
            args = {k: v for k, v in args.items() if k not in invalid}
        args, filled = complete_arguments(card, args, req.slots, req.text, req.context)
        if filled:
            guards.append(f"slot_completion:{name}:{','.join(filled)}")
        errors = validate_step(card, args)
        if errors:
            guards.append(f"incomplete_arguments:{'; '.join(errors)}")
        return PlanStep(agent=name, arguments=args)

    def _final(
        self, decision: RouteDecision, started: float, timings: dict[str, float]
    ) -> RouteDecision:
        decision.latency_ms = (time.perf_counter() - started) * 1000
        decision.stage_latency_ms = {k: round(v, 4) for k, v in timings.items()}
        return decision


def build_request(
    text: str,
    retriever: CandidateRetriever,
    allowed: Sequence[str],
    *,
    role: str = "operator",
    context: Mapping[str, Any] | None = None,
    top_k: int | None = None,
) -> RouteRequest:
    """The backends' view of a sanitised query: C_sub (top-k of ``allowed``), slots, cues."""
    scores = retriever.scores_text(text)
    cosine = {n: float(scores[retriever.position[n]]) for n in allowed}
    names = list(allowed)
    if top_k is not None and len(names) > top_k:
        names = sorted(names, key=lambda n: -cosine[n])[:top_k]
    return RouteRequest(
        text=text,
        role=role,
        context=dict(context or {}),
        registry=retriever.registry,
        candidates=names,
        relevance={n: cosine[n] for n in names},
        slots=extract_slots(text),
        sequential=has_sequential_marker(text),
        retriever=retriever,
    )


def _invalid_properties(errors: Sequence[str]) -> list[str]:
    """Properties whose values violate their sub-schema (missing ones are not listed)."""
    bad = []
    for err in errors:
        where = err.split(":", 1)[0].split(".", 1)[-1]
        if where != "(arguments)":
            bad.append(where.split(".", 1)[0])
    return sorted(set(bad))


def _is_policy_escalation(decision: RouteDecision) -> bool:
    return decision.action is _ESCALATE and any(
        g.startswith(("sensitive:", "unauthorised:")) for g in decision.safeguards
    )


def _safe(
    action: RouteAction, reason: str, *guards: str, answer: str | None = None
) -> RouteDecision:
    return RouteDecision(
        action=action,
        rationale=reason,
        confidence=1.0,
        stage1_confidence=1.0,
        backend="safeguards",
        safeguards=list(guards),
        answer=answer,
    )


#: A network object named in a request: a cell, a site, a link number or id, a UPF.
_OBJECT: Final = re.compile(
    r"\b(S\d{4}(-C\d)?|L\d{4}|UPF-[A-Z0-9]+|[A-Z]{2,4}\d{2,4}--[A-Z]{2,4}\d{2,4})\b"
)


def _decision(
    backend: RouterBackend,
    action: RouteAction,
    one: StageOne,
    two: StageTwo | None,
    guards: list[str],
    *,
    rationale: str = "",
    answer: str | None = None,
) -> RouteDecision:
    s1 = _unit(one.confidence)
    s2 = None if two is None or action in (_DIRECT, _ESCALATE) else _unit(two.confidence)
    parts = [p for p in (one.rationale, two.rationale if two else "", rationale) if p]
    return RouteDecision(
        action=action,
        agent=two.agent if two is not None and action is _CALL else None,
        arguments=dict(two.arguments) if two is not None and action is _CALL else {},
        plan=list(two.plan) if two is not None and action is _PLAN else [],
        rationale="; ".join(parts),
        confidence=s1 if s2 is None else min(s1, s2),
        stage1_confidence=s1,
        stage2_confidence=s2,
        backend=backend.name,
        safeguards=guards,
        answer=answer,
    )


def _unit(value: float) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if v != v else min(1.0, max(0.0, v))


def __getattr__(name: str) -> Any:
    # ``build_gate`` lives in factory.py (it imports this module); kept reachable from here.
    if name == "build_gate":
        from autonet.platform.gate.factory import build_gate

        return build_gate
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
