"""observed_clone / Twin.whatif_clone: a what-if that cannot see the injected ground truth.

Hand values on the 3-cell twin with flat, noise-free traffic (see ``engine_helpers``): users
(100, 80, 40) on S1-C1, S2-C1, S3-C1. An outage of S2-C1 hands 0.3 x 80 = 24 users to S1-C1 and
0.2 x 80 = 16 to S3-C1, so the cells carry (124, 0, 56) while it lasts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pytest
from engine_helpers import flat_traffic, make_twin

from autonet.errors import BadInputError
from autonet.twin import ActionError, Twin, three_cell_topology
from autonet.twin.faults import active_faults, outage_cause
from autonet.twin.observed import ObservedCloneError, observed_clone, representable
from autonet.twin.traffic import TrafficModel

OUTAGE = {"node": "S2-C1", "fault_type": "cell_outage"}
# Seeds whose first injected outage is drawn as a software (2) or a hardware (3) fault; the
# flat, noise-free traffic is the same under every seed.
SOFTWARE_SEED, HARDWARE_SEED = 2, 3


def _users(twin: Twin) -> list[float]:
    return [float(x) for x in twin.step().cell["RRC.ConnMean"]]


def _outage_twin(seed: int) -> Twin:
    twin = make_twin(seed=seed)
    twin.run(1)
    twin.inject_fault("cell_outage", "S2-C1", missing_prob=0.0)
    twin.run(1)
    return twin


def _visible(twin: Twin) -> list[tuple[str, str, str | None, bool, datetime | None]]:
    # what is compared of two clones' alarms: the raise instants differ with the seed's delays,
    # and so their order, which the loop does see; nothing else may differ
    return sorted((a.alarm_type, a.node, a.fault_id, a.root, a.cleared_at) for a in twin.alarms)


def test_the_true_cause_of_an_outage_is_not_in_the_clone() -> None:
    soft, hard = _outage_twin(SOFTWARE_SEED), _outage_twin(HARDWARE_SEED)
    assert outage_cause(soft, soft.faults[0].fault_id) == "software"
    assert outage_cause(hard, hard.faults[0].fault_id) == "hardware"
    a, b = soft.whatif_clone([OUTAGE]), hard.whatif_clone([OUTAGE])
    assert a.state.equals(b.state)
    assert a.ledger == b.ledger
    assert a.faults == b.faults == []
    assert a._clear_at == b._clear_at == {}
    assert _visible(a) == _visible(b)
    assert all(x.fault_id is None and not x.root for x in a.alarms)
    # the restart behaves as the hypothesis says (software), whatever the truth
    for clone in (a, b):
        clone.apply("restart", "S2-C1")
        assert _users(clone) == [100.0, 80.0, 40.0]
    with pytest.raises(ActionError, match="hardware fault"):
        hard.apply("restart", "S2-C1")
    assert _users(hard) == [124.0, 0.0, 56.0]  # the live twin: still out


def test_an_outage_hypothesised_as_hardware_does_not_restart_on_the_clone() -> None:
    soft = _outage_twin(SOFTWARE_SEED)
    clone = soft.whatif_clone([{**OUTAGE, "cause": "hardware"}])
    with pytest.raises(ActionError, match="hardware fault"):
        clone.apply("restart", "S2-C1")
    soft.apply("restart", "S2-C1")  # the truth: software
    assert _users(soft) == [100.0, 80.0, 40.0]


def test_the_clone_leaves_the_live_twin_and_its_fault_alone() -> None:
    twin = _outage_twin(SOFTWARE_SEED)
    before = twin.state.copy()
    clone = twin.whatif_clone([OUTAGE])
    clone.apply("restart", "S2-C1")
    clone.run(2)
    assert twin.state.equals(before)
    assert active_faults(twin) == ["F0001"] and twin.faults[0].end is None
    assert twin.alarms[0].fault_id == "F0001"  # the live log keeps its ground truth


def test_a_field_repair_time_is_not_in_the_clone() -> None:
    twin = make_twin()
    twin.run(1)
    twin.inject_fault("cell_outage", "S2-C1", duration_steps=2, missing_prob=0.0)
    clone = twin.whatif_clone([OUTAGE])
    assert clone._clear_at == {}
    assert [_users(twin) for _ in range(3)][-1] == [100.0, 80.0, 40.0]  # repaired at step 2
    assert [_users(clone) for _ in range(3)] == [[124.0, 0.0, 56.0]] * 3  # lasts the what-if


def test_a_battery_timer_is_not_in_the_clone() -> None:
    twin = make_twin(step_minutes=15)
    twin.run(1)
    # battery for 30 min = 2 steps, then the site goes dark: unknown to the loop
    twin.inject_fault("site_power_failure", "S2", battery_minutes=30.0, missing_prob=0.0)
    clone = twin.whatif_clone([{"node": "S2", "fault_type": "site_power_failure"}])
    assert [_users(twin) for _ in range(3)][-1] == [124.0, 0.0, 56.0]
    assert [_users(clone) for _ in range(3)] == [[100.0, 80.0, 40.0]] * 3


def test_a_clone_without_hypotheses_keeps_the_observed_outage_for_the_whole_run() -> None:
    twin = _outage_twin(SOFTWARE_SEED)
    clone = observed_clone(twin)
    assert active_faults(clone) == []
    with pytest.raises(ActionError, match="not in outage"):
        clone.apply("restart", "S2-C1")  # nothing the loop hypothesised to restart
    assert _users(clone) == [124.0, 0.0, 56.0]


@dataclass(frozen=True)
class _Planned:
    """An event of the operators' calendar (the shape of the agents' PlannedEvent)."""

    name: str
    cells: tuple[str, ...]
    start: datetime
    end: datetime
    multiplier: float
    ramp: timedelta = timedelta(0)


def test_a_traffic_event_not_in_the_calendar_is_not_in_the_clones_demand() -> None:
    twin = make_twin()
    twin.run(1)
    # on its plateau from the step before now (no ramp) to 4 steps on
    now, later = twin.now - twin.step_delta, twin.now + 4 * twin.step_delta
    twin.add_event(["S1-C1"], now, later, 3.0, "stadium", ramp=timedelta(0))
    assert observed_clone(twin).traffic.events == []
    assert _users(observed_clone(twin)) == [100.0, 80.0, 40.0]
    # the calendar expects twice the crowd: the clone sees the expectation, not the truth (x3)
    planned = _Planned("stadium", ("S1-C1", "X9-C9"), now, later, 2.0)
    assert _users(twin.whatif_clone((), [planned])) == [200.0, 80.0, 40.0]
    assert _users(twin) == [300.0, 80.0, 40.0]


def _noisy_twin() -> Twin:
    noisy = TrafficModel(
        profile="flat",
        users_busy_hour=(100.0, 80.0, 40.0),
        dl_per_user_mbps=(2.0, 1.5, 1.0),
        ul_dl_ratio=0.1,
        scale_sigma=0.0,
        noise_sigma=0.3,
    )
    return Twin(three_cell_topology(), traffic=noisy)


def test_the_clone_draws_its_own_noise_never_the_live_twins() -> None:
    twin = _noisy_twin()
    clone, again = twin.whatif_clone(), twin.whatif_clone()
    live = np.array([twin.step().cell["RRC.ConnMean"] for _ in range(400)])
    seen = np.array([clone.step().cell["RRC.ConnMean"] for _ in range(400)])
    assert not np.isclose(seen, live).any()  # not one cell-step of the real draws
    # the same fluctuation: lognormal noise of mean 1 around (100, 80, 40); the mean of 400
    # draws with sigma 0.3 is within 3 standard errors (3 x 0.31 / 20 = 4.6 %) of it
    assert np.allclose(seen.mean(axis=0), [100.0, 80.0, 40.0], rtol=0.05)
    assert np.allclose(np.log(seen / [100.0, 80.0, 40.0]).std(axis=0), 0.3, rtol=0.1)
    # deterministic: another what-if at the same time sees the same draws
    assert np.array_equal(np.array([again.step().cell["RRC.ConnMean"] for _ in range(400)]), seen)
    assert twin.traffic.noise_sigma == 0.3 and twin.traffic.events == []


def test_observed_configuration_kpis_and_actions_are_kept() -> None:
    twin = make_twin()
    twin.run(2)
    twin.apply("tilt", "S1-C1", tilt_deg=9.0)
    twin.apply("capacity_boost", "S3-C1", extra_prbs=10)
    clone = twin.whatif_clone()
    assert clone.state.equals(twin.state)
    assert [r.kind for r in clone.actions] == ["tilt", "capacity_boost"]
    assert clone.kpis("wide").equals(twin.kpis("wide"))
    assert clone.now == twin.now and clone.compiled is twin.compiled


def test_a_misconfiguration_hypothesis_restores_the_planned_tilt_when_cleared() -> None:
    twin = make_twin()
    twin.inject_fault("misconfiguration", "S1-C1", tilt_deg=15.0, missing_prob=0.0)
    clone = twin.whatif_clone([{"node": "S1-C1", "fault_type": "misconfiguration"}])
    assert float(clone.state.cell_tilt_deg[0]) == 15.0
    clone.clear_fault("H0001")
    assert float(clone.state.cell_tilt_deg[0]) == 6.0  # the planned tilt (three_cell_topology)


def test_an_alarm_clear_still_in_the_future_is_not_in_the_clone() -> None:
    twin = _outage_twin(SOFTWARE_SEED)
    twin.clear_fault("F0001")  # alarms clear within 30 s from now: not seen yet
    assert all(a.cleared_at is not None and a.cleared_at > twin.now for a in twin.alarms)
    assert all(a.cleared_at is None for a in twin.whatif_clone().alarms)


@pytest.mark.parametrize(
    ("hypothesis", "message"),
    [
        ({"node": "S2-C1", "fault_type": "meltdown"}, "fault_type 'meltdown' is not one of"),
        ({"node": "S2", "fault_type": "cell_outage"}, "targets a cell"),
        ({"node": "", "fault_type": "cell_outage"}, "node must be a non-empty id"),
        ({**OUTAGE, "cause": "cosmic"}, "cause 'cosmic' is only for a cell_outage"),
        ({"node": "S2", "fault_type": "site_power_failure", "cause": "software"}, "only for"),
        ("S2-C1", "expected a mapping with 'node' and 'fault_type', got str"),
    ],
)
def test_a_bad_hypothesis_says_what_is_wrong(hypothesis: object, message: str) -> None:
    twin = make_twin()
    with pytest.raises(ObservedCloneError, match=message) as info:
        twin.whatif_clone([hypothesis])  # type: ignore[list-item]
    assert isinstance(info.value, BadInputError)


def test_a_bad_event_says_what_is_wrong() -> None:
    twin = make_twin()
    with pytest.raises(ObservedCloneError, match="expected an object with name, cells"):
        twin.whatif_clone((), ["stadium"])  # type: ignore[list-item]
    now = twin.now
    backwards = _Planned("late", ("S1-C1",), now, now - timedelta(hours=1), 2.0)
    with pytest.raises(ObservedCloneError, match="must be after start"):
        twin.whatif_clone((), [backwards])


def test_repeated_hypotheses_are_merged() -> None:
    twin = _outage_twin(SOFTWARE_SEED)
    clone = twin.whatif_clone([OUTAGE, dict(OUTAGE, score=0.4)])
    assert active_faults(clone) == ["H0001"]
    assert np.array_equal(clone.state.cell_on, [True, False, True])
    assert flat_traffic().noise_sigma == 0.0  # helper sanity: the hand values assume no noise


def test_representable_says_which_hypotheses_a_clone_can_hold() -> None:
    twin = make_twin()
    assert representable(twin, OUTAGE)
    assert representable(twin, {"node": "AR1--AGG1", "fault_type": "fibre_cut"})  # either order
    assert not representable(twin, {"node": "S2", "fault_type": "cell_outage"})  # a site
    assert not representable(twin, {"node": "S2-C1", "fault_type": "meltdown"})
    assert not representable(twin, {**OUTAGE, "cause": "cosmic"})
