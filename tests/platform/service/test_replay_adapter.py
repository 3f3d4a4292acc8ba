"""Imported operator data is a loop source: alarms replayed into perception, KPIs observed."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from autonet.errors import BadInputError
from autonet.knowledge.io.alarms import import_alarms
from autonet.knowledge.memory import init_db
from autonet.platform.config import Settings
from autonet.platform.service import NetworkSession, NetworkSpec
from autonet.platform.service.adapter import ReplayAdapter
from autonet.twin import Twin, build_topology

CUT = "AGG002--CR01"


def _alarm_log(path: Path) -> int:
    """The alarm log of a fibre cut on another copy of the network, as an operator exports it
    (named columns, no fault ids): the replayed session never sees the fault itself."""
    twin = Twin(build_topology(n_sites=30, seed=7), seed=7)
    twin.run(2)
    twin.inject_fault("fibre_cut", CUT)
    twin.run(4)
    rows = [(a.alarm_type, a.node, a.raised_at.isoformat(), a.severity) for a in twin.alarms]
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["alarm_type", "node", "raised_at", "severity"])
        w.writerows(rows)
    return len(rows)


def test_replayed_alarms_open_an_incident_with_the_right_root_cause(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    n = _alarm_log(tmp_path / "alarms.csv")
    import_alarms(init_db(settings.resolved_database_url), tmp_path / "alarms.csv",
                  check_nodes=False)  # fmt: skip
    session = NetworkSession.start(tmp_path / "net", spec=NetworkSpec(sites=30, source="replay"),
                                   settings=settings)  # fmt: skip
    try:
        assert session.twin.faults == []  # the session's network has no injected fault
        report = session.advance(60)
        assert sum(o.get("alarms", 0) for o in report.observed) == n
        (incident,) = session.status()["incidents"]
        assert incident["root_cause"]["node"] == CUT
        assert incident["root_cause"]["fault_type"] == "fibre_cut"
        described = session.status()["network"]
        assert described["adapter"] == "replay"
        assert described["alarms"] == {"fed": n, "left": 0}
    finally:
        session.close()


def test_replayed_kpis_overwrite_what_the_loop_observes(tmp_path: Path) -> None:
    twin = Twin(build_topology(n_sites=3, seed=1), seed=1)
    twin.run(1)
    cell = twin.compiled.cell_ids[0]
    t0 = twin.now
    adapter = ReplayAdapter(twin, [], [(t0, cell, "RRU.PrbUsedDl", 0.97)])
    adapter.step()
    last = twin.kpi_array("RRU.PrbUsedDl", "cell", last=1)
    assert float(last[0, twin.compiled.cell_index[cell]]) == pytest.approx(0.97)
    assert adapter.describe()["kpis"] == {"fed": 1, "left": 0}


def test_replay_with_nothing_imported_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="autonet import"):
        NetworkSession.start(tmp_path / "net", spec=NetworkSpec(sites=5, source="replay"),
                             settings=Settings(home=tmp_path))  # fmt: skip
    twin = Twin(build_topology(n_sites=3, seed=1), seed=1)
    with pytest.raises(BadInputError, match="node not in the topology"):
        ReplayAdapter(twin, [(twin.now, None, "LINK_DOWN", "NOWHERE", "major", "1")], [])
