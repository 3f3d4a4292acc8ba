"""Zero-shot evaluation on real external routing sets: BFCL, IBN utterances and TeleQnA.

None of these is used for training. Each is turned into routing instances of our shape, with its
own agent cards built from the set's function or intent descriptions, so the router meets agents
it never saw:

- BFCL ``multiple`` -> CALL with the question's functions as candidates (arguments scored against
  ``possible_answer``); ``parallel_multiple`` -> PLAN; ``irrelevance`` -> DIRECT (no call).
- IBN (Rasa NLU): single intents -> CALL, combined intents (``a+b``) -> PLAN.
- TeleQnA: knowledge questions -> DIRECT.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from autonet.platform.gate.cards import AgentCard, AgentRegistry, Risk
from autonet.platform.gate.decision import RouteAction, RouteDecision
from autonet.platform.gate.evaluate import Router, canonical

__all__ = [
    "bfcl_card",
    "evaluate_bfcl",
    "evaluate_ibn",
    "evaluate_teleqna",
    "load_ibn",
    "sanitize_name",
]

RouterFactory = Callable[[AgentRegistry], Router]

_JSON_TYPES = {
    "dict": "object",
    "float": "number",
    "integer": "integer",
    "int": "integer",
    "string": "string",
    "str": "string",
    "boolean": "boolean",
    "bool": "boolean",
    "array": "array",
    "list": "array",
    "tuple": "array",
    "object": "object",
    "number": "number",
}


def sanitize_name(name: str) -> str:
    """An agent-card name for a foreign function name ("math.hypot" -> "math_hypot")."""
    clean = re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_") or "fn"
    if not clean[0].isalpha():
        clean = "f_" + clean
    return clean[:64]


def _schema(node: Any) -> Any:
    """BFCL's Python-flavoured parameter schema -> JSON Schema."""
    if isinstance(node, list):
        return [_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "type" and isinstance(value, str):
            mapped = _JSON_TYPES.get(value.lower())
            if mapped is not None:
                out["type"] = mapped
        elif key == "properties" and isinstance(value, dict):
            out["properties"] = {k: _schema(v) for k, v in value.items()}
        elif key in {"items", "additionalProperties"}:
            out[key] = _schema(value)
        elif key in {"description", "enum", "required", "default"}:
            out[key] = value
    return out


def bfcl_card(function: Mapping[str, Any]) -> AgentCard:
    """An agent card for one BFCL function description."""
    parameters = _schema(function.get("parameters") or {"type": "object"})
    parameters["type"] = "object"
    parameters.setdefault("properties", {})
    parameters["required"] = [
        r for r in parameters.get("required", []) if r in parameters["properties"]
    ]
    return AgentCard(
        name=sanitize_name(function["name"]),
        description=function.get("description") or function["name"],
        parameters=parameters,
        domain="external",
        risk=Risk.READ,
        roles=frozenset({"viewer", "operator", "engineer", "admin"}),
        keywords=tuple(function["name"].replace("_", " ").replace(".", " ").split()),
        provider="bfcl",
    )


def _read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}:{number}: not valid JSON ({exc.msg})") from exc


def _bfcl_question(item: Mapping[str, Any]) -> str:
    turns = (
        item["question"][0]
        if item["question"] and isinstance(item["question"][0], list)
        else item["question"]
    )
    return " ".join(t["content"] for t in turns if t.get("role") == "user")


def _arg_ok(predicted: Mapping[str, Any], accepted: Mapping[str, list[Any]]) -> bool:
    """BFCL's rule: each parameter's value is one of the accepted ones ("" = may be omitted)."""
    for key, options in accepted.items():
        if key not in predicted:
            if "" not in options:
                return False
            continue
        if canonical(predicted[key]) not in [canonical(o) for o in options if o != ""]:
            return False
    return set(predicted) <= set(accepted)


def evaluate_bfcl(
    folder: Path, make_router: RouterFactory, *, limit: int | None = None
) -> dict[str, float]:
    """Zero-shot BFCL scores: ``multiple`` (CALL), ``parallel_multiple`` (PLAN), ``irrelevance``."""
    out: dict[str, float] = {}
    for category in ("multiple", "parallel_multiple", "irrelevance"):
        path = folder / f"BFCL_v4_{category}.json"
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing (BFCL v4 {category})")
        answers: dict[str, Any] = {}
        answer_path = folder / "possible_answer" / path.name
        if answer_path.is_file():
            answers = {a["id"]: a["ground_truth"] for a in _read_jsonl(answer_path)}
        stats: Counter[str] = Counter()
        latencies: list[float] = []
        for n, item in enumerate(_read_jsonl(path)):
            if limit is not None and n >= limit:
                break
            cards: dict[str, AgentCard] = {}
            for fn in item["function"]:
                card = bfcl_card(fn)
                cards.setdefault(card.name, card)
            router = make_router(AgentRegistry(cards.values()))
            decision: RouteDecision = router.route(_bfcl_question(item), role="operator")
            latencies.append(decision.latency_ms)
            stats["n"] += 1
            truth = answers.get(item["id"], [])
            _score_bfcl(category, decision, truth, stats)
        n = max(stats["n"], 1)
        prefix = f"bfcl_{category}"
        out[f"{prefix}_n"] = float(stats["n"])
        for key, value in stats.items():
            if key != "n":
                out[f"{prefix}_{key}"] = value / n
        out[f"{prefix}_latency_p50_ms"] = float(np.percentile(latencies, 50)) if latencies else 0.0
    return out


