"""``autonet route``: readable panel, JSON output, clear errors for bad options."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from autonet.platform.cli import build_app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _embedded(monkeypatch: pytest.MonkeyPatch) -> None:
    from autonet.platform.config import get_settings

    monkeypatch.setenv("AUTONET_GATE_BACKEND", "embedded")
    monkeypatch.delenv("AUTONET_LLM_FALLBACK_BASE_URL", raising=False)
    get_settings.cache_clear()


def test_route_prints_a_readable_decision() -> None:
    result = runner.invoke(
        build_app(), ["route", "first find the root cause at S0012, then open a ticket"]
    )
    assert result.exit_code == 0, result.output
    for word in ("MULTI_AGENT_PLAN", "rca_locator", "ticketing", "confidence", "latency"):
        assert word in result.output


def test_route_json_output() -> None:
    result = runner.invoke(
        build_app(),
        ["route", "lock S0012-C1", "--role", "engineer", "--json"],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["action"], data["agent"]) == ("CALL_AGENT", "cell_locker")
    assert data["arguments"] == {"target": "S0012-C1", "operation": "lock"}


def test_route_with_context_and_candidates() -> None:
    result = runner.invoke(
        build_app(),
        ["route", "any alarms on this site?", "--context", '{"site": "S0042"}',
         "--candidates", "alarm_reader,ticketing", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["arguments"] == {"target": "S0042"}


def test_unknown_role_exits_2_listing_roles() -> None:
    result = runner.invoke(build_app(), ["route", "show alarms", "--role", "boss"])
    assert result.exit_code == 2
    assert "unknown role 'boss'" in result.output
    assert "viewer, operator, engineer, admin" in result.output


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--backend", "gpt"], 2, "unknown backend 'gpt'"),
        (["--context", "{oops"], 3, "--context is not valid JSON"),
        (["--context", "[1, 2]"], 3, "must be a JSON object"),
        (["--candidates", "nope"], 3, "unknown candidate agents"),
    ],
)
def test_bad_options_give_clear_errors(args: list[str], code: int, message: str) -> None:
    result = runner.invoke(build_app(), ["route", "show alarms at S0001", *args])
    assert result.exit_code == code
    assert message in result.output


def test_llm_backend_without_endpoint_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AUTONET_LLM_BASE_URL", raising=False)
    result = runner.invoke(build_app(), ["route", "show alarms", "--backend", "llm"])
    assert result.exit_code == 3
    assert "llm_base_url is not set" in result.output
