"""The event-scheduling scenario on a small twin: same events for every policy, the closed loop
beats doing nothing, metrics follow their definitions, bad options are rejected."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from autonet.platform.scenarios import (
    ScenarioError,
    ScenarioParams,
    get_scenario,
    run_scenario,
)
from autonet.platform.scenarios._event_plan import plan_events
from autonet.platform.scenarios.common import build_scenario_twin
from autonet.platform.scenarios.event_scheduling import EventScheduling

PARAMS = ScenarioParams(sites=10, days=1.0, seed=7)
MEASURED_DAY = datetime(2026, 1, 6)  # the twin starts Monday 5 Jan; one warm-up day


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict:
    sc = get_scenario("event-scheduling")
    work = tmp_path_factory.mktemp("event")
    return {p: run_scenario(sc, PARAMS, p, workdir=work) for p in ("none", "agentic")}


def test_registry_and_metric_specs() -> None:
    sc = get_scenario("event-scheduling")
    assert isinstance(sc, EventScheduling)
    names = {m.name for m in sc.metrics}
    assert {"congested_cell_minutes", "busy_hour_thp_mbps", "blocked_user_steps"} <= names


def test_events_are_the_same_for_every_policy_and_cover_the_stadium() -> None:
    sc = EventScheduling()
    opts = {**sc.resolved_options(PARAMS), "_days": 1.0}
    a = plan_events(build_scenario_twin(PARAMS), opts, seed=7, first_day=MEASURED_DAY)
    b = plan_events(build_scenario_twin(PARAMS), opts, seed=7, first_day=MEASURED_DAY)
    assert a == b and len(a.truth) == 1
    ev = a.truth[0]
    twin = build_scenario_twin(PARAMS)
    site = ev.name.rsplit("-", 1)[1]
    own = {
        twin.compiled.cell_ids[c]
        for c in twin.compiled.cells_of_site(twin.compiled.site_index[site])
    }
    assert own <= set(ev.cells) and len(ev.cells) > len(own)  # the stadium and its neighbours
    assert (ev.start.hour, (ev.end - ev.start).total_seconds() / 3600, ev.multiplier) == (19, 3, 6)
    assert a.calendar[0].multiplier == ev.multiplier  # calendar_error 0: the operator knows


def test_agentic_halves_congestion_and_pre_empts(results) -> None:
    none, agentic = results["none"], results["agentic"]
    assert none.metrics["congested_cell_minutes"] > 0  # a x6 surge congests the area
    assert agentic.metrics["congested_cell_minutes"] <= 0.5 * none.metrics["congested_cell_minutes"]
    assert agentic.metrics["busy_hour_thp_mbps"] > none.metrics["busy_hour_thp_mbps"]
    assert agentic.metrics["blocked_user_steps"] < none.metrics["blocked_user_steps"]
    assert agentic.metrics["lead_time_min"] > 0  # first action before the crowd arrives
    assert none.metrics["actions"] == 0 and agentic.metrics["actions"] > 0
    checks = get_scenario("event-scheduling").targets(results)
    assert checks[0].met, checks[0]
    assert any(r["key"].startswith("congestion:event:") for r in agentic.incidents)


def test_metrics_follow_their_definitions(results) -> None:
    none = results["none"]
    tl = none.timeline
    assert len(tl) == PARAMS.steps
    assert none.metrics["congested_cell_minutes"] == pytest.approx(tl["congested_cells"].sum() * 15)
    assert none.metrics["blocked_user_steps"] == pytest.approx(tl["blocked_users"].sum())
    during = tl["in_event"] > 0
    assert during.sum() == 12  # 3 h plateau of 15-minute steps
    assert none.metrics["busy_hour_thp_mbps"] == pytest.approx(
        tl.loc[during, "event_thp_mbps"].mean()
    )
    assert np.isnan(none.metrics["lead_time_min"]) and none.metrics["extra_carrier_hours"] == 0


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"multiplier": 0.5}, "multiplier"),
        ({"events": 0}, "events"),
        ({"stadium": "S1"}, "no option 'stadium'"),
        ({"hours": "lots"}, "hours"),
    ],
)
def test_bad_options_are_rejected(options: dict, match: str, tmp_path: Path) -> None:
    sc = get_scenario("event-scheduling")
    with pytest.raises(ScenarioError, match=match):
        run_scenario(
            sc, ScenarioParams(sites=5, days=0.1, options=options), "none", workdir=tmp_path
        )


def test_unknown_policy_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="policy"):
        run_scenario(get_scenario("event-scheduling"), PARAMS, "magic", workdir=tmp_path)
