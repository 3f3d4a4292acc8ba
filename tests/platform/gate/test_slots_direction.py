"""Direction words of tilt and TX power changes: sign and mode of the change's value.

Electrical downtilt grows as the beam points further down: "downtilt by 2" is +2 degrees of
downtilt, "uptilt by 2" is -2. Every expected value below is written by hand.
"""

from __future__ import annotations

from typing import Any

import pytest

from autonet.platform.gate import build_gate
from autonet.platform.gate.catalog import default_registry
from autonet.platform.gate.completion import fill_arguments
from autonet.platform.gate.slots import extract_slots

TILT_CASES = [
    ("downtilt S0012-C1 by 2", 2.0, "relative"),
    ("tilt down S0012-C1 by 2", 2.0, "relative"),
    ("increase the tilt of S0012-C1 by 2", 2.0, "relative"),
    ("uptilt S0012-C1 by 2", -2.0, "relative"),
    ("tilt up S0012-C1 by 2", -2.0, "relative"),
    ("tilt S0012-C1 up by 2 degrees", -2.0, "relative"),
    ("reduce the tilt of S0012-C1 by 2", -2.0, "relative"),
    ("decrease tilt of S0012-C1 by 2", -2.0, "relative"),
    ("set the tilt of S0012-C1 to 4", 4.0, "absolute"),
    ("tilt S0012-C1 to 4 degrees", 4.0, "absolute"),
]
POWER_CASES = [
    ("raise the power of S0012-C1 by 3 dB", 3.0, "relative"),
    ("increase tx power of S0012-C1 by 3 dB", 3.0, "relative"),
    ("boost power of S0012-C1 by 3 dB", 3.0, "relative"),
    ("lower the tx power of S0012-C1 by 3 dB", -3.0, "relative"),
    ("reduce power of S0012-C1 by 3 dB", -3.0, "relative"),
    ("cut power on S0012-C1 by 3 dB", -3.0, "relative"),
    ("set the power of S0012-C1 to 10 W", 10.0, "absolute"),
    ("set tx power of S0012-C1 to 43 dBm", 19.95262315, "absolute"),  # 10^4.3 mW = 19.95 W
]


def _card_arguments(text: str, agent: str = "change_executor") -> dict[str, Any]:
    card = default_registry().get(agent)
    return fill_arguments(card, extract_slots(text), text)


@pytest.mark.parametrize(("text", "value", "mode"), TILT_CASES)
def test_tilt_direction_words(text: str, value: float, mode: str) -> None:
    assert _card_arguments(text) == {
        "action": "tilt", "target": "S0012-C1", "value": value, "mode": mode,
    }  # fmt: skip


@pytest.mark.parametrize(("text", "value", "mode"), POWER_CASES)
def test_tx_power_direction_words(text: str, value: float, mode: str) -> None:
    args = _card_arguments(text)
    assert args["action"] == "tx_power" and args["target"] == "S0012-C1"
    assert args["value"] == pytest.approx(value, abs=1e-6)
    assert args["mode"] == mode


@pytest.mark.parametrize(
    "text",
    [
        "cut RAN power in north by 20",  # a saving, not a TX power change: no dB
        "reduce latency of SL-001 to 10 ms",
        "increase SL-001 to 50 Mbps",
        "from 8 to 18 on weekdays",
    ],
)
def test_other_numbers_keep_their_meaning(text: str) -> None:
    slots = extract_slots(text)
    assert not any(s.kind == "change_mode" for s in slots)
    assert all(s.value >= 0 for s in slots if s.kind == "number")


def test_saving_keeps_its_number() -> None:
    (number,) = [s for s in extract_slots("cut RAN power in north by 20") if s.kind == "number"]
    assert number.value == 20.0


def test_config_push_to_a_value_is_absolute() -> None:
    args = _card_arguments("bulk change tx power to 10 W across north", "config_pusher")
    assert args == {"region": "north", "parameter": "tx_power", "value": 10.0, "mode": "absolute"}


@pytest.fixture(scope="module")
def gate() -> Any:
    return build_gate()


@pytest.mark.parametrize(
    ("text", "value", "mode"),
    [
        ("uptilt S0012-C1 by 2", -2.0, "relative"),
        ("downtilt S0012-C1 by 2", 2.0, "relative"),
        ("tilt down S0012-C1 by 2", 2.0, "relative"),
        ("tilt up S0012-C1 by 2", -2.0, "relative"),
        ("reduce the tilt of S0012-C1 by 2", -2.0, "relative"),
        ("set the tilt of S0012-C1 to 4", 4.0, "absolute"),
        ("tilt S0012-C1 to 4 degrees", 4.0, "absolute"),
    ],
)
def test_the_gate_routes_tilt_changes_with_their_direction(
    gate: Any, text: str, value: float, mode: str
) -> None:
    decision = gate.route(text, role="engineer")
    assert decision.action.value == "CALL_AGENT"
    assert decision.agent == "change_executor"
    assert decision.arguments == {
        "action": "tilt", "target": "S0012-C1", "value": value, "mode": mode,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("lower the tx power of S0012-C1 by 3 dB", -3.0),
        ("raise the tx power of S0012-C1 by 3 dB", 3.0),
    ],
)
def test_the_gate_routes_tx_power_changes_with_their_direction(
    gate: Any, text: str, value: float
) -> None:
    decision = gate.route(text, role="engineer")
    assert decision.agent == "change_executor"
    assert decision.arguments == {
        "action": "tx_power", "target": "S0012-C1", "value": value, "mode": "relative",
    }  # fmt: skip
