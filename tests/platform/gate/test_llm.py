"""LLM backend against a scripted OpenAI-compatible server on loopback; Algorithm 1 fallback."""

from __future__ import annotations

import math
from collections.abc import Iterator

import jsonschema
import pytest
from fake_llm import FakeLLM, Reply, fake_llm_server, json_reply

from autonet.platform.gate import ROUTE_OUTPUT_SCHEMA, RouteAction
from autonet.platform.gate.backend import RouteRequest, StageOne
from autonet.platform.gate.catalog import default_registry
from autonet.platform.gate.embedded import EmbeddedBackend
from autonet.platform.gate.factory import build_gate
from autonet.platform.gate.llm import LLMBackend, span_confidence
from autonet.platform.gate.router import AgentGate

CANDS = ["rca_locator", "ticketing", "field_dispatch"]


@pytest.fixture
def server() -> Iterator[FakeLLM]:
    with fake_llm_server() as state:
        yield state


@pytest.fixture
def gate(server: FakeLLM) -> AgentGate:
    backend = LLMBackend(base_url=server.url, model="m", timeout_s=0.5, max_retries=0)
    return AgentGate(default_registry(), backend=backend)


def _stage1(action: str, p: float = 0.9) -> Reply:
    return json_reply({"action": action, "rationale": "r"}, logprob_of={action: math.log(p)})


def test_call_with_schema_constrained_output_and_logprob_confidence(
    server: FakeLLM, gate: AgentGate
) -> None:
    server.script(
        _stage1("CALL_AGENT", 0.9),
        json_reply(
            {"agent": "rca_locator", "arguments": {"target": "S0012"}, "rationale": "r"},
            logprob_of={"rca_locator": math.log(0.8)},
        ),
    )
    d = gate.route("find the root cause at S0012", candidates=CANDS)
    assert (d.action, d.agent, d.arguments) == (
        RouteAction.CALL_AGENT,
        "rca_locator",
        {"target": "S0012"},
    )
    assert d.stage1_confidence == pytest.approx(0.9)
    assert d.stage2_confidence == pytest.approx(0.8)
    assert d.confidence == pytest.approx(0.8)
    first, second = server.requests
    assert first["response_format"]["type"] == "json_schema"
    assert first["logprobs"] is True
    assert second["response_format"]["json_schema"]["schema"]["properties"]["agent"] == {
        "enum": CANDS
    }
    assert "ticketing" in first["messages"][-1]["content"]  # the prompt lists the candidates


def test_plan_and_slot_completion_of_missing_arguments(server: FakeLLM, gate: AgentGate) -> None:
    plan = [{"agent": "rca_locator", "arguments": {}}, {"agent": "ticketing", "arguments": {}}]
    server.script(_stage1("MULTI_AGENT_PLAN"), json_reply({"plan": plan, "rationale": "r"}))
    d = gate.route("first find the root cause at S0012, then open a ticket", candidates=CANDS)
    assert d.action is RouteAction.MULTI_AGENT_PLAN
    assert [(s.agent, s.arguments) for s in d.plan] == [
        ("rca_locator", {"target": "S0012"}),
        ("ticketing", {"target": "S0012"}),
    ]
    assert d.stage2_confidence == pytest.approx(0.7)  # no logprobs: the default confidence
    assert any(g.startswith("slot_completion:rca_locator") for g in d.safeguards)


def test_server_without_json_schema_support_falls_back_to_guided_json(
    server: FakeLLM, gate: AgentGate
) -> None:
    server.script(
        Reply(status=400),
        json_reply(
            {"action": "DIRECT_ANSWER", "rationale": "r", "answer": "PRB = physical resource block"}
        ),
    )
    d = gate.route("what does PRB stand for", candidates=CANDS)
    assert d.action is RouteAction.DIRECT_ANSWER
    assert d.answer == "PRB = physical resource block"
    assert "guided_json" in server.requests[-1] and "response_format" not in server.requests[-1]


