"""A change command that Stage I took for a question is grounded anyway, below the threshold."""

from __future__ import annotations

import pytest

from autonet.platform.gate import RouteAction
from autonet.platform.gate.factory import build_gate


@pytest.fixture(scope="module")
def gate():  # type: ignore[no-untyped-def]
    return build_gate()


@pytest.mark.parametrize(
    ("text", "action", "value"),
    [
        ("increase the tilt of S0012-C1 by 2", "tilt", 2.0),  # more downtilt
        ("raise power on S0002-C2 by 2 dB", "tx_power", 2.0),
        ("reduce transmit power of S0002-C2 by 3 dB", "tx_power", -3.0),
    ],
)
def test_a_change_command_is_recovered_with_its_direction(gate, text: str, action: str,
                                                          value: float) -> None:  # fmt: skip
    d = gate.route(text, role="operator")
    assert d.action == RouteAction.CALL_AGENT
    assert d.agent == "change_executor"
    assert (d.arguments["action"], d.arguments["value"], d.arguments["mode"]) == (
        action, value, "relative",
    )  # fmt: skip
    assert "direct_recovery" in d.safeguards
    assert d.confidence < 0.5  # a person (or the fallback backend) confirms it


def test_a_viewer_giving_such_a_command_is_escalated(gate) -> None:  # type: ignore[no-untyped-def]
    d = gate.route("increase the tilt of S0012-C1 by 2", role="viewer")
    assert d.action == RouteAction.ESCALATE


def test_questions_without_a_network_object_stay_direct(gate) -> None:  # type: ignore[no-untyped-def]
    d = gate.route("what does electrical downtilt mean?", role="operator")
    assert d.action == RouteAction.DIRECT_ANSWER
    assert "direct_recovery" not in d.safeguards
