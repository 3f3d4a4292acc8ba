"""``autonet route`` answers knowledge questions from the domain knowledge base."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from autonet.platform.cli import build_app

runner = CliRunner()


def test_knowledge_question_gets_a_direct_answer_with_its_source() -> None:
    result = runner.invoke(build_app(), ["route", "what does PRB utilisation measure?", "--json"])
    assert result.exit_code == 0, result.output
    decision = json.loads(result.stdout)
    assert decision["action"] == "DIRECT_ANSWER"
    assert "PRB" in decision["answer"]
    assert "(source: " in decision["answer"]


def test_out_of_scope_request_is_direct_without_an_invented_answer() -> None:
    result = runner.invoke(build_app(), ["route", "order pizza for the night shift", "--json"])
    assert result.exit_code == 0, result.output
    decision = json.loads(result.stdout)
    assert decision["action"] == "DIRECT_ANSWER"
    assert decision["answer"] is None


def test_requests_that_call_an_agent_carry_no_answer() -> None:
    result = runner.invoke(build_app(), ["route", "find the root cause at S0012", "--json"])
    decision = json.loads(result.stdout)
    assert decision["action"] == "CALL_AGENT"
    assert decision["agent"] == "rca_locator"
    assert decision["answer"] is None
