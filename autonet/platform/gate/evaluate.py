"""The routing benchmark's metrics: the paper's accuracy figures, calibration, latency, speed."""

from __future__ import annotations

import json
import math
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import jsonschema
import numpy as np

from autonet.platform.gate.decision import ROUTE_OUTPUT_SCHEMA, RouteAction, RouteDecision

__all__ = [
    "EvalReport",
    "Router",
    "canonical",
    "evaluate",
    "expected_calibration_error",
    "same_arguments",
]

_OUTPUT_VALIDATOR = jsonschema.Draft202012Validator(ROUTE_OUTPUT_SCHEMA)


@runtime_checkable
class _RouterLike(Protocol):
    def route(self, query: Any, **kwargs: Any) -> RouteDecision: ...


class Router(Protocol):
    """What the evaluator needs of a router (AgentGate satisfies it)."""

    def route(
        self,
        query: str | bytes,
        *,
        role: str = "operator",
        context: dict[str, Any] | None = None,
        candidates: Sequence[str] | None = None,
    ) -> RouteDecision: ...


def canonical(value: Any) -> Any:
    """A comparable form of an argument value: numbers rounded, dict keys sorted."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return round(float(value), 6)
    if isinstance(value, Mapping):
        return {str(k): canonical(v) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    return value


def same_arguments(predicted: Mapping[str, Any], gold: Mapping[str, Any]) -> bool:
    """Exact match of two argument objects (5 == 5.0; no missing or extra keys)."""
    return bool(canonical(dict(predicted)) == canonical(dict(gold)))


def _same_plan(predicted: Sequence[Mapping[str, Any]], gold: Sequence[Mapping[str, Any]]) -> bool:
    return len(predicted) == len(gold) and all(
        p["agent"] == g["agent"] and same_arguments(p["arguments"], g["arguments"])
        for p, g in zip(predicted, gold, strict=True)
    )


def expected_calibration_error(
    confidence: np.ndarray, correct: np.ndarray, bins: int = 10
) -> float:
    """ECE with equal-width bins: sum over bins of |accuracy - mean confidence| x bin share."""
    if len(confidence) == 0:
        return math.nan
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    ece = 0.0
    for b in range(bins):
        mask = index == b
        if mask.any():
            ece += mask.mean() * abs(correct[mask].mean() - confidence[mask].mean())
    return float(ece)


@dataclass
class EvalReport:
    """Metrics of one evaluation run plus every prediction, for error analysis."""

    metrics: dict[str, float]
    by_tag: dict[str, dict[str, float]]
    predictions: list[dict[str, Any]] = field(repr=False)

    def errors(self) -> list[dict[str, Any]]:
        """The instances the router got wrong."""
        return [p for p in self.predictions if not p["correct"]]

    def as_dict(self) -> dict[str, Any]:
        return {"metrics": self.metrics, "by_tag": self.by_tag}


def _is_correct(decision: RouteDecision, gold: Mapping[str, Any]) -> tuple[bool, bool, bool]:
    """(action right, agent right, whole decision right) for one instance."""
    action_ok = decision.action.value == gold["action"]
    if not action_ok:
        return False, False, False
    if gold["action"] == RouteAction.CALL_AGENT:
        agent_ok = decision.agent == gold["agent"]
        return True, agent_ok, agent_ok and same_arguments(decision.arguments, gold["arguments"])
    if gold["action"] == RouteAction.MULTI_AGENT_PLAN:
        plan = [s.model_dump() for s in decision.plan]
        agents_ok = [s["agent"] for s in plan] == [s["agent"] for s in gold["plan"]]
        return True, agents_ok, _same_plan(plan, gold["plan"])
    return True, True, True


def _json_valid(decision: RouteDecision) -> bool:
    try:
        payload = json.loads(json.dumps(decision.output()))
    except (TypeError, ValueError):
        return False
    return not any(True for _ in _OUTPUT_VALIDATOR.iter_errors(payload))


def evaluate(
    router: _RouterLike | Callable[[Mapping[str, Any]], RouteDecision],
    records: Iterable[Mapping[str, Any]],
) -> EvalReport:
    """Route every record and score it against its gold output.

    ``router`` is an AgentGate (called with the record's role, context and candidates) or a
    function of the record, for routers built per instance (BFCL's per-question functions).
    """
    predictions: list[dict[str, Any]] = []
    latencies: list[float] = []
    started = time.perf_counter()
    for record in records:
        t0 = time.perf_counter()
        if isinstance(router, _RouterLike):
            decision = router.route(
                record["query"],
                role=record.get("role", "operator"),
                context=record.get("context") or {},
                candidates=record.get("candidates"),
            )
        else:
            decision = router(record)  # a function of the record
        latencies.append((time.perf_counter() - t0) * 1000.0)
        action_ok, agent_ok, correct = _is_correct(decision, record["gold"])
        predictions.append(
            {
                "id": record.get("id"),
                "query": record["query"],
                "tags": list(record.get("tags", [])),
                "gold": record["gold"],
                "predicted": decision.output(),
                "safeguards": list(decision.safeguards),
                "backend": decision.backend,
                "json_valid": _json_valid(decision),
                "action_ok": action_ok,
                "agent_ok": agent_ok,
                "correct": correct,
                "confidence": decision.confidence,
            }
        )
    elapsed = time.perf_counter() - started
    return EvalReport(
        metrics=_metrics(predictions, latencies, elapsed),
        by_tag=_by_tag(predictions),
        predictions=predictions,
    )


def _rate(values: list[bool]) -> float:
    return float(np.mean(values)) if values else math.nan


def _metrics(
    preds: list[dict[str, Any]], latencies: list[float], elapsed: float
) -> dict[str, float]:
    gold_action = [p["gold"]["action"] for p in preds]
    pred_action = [p["predicted"]["action"] for p in preds]
    calls = [p for p in preds if p["gold"]["action"] == RouteAction.CALL_AGENT]
    plans = [p for p in preds if p["gold"]["action"] == RouteAction.MULTI_AGENT_PLAN]
    esc_pred = [a == RouteAction.ESCALATE for a in pred_action]
    esc_gold = [a == RouteAction.ESCALATE for a in gold_action]
    tp = sum(p and g for p, g in zip(esc_pred, esc_gold, strict=True))
    lat = np.asarray(latencies) if latencies else np.asarray([math.nan])
    conf = np.asarray([p["confidence"] for p in preds], dtype=float)
    correct = np.asarray([p["correct"] for p in preds], dtype=float)
    return {
        "instances": float(len(preds)),
        "action_accuracy": _rate([p["action_ok"] for p in preds]),
        "agent_accuracy": _rate([p["agent_ok"] for p in calls]),
        "argument_exact_match": _rate([p["correct"] for p in calls]),
        "plan_agents_match": _rate([p["agent_ok"] for p in plans]),
        "plan_exact_match": _rate([p["correct"] for p in plans]),
        "json_validity": _rate([p["json_valid"] for p in preds]),
        "escalation_precision": tp / sum(esc_pred) if sum(esc_pred) else math.nan,
        "escalation_recall": tp / sum(esc_gold) if sum(esc_gold) else math.nan,
        "overall_exact_match": _rate([p["correct"] for p in preds]),
        "ece": expected_calibration_error(conf, correct),
        "latency_p50_ms": float(np.percentile(lat, 50)),
        "latency_p99_ms": float(np.percentile(lat, 99)),
        "routes_per_s": len(preds) / elapsed if elapsed > 0 else math.nan,
    }


def _by_tag(preds: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in preds:
        for tag in p["tags"]:
            groups[tag].append(p)
    return {
        tag: {
            "n": float(len(items)),
            "action_accuracy": _rate([p["action_ok"] for p in items]),
            "exact_match": _rate([p["correct"] for p in items]),
        }
        for tag, items in sorted(groups.items())
    }
