"""The front door: the one path from an operator's words (or a TS 28.312 intent) to the network.

``RequestService.submit`` routes the input with AgentGate, stores a request record and carries
the decision out: a CALL of a read capability runs it; a CALL of a change capability and every
PLAN become ONE loop request through the graph (guards, what-if, approval, execution,
verification, rollback, audit); a DIRECT answer is answered (or asks for what is missing); an
ESCALATE is recorded for a person and executes nothing. ``sync`` follows the loop's runs and
brings each unfinished request to its final status.
"""

from __future__ import annotations

import builtins
import logging
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final

from autonet.agents.messages import Request
from autonet.agents.trace import plain
from autonet.errors import AutonetError, BadInputError, NotFoundError, UnavailableError
from autonet.platform.service.expression import parse_expression

if TYPE_CHECKING:
    from autonet.agents.playbook import Memory
    from autonet.knowledge.memory.requests import RequestStore, StoredRequest
    from autonet.platform.gate import AgentGate, RouteDecision
    from autonet.platform.loop import ClosedLoop, TickReport

__all__ = ["CHANGE_KINDS", "MAX_TEXT", "RequestService"]

logger = logging.getLogger(__name__)

#: Change capabilities and the playbook kind that handles them in the loop.
CHANGE_KINDS: Final[dict[str, str]] = {
    "change_executor": "change",
    "change_rollback": "change",
    "cell_locker": "change",
    "config_pusher": "change",
    "slice_provisioner": "slice",
    "slice_modifier": "slice",
    "slice_releaser": "slice",
    "energy_planner": "energy",
    "event_capacity_scheduler": "congestion",
}
MAX_TEXT: Final = 2000
#: Loop outcome status -> request status.
_FROM_OUTCOME: Final = {
    "awaiting_approval": "pending_approval",
    "waiting_verification": "in_progress",
    "open": "in_progress",
    "fulfilled": "done",
    "rejected": "rejected",
    "escalated": "escalated",
}
_FINAL: Final = frozenset({"done", "rejected", "escalated", "failed"})


def _decision_dict(decision: RouteDecision) -> dict[str, Any]:
    return plain(
        {
            "action": decision.action.value,
            "agent": decision.agent,
            "arguments": dict(decision.arguments),
            "plan": [{"agent": s.agent, "arguments": dict(s.arguments)} for s in decision.plan],
            "confidence": decision.confidence,
            "rationale": decision.rationale,
            "safeguards": list(decision.safeguards),
            "backend": decision.backend,
        }
    )


@lru_cache(maxsize=1)
def _registry() -> Any:
    from autonet.platform.gate.catalog import default_registry

    return default_registry()


def _missing(decision: RouteDecision) -> list[str]:
    return [
        s.split(":", 1)[1] for s in decision.safeguards if s.startswith("incomplete_arguments:")
    ]


