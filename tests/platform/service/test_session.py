"""The network session: started, saved, loaded, advanced; a fault found, acted on, verified."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from session_helpers import open_session

from autonet.errors import BadInputError, ConflictError, NotFoundError, RefusedError
from autonet.platform.config import Settings
from autonet.platform.service import NetworkSession, NetworkSpec

CUT = "AGG002--CR01"  # an aggregation uplink with a detour over the ring (30 sites, seed 7)


def test_a_second_start_refuses_without_replace(home: Path) -> None:
    with pytest.raises(ConflictError, match="--replace"):
        NetworkSession.start(home / "network", spec=NetworkSpec(sites=5),
                             settings=Settings(home=home))  # fmt: skip
    fresh = NetworkSession.start(home / "network", spec=NetworkSpec(sites=5, seed=3),
                                 replace=True, settings=Settings(home=home))  # fmt: skip
    try:
        assert len(fresh.twin.compiled.cell_ids) == 15  # 5 sites x 3 sectors
    finally:
        fresh.close()


def test_no_session_and_a_corrupt_session_are_clear_errors(tmp_path: Path, home: Path) -> None:
    with pytest.raises(NotFoundError, match="autonet network start"):
        NetworkSession.load(tmp_path / "nowhere", settings=Settings(home=tmp_path))
    (home / "network" / "session.json").write_text("{not json")
    with pytest.raises(BadInputError, match="unreadable"):
        open_session(home)


@pytest.mark.parametrize(
    ("spec", "needle"),
    [
        (NetworkSpec(sites=0), "sites must be in 1..2000"),
        (NetworkSpec(sites=10, layers="triple"), "layers must be"),
        (NetworkSpec(sites=10, seed=-1), "seed"),
        (NetworkSpec(sites=10, backbone="NoSuchNet"), "NoSuchNet"),
    ],
)
def test_bad_network_specs_say_what_is_expected(tmp_path: Path, spec: NetworkSpec,
                                                needle: str) -> None:  # fmt: skip
    with pytest.raises(BadInputError, match=needle):
        NetworkSession.start(tmp_path / "net", spec=spec, settings=Settings(home=tmp_path))


def test_a_session_is_locked_while_a_command_uses_it(session: NetworkSession, home: Path) -> None:
    with pytest.raises(ConflictError, match="another command"):
        open_session(home)


def test_advance_moves_the_clock_in_whole_steps_and_refuses_bad_minutes(
    session: NetworkSession,
) -> None:
    start = session.twin.now
    report = session.advance(20)  # two 15-minute steps
    assert report.steps == 2
    assert session.twin.now - start == timedelta(minutes=30)
    for bad in (0, -5, float("nan"), 10**6, "60"):
        with pytest.raises(BadInputError, match="minutes"):
            session.advance(bad)  # type: ignore[arg-type]


def test_inject_is_an_admin_tool_and_checks_its_spec(session: NetworkSession) -> None:
    with pytest.raises(RefusedError, match="admin"):
        session.inject(f"fibre_cut@{CUT}", role="operator")
    with pytest.raises(BadInputError, match="TYPE@TARGET"):
        session.inject("fibre_cut")
    with pytest.raises(BadInputError, match="unknown fault type 'meteor'"):
        session.inject(f"meteor@{CUT}")
    assert session.twin.faults == []


def test_a_fibre_cut_is_found_rerouted_and_verified_across_commands(home: Path) -> None:
    with open_session(home) as s:
        s.inject(f"fibre_cut@{CUT}")
    with open_session(home) as s:  # a new command: everything reloaded from the state dir
        report = s.advance(120)
    assert [i["kind"] for i in report.opened] == ["fault"]
    assert [(a["kind"], a["target"]) for a in report.applied] == [("reroute", CUT)]
    assert [v["status"] for v in report.verdicts] == ["FULFILLED"]
    with open_session(home) as s:
        status = s.status()
    (incident,) = status["incidents"]
    assert incident["root_cause"]["node"] == CUT
    assert incident["root_cause"]["fault_type"] == "fibre_cut"
    assert incident["status"] == "fulfilled"
    assert [a["kind"] for a in incident["actions"]] == ["reroute"]
    assert incident["verdict"]["status"] == "FULFILLED"
    # what an operator sees never carries the ground truth of the injected fault
    assert status["alarm_count"] == len(status["alarms"]) > 0
    for alarm in status["alarms"]:
        assert set(alarm) == {"id", "type", "node", "severity", "raised_at"}
        assert "F0001" not in alarm["id"]


def test_learned_priors_live_in_the_database_and_survive_a_process_restart(home: Path) -> None:
    with open_session(home) as s:
        s.inject(f"fibre_cut@{CUT}")
        s.advance(120)
        learned = s.memory.learned.get("priors") if s.memory.learned else None
    assert learned == {"fibre_cut|reroute": [1, 1]}  # one reroute, verified once
    code = (
        "import json, sys; from pathlib import Path; "
        "from autonet.platform.config import Settings; "
        "from autonet.platform.service import NetworkSession; "
        "h = Path(sys.argv[1]); "
        "s = NetworkSession.load(h / 'network', settings=Settings(home=h)); "
        "print(json.dumps(s.loop.ctx.models.get('priors'))); s.close()"
    )
    out = subprocess.run([sys.executable, "-c", code, str(home)], capture_output=True, text=True,
                         check=True, timeout=120)  # fmt: skip
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {"fibre_cut|reroute": [1, 1]}


def test_a_crash_mid_save_leaves_the_previous_state(home: Path) -> None:
    with open_session(home) as s:
        clock = s.twin.now
    generation = json.loads((home / "network" / "session.json").read_text())["generation"]
    # a half-written temporary file from a crashed save is ignored on load
    (home / "network" / ".state-999999.pkl.tmp").write_bytes(b"\x80\x05garbage")
    with open_session(home) as s:
        assert s.twin.now == clock
        assert s.generation == generation


@pytest.mark.postgres
def test_a_session_keeps_its_records_and_priors_in_postgresql(pg_url: str, tmp_path: Path) -> None:
    import uuid

    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(pg_url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(pg_url).update_query_dict({"options": f"-csearch_path={schema}"})
    settings = Settings(home=tmp_path, database_url=url.render_as_string(hide_password=False))
    try:
        with NetworkSession.start(tmp_path / "net", spec=NetworkSpec(sites=30),
                                  settings=settings) as s:  # fmt: skip
            s.inject(f"fibre_cut@{CUT}")
            s.advance(120)
            rid = s.submit("show the alarms of S0012", caller="ana", role="operator").id
        with NetworkSession.load(tmp_path / "net", settings=settings) as s:
            assert s.service.get(rid).status == "answered"
            assert s.loop.ctx.models["priors"] == {"fibre_cut|reroute": [1, 1]}
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_a_rerouted_fibre_cut_still_gets_a_crew_and_is_repaired(home: Path) -> None:
    from autonet.knowledge.memory.work_orders import WorkOrderStore

    with open_session(home) as s:
        s.inject(f"fibre_cut@{CUT}")
        s.advance(120)
        (order,) = WorkOrderStore(s.memory.engine).list()
        assert (order.target, order.target_kind) == (CUT, "link")
        assert order.status in ("open", "in_progress")
        for _ in range(14):  # up to two weeks: a lognormal repair time, seeded
            if all(f.end is not None and f.end <= s.twin.now for f in s.twin.faults):
                break
            s.advance(24 * 60)
        (done,) = WorkOrderStore(s.memory.engine).list()
        assert done.status == "completed"
        assert s.status()["alarm_count"] == 0  # the repaired fibre's alarms cleared