def _score_bfcl(
    category: str,
    decision: RouteDecision,
    truth: list[dict[str, Any]],
    stats: Counter[str],
) -> None:
    action = decision.action
    if category == "irrelevance":
        stats["direct_rate"] += action == RouteAction.DIRECT_ANSWER
        stats["no_call_rate"] += action in (RouteAction.DIRECT_ANSWER, RouteAction.ESCALATE)
        return
    gold_calls = [(sanitize_name(name), args) for call in truth for name, args in call.items()]
    if category == "multiple":
        gold_agent, gold_args = gold_calls[0]
        stats["call_rate"] += action == RouteAction.CALL_AGENT
        agent_ok = action == RouteAction.CALL_AGENT and decision.agent == gold_agent
        stats["agent_accuracy"] += agent_ok
        stats["argument_match"] += agent_ok and _arg_ok(decision.arguments, gold_args)
        return
    stats["plan_rate"] += action == RouteAction.MULTI_AGENT_PLAN
    predicted = sorted(step.agent for step in decision.plan)
    stats["plan_agents_match"] += action == RouteAction.MULTI_AGENT_PLAN and predicted == sorted(
        a for a, _ in gold_calls
    )


# -- IBN ------------------------------------------------------------------------------------------
_IBN_ENTITY = re.compile(r"\[([^\]]+)\]\([^)]+\)")


def load_ibn(folder: Path) -> tuple[list[AgentCard], list[dict[str, Any]]]:
    """Cards from ``intent_descriptor.json`` and utterances from ``nlu.md`` (entities as text)."""
    descriptor = json.loads((folder / "intent_descriptor.json").read_text(encoding="utf-8"))
    cards = []
    for name, spec in descriptor.items():
        if "+" in name:
            continue
        slots = list(dict.fromkeys(spec.get("primary", []) + spec.get("secondary", [])))
        cards.append(
            AgentCard(
                name=sanitize_name(name),
                description=spec.get("description") or name.replace("_", " "),
                parameters={
                    "type": "object",
                    "properties": {s: {"type": "string"} for s in slots},
                },
                domain="transport",
                risk=Risk.CHANGE,
                roles=frozenset({"operator", "engineer", "admin"}),
                keywords=tuple(name.split("_")),
                provider="ibn",
            )
        )
    records: list[dict[str, Any]] = []
    intent = None
    for line in (folder / "nlu.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("## intent:"):
            intent = line.split(":", 1)[1].strip()
        elif line.startswith("- ") and intent:
            records.append({"query": _IBN_ENTITY.sub(r"\1", line[2:]).strip(), "intent": intent})
    if not records:
        raise ValueError(f"{folder / 'nlu.md'}: no '## intent:' sections with '- ' examples")
    return cards, records


def evaluate_ibn(
    folder: Path, make_router: RouterFactory, *, limit: int | None = None
) -> dict[str, float]:
    """Single intents -> CALL the intent's agent; combined intents -> PLAN of both, in order."""
    cards, records = load_ibn(folder)
    router = make_router(AgentRegistry(cards))
    stats: Counter[str] = Counter()
    for record in records[:limit]:
        decision = router.route(record["query"], role="operator")
        parts = [sanitize_name(p) for p in record["intent"].split("+")]
        kind = "combined" if len(parts) > 1 else "single"
        stats[f"{kind}_n"] += 1
        if kind == "single":
            ok = decision.action == RouteAction.CALL_AGENT
            stats["single_action"] += ok
            stats["single_agent"] += ok and decision.agent == parts[0]
        else:
            ok = decision.action == RouteAction.MULTI_AGENT_PLAN
            stats["combined_action"] += ok
            stats["combined_plan_agents"] += ok and [s.agent for s in decision.plan] == parts
    out: dict[str, float] = {}
    for kind in ("single", "combined"):
        n = max(stats[f"{kind}_n"], 1)
        out[f"ibn_{kind}_n"] = float(stats[f"{kind}_n"])
        for key in ("action", "agent") if kind == "single" else ("action", "plan_agents"):
            out[f"ibn_{kind}_{key}_accuracy"] = stats[f"{kind}_{key}"] / n
    return out


def evaluate_teleqna(path: Path, router: Router, *, limit: int | None = 1000) -> dict[str, float]:
    """Share of real telecom knowledge questions answered directly (never dispatched)."""
    stats: Counter[str] = Counter()
    for n, item in enumerate(_read_jsonl(path)):
        if limit is not None and n >= limit:
            break
        decision = router.route(item["question"], role="operator")
        stats["n"] += 1
        stats["direct"] += decision.action == RouteAction.DIRECT_ANSWER
    return {
        "teleqna_n": float(stats["n"]),
        "teleqna_direct_rate": stats["direct"] / max(stats["n"], 1),
    }