class RequestService:
    """Route, record and carry out operators' requests on one network's closed loop.

    Args:
        loop: The closed loop on the network (its playbooks must include ``change``).
        memory: The memory database handles (audit trail, cases, learned state).
        store: The request records.
        gate: AgentGate (built lazily from the settings when None).
        capabilities: Read capabilities run directly: name -> ``f(ctx, arguments) -> dict``.
        capability_context: Builds the context a capability receives for a caller.
        session_id: The network session the requests belong to.
        confidence_threshold: Below it a change is escalated instead of run.
        settings: The settings the gate is built from (None: the process's).
    """

    def __init__(
        self,
        *,
        loop: ClosedLoop,
        memory: Memory,
        store: RequestStore,
        capabilities: Mapping[str, Any],
        capability_context: Any,
        gate: AgentGate | None = None,
        session_id: str | None = None,
        confidence_threshold: float = 0.5,
        settings: Any = None,
    ) -> None:
        self.loop = loop
        self.memory = memory
        self.store = store
        self.capabilities = dict(capabilities)
        self._context = capability_context
        self._gate = gate
        self.session_id = session_id
        self.threshold = confidence_threshold
        self.settings = settings
        #: What the loop's tick inside the last :meth:`submit` did (None before any change).
        self.last_tick: TickReport | None = None

    # -- routing -------------------------------------------------------------------------------
    @property
    def gate(self) -> AgentGate:
        """AgentGate, built on first use."""
        if self._gate is None:
            from autonet.platform.gate.factory import build_gate

            self._gate = build_gate(self.settings)
        return self._gate

    def _audit(
        self, caller: str, action: str, request_id: str, reason: str, **details: Any
    ) -> None:
        self.memory.audit.record(
            caller[:120] or "unknown",
            action,
            reason=reason,
            target=request_id,
            run_id=details.pop("run_id", None),
            details=plain(details),
        )

    def _check_caller(self, caller: str, role: str) -> None:
        from autonet.platform.gate.cards import ROLES

        if not isinstance(caller, str) or not caller.strip() or len(caller) > 120:
            raise BadInputError(f"caller must name who asks (1..120 characters), got {caller!r}")
        if role not in ROLES:
            raise BadInputError(f"unknown role {role!r}: expected one of {list(ROLES)}")

    def submit(
        self,
        text: str | None = None,
        *,
        expression: Mapping[str, Any] | None = None,
        caller: str,
        role: str,
        context: Mapping[str, Any] | None = None,
    ) -> StoredRequest:
        """Route one request and carry it out; returns its stored record.

        Exactly one of ``text`` (plain language) and ``expression`` (a TS 28.312 intent) is
        given. Nothing is lost: the request is stored before it is carried out, and a failure
        while carrying it out leaves it ``failed`` (or ``rejected``) with the reason.

        Raises:
            BadInputError: No or both inputs, empty or oversized text, a malformed expression,
                an unknown role or an empty caller.
            UnavailableError: The router's backend is unreachable.
        """
        self._check_caller(caller, role)
        if (text is None) == (expression is None):
            raise BadInputError("give either the request's text or a structured intent expression")
        if text is not None:
            if not isinstance(text, str) or not text.strip():
                raise BadInputError("the request text is empty: say what the network should do")
            if len(text) > MAX_TEXT:
                raise BadInputError(
                    f"the request text has {len(text)} characters (at most {MAX_TEXT})"
                )
            decision = self._route(text, role, context)
            words = text
        else:
            assert expression is not None
            decision, words = self._from_expression(expression, role)
        return self._record_and_carry_out(decision, words, expression, caller, role)

    def carry_out(
        self, decision: RouteDecision, *, caller: str, role: str, text: str = ""
    ) -> StoredRequest:
        """Record and carry out a decision already made (by AgentGate or a caller that routes
        on its own): the same path as :meth:`submit` after routing.

        Raises:
            BadInputError: An unknown role or an empty caller.
        """
        self._check_caller(caller, role)
        out = _decision_dict(decision)
        if decision.answer:
            out["answer"] = decision.answer
        if missing := _missing(decision):
            out["missing"] = missing
        return self._record_and_carry_out(out, text, None, caller, role)

    def _record_and_carry_out(self, decision: dict[str, Any], words: str,
                              expression: Mapping[str, Any] | None, caller: str,
                              role: str) -> StoredRequest:  # fmt: skip
        record = self.store.create(
            text=words,
            expression=dict(expression) if expression is not None else None,
            caller=caller,
            role=role,
            status="in_progress",
            decision=decision,
            network_time=self.loop.twin.now,
            session_id=self.session_id,
        )
        self._audit(caller, "request.received", record.id, words[:500], decision=decision)
        try:
            record = self._carry_out(record, decision, caller, role)
        except AutonetError as exc:
            status = "rejected" if isinstance(exc, BadInputError | NotFoundError) else "failed"
            record = self.store.update(record.id, status=status, reason=str(exc))
        except Exception as exc:  # stored as failed, then raised: a bug must show
            self.store.update(record.id, status="failed", reason=f"internal error: {exc!r}")
            raise
        self._audit(caller, f"request.{record.status}", record.id, record.reason[:500],
                    run_id=record.run_id)  # fmt: skip
        return record

    def _route(self, text: str, role: str, context: Mapping[str, Any] | None) -> dict[str, Any]:
        from autonet.platform.gate.decision import RouteAction

        decision = self.gate.route(text, role=role, context=dict(context or {}))
        failed = [s for s in decision.safeguards if s in ("stage1_failure", "stage2_failure")]
        if failed and decision.backend not in ("embedded", "safeguards"):
            raise UnavailableError(
                f"the router's {decision.backend} backend did not answer ({decision.rationale}); "
                "check AUTONET_LLM_BASE_URL or use AUTONET_GATE_BACKEND=embedded"
            )
        out = _decision_dict(decision)
        if decision.action == RouteAction.DIRECT_ANSWER and not decision.answer:
            from autonet.knowledge.domain import default_knowledge_base

            found = default_knowledge_base().answer(text)
            if found is not None:
                out["answer"] = f"{found.text} (source: {found.source})"
        elif decision.answer:
            out["answer"] = decision.answer
        if missing := _missing(decision):
            out["missing"] = missing
        return out

    def _from_expression(
        self, expression: Mapping[str, Any], role: str
    ) -> tuple[dict[str, Any], str]:
        from autonet.platform.gate import validate_arguments

        parsed = parse_expression(expression)
        card = self.gate.registry.get(parsed.agent)
        errors = validate_arguments(card, parsed.arguments)
        if errors:
            raise BadInputError("the intent's values do not fit: " + "; ".join(errors))
        decision: dict[str, Any] = {
            "action": "CALL_AGENT", "agent": parsed.agent, "arguments": parsed.arguments,
            "plan": [], "confidence": 1.0, "backend": "ts28312", "safeguards": [],
            "rationale": f"structured intent: {parsed.summary}",
        }  # fmt: skip
        if role not in card.roles:
            why = f"role {role!r} may not invoke {parsed.agent} (allowed: {sorted(card.roles)})"
            decision.update(action="ESCALATE", agent=None, rationale=why)
        return decision, f"[TS 28.312] {parsed.summary}"

    # -- carrying out --------------------------------------------------------------------------
    def _carry_out(self, record: StoredRequest, decision: dict[str, Any], caller: str,
                   role: str) -> StoredRequest:  # fmt: skip
        action = decision["action"]
        if action == "ESCALATE":
            why = decision.get("rationale") or "AgentGate escalated the request"
            return self.store.update(record.id, status="escalated", reason=f"for a person: {why}")
        if action == "DIRECT_ANSWER":
            answer = decision.get("answer")
            if not answer:
                return self.store.update(
                    record.id, status="needs_info",
                    reason="not understood as a request for the network: say what to do and "
                           "where (e.g. 'show the alarms of S0012', 'tilt S0012-C1 down by 2')",
                )  # fmt: skip
            return self.store.update(
                record.id, status="answered", reason="", result={"answer": answer}
            )
        if decision.get("missing"):
            agent = decision.get("agent") or "the request"
            return self.store.update(
                record.id, status="needs_info",
                reason=f"{agent} needs more: " + "; ".join(decision["missing"]),
            )  # fmt: skip
        steps = (
            [{"agent": decision["agent"], "arguments": decision["arguments"]}]
            if action == "CALL_AGENT" else list(decision["plan"])
        )  # fmt: skip
        if not steps:
            raise BadInputError("the decision names no capability to run")
        changes = [s for s in steps if s["agent"] in CHANGE_KINDS]
        if changes and decision["confidence"] < self.threshold:
            return self.store.update(
                record.id, status="escalated",
                reason=f"routing confidence {decision['confidence']:.2f} is below "
                       f"{self.threshold:g}: a person must confirm this change",
            )  # fmt: skip
        from autonet.platform.gate import validate_arguments

        for s in steps:
            if s["agent"] not in CHANGE_KINDS and s["agent"] not in self.capabilities:
                raise BadInputError(f"no implementation of {s['agent']!r} in this platform")
            errors = validate_arguments(_registry().get(s["agent"]), s["arguments"])
            if errors:
                raise BadInputError("invalid arguments: " + "; ".join(errors))
        results: list[dict[str, Any]] = []
        ctx = self._context(caller=caller, role=role, text=record.text, request_id=record.id)
        for s in steps:
            if s["agent"] in CHANGE_KINDS:
                continue
            out = self.capabilities[s["agent"]](ctx, s["arguments"])
            if s["agent"] == "rca_locator":  # "heal ...": what the loop is doing about it
                out = {
                    **out,
                    "loop_incidents": self._incidents_about(str(s["arguments"]["target"])),
                }
            results.append({"agent": s["agent"], "arguments": s["arguments"], "result": plain(out)})
        if not changes:
            return self.store.update(record.id, status="answered", result={"steps": results})
        return self._hand_to_loop(record, steps, changes, results, caller, role)

    def _hand_to_loop(self, record: StoredRequest, steps: list[dict[str, Any]],
                      changes: list[dict[str, Any]], results: list[dict[str, Any]], caller: str,
                      role: str) -> StoredRequest:  # fmt: skip
        first = changes[0]
        kinds = {CHANGE_KINDS[c["agent"]] for c in changes}
        if len(kinds) > 1:
            raise BadInputError(
                f"one request can change the network one way at a time; this plan mixes "
                f"{sorted(kinds)}: submit them as separate requests"
            )
        args = dict(first["arguments"])
        if len(steps) > 1:
            args["plan"] = [{"agent": s["agent"], "arguments": s["arguments"]} for s in steps]
        req = Request(
            id=record.id, kind=CHANGE_KINDS[first["agent"]], agent=first["agent"],
            arguments=plain(args), text=record.text, submitted_at=self.loop.twin.now.isoformat(),
            actor=f"{caller} ({role})",
        )  # fmt: skip
        self.loop.submit(req)
        self.last_tick = self.loop.tick()  # the run starts now, at the network's current time
        record = self.store.update(record.id, result={"steps": results, "loop_request": req["id"]})
        if not self._outcomes_of(record.id):
            playbook = self.loop.ctx.playbooks[req["kind"]]
            explain = getattr(playbook, "explain_no_action", None)
            if explain is not None:  # the playbook says why it has nothing to do now
                return self.store.update(record.id, status="rejected",
                                         reason=str(explain(self.loop.ctx, req)))  # fmt: skip
        return self._sync_one(record, missing_is_failure=True)

    def _incidents_about(self, target: str) -> list[dict[str, Any]]:
        """The loop's incidents that involve ``target`` (a cell, its site, a link, a region's
        cells are not expanded): id, kind, status, root cause, actions, verdict."""
        from autonet.platform.service.status import incident_view

        def involved(objects: list[str]) -> bool:
            return any(o == target or o.startswith(f"{target}-") for o in objects)

        return [
            {k: v for k, v in incident_view(o).items()
             if k in ("id", "kind", "status", "root_cause", "actions", "verdict")}
            for o in self.loop.outcomes() if involved(list(o["incident"].get("objects") or []))
        ]  # fmt: skip

    # -- following the loop --------------------------------------------------------------------
    def _outcomes_of(self, request_id: str) -> list[dict[str, Any]]:
        out = []
        for o in self.loop.outcomes():
            req = o["incident"]["evidence"].get("request") or {}
            if req.get("id") == request_id:
                out.append(o)
        return out

    def _actions(self, outcomes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        undone = {r.undoes for r in self.loop.twin.actions if r.undoes}
        seen: list[dict[str, Any]] = []
        for o in outcomes:
            for ex in o["executions"]:
                for a in ex["applied"]:
                    aid = a.get("action_id") or a.get("id")
                    seen.append(plain({
                        "id": aid, "change_id": f"CHG-{int(str(aid)[1:]):04d}" if aid else None,
                        "kind": a["kind"], "target": a["target"], "params": a.get("params", {}),
                        "at": a.get("at"), "undone": aid in undone,
                    }))  # fmt: skip
        return seen

    def _sync_one(
        self, record: StoredRequest, *, missing_is_failure: bool = False
    ) -> StoredRequest:
        outcomes = self._outcomes_of(record.id)
        if not outcomes:
            if missing_is_failure:
                return self.store.update(
                    record.id, status="failed", reason="the loop opened no incident for it"
                )
            return record
        statuses = [_FROM_OUTCOME.get(o["status"], "in_progress") for o in outcomes]
        order = ("pending_approval", "in_progress", "escalated", "rejected", "done")
        status = next(s for s in order if s in statuses)
        last = outcomes[-1]
        verdict = last["verdicts"][-1] if last["verdicts"] else None
        reason = record.reason
        if status in ("rejected", "escalated"):
            decisions = last["decisions"]
            why = list((verdict or {}).get("reasons") or [])
            if not why and decisions:
                why = [str(decisions[-1].get("reason") or "")]
            reason = "; ".join(w for w in why if w) or status
        elif status == "pending_approval":
            pending = [
                p for p in self.loop.pending_approvals() if p.get("run_id") == last["run_id"]
            ]
            asked = "; ".join(
                str(r).rsplit("approval: ", 1)[-1]
                for p in pending
                for r in (p.get("reasons") or {}).values()
            )
            reason = f"waiting for a person's approval: {asked or 'policy requires it'}"
        elif status == "done":
            reason = "; ".join((verdict or {}).get("reasons") or []) or "verified"
        fields: dict[str, Any] = {
            "status": status,
            "run_id": last["run_id"],
            "verdict": plain(verdict) if verdict else None,
            "actions": self._actions(outcomes),
            "reason": reason,
        }
        if status != record.status:
            self._audit(self.loop.ctx.actor, f"request.{status}", record.id, reason[:500],
                        run_id=last["run_id"])  # fmt: skip
        return self.store.update(record.id, **fields)

    def sync(self) -> builtins.list[StoredRequest]:
        """Bring every unfinished request of this session up to date with the loop's runs."""
        changed: builtins.list[StoredRequest] = []
        for record in self.store.unfinished(self.session_id):
            new = self._sync_one(record)
            if new.status != record.status:
                changed.append(new)
        return changed

    def get(self, request_id: str) -> StoredRequest:
        """One request record (see :meth:`RequestStore.get`)."""
        return self.store.get(request_id)

    def list(self, *, status: str | None = None, limit: int = 50) -> list[StoredRequest]:
        """This session's requests, newest first."""
        return self.store.list(status=status, session_id=self.session_id, limit=limit)

    @staticmethod
    def is_final(status: str) -> bool:
        """Whether a request in ``status`` is finished."""
        return status in _FINAL