@pytest.mark.parametrize(
    "bad",
    [
        Reply(raw=b"<html>oops</html>"),
        Reply(content="not json at all"),
        Reply(content='{"action": "LAUNCH_MISSILES", "rationale": "r"}'),
        Reply(status=500),
        Reply(delay_s=1.5, content="{}"),
    ],
)
def test_garbage_or_timeout_becomes_safeguards_never_a_crash(
    server: FakeLLM, gate: AgentGate, bad: Reply
) -> None:
    server.script(bad, Reply(raw=b"garbage"))
    d = gate.route("open a trouble ticket for S0012", candidates=CANDS)
    jsonschema.validate(d.output(), ROUTE_OUTPUT_SCHEMA)
    assert "stage1_failure" in d.safeguards and "stage2_failure" in d.safeguards
    assert (d.action, d.agent) == (RouteAction.CALL_AGENT, "ticketing")  # metadata recovery
    assert d.confidence == 0.0


def test_fallback_below_threshold_uses_the_stronger_backend(server: FakeLLM) -> None:
    edge = LLMBackend(base_url=server.url, model="edge", timeout_s=2, max_retries=0, name="edge")
    strong = EmbeddedBackend()
    gate = AgentGate(default_registry(), backend=edge, fallback=strong, threshold=0.6)
    server.script(_stage1("DIRECT_ANSWER", 0.3))  # unsure edge: route again
    d = gate.route("find the root cause at S0012", candidates=CANDS)
    assert (d.backend, d.action, d.agent) == ("embedded", RouteAction.CALL_AGENT, "rca_locator")
    assert d.safeguards[0] == "fallback:edge<0.6"
    assert "fallback_ms" in d.stage_latency_ms
    server.script(_stage1("DIRECT_ANSWER", 0.95))  # confident edge: kept
    d = gate.route("what does PRB stand for", candidates=CANDS)
    assert (d.backend, d.action) == ("edge", RouteAction.DIRECT_ANSWER)


class _Unsure(EmbeddedBackend):
    """Fault injection: the embedded router with its Stage I confidence divided by four."""

    def stage1(self, request: RouteRequest) -> StageOne:
        one = super().stage1(request)
        one.confidence /= 4
        return one


def test_embedded_edge_with_llm_fallback_and_escalation_stays_distinct(server: FakeLLM) -> None:
    strong = LLMBackend(base_url=server.url, model="big", timeout_s=2, max_retries=0)
    gate = AgentGate(default_registry(), backend=_Unsure(), fallback=strong, threshold=0.6)
    d = gate.route("lock S0012-C1", role="viewer")  # policy escalation: never re-routed
    assert d.action is RouteAction.ESCALATE and server.requests == []
    server.script(_stage1("CALL_AGENT", 0.99), json_reply(
        {"agent": "ticketing", "arguments": {"target": "S0012"}, "rationale": "r"},
        logprob_of={"ticketing": math.log(0.97)},
    ))  # fmt: skip
    d = gate.route("open a trouble ticket for S0012", candidates=CANDS)
    assert (d.backend, d.agent) == ("llm", "ticketing")


def test_build_gate_wires_llm_edge_and_fallback(server: FakeLLM) -> None:
    from autonet.platform.config import Settings

    settings = Settings(
        gate_backend="llm", llm_base_url=server.url, llm_fallback_base_url=server.url
    )
    gate = build_gate(settings)
    assert (gate.backend.name, getattr(gate.fallback, "name", None)) == ("llm", "llm-fallback")


def test_llm_backend_rejects_bad_configuration() -> None:
    with pytest.raises(ValueError, match="http"):
        LLMBackend(base_url="ftp://x", model="m")
    with pytest.raises(ValueError, match="timeout_s"):
        LLMBackend(base_url="http://127.0.0.1:1/v1", model="m", timeout_s=0)


def test_span_confidence() -> None:
    content = '{"action": "ESCALATE"}'
    logprobs = {"content": [{"token": '{"action": "', "logprob": -0.1},
                            {"token": "ESC", "logprob": math.log(0.5)},
                            {"token": "ALATE", "logprob": math.log(0.8)},
                            {"token": '"}', "logprob": 0.0}]}  # fmt: skip
    assert span_confidence(content, logprobs, "ESCALATE") == pytest.approx(0.4)
    assert span_confidence(content, None, "ESCALATE") is None
    assert span_confidence(content, logprobs, "CALL_AGENT") is None
