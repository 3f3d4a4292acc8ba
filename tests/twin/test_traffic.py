"""Traffic model: profiles by area and day type, deterministic noise, events, mobility."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pytest

from autonet.twin.builder import three_cell_topology
from autonet.twin.compile import compile_topology
from autonet.twin.state import CompiledTopology
from autonet.twin.topology import build_topology
from autonet.twin.traffic import PROFILES, TrafficModel

MONDAY = datetime(2026, 1, 5)
SATURDAY = datetime(2026, 1, 10)


@pytest.fixture(scope="module")
def topo() -> CompiledTopology:
    return compile_topology(three_cell_topology())


def _bound(topo: CompiledTopology, **kwargs: Any) -> TrafficModel:
    model = TrafficModel(scale_sigma=0.0, noise_sigma=0.0, **kwargs)
    model.bind(topo, seed=1)
    return model


def test_profiles_peak_where_the_area_type_says(topo: CompiledTopology) -> None:
    model = _bound(topo)
    # urban business peak at 11:00 on a weekday; suburban peak in the evening; rural flatter
    at11 = model.activity(MONDAY.replace(hour=11))
    at20 = model.activity(MONDAY.replace(hour=20))
    assert at11[0] == 1.0 and at20[1] == 1.0
    assert at11[0] > at11[1] and at20[1] > at20[0]
    urban, rural = np.array(PROFILES[("urban", False)]), np.array(PROFILES[("rural", False)])
    assert urban.max() / urban.min() > 2 * rural.max() / rural.min()
    # weekend: the urban business peak is gone
    assert model.activity(SATURDAY.replace(hour=11))[0] == pytest.approx(0.58)
    # linear interpolation between hours: urban 07:00 = 0.50, 08:00 = 0.80
    assert model.activity(MONDAY.replace(hour=7, minute=30))[0] == pytest.approx(0.65)


def test_sample_is_users_times_demand_per_user(topo: CompiledTopology) -> None:
    model = _bound(topo, users_busy_hour=(100, 50, 10), dl_per_user_mbps=(2, 1, 1),
                   ul_dl_ratio=0.25)  # fmt: skip
    s = model.sample(0, MONDAY.replace(hour=11))
    # 11:00 Monday activity: urban 1.00, suburban 0.42, rural 0.74
    assert s.users.tolist() == pytest.approx([100.0, 21.0, 7.4], rel=1e-6)
    assert s.dl_mbps.tolist() == pytest.approx([200.0, 21.0, 7.4], rel=1e-6)
    assert s.ul_mbps.tolist() == pytest.approx([50.0, 5.25, 1.85], rel=1e-6)


def test_busy_hour_means_and_spread_by_hand() -> None:
    # users x DL per user x (1 + UL share) x the area's peak activity (rural peaks at 0.95)
    model = TrafficModel(users_busy_hour=(100, 50, 10), dl_per_user_mbps=(2, 1, 1),
                         ul_dl_ratio=0.25, scale_sigma=0.4, noise_sigma=0.1)  # fmt: skip
    assert model.busy_hour_cell_mbps().tolist() == pytest.approx([250.0, 62.5, 11.875])
    assert model.cell_cv == pytest.approx(math.sqrt(math.exp(0.16 + 0.02) - 1.0))
    flat = TrafficModel(profile="flat", users_busy_hour=(100, 50, 10), scale_sigma=0.0,
                        noise_sigma=0.0)  # fmt: skip
    assert flat.busy_hour_cell_mbps()[2] == pytest.approx(10 * 1.2 * 1.12)
    assert flat.cell_cv == 0.0


def test_busy_hour_spread_matches_the_sampled_cells() -> None:
    # the dimensioning's mean and cv against what the model actually draws at 11:00 Monday
    topo = compile_topology(build_topology(n_sites=300, seed=2, area_mix=(1, 0, 0)))
    model = TrafficModel()
    model.bind(topo, 3)
    s = model.sample(44, MONDAY.replace(hour=11))
    load = (s.dl_mbps + s.ul_mbps).astype(np.float64)
    assert load.mean() == pytest.approx(model.busy_hour_cell_mbps()[0], rel=0.05)
    assert load.std() / load.mean() == pytest.approx(model.cell_cv, rel=0.12)


def test_noise_is_deterministic_per_seed_and_step(topo: CompiledTopology) -> None:
    a, b, c = (TrafficModel(noise_sigma=0.2) for _ in range(3))
    a.bind(topo, 5)
    b.bind(topo, 5)
    c.bind(topo, 6)
    when = MONDAY.replace(hour=12)
    assert np.array_equal(a.sample(3, when).users, b.sample(3, when).users)
    assert not np.array_equal(a.sample(3, when).users, a.sample(4, when).users)
    assert not np.array_equal(a.sample(3, when).users, c.sample(3, when).users)
    # the copy (what a clone holds) draws the same
    assert np.array_equal(a.copy().sample(9, when).dl_mbps, a.sample(9, when).dl_mbps)


def test_noise_and_scale_have_mean_one(topo: CompiledTopology) -> None:
    model = TrafficModel(profile="flat", users_busy_hour=(10, 10, 10), noise_sigma=0.3,
                         scale_sigma=0.0)  # fmt: skip
    model.bind(topo, 2)
    users = np.stack([model.sample(k, MONDAY).users for k in range(600)])
    assert users.mean() == pytest.approx(10.0, rel=0.03)


def test_event_ramps_up_and_down(topo: CompiledTopology) -> None:
    model = _bound(topo, profile="flat")
    start = MONDAY.replace(hour=18)
    event = model.add_event([0, 1], start, start + timedelta(hours=3), 8.0, "concert")
    assert event.factor(start - timedelta(hours=2)) == 1.0
    assert event.factor(start - timedelta(minutes=15)) == pytest.approx(1 + 7 * 0.75)
    assert event.factor(start + timedelta(hours=1)) == 8.0
    assert event.factor(start + timedelta(hours=3, minutes=30)) == pytest.approx(4.5)
    s = model.sample(0, start + timedelta(hours=1))
    assert s.users.tolist() == pytest.approx([8 * 120.0, 8 * 90.0, 35.0])


def test_mobility_conserves_users(topo: CompiledTopology) -> None:
    still = _bound(topo, profile="flat")
    mobile = _bound(topo, profile="flat", mobility=0.2)
    a, b = still.sample(0, MONDAY).users, mobile.sample(0, MONDAY).users
    assert b.sum() == pytest.approx(a.sum(), rel=1e-6)
    # S1 (120) has one neighbour, S2: 0.2 x 120 moves there; S2 (90) splits 0.3 : 0.2
    assert b[0] == pytest.approx(0.8 * 120 + 0.2 * 90 * 0.6, rel=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"profile": "spiky"}, "profile"),
        ({"users_busy_hour": (1, 2)}, "users_busy_hour"),
        ({"dl_per_user_mbps": (1, -2, 3)}, "dl_per_user_mbps"),
        ({"noise_sigma": -0.1}, "noise_sigma"),
        ({"mobility": 0.9}, "mobility"),
    ],
)
def test_bad_parameters_are_rejected(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        TrafficModel(**kwargs)


def test_bad_events_are_rejected(topo: CompiledTopology) -> None:
    model = _bound(topo)
    with pytest.raises(ValueError, match="at least one cell"):
        model.add_event([], MONDAY, SATURDAY, 2.0, "e")
    with pytest.raises(ValueError, match="out of range"):
        model.add_event([3], MONDAY, SATURDAY, 2.0, "e")
    with pytest.raises(ValueError, match="multiplier"):
        model.add_event([0], MONDAY, SATURDAY, 0.0, "e")
    assert model.events == []
