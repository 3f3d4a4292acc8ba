"""EARTH power model: hand values for serving, sleeping, waking and unpowered cells."""

from __future__ import annotations

import numpy as np
import pytest

from autonet.twin.energy import PowerModel


def test_earth_macro_hand_values() -> None:
    model = PowerModel()
    p = model.power_w(
        np.array([0.0, 0.5, 1.0, 0.3, 0.3, 0.3, 2.0]),
        np.array([20.0, 20.0, 20.0, 20.0, 20.0, 20.0, 10.0]),
        serving=np.array([True, True, True, False, False, False, True]),
        asleep=np.array([False, False, False, True, False, True, False]),
        powered=np.array([True, True, True, True, True, False, True]),
    )
    # 130 + 4.7 x load x 20 W; asleep 75 W; waking/out of service 130 W; no power 0 W;
    # load is capped at 1: 130 + 4.7 x 1 x 10 W
    assert p.tolist() == pytest.approx([130.0, 177.0, 224.0, 75.0, 130.0, 0.0, 177.0])


def test_energy_per_step_in_wh() -> None:
    e = PowerModel.energy_wh(np.array([224.0, 75.0]), 15)
    assert e.tolist() == pytest.approx([56.0, 18.75])


@pytest.mark.parametrize(
    ("field", "value"), [("p0_w", -1.0), ("slope", float("nan")), ("wake_steps", -1)]
)
def test_bad_constants_are_rejected(field: str, value: float) -> None:
    with pytest.raises(ValueError, match=f"PowerModel.{field}"):
        PowerModel(**{field: value})  # type: ignore[arg-type]


def test_zero_wake_delay_serves_at_once() -> None:
    from engine_helpers import make_twin

    twin = make_twin(power=PowerModel(wake_steps=0))
    twin.state.cell_asleep[0] = True
    assert twin.step()["PEE.AvgPower"][0] == 75.0
    twin.state.cell_asleep[0] = False
    assert twin.step()["KQI.Available"][0] == 1.0
