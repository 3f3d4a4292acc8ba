"""TopologicalHawkes on hand-specified Hawkes-like logs where the true graph is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from autonet.knowledge.causal import AlarmDataError, TopologicalHawkes, load_alarm_log

# A ring of 8 devices: every device has exactly two neighbours at one hop.
N_DEVICES = 8
RING = np.zeros((N_DEVICES, N_DEVICES), dtype=int)
for _d in range(N_DEVICES):
    RING[_d, (_d + 1) % N_DEVICES] = RING[(_d + 1) % N_DEVICES, _d] = 1


def _synthetic_log(seed: int = 3, hours: float = 48.0) -> pd.DataFrame:
    """Type 0 (A) is Poisson on every device; each A raises type 1 (B) on one neighbouring
    device after an exponential delay of mean 20 s with probability 0.9; types 2 and 3 are
    independent Poisson noise. True graph: exactly 0 -> 1."""
    rng = np.random.default_rng(seed)
    span = hours * 3600.0
    rows: list[tuple[int, int, float]] = []
    for device in range(N_DEVICES):
        for alarm, rate_per_hour in ((0, 3.0), (2, 3.0), (3, 2.0)):
            count = rng.poisson(rate_per_hour * hours)
            rows += [(alarm, device, t) for t in rng.uniform(0, span, count)]
    for _alarm, device, t in [r for r in rows if r[0] == 0]:
        if rng.random() < 0.9:
            target = (device + rng.choice([-1, 1])) % N_DEVICES
            rows.append((1, int(target), t + rng.exponential(20.0)))
    frame = pd.DataFrame(rows, columns=["alarm_id", "device_id", "start_timestamp"])
    frame["start_timestamp"] = frame["start_timestamp"].round()
    return frame.sort_values("start_timestamp", kind="stable").reset_index(drop=True)


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return _synthetic_log()


def _expected(*edges: tuple[int, int]) -> np.ndarray:
    graph = np.zeros((4, 4), dtype=np.int8)
    for cause, effect in edges:
        graph[cause, effect] = 1
    return graph


def test_recovers_exactly_a_causes_b(events: pd.DataFrame) -> None:
    model = TopologicalHawkes().fit(events, RING)
    np.testing.assert_array_equal(model.causal_matrix_, _expected((0, 1)))
    # Most B events are triggered by A: the attributed share is close to the simulated one.
    assert model.edge_strengths_[0, 1] > 0.8
    assert model.edges()[0][:2] == ("0", "1")
    # The excitation lives at one hop (the neighbour), not on the same device.
    assert model.alpha_[1, 0, 1] > 10 * model.alpha_[0, 0, 1]


def test_same_device_model_cannot_see_a_neighbour_effect() -> None:
    # B always lands on a neighbour of its A: a max_hop=0 model sees no excitation at all.
    model = TopologicalHawkes(max_hop=0).fit(_synthetic_log(seed=5), RING)
    assert model.causal_matrix_.sum() == 0


def test_is_deterministic(events: pd.DataFrame) -> None:
    first = TopologicalHawkes().fit(events, RING)
    second = TopologicalHawkes().fit(events.sample(frac=1.0, random_state=1), RING)
    np.testing.assert_array_equal(first.causal_matrix_, second.causal_matrix_)
    np.testing.assert_allclose(first.edge_strengths_, second.edge_strengths_, rtol=1e-9)


def test_forbidden_edge_never_appears(events: pd.DataFrame) -> None:
    prior = -np.ones((4, 4), dtype=int)
    prior[0, 1] = 0
    model = TopologicalHawkes().fit(events, RING, prior)
    assert model.causal_matrix_[0, 1] == 0
    assert model.alpha_[:, 0, 1].sum() == 0.0


def test_required_edge_always_appears(events: pd.DataFrame) -> None:
    prior = -np.ones((4, 4), dtype=int)
    prior[2, 3] = 1  # noise types: no evidence at all, still required
    model = TopologicalHawkes().fit(events, RING, prior)
    np.testing.assert_array_equal(model.causal_matrix_, _expected((0, 1), (2, 3)))


def test_prior_fixes_the_number_of_types(events: pd.DataFrame) -> None:
    prior = -np.ones((6, 6), dtype=int)  # types 4 and 5 never occur
    model = TopologicalHawkes().fit(events, RING, prior)
    assert model.causal_matrix_.shape == (6, 6)
    assert model.causal_matrix_.sum() == 1


def test_acyclic_output_breaks_the_weaker_direction() -> None:
    frame = _synthetic_log(seed=11)
    # Make the reverse edge attractive too: every B is echoed by an A on its device 5 s later.
    echoes = frame[frame.alarm_id == 1].assign(
        alarm_id=0, start_timestamp=lambda f: f.start_timestamp + 5
    )
    both = pd.concat([frame, echoes], ignore_index=True)
    cyclic = TopologicalHawkes().fit(both, RING)
    assert cyclic.causal_matrix_[0, 1] == 1 and cyclic.causal_matrix_[1, 0] == 1
    dag = TopologicalHawkes(acyclic=True).fit(both, RING)
    assert dag.causal_matrix_[0, 1] + dag.causal_matrix_[1, 0] == 1


def test_accepts_a_loaded_log(events: pd.DataFrame) -> None:
    log = load_alarm_log(events, RING)
    model = TopologicalHawkes().fit(log)
    np.testing.assert_array_equal(model.causal_matrix_, _expected((0, 1)))


@pytest.mark.parametrize(
    ("param", "value", "expected"),
    [("max_hop", -1, "0..10"), ("decay", 0.0, "positive"), ("tie_weight", 2.0, "[0, 1]")],
)
def test_bad_hyperparameters_are_named(
    events: pd.DataFrame, param: str, value: float, expected: str
) -> None:
    with pytest.raises(ValueError, match=rf"{param}=.*{expected}"):
        TopologicalHawkes(**{param: value}).fit(events, RING)


def test_fit_without_topology_is_refused(events: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="topology matrix is required"):
        TopologicalHawkes().fit(events)


def test_device_outside_topology_is_refused(events: pd.DataFrame) -> None:
    with pytest.raises(AlarmDataError, match="device_id"):
        TopologicalHawkes().fit(events, RING[:4, :4])


def test_follows_the_estimator_contract() -> None:
    from sklearn.base import clone
    from sklearn.exceptions import NotFittedError

    model = TopologicalHawkes(penalty=2.0, max_hop=1)
    assert clone(model).get_params() == model.get_params()
    with pytest.raises(NotFittedError):
        model.edges()


def test_progress_reports_every_type(events: pd.DataFrame) -> None:
    seen: list[tuple[int, int]] = []
    TopologicalHawkes().fit(events, RING, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
