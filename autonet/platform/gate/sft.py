"""Export the routing dataset as a candidate-aware chat-format SFT set for a LoRA fine-tune.

Each line is a prompt-completion pair in the conversational format that TRL's ``SFTTrainer``
reads (``{"prompt": [messages], "completion": [assistant message]}``): the trainer computes the
loss on the completion only, i.e. on the structured route, never on the prompt. The prompt lists
the candidate agents (name, description, argument schema, risk, allowed roles), the caller's role
and context; the completion is the gold <action, agent, arguments, plan, rationale, confidence>.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from autonet.platform.gate.cards import AgentRegistry
from autonet.platform.gate.catalog import benchmark_registry

__all__ = ["SYSTEM_PROMPT", "export_sft", "sft_example"]

SYSTEM_PROMPT = (
    "You are AgentGate, the router of an autonomous mobile network. Decide one action: "
    "CALL_AGENT (one candidate agent serves the request), MULTI_AGENT_PLAN (an ordered plan of "
    "candidate agents), DIRECT_ANSWER (a knowledge question, or no candidate fits) or ESCALATE "
    "(sensitive, unsafe or not allowed for the caller's role: never executed). Ground CALL and "
    "PLAN in candidate agents only, with arguments valid against each agent's JSON schema, "
    "normalised (throughput in Mbit/s, latency in ms, durations in minutes, ids upper case). "
    "Answer with one JSON object: action, agent, arguments, plan, rationale, confidence."
)

_RATIONALE = {
    "CALL_AGENT": "One candidate agent serves the request.",
    "MULTI_AGENT_PLAN": "The request asks for several steps, in order.",
    "DIRECT_ANSWER": "No agent is needed, or none of the candidates serves the request.",
    "ESCALATE": "The request is sensitive or not allowed for this role; a person must decide.",
}


def _prompt(record: Mapping[str, Any], registry: AgentRegistry) -> str:
    lines = ["Candidate agents:"]
    for name in record["candidates"]:
        card = registry.get(name)
        lines.append(
            json.dumps(
                {
                    "name": card.name,
                    "description": card.description,
                    "parameters": card.parameters,
                    "risk": card.risk.value,
                    "roles": sorted(card.roles),
                },
                ensure_ascii=False,
            )
        )
    lines.append(f"Caller role: {record.get('role', 'operator')}")
    lines.append(f"Context: {json.dumps(record.get('context') or {}, ensure_ascii=False)}")
    lines.append(f"Request: {record['query']}")
    return "\n".join(lines)


def sft_example(record: Mapping[str, Any], registry: AgentRegistry | None = None) -> dict[str, Any]:
    """One prompt-completion example from one dataset record."""
    registry = registry or benchmark_registry()
    gold = record["gold"]
    target = {
        "action": gold["action"],
        "agent": gold.get("agent"),
        "arguments": gold.get("arguments", {}),
        "plan": gold.get("plan", []),
        "rationale": _RATIONALE[gold["action"]],
        "confidence": 1.0,
    }
    return {
        "prompt": [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": _prompt(record, registry)},
        ],
        "completion": [{"role": "assistant", "content": json.dumps(target, ensure_ascii=False)}],
    }


def export_sft(records: Iterable[Mapping[str, Any]], path: Path) -> int:
    """Write the SFT set as JSON lines; returns the number of examples written."""
    registry = benchmark_registry()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    count = 0
    with tmp.open("w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(sft_example(record, registry), ensure_ascii=False) + "\n")
            count += 1
    tmp.replace(path)  # never leave a half-written file under the requested name
    return count
